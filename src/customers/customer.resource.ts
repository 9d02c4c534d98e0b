import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { all, defineResource, inRegion } from '../access/resource.js';
import { REGIONS } from '../access/roles.js';
import { enumFilter, uuidFilter } from '../common/params.js';
import { requiredText } from '../common/patch.js';
import { customers } from '../database/schema.js';

/**
 * Customer accounts. Managers and support see their region, sales the customers they
 * own; support does not get revenue, auditors do not get contact details. Admins create
 * anywhere, managers in their region; the owner must be a sales user of that region.
 */
export const customerResource = defineResource({
  name: 'customer',
  table: customers,
  fields: {
    id: { column: customers.id, schema: z.uuid().describe('Customer id') },
    name: { column: customers.name, schema: z.string() },
    region: { column: customers.region, schema: z.enum(REGIONS) },
    ownerId: { column: customers.ownerId, schema: z.uuid().describe('User id of the sales owner') },
    industry: { column: customers.industry, schema: z.string() },
    annualRevenue: { column: customers.annualRevenue, schema: z.number().describe('Yearly revenue in the currency of the region') },
    contactEmail: { column: customers.contactEmail, schema: z.string() },
    contactPhone: { column: customers.contactPhone, schema: z.string() },
  },
  sorts: { createdAt: customers.createdAt, name: customers.name },
  scopes: [customers.region, customers.ownerId],
  filters: {
    region: enumFilter('region', REGIONS),
    ownerId: uuidFilter('ownerId', 'Only customers owned by this user id'),
  },
  create: {
    body: {
      name: requiredText('name', 200).describe('Company name'),
      region: z.enum(REGIONS, { message: `region must be one of ${REGIONS.join(', ')}` }),
      ownerId: z.uuid({ message: 'ownerId must be a user id (UUID)' }).describe('A sales user of the region'),
      industry: requiredText('industry', 100),
      annualRevenue: z
        .number({ message: 'annualRevenue must be a number' })
        .int({ message: 'annualRevenue must be a whole number' })
        .min(0, { message: 'annualRevenue must be zero or more' })
        .max(Number.MAX_SAFE_INTEGER, { message: 'annualRevenue is too large' }),
      contactEmail: z.email({ message: 'contactEmail must be an email address' }).max(320),
      contactPhone: requiredText('contactPhone', 40),
    },
    values: (_user, body) => body,
  },
  references: { ownerId: { role: 'sales', sameRegion: true } },
  grants: {
    admin: { rows: all, create: true, delete: true },
    manager: { rows: (u) => inRegion(customers.region, u), create: true },
    sales: { rows: (u) => eq(customers.ownerId, u.id) },
    support: { rows: (u) => inRegion(customers.region, u), hide: ['annualRevenue'] },
    auditor: { rows: all, hide: ['contactEmail', 'contactPhone'] },
  },
});
