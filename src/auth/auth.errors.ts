import { HttpErrorWithHeaders } from '../common/http-error.js';

export { HttpErrorWithHeaders };

const quote = (s: string) => s.replace(/["\\]/g, '');

/**
 * RFC 6750 §3: no credentials gets a bare challenge; a bad token gets
 * `error="invalid_token"` with a short, non-sensitive description.
 */
export const bearerChallenge = (error?: { code: string; description: string }) =>
  error
    ? `Bearer realm="rolegate", error="${error.code}", error_description="${quote(error.description)}"`
    : 'Bearer realm="rolegate"';

export class MissingBearerToken extends HttpErrorWithHeaders {
  constructor() {
    super(401, 'Missing bearer token: send Authorization: Bearer <access token>', {
      'WWW-Authenticate': bearerChallenge(),
    });
  }
}

export class InvalidToken extends HttpErrorWithHeaders {
  constructor(readonly reason: string) {
    super(401, `Invalid token: ${reason}`, {
      'WWW-Authenticate': bearerChallenge({ code: 'invalid_token', description: reason }),
    });
  }
}

/** The identity provider could not be reached and no cached key can verify the token. */
export class IdentityProviderUnavailable extends HttpErrorWithHeaders {
  constructor(retryAfterSec: number) {
    super(503, 'The identity provider is unreachable; try again shortly', { 'Retry-After': String(retryAfterSec) });
  }
}

export class NotSignedIn extends HttpErrorWithHeaders {
  constructor(reason: string) {
    super(401, `${reason}. Sign in with POST /auth/dev-login and a JSON body such as {"sub":"carol"}`, {
      'WWW-Authenticate': 'Cookie realm="rolegate", sign-in="/auth/dev-login"',
    });
  }
}
