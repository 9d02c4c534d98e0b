import { sql } from 'drizzle-orm';
import { bigint, boolean, check, date, foreignKey, index, jsonb, numeric, pgTable, smallint, text, timestamp, unique, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';

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
  /**
   * The app roles and region claim of the user's latest token, recorded at sign-in, so
   * rolegate knows who may own or be assigned rows in every auth mode (eligibility).
   * `tokenRegionClaimed`: the token had a region claim (then `tokenRegion` is its region,
   * null when it named none rolegate knows), which wins over the stored region.
   */
  tokenRoles: text('token_roles').array().notNull().default(sql`'{}'::text[]`),
  tokenRegion: text('token_region'),
  tokenRegionClaimed: boolean('token_region_claimed').notNull().default(false),
  /** Cookie mode: when the user last signed out; session cookies issued before it are refused. */
  signedOutAt: timestamp('signed_out_at', { withTimezone: true, precision: 3 }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => sortIndexes('users', t.id, {}, { created: t.createdAt, sub: t.sub }));

const regionCheck = (column: string) => sql.raw(`${column} in ('EU', 'NA', 'APAC')`);

/**
 * One index per (row rule column, sort) pair a list offers, plus one per sort for roles
 * that see every row: `<table>_<scope>_<sort>_idx` on (scope, sort, id) and
 * `<table>_<sort>_idx` on (sort, id). Every row rule is an equality on such a column, and
 * every page is ordered by (sort, id), so "rule + order + limit" is one index range read in
 * order: a page costs the same on a thousand rows as on millions, whatever the sort.
 * test/query-plans.e2e-spec.ts proves it for every resource, sort and role.
 */
function sortIndexes(table: string, id: AnyPgColumn, scopes: Record<string, AnyPgColumn>, sorts: Record<string, AnyPgColumn>) {
  return Object.entries(sorts).flatMap(([sortName, sort]) => [
    index(`${table}_${sortName}_idx`).on(sort, id),
    ...Object.entries(scopes).map(([scopeName, scope]) => index(`${table}_${scopeName}_${sortName}_idx`).on(scope, sort, id)),
  ]);
}
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
    // Targets of the deals' and tickets' copies of the customer's region and owner.
    unique('customers_id_region_key').on(t.id, t.region),
    unique('customers_id_owner_key').on(t.id, t.ownerId),
    ...sortIndexes('customers', t.id, { region: t.region, owner: t.ownerId }, { created: t.createdAt, name: t.name }),
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
    // The deal's region is the customer's, kept equal by the database (ON UPDATE CASCADE).
    foreignKey({ name: 'deals_customer_region_fk', columns: [t.customerId, t.region], foreignColumns: [customers.id, customers.region] }).onUpdate('cascade'),
    ...sortIndexes('deals', t.id, { region: t.region, owner: t.ownerId }, { created: t.createdAt, close: t.closeDate, amount: t.amount }),
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
    /** The customer's owner, kept on the ticket so "tickets of customers they own" needs no join. */
    customerOwnerId: uuid('customer_owner_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('tickets_region_check', regionCheck('region')),
    check('tickets_status_check', sql.raw(`status in (${TICKET_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
    check('tickets_priority_check', sql.raw(`priority in (${TICKET_PRIORITIES.map((s) => `'${s}'`).join(', ')})`)),
    // Region and owner are the customer's, kept equal by the database (ON UPDATE CASCADE).
    foreignKey({ name: 'tickets_customer_region_fk', columns: [t.customerId, t.region], foreignColumns: [customers.id, customers.region] }).onUpdate('cascade'),
    foreignKey({ name: 'tickets_customer_owner_fk', columns: [t.customerId, t.customerOwnerId], foreignColumns: [customers.id, customers.ownerId] }).onUpdate('cascade'),
    ...sortIndexes('tickets', t.id, { region: t.region, owner: t.customerOwnerId }, { created: t.createdAt, updated: t.updatedAt }),
    index('tickets_assignee_idx').on(t.assigneeId),
    index('tickets_customer_created_idx').on(t.customerId, t.createdAt, t.id),
  ],
);

/** A field's value before and after a write (null for a create's "from" and a delete's "to"). */
export type AuditChanges = Record<string, { from: unknown; to: unknown }>;

/**
 * The audit trail: one row per call (REST request or MCP tool call), append-only. The
 * database refuses UPDATE, DELETE and TRUNCATE on it (migration 0004's triggers), except
 * the retention purge (audit/audit-retention.ts). No foreign keys: an event outlives the
 * user and the records it names.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    /** Time-ordered (UUID v7, made by rolegate), so new events go to the end of the index. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** When rolegate received the call. */
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    requestId: text('request_id').notNull(),
    /** The caller; null when no credential was accepted (401). */
    userId: uuid('user_id'),
    sub: text('sub'),
    roles: text('roles').array().notNull(),
    authType: text('auth_type').notNull(),
    /** `rest` or `mcp`, and the token's `azp` or `client_id` when it has one. */
    client: text('client').notNull(),
    clientId: text('client_id'),
    operation: text('operation').notNull(),
    resource: text('resource').notNull(),
    /** Ids of the records returned (a page's ids) or written, or asked for by id. */
    recordIds: uuid('record_ids').array().notNull(),
    changes: jsonb('changes').$type<AuditChanges>(),
    status: smallint('status').notNull(),
  },
  (t) => [
    // Newest first by (at, id), alone and after each equality filter; a GIN index for "which events name this record".
    index('audit_events_at_idx').on(t.at, t.id),
    index('audit_events_user_at_idx').on(t.userId, t.at, t.id),
    index('audit_events_resource_at_idx').on(t.resource, t.at, t.id),
    index('audit_events_operation_at_idx').on(t.operation, t.at, t.id),
    // Successes are most events: a status filter for them reads the (at, id) index; the index holds the others only (cheaper writes).
    index('audit_events_status_at_idx').on(t.status, t.at, t.id).where(sql`status >= 300`),
    index('audit_events_record_ids_idx').using('gin', t.recordIds),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type CustomerRow = typeof customers.$inferSelect;
export type DealRow = typeof deals.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
