import { Logger } from '@nestjs/common';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { systemClock, type Clock } from '../../common/clock.js';
import type { JwtSettings } from '../../config/config.schema.js';
import { HttpErrorWithHeaders, InvalidToken } from '../auth.errors.js';
import type { KeySource } from './key-source.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/**
 * Verifies a compact JWS access token. Everything that decides trust comes from
 * configuration: the accepted algorithms (never the token's own `alg` choice, never
 * `none`), the issuer and audiences, and the key source. The token's header is used
 * only to pick among keys rolegate already trusts.
 */
export class JwtVerifier {
  private readonly logger = new Logger(JwtVerifier.name);
  private readonly cache: VerifiedTokenCache;

  constructor(
    private readonly settings: JwtSettings,
    private readonly keys: KeySource,
    private readonly clock: Clock = systemClock,
  ) {
    this.cache = new VerifiedTokenCache(10_000, clock);
  }

  async verify(token: string): Promise<JWTPayload> {
    const digest = VerifiedTokenCache.digest(token);
    const cached = this.cache.get(digest, (key) => this.keys.isTrusted(key));
    if (cached) return cached;
    const segments = token.split('.').length;
    if (segments === 5) throw new InvalidToken('encrypted tokens (JWE) are not accepted');
    if (segments !== 3) throw new InvalidToken('malformed token');

    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidToken('malformed token header');
    }
    if (typeof header.alg !== 'string' || !(this.settings.algorithms as readonly string[]).includes(header.alg)) {
      // Naming both is safe (the accepted list is no secret) and says at once what a mismatched JWT_ALG does.
      const came = typeof header.alg === 'string' ? header.alg.replace(/[^A-Za-z0-9+._-]/g, '').slice(0, 20) : 'none given';
      throw new InvalidToken(`token algorithm ${came} is not accepted (accepted: ${this.settings.algorithms.join(', ')})`);
    }

    const key = await this.keys.getKey(header);
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [header.alg],
        issuer: this.settings.issuer,
        audience: this.settings.audiences,
        clockTolerance: this.settings.clockToleranceSec,
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['exp', 'iss', 'aud', 'sub'],
        // JWT_TYP=at+jwt (RFC 9068) refuses ID tokens and other JWTs issued for the same audience.
        ...(this.settings.type ? { typ: this.settings.type } : {}),
      });
      this.cache.set(digest, payload, key);
      return payload;
    } catch (err) {
      throw this.explain(err);
    }
  }

  private explain(err: unknown): HttpErrorWithHeaders {
    if (err instanceof errors.JWTExpired) return new InvalidToken('token has expired');
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'nbf') return new InvalidToken('token is not valid yet');
      if (err.claim === 'typ') return new InvalidToken(`token type (typ header) must be ${this.settings.type}`);
      return new InvalidToken(`"${err.claim}" claim ${err.reason === 'missing' ? 'is missing' : 'is not accepted'}`);
    }
    if (err instanceof errors.JWSSignatureVerificationFailed) return new InvalidToken('signature verification failed');
    if (err instanceof errors.JOSEAlgNotAllowed) return new InvalidToken('token algorithm is not accepted');
    if (err instanceof errors.JOSEError) return new InvalidToken('malformed token');
    this.logger.debug(`Unexpected error while verifying a token: ${String(err)}`);
    return new InvalidToken('token could not be verified');
  }
}
