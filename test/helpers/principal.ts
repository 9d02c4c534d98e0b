import type { Principal } from '../../src/auth/principal.js';

/** A signed-in caller for tests that call services directly: a sales user in EU unless told otherwise. */
export const principal = (fields: Partial<Principal> = {}): Principal => ({
  id: '11111111-1111-4111-8111-111111111111',
  sub: 'carol',
  name: null,
  email: null,
  roles: ['sales'],
  region: 'EU',
  authType: 'cookie',
  clientId: null,
  ...fields,
});
