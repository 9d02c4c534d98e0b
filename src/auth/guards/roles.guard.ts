import { ForbiddenException, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ACCESS_KEY, type AccessRule } from '../decorators/access.decorator.js';
import type { Principal } from '../principal.js';

/**
 * Global guard after authentication: a signed-in user without one of the route's roles
 * gets 403 (they are known, just not allowed). A route that declares no access rule at
 * all is refused too, so forgetting the rule can only ever close a route.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly logger = new Logger(RolesGuard.name);

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no access rule; refusing`);
      throw new ForbiddenException('This route declares no access rule');
    }
    const refusal = refusalOf(rule, context.switchToHttp().getRequest<Request>().user as Principal | undefined);
    if (refusal) throw new ForbiddenException(refusal);
    return true;
  }
}

/** Why a signed-in caller may not use a route with this rule (undefined: they may). Shared by REST and MCP tools. */
export function refusalOf(rule: AccessRule, user: Principal | undefined): string | undefined {
  if (rule.kind !== 'roles' || (user && rule.roles.some((r) => user.roles.includes(r)))) return undefined;
  return `Requires one of the roles: ${rule.roles.join(', ')}`;
}
