import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '../auth/principal.js';
import { HttpErrorWithHeaders } from '../common/http-error.js';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import type { RateLimitStore } from './rate-limit.store.js';

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

/**
 * The unit anonymous limits count: an IPv4 address, or the /64 network of an IPv6 one
 * (one subscriber usually holds a whole /64, so single addresses are free to rotate).
 */
export function clientNetwork(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4) return v4[1];
  const [head, tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => (g || '0').replace(/^0+(?=.)/, '').toLowerCase()).join(':')}::/64`;
}

/**
 * Global guard, after authentication: at most RATE_LIMIT_PER_USER requests per window
 * for each signed-in user, RATE_LIMIT_PER_ANONYMOUS per client IP for public routes.
 * Over the limit: 429 with Retry-After. If the counter store fails, requests are let
 * through (and the failure logged): a Redis outage must not take the API down.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger(RateLimitGuard.name);
  private readonly settings: AppConfig['rateLimit'];
  private lastWarning = 0;

  constructor(
    config: ConfigService<AppConfig, true>,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
  ) {
    this.settings = config.get('rateLimit', { infer: true });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const user = req.user as Principal | undefined;
    const limit = user ? this.settings.perUser : this.settings.perAnonymous;
    if (limit === 0) return true;
    const windowMs = this.settings.windowSec * 1000;
    let count: number;
    let resetMs: number;
    try {
      ({ count, resetMs } = await this.store.hit(user ? `user:${user.id}` : `ip:${clientNetwork(req.ip)}`, windowMs));
    } catch (err) {
      if (Date.now() - this.lastWarning > 30_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`Rate limit counters unavailable, not limiting: ${(err as Error).message}`);
      }
      return true;
    }
    const resetSec = Math.max(1, Math.ceil(resetMs / 1000));
    const res = http.getResponse<Response>();
    res.setHeader('RateLimit-Limit', String(limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - count)));
    res.setHeader('RateLimit-Reset', String(resetSec));
    if (count <= limit) return true;
    throw new HttpErrorWithHeaders(429, `Too many requests: at most ${limit} per ${this.settings.windowSec} s; retry in ${resetSec} s`, {
      'Retry-After': String(resetSec),
    });
  }
}
