import { systemClock, type Clock } from '../../common/clock.js';
import { isSecureUrl } from '../../config/urls.js';
import { fetchJson } from './fetch-json.js';

export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  scopes_supported?: string[];
}

/**
 * The OpenID provider's discovery document, always read from
 * `<JWT_ISS>/.well-known/openid-configuration` (never from a URL in a token), with a
 * timeout, and trusted only when it names exactly the configured issuer (OIDC
 * Discovery §4.3) and keeps its keys on the issuer's host (or one of OIDC_JWKS_HOSTS).
 * Fetched once; after a failure, callers get the same error without a new request until
 * the cooldown has passed.
 */
export class OidcDiscovery {
  private doc: DiscoveryDocument | undefined;
  private inflight: Promise<DiscoveryDocument> | undefined;
  private failure: { at: number; error: Error } | undefined;

  constructor(
    readonly issuer: string,
    private readonly timeoutMs: number,
    private readonly cooldownMs: number,
    /** Hosts besides the issuer's that may serve its keys (OIDC_JWKS_HOSTS). */
    private readonly keyHosts: readonly string[] = [],
    private readonly clock: Clock = systemClock,
  ) {}

  get(): Promise<DiscoveryDocument> {
    if (this.doc) return Promise.resolve(this.doc);
    if (this.inflight) return this.inflight;
    if (this.failure && this.clock.now() - this.failure.at < this.cooldownMs) return Promise.reject(this.failure.error);
    this.inflight = this.fetch()
      .then((doc) => {
        this.doc = doc;
        this.failure = undefined;
        return doc;
      })
      .catch((err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        this.failure = { at: this.clock.now(), error };
        throw error;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetch(): Promise<DiscoveryDocument> {
    const url = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const doc = (await fetchJson(url, this.timeoutMs)) as Partial<DiscoveryDocument>;
    if (doc.issuer !== this.issuer) {
      throw new Error(`discovery names issuer ${JSON.stringify(doc.issuer)}, expected ${JSON.stringify(this.issuer)}`);
    }
    for (const field of ['jwks_uri', 'authorization_endpoint', 'token_endpoint'] as const) {
      const value = doc[field];
      if (value !== undefined && (typeof value !== 'string' || !isSecureUrl(value))) {
        throw new Error(`discovery ${field} is not an https URL`);
      }
    }
    if (typeof doc.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
    // The keys decide who may sign in: take them only from the issuer's own host unless told
    // otherwise, so a discovery document that was tampered with (or a misconfigured one)
    // cannot point rolegate at someone else's keys.
    const keyHost = new URL(doc.jwks_uri).hostname.toLowerCase();
    if (keyHost !== new URL(this.issuer).hostname.toLowerCase() && !this.keyHosts.includes(keyHost)) {
      throw new Error(`discovery jwks_uri is on ${keyHost}, not the issuer's host; add it to OIDC_JWKS_HOSTS if the provider keeps its keys there`);
    }
    return doc as DiscoveryDocument;
  }
}
