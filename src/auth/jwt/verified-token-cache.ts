import { hash, type KeyObject } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { systemClock, type Clock } from '../../common/clock.js';

interface Entry {
  payload: JWTPayload;
  key: KeyObject;
  expiresAt: number;
}

/**
 * Remembers tokens that passed verification, keyed by their SHA-256, so a client that
 * sends the same token again and again (a GPT does, for the token's whole life) costs a
 * hash instead of a signature check. An entry never outlives the token's `exp`, and is
 * used only while the key that verified it is still trusted (for jwt_oidc: still in the
 * issuer's key set). Bounded: the oldest entries go first.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly clock: Clock = systemClock,
  ) {}

  static digest(token: string): string {
    return hash('sha256', token, 'base64url'); // one-shot: no Hash object per request
  }

  get(digest: string, isTrusted: (key: KeyObject) => boolean): JWTPayload | undefined {
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now() || !isTrusted(entry.key)) {
      this.entries.delete(digest);
      return undefined;
    }
    return entry.payload;
  }

  set(digest: string, payload: JWTPayload, key: KeyObject): void {
    if (typeof payload.exp !== 'number') return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(digest, { payload, key, expiresAt: payload.exp * 1000 });
  }

  get size(): number {
    return this.entries.size;
  }
}
