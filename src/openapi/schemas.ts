import { z } from 'zod';
import { APP_ROLES, REGIONS } from '../access/roles.js';
import { AUTH_TYPES } from '../config/config.schema.js';

/**
 * Response shapes that belong to no resource. A resource's own shapes (item and page)
 * derive from its declaration (access/resource.ts).
 */
const id = (what: string) => z.uuid().describe(what);
const region = z.enum(REGIONS);

/** Registered as components.schemas.Error by the OpenAPI service. */
export const ErrorSchema = z.object({
  statusCode: z.number().int().min(400).max(599),
  error: z.string().describe('HTTP reason phrase'),
  message: z.union([z.string(), z.array(z.string())]).describe('What went wrong; for bad input, one message per field'),
});

export const PrincipalSchema = z
  .object({
    id: id('rolegate user id (what ownerId and assigneeId hold)'),
    sub: z.string().describe('Subject at the identity provider'),
    name: z.string().nullable(),
    email: z.string().nullable(),
    roles: z.array(z.enum(APP_ROLES)),
    region: region.nullable().describe('Region that scopes manager and support data; null is global'),
    authType: z.enum(AUTH_TYPES),
    clientId: z.string().nullable().describe("The OAuth client the token was issued to (the token's azp or client_id); null in cookie mode"),
  })
  .meta({ id: 'Principal' });

export const HealthSchema = z
  .object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgres']) })
  .meta({ id: 'Health' });
