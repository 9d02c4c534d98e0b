import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * In-memory storage for oidc-provider that outlives one Provider instance: key rotation
 * builds a new instance, and sessions, grants and refresh tokens must survive it. A
 * development tool's store: everything is lost when the process ends.
 */
export class MemoryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly byGrant = new Map<string, Set<string>>();
  private readonly byUid = new Map<string, string>();
  private readonly byUserCode = new Map<string, string>();

  adapter = (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        this.sweep();
        this.entries.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
        if (payload.grantId) {
          const members = this.byGrant.get(payload.grantId) ?? new Set<string>();
          this.byGrant.set(payload.grantId, members.add(key(id)));
        }
        if (model === 'Session' && payload.uid) this.byUid.set(payload.uid, id);
        if (payload.userCode) this.byUserCode.set(payload.userCode, id);
      },
      find: async (id) => this.get(key(id)),
      findByUid: async (uid) => {
        const id = this.byUid.get(uid);
        return id === undefined ? undefined : this.get(key(id));
      },
      findByUserCode: async (userCode) => {
        const id = this.byUserCode.get(userCode);
        return id === undefined ? undefined : this.get(key(id));
      },
      consume: async (id) => {
        const entry = this.entries.get(key(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.entries.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        for (const member of this.byGrant.get(grantId) ?? []) this.entries.delete(member);
        this.byGrant.delete(grantId);
      },
    };
  };

  private get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  private sweep(): void {
    if (this.entries.size < 10_000) return;
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
