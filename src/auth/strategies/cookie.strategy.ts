import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '../../config/typed-config.js';
import type { AppConfig } from '../../config/config.schema.js';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { toPrincipal, UsersService } from '../../users/users.service.js';
import { NotSignedIn } from '../auth.errors.js';
import type { Principal } from '../principal.js';
import { RequestStrategy } from './request.strategy.js';

export const SESSION_COOKIE = 'rolegate_session';

export const readSession = (req: Request): unknown => (req.signedCookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];

interface Session {
  sub: string;
  exp: number;
  /** When it was issued, in ms: a sign-out ends every session issued before it. */
  iat?: number;
}

export const isSession = (v: unknown): v is Session =>
  typeof v === 'object' && v !== null && typeof (v as Session).sub === 'string' && Number.isFinite((v as Session).exp);

/**
 * Mock sign-in for trying rolegate out: a demo user's name in an HMAC-signed, HttpOnly,
 * SameSite=Strict cookie with its own expiry. No cookie means 401, never a shared
 * default user; an unsigned, tampered or expired cookie is 401 as well, and so is one
 * issued before the user last signed out.
 */
@Injectable()
export class CookieStrategy extends PassportStrategy(RequestStrategy) {
  constructor(config: ConfigService<AppConfig, true>, private readonly users: UsersService) {
    super('cookie');
    const auth = config.get('auth', { infer: true });
    if (auth.type === 'cookie' && auth.cookieSecretGenerated) {
      new Logger(CookieStrategy.name).warn('COOKIE_SECRET is not set: using a random secret, so sessions end when rolegate restarts');
    }
  }

  async validate(req: Request): Promise<Principal> {
    const raw = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    const signed = readSession(req);
    if (signed === undefined && raw === undefined) throw new NotSignedIn('Not signed in');
    if (!isSession(signed)) throw new NotSignedIn('The session cookie is invalid');
    if (signed.exp <= Date.now() / 1000) throw new NotSignedIn('The session has expired');
    const user = await this.users.findBySub(signed.sub);
    if (!user) throw new NotSignedIn('The signed-in user no longer exists');
    // Signing out ends the session on the server too: a copy of the cookie kept from before is refused.
    if (user.signedOutAt && (signed.iat ?? 0) <= user.signedOutAt.getTime()) throw new NotSignedIn('The session has ended: signed out');
    return toPrincipal(user, { sub: user.sub, roles: [] }, 'cookie');
  }
}
