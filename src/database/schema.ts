import { sql } from 'drizzle-orm';
import { bigint, check, date, index, numeric, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The identity provider's subject (or the demo user's name in cookie mode); unique. */
  sub: text('sub').notNull().unique(),
  name: text('name'),
  email: text('email'),
  /** Region stored for the user; a region claim in the token takes precedence. */
  region: text('region'),
  /** Roles assigned inside rolegate, added to whatever roles the token carries. */
  roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

const regionCheck = (column: string) => sql.raw(`${column} in ('EU', 'NA', 'APAC')`);

/*
 * Every list is ordered by (created_at desc, id desc) by default, and every row rule is an
 * equality on region or owner/assignee. The composite indexes below serve "rule + order +
 * limit" directly, so a page costs the same on a thousand rows as on millions.
 */
export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    region: text('region').notNull(),
    ownerId: uuid('owner_id').notNull().references(() => users.id),
    industry: text('industry').notNull(),
    annualRevenue: bigint('annual_revenue', { mode: 'number' }).notNull(),
    contactEmail: text('contact_email').notNull(),
    contactPhone: text('contact_phone').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('customers_region_check', regionCheck('region')),
    index('customers_created_idx').on(t.createdAt, t.id),
    index('customers_region_created_idx').on(t.region, t.createdAt, t.id),
    index('customers_owner_created_idx').on(t.ownerId, t.createdAt, t.id),
  ],
);

export const DEAL_STAGES = ['prospect', 'qualified', 'proposal', 'negotiation', 'won', 'lost'] as const;
export const TICKET_STATUSES = ['open', 'pending', 'closed'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

export const deals = pgTable(
  'deals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id').notNull().references(() => customers.id),
    title: text('title').notNull(),
    stage: text('stage', { enum: DEAL_STAGES }).notNull(),
    amount: numeric('amount', { precision: 14, scale: 2, mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    ownerId: uuid('owner_id').notNull().references(() => users.id),
    /** The customer's region, kept on the deal so region rules need no join. */
    region: text('region').notNull(),
    closeDate: date('close_date', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('deals_region_check', regionCheck('region')),
    check('deals_stage_check', sql.raw(`stage in (${DEAL_STAGES.map((s) => `'${s}'`).join(', ')})`)),
    check('deals_amount_check', sql`amount >= 0`),
    index('deals_created_idx').on(t.createdAt, t.id),
    index('deals_region_created_idx').on(t.region, t.createdAt, t.id),
    index('deals_owner_created_idx').on(t.ownerId, t.createdAt, t.id),
    index('deals_customer_idx').on(t.customerId),
  ],
);

export const tickets = pgTable(
  'tickets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id').notNull().references(() => customers.id),
    subject: text('subject').notNull(),
    status: text('status', { enum: TICKET_STATUSES }).notNull(),
    priority: text('priority', { enum: TICKET_PRIORITIES }).notNull(),
    assigneeId: uuid('assignee_id').references(() => users.id),
    requesterEmail: text('requester_email').notNull(),
    /** The customer's region, kept on the ticket so region rules need no join. */
    region: text('region').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('tickets_region_check', regionCheck('region')),
    check('tickets_status_check', sql.raw(`status in (${TICKET_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
    check('tickets_priority_check', sql.raw(`priority in (${TICKET_PRIORITIES.map((s) => `'${s}'`).join(', ')})`)),
    index('tickets_created_idx').on(t.createdAt, t.id),
    index('tickets_region_created_idx').on(t.region, t.createdAt, t.id),
    index('tickets_assignee_idx').on(t.assigneeId),
    index('tickets_customer_created_idx').on(t.customerId, t.createdAt, t.id),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type CustomerRow = typeof customers.$inferSelect;
export type DealRow = typeof deals.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
