import { sql } from 'drizzle-orm';
import { check, date, foreignKey, index, numeric, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../../src/database/schema.js';

/**
 * Invoices of the sales CRM: the table (in your own project, beside the others in
 * src/database/schema.ts). One index per (row rule column, sort): the region rule, the
 * customer owner rule, and every-row roles, each for both sorts.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id').notNull(),
    number: text('number').notNull().unique(),
    amount: numeric('amount', { precision: 14, scale: 2, mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    /** The customer's region and owner, kept on the invoice so row rules need no join. */
    region: text('region').notNull(),
    customerOwnerId: uuid('customer_owner_id').notNull(),
    dueDate: date('due_date', { mode: 'string' }).notNull(),
    /** null until paid */
    paidOn: date('paid_on', { mode: 'string' }),
    /** Finance's remark; null when there is none. Auditors do not see it. */
    collectionNote: text('collection_note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    check('invoices_region_check', sql`region in ('EU', 'NA', 'APAC')`),
    // Region and owner follow the customer's (ON UPDATE CASCADE); the customer must exist.
    foreignKey({ name: 'invoices_customer_region_fk', columns: [t.customerId, t.region], foreignColumns: [customers.id, customers.region] }).onUpdate('cascade'),
    foreignKey({ name: 'invoices_customer_owner_fk', columns: [t.customerId, t.customerOwnerId], foreignColumns: [customers.id, customers.ownerId] }).onUpdate('cascade'),
    index('invoices_created_idx').on(t.createdAt, t.id),
    index('invoices_region_created_idx').on(t.region, t.createdAt, t.id),
    index('invoices_owner_created_idx').on(t.customerOwnerId, t.createdAt, t.id),
    index('invoices_due_idx').on(t.dueDate, t.id),
    index('invoices_region_due_idx').on(t.region, t.dueDate, t.id),
    index('invoices_owner_due_idx').on(t.customerOwnerId, t.dueDate, t.id),
  ],
);
