import { z } from 'zod';
import { all, defineResource } from '../access/resource.js';
import { APP_ROLES, REGIONS } from '../access/roles.js';
import { users } from '../database/schema.js';

/** Users and the roles assigned to them inside rolegate: admins only. */
export const userResource = defineResource({
  name: 'user',
  table: users,
  fields: {
    id: { column: users.id, schema: z.uuid().describe('User id') },
    sub: { column: users.sub, schema: z.string() },
    name: { column: users.name, schema: z.string().nullable() },
    email: { column: users.email, schema: z.string().nullable() },
    region: { column: users.region, schema: z.enum(REGIONS).nullable() },
    roles: { column: users.roles, schema: z.array(z.enum(APP_ROLES)).describe('Roles assigned inside rolegate') },
    tokenRoles: { column: users.tokenRoles, schema: z.array(z.enum(APP_ROLES)).describe("Roles the user's latest token carried") },
    tokenRegion: { column: users.tokenRegion, schema: z.enum(REGIONS).nullable().describe("Region the user's latest token carried") },
  },
  sorts: { createdAt: users.createdAt, sub: users.sub },
  // PUT /api/users/:id/roles replaces them (users.service.ts).
  update: { roles: z.array(z.enum(APP_ROLES)) },
  grants: { admin: { rows: all, update: ['roles'] } },
});
