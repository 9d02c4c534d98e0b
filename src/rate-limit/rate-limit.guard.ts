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
 * At most RATE_LIMIT_PER_USER requests per window for each signed-in user, and
 * RATE_LIMIT_PER_ANONYMOUS per client network for everything anonymous: public routes
 * and requests whose credentials fail (so floods of bad tokens are limited too). Over the
 * limit: 429 with Retry-After. If the counter store fails, requests are let through (and
 * the failure logged): a Redis outage must not take the API down.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly settings: AppConfig['rateLimit'];
  private lastWarning = 0;

  constructor(
    config: ConfigService<AppConfig, true>,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
  ) {
    this.settings = config.get('rateLimit', { infer: true });
  }

  /** Counts this request for its user (or its network when anonymous); throws 429 over the limit. */
  async enforce(req: Request, res: Response, user: Principal | undefined): Promise<void> {
    const limit = user ? this.settings.perUser : this.settings.perAnonymous;
    if (limit === 0) return;
    let count: number;
    let resetMs: number;
    try {
      const key = user ? `user:${user.id}` : `ip:${clientNetwork(req.ip)}`;
      ({ count, resetMs } = await this.store.hit(key, this.settings.windowSec * 1000));
    } catch (err) {
      if (Date.now() - this.lastWarning > 30_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`Rate limit counters unavailable, not limiting: ${(err as Error).message}`);
      }
      return;
    }
    const resetSec = Math.max(1, Math.ceil(resetMs / 1000));
    res.setHeader('RateLimit-Limit', String(limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - count)));
    res.setHeader('RateLimit-Reset', String(resetSec));
    if (count <= limit) return;
    throw new HttpErrorWithHeaders(429, `Too many requests: at most ${limit} per ${this.settings.windowSec} s; retry in ${resetSec} s`, {
      'Retry-After': String(resetSec),
    });
  }
}

/** Global guard, after authentication: applies the limits to every request that got through it. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    await this.limiter.enforce(req, http.getResponse<Response>(), req.user as Principal | undefined);
    return true;
  }
}
