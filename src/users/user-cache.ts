import type { UserRow } from '../database/schema.js';

/** The channel the `users_changed` trigger (drizzle/0002_users_changed.sql) notifies. */
export const USERS_CHANGED = 'rolegate_users_changed';

/**
 * Signed-in users' rows by `sub`, so an authenticated request does not wait for a second
 * database round trip. Correctness comes first:
 *
 * - It only serves while the database's change notifications are known to arrive
 *   (`live`); every UPDATE, DELETE or TRUNCATE on `users`, by any instance or by hand,
 *   drops the affected row when it commits. While notifications are down, nothing is
 *   served and every request reads the database.
 * - A read that was under way when any invalidation arrived is not stored, so a row read
 *   just before a change cannot outlive it (`ticket` / `put`).
 * - Entries expire after `ttlMs` regardless, bounding what a silently dead listening
 *   connection could leave behind; at most `maxEntries` are kept (oldest dropped).
 */
export class UserCache {
  private readonly bySub = new Map<string, { row: UserRow; expires: number }>();
  private readonly subById = new Map<string, string>();
  private generation = 0;
  private notified = false;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Whether change notifications are known to arrive. */
  get live(): boolean {
    return this.notified;
  }

  /** Turned off by configuration (a TTL of 0). */
  get off(): boolean {
    return this.ttlMs <= 0;
  }

  get enabled(): boolean {
    return this.notified && !this.off;
  }

  get(sub: string): UserRow | undefined {
    if (!this.enabled) return undefined;
    const entry = this.bySub.get(sub);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.drop(sub);
      return undefined;
    }
    return entry.row;
  }

  /** Take before reading the database; pass to `put` with what was read. */
  ticket(): number {
    return this.generation;
  }

  put(row: UserRow, ticket: number): void {
    if (!this.enabled || ticket !== this.generation) return;
    this.drop(row.sub);
    if (this.bySub.size >= this.maxEntries) this.drop(this.bySub.keys().next().value!);
    this.bySub.set(row.sub, { row: Object.freeze({ ...row, roles: Object.freeze([...row.roles]) as string[] }), expires: Date.now() + this.ttlMs });
    this.subById.set(row.id, row.sub);
  }

  /** A user changed (by id), or, without an id, possibly every user. */
  invalidate(id?: string): void {
    this.generation++;
    if (id === undefined) return this.clear();
    const sub = this.subById.get(id);
    if (sub !== undefined) this.drop(sub);
  }

  /** Whether change notifications are arriving; either way, what is cached is dropped. */
  setLive(up: boolean): void {
    this.notified = up;
    this.generation++;
    this.clear();
  }

  get size(): number {
    return this.bySub.size;
  }

  private drop(sub: string): void {
    const entry = this.bySub.get(sub);
    if (!entry) return;
    this.bySub.delete(sub);
    this.subById.delete(entry.row.id);
  }

  private clear(): void {
    this.bySub.clear();
    this.subById.clear();
  }
}
