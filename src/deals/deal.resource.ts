import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { all, defineResource, inRegion } from '../access/resource.js';
import { REGIONS } from '../access/roles.js';
import { enumFilter, uuidFilter } from '../common/params.js';
import { isoDate, requiredText } from '../common/patch.js';
import { customerResource } from '../customers/customer.resource.js';
import { customers, DEAL_STAGES, deals } from '../database/schema.js';

const stage = z.enum(DEAL_STAGES, { message: `stage must be one of ${DEAL_STAGES.join(', ')}` });
const amount = z
  .number({ message: 'amount must be a number' })
  .min(0, { message: 'amount must be zero or more' })
  .max(999_999_999_999.99, { message: 'amount is too large' })
  .refine((n) => Math.round(n * 100) === Number((n * 100).toFixed(6)), { message: 'amount has at most two decimals' })
  .describe('Deal value in the deal currency, up to two decimals');

/**
 * Sales deals. Managers see and change their region's, sales their own (stage and amount
 * only), auditors all, read only; support has no access. Sales create deals for customers
 * they own and always own them; managers create deals for customers of their region.
 */
export const dealResource = defineResource({
  name: 'deal',
  table: deals,
  fields: {
    id: { column: deals.id, schema: z.uuid().describe('Deal id') },
    customerId: { column: deals.customerId, schema: z.uuid().describe('Customer id') },
    title: { column: deals.title, schema: z.string() },
    stage: { column: deals.stage, schema: z.enum(DEAL_STAGES) },
    amount: { column: deals.amount, schema: z.number().describe('Deal value in the deal currency') },
    currency: { column: deals.currency, schema: z.string().describe('ISO 4217 code') },
    ownerId: { column: deals.ownerId, schema: z.uuid().describe('User id of the sales owner') },
    region: { column: deals.region, schema: z.enum(REGIONS).describe("The customer's region") },
    closeDate: { column: deals.closeDate, schema: z.string().describe('Expected close date, YYYY-MM-DD') },
  },
  sorts: { createdAt: deals.createdAt, closeDate: deals.closeDate, amount: deals.amount },
  scopes: [deals.region, deals.ownerId],
  filters: {
    stage: enumFilter('stage', DEAL_STAGES),
    region: enumFilter('region', REGIONS),
    customerId: uuidFilter('customerId', 'Only deals of this customer id'),
    ownerId: uuidFilter('ownerId', 'Only deals owned by this user id'),
  },
  update: { stage, amount, closeDate: isoDate('closeDate').describe('Expected close date, YYYY-MM-DD') },
  create: {
    body: {
      customerId: z.uuid({ message: 'customerId must be a customer id (UUID)' }),
      title: requiredText('title', 200),
      amount,
      currency: z.string({ message: 'currency must be an ISO 4217 code such as EUR' }).regex(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' }),
      closeDate: isoDate('closeDate'),
      stage: stage.default('prospect'),
      ownerId: z.uuid({ message: 'ownerId must be a user id (UUID)' }).optional().describe('A sales user of the customer\'s region; sales always own the deals they create'),
    },
    parent: { field: 'customerId', resource: () => customerResource, columns: ['region', 'ownerId'] },
    // Region comes from the customer; the owner is the caller when they are in sales, else the customer's owner.
    values: (user, body, customer) => ({
      ...body,
      region: customer.region,
      ownerId: body.ownerId ?? (user.roles.includes('sales') ? user.id : customer.ownerId),
    }),
  },
  references: { ownerId: { role: 'sales', sameRegion: true } },
  grants: {
    admin: { rows: all, update: ['stage', 'amount', 'closeDate'], create: true, delete: true },
    manager: { rows: (u) => inRegion(deals.region, u), update: ['stage', 'amount', 'closeDate'], create: true },
    sales: {
      rows: (u) => eq(deals.ownerId, u.id),
      update: ['stage', 'amount'],
      create: {
        check: (u) =>
          and(eq(deals.ownerId, u.id), sql`exists (select 1 from ${customers} where ${customers.id} = ${deals.customerId} and ${customers.ownerId} = ${u.id})`),
      },
    },
    auditor: { rows: all },
    // support: no access to deals (403)
  },
});
