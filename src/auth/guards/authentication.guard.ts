import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import type { Strategy } from 'passport';
import { RateLimiter } from '../../rate-limit/rate-limit.guard.js';
import { ACCESS_KEY, type AccessRule } from '../decorators/access.decorator.js';

export const AUTH_STRATEGY = Symbol('AUTH_STRATEGY');

/**
 * Global guard: every route requires a principal from the one configured Passport
 * strategy, unless it is marked `@Public()`. Closed by default, so a route someone
 * forgot to annotate is never accidentally open.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly passportGuard: IAuthGuard;

  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_STRATEGY) strategy: Strategy,
    private readonly limiter: RateLimiter,
  ) {
    this.passportGuard = new (AuthGuard(strategy.name!))();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (rule?.kind === 'public') return true;
    try {
      return (await this.passportGuard.canActivate(context)) as boolean;
    } catch (err) {
      // A failed attempt counts against the caller's network like any anonymous call.
      const http = context.switchToHttp();
      await this.limiter.enforce(http.getRequest<Request>(), http.getResponse<Response>(), undefined);
      throw err;
    }
  }
}
