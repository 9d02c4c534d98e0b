import { createPublicKey, type KeyObject } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { ProtectedHeaderParameters } from 'jose';
import { JwksClient } from 'jwks-rsa';
import { systemClock, type Clock } from '../../common/clock.js';
import { IdentityProviderUnavailable, InvalidToken } from '../auth.errors.js';
import type { KeySource } from './key-source.js';
import { fetchJson } from './fetch-json.js';
import type { OidcDiscovery } from './oidc-discovery.js';

export interface OidcSettings {
  timeoutMs: number;
  jwksCacheMaxAgeMs: number;
  jwksCooldownMs: number;
}

interface CachedKey {
  key: KeyObject;
  alg?: string;
}

const KEY_TYPES: Record<string, string[]> = {
  RS: ['rsa'],
  PS: ['rsa', 'rsa-pss'],
  ES: ['ec'],
  Ed: ['ed25519', 'ed448'],
};
const suits = (key: CachedKey, alg: string) =>
  (key.alg === undefined || key.alg === alg) && (KEY_TYPES[alg.slice(0, 2)] ?? []).includes(key.key.asymmetricKeyType ?? '');

/**
 * jwt_oidc keys: the JWKS named by the issuer's discovery document, fetched through jwks-rsa.
 *
 * - Keys are cached for JWKS_CACHE_MAX_AGE_SECONDS (10 min by default).
 * - Every fetch, for any reason, waits out JWKS_COOLDOWN_SECONDS (30 s) after the previous
 *   one, and concurrent callers share one fetch: a flood of tokens with random `kid`s costs
 *   the identity provider at most one request per cooldown.
 * - When a refresh fails, the keys already fetched keep working, so an outage of the
 *   identity provider does not sign everybody out; an unknown key then fails with 401,
 *   and with no keys at all rolegate answers 503 rather than hanging or failing with 500.
 * - Only public keys come from a JWKS, so HMAC can never be used with them.
 */
export class OidcKeySource implements KeySource {
  private readonly logger = new Logger(OidcKeySource.name);
  private keys = new Map<string, CachedKey>();
  private jwksUri: string | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private lastError: string | undefined;
  /** How many JWKS documents were fetched (the benchmark reports it). */
  jwksFetches = 0;

  constructor(
    private readonly discovery: OidcDiscovery,
    private readonly oidc: OidcSettings,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Fetches discovery and keys ahead of the first request; failures are only logged. */
  warmUp(): Promise<void> {
    return this.refresh();
  }

  async getKey(header: ProtectedHeaderParameters): Promise<KeyObject> {
    const alg = header.alg as string;
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const cached = this.find(kid, alg);
    if (cached) {
      this.refreshIfStale();
      return cached.key;
    }
    await this.refresh();
    const found = this.find(kid, alg);
    if (found) return found.key;
    if (this.keys.size === 0 && this.lastError !== undefined) {
      throw new IdentityProviderUnavailable(Math.ceil(this.oidc.jwksCooldownMs / 1000));
    }
    throw new InvalidToken(kid ? 'signing key not found' : 'token has no "kid" and the key set has several keys');
  }

  /**
   * Asked for every token served from the verified-token cache: it too starts the refresh
   * of a stale key set, or a client replaying one cached token would keep a key the issuer
   * has retired trusted for as long as no other token came.
   */
  isTrusted(key: KeyObject): boolean {
    this.refreshIfStale();
    for (const cached of this.keys.values()) if (cached.key === key) return true;
    return false;
  }

  /** A stale key still verifies while a refresh runs in the background (and through an outage). */
  private refreshIfStale(): void {
    if (this.clock.now() - this.fetchedAt >= this.oidc.jwksCacheMaxAgeMs) void this.refresh();
  }

  private find(kid: string | undefined, alg: string): CachedKey | undefined {
    if (kid !== undefined) {
      const key = this.keys.get(kid);
      return key && suits(key, alg) ? key : undefined;
    }
    const candidates = [...this.keys.values()].filter((k) => suits(k, alg));
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  /** One fetch at a time, and none within the cooldown of the previous attempt. */
  private refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    const now = this.clock.now();
    if (now - this.lastAttempt < this.oidc.jwksCooldownMs) return Promise.resolve();
    this.lastAttempt = now;
    this.inflight = this.fetchKeys()
      .then(
        () => {
          this.lastError = undefined;
        },
        (err: unknown) => {
          this.lastError = err instanceof Error ? err.message : String(err);
          this.logger.warn(`Could not refresh signing keys from ${this.discovery.issuer}: ${this.lastError}`);
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    this.jwksUri ??= (await this.discovery.get()).jwks_uri;
    const timeoutMs = this.oidc.timeoutMs;
    // jwks-rsa's own timeout only covers an idle socket; this fetcher bounds the whole download.
    const client = new JwksClient({
      jwksUri: this.jwksUri,
      cache: false,
      rateLimit: false,
      timeout: timeoutMs,
      fetcher: async (uri) => (await fetchJson(uri, timeoutMs)) as { keys: unknown[] },
    });
    this.jwksFetches++;
    const signingKeys = await client.getSigningKeys();
    const keys = new Map<string, CachedKey>();
    for (const sk of signingKeys) {
      keys.set(sk.kid ?? `#${keys.size}`, { key: createPublicKey(sk.getPublicKey()), alg: sk.alg || undefined });
    }
    this.keys = keys;
    this.fetchedAt = this.clock.now();
  }
}
