import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { AppRole } from '../../access/roles.js';

export const ACCESS_KEY = 'rolegate:access';
/** Carries the rule into the OpenAPI document (security, error responses); removed before serving. */
export const ACCESS_EXTENSION = 'x-rolegate-access';

const access = (rule: AccessRule) => applyDecorators(SetMetadata(ACCESS_KEY, rule), ApiExtension(ACCESS_EXTENSION, rule));

/** The access rule of a route. Every route declares one; a route without one is refused. */
export type AccessRule =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'roles'; roles: readonly AppRole[] };

/** Open to anyone, signed in or not. */
export const Public = () => access({ kind: 'public' });

/** Any signed-in user, whatever their roles (e.g. "who am I"). */
export const Authenticated = () => access({ kind: 'authenticated' });

/** Signed-in users holding at least one of these roles; others get 403. */
export const Roles = (...roles: AppRole[]) => {
  if (roles.length === 0) throw new Error('@Roles() needs at least one role; use @Authenticated() for any signed-in user');
  return access({ kind: 'roles', roles });
};
