import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { AppRole } from '../../access/roles.js';

export const ACCESS_KEY = 'rolegate:access';

/** The access rule of a route. Every route declares one; a route without one is refused. */
export type AccessRule =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'roles'; roles: readonly AppRole[] };

/** Open to anyone, signed in or not. */
export const Public = () => applyDecorators(SetMetadata(ACCESS_KEY, { kind: 'public' } satisfies AccessRule));

/** Any signed-in user, whatever their roles (e.g. "who am I"). */
export const Authenticated = () =>
  applyDecorators(SetMetadata(ACCESS_KEY, { kind: 'authenticated' } satisfies AccessRule));

/** Signed-in users holding at least one of these roles; others get 403. */
export const Roles = (...roles: AppRole[]) => {
  if (roles.length === 0) throw new Error('@Roles() needs at least one role; use @Authenticated() for any signed-in user');
  return applyDecorators(SetMetadata(ACCESS_KEY, { kind: 'roles', roles } satisfies AccessRule));
};
