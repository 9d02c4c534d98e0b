import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import type { Strategy } from 'passport';
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
  ) {
    this.passportGuard = new (AuthGuard(strategy.name!))();
  }

  canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (rule?.kind === 'public') return true;
    return this.passportGuard.canActivate(context) as Promise<boolean>;
  }
}
