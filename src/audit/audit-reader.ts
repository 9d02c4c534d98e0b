import { Injectable } from '@nestjs/common';
import { and, arrayContains, asc, desc, eq, getTableColumns, gte, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { APP_ROLES } from '../access/roles.js';
import { ServedResources } from '../access/served-resources.js';
import type { Principal } from '../auth/principal.js';
import { AUTH_TYPES } from '../config/config.schema.js';
import { decodeCursor, encodeCursor, keyset, type Cursor } from '../common/keyset.js';
import { listQuery, type Page } from '../common/list-query.js';
import { uuidFilter } from '../common/params.js';
import type { Database } from '../database/database.client.js';
import { InjectDb } from '../database/database.module.js';
import { auditEvents, type AuditChanges } from '../database/schema.js';

const instant = (name: string, description: string) =>
  z.iso.datetime({ offset: true, message: `${name} must be an ISO 8601 time such as 2026-11-01T00:00:00Z` }).optional().describe(description);

export const auditQuery = listQuery(['at'], {
  userId: uuidFilter('userId', 'Only calls by this rolegate user'),
  resource: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, { message: 'resource must be a resource name such as deal' })
    .optional()
    .describe('Only calls about this resource: customer, deal, ticket, user or audit'),
  recordId: uuidFilter('recordId', 'Only calls that returned, wrote or asked for this record'),
  operation: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, { message: 'operation must be an operationId such as updateDeal' })
    .optional()
    .describe('Only calls of this operation (an operationId such as updateDeal)'),
  status: z.coerce
    .number({ message: 'status must be an HTTP status from 100 to 599' })
    .int({ message: 'status must be an HTTP status from 100 to 599' })
    .min(100, { message: 'status must be an HTTP status from 100 to 599' })
    .max(599, { message: 'status must be an HTTP status from 100 to 599' })
    .optional()
    .describe('Only calls answered with this HTTP status (403 for refusals by role, say)'),
  since: instant('since', 'Only calls received at or after this time (ISO 8601)'),
  until: instant('until', 'Only calls received before this time (ISO 8601)'),
});
export type AuditQuery = z.output<typeof auditQuery>;

const change = z.union([
  z.object({ from: z.unknown(), to: z.unknown() }).describe('The value before and after (null for a create or a delete)'),
  z.object({ redacted: z.literal(true) }).describe('The field changed; its values are hidden from your roles'),
]);

export const AuditEventSchema = z
  .object({
    id: z.uuid(),
    at: z.string().describe('When rolegate received the call (ISO 8601)'),
    requestId: z.string().describe('The X-Request-Id of the answer, as in the request logs'),
    userId: z.uuid().nullable().describe('The caller; null when no credential was accepted'),
    sub: z.string().nullable(),
    roles: z.array(z.enum(APP_ROLES)),
    authType: z.enum(AUTH_TYPES),
    client: z.enum(['rest', 'mcp']),
    clientId: z.string().nullable().describe("The token's azp or client_id"),
    operation: z.string().describe('The operationId, such as listDeals'),
    resource: z.string(),
    recordIds: z.array(z.string()).describe('Ids of the records returned, written or asked for by id'),
    changes: z.record(z.string(), change).nullable().describe('For writes: each changed field, { from, to }'),
    status: z.number().int().describe('The HTTP status of the answer (499: the client left before it)'),
  })
  .meta({ id: 'AuditEvent' });

export const AuditPageSchema = z
  .object({
    items: z.array(AuditEventSchema),
    next: z.string().nullable().describe('Cursor for the next page (pass as ?cursor=); null on the last page'),
  })
  .meta({ id: 'AuditEventPage' });

type AuditEvent = z.output<typeof AuditEventSchema>;
type Row = typeof auditEvents.$inferSelect & { position: string };

const COLUMNS = getTableColumns(auditEvents);
/** How many matching events, from where the page starts, are searched first for a record (see list). */
const RECENT_EVENTS = 2000;
type Change = AuditEvent['changes'] extends Record<string, infer C> | null ? C : never;

/**
 * Reads the audit trail in keyset pages on (at, id), newest first by default. Each filter
 * is an equality served by an `(filter, at, id)` index, time ranges by the `(at, id)` one,
 * so a page reads about the events it returns. `recordId` is served by the GIN index on
 * the record ids: a page reads at most a few thousand recent events plus those naming the
 * record (test/audit-plans.e2e-spec.ts measures every case on a million events).
 */
@Injectable()
export class AuditReader {
  constructor(
    @InjectDb() private readonly db: Database,
    private readonly served: ServedResources,
  ) {}

  async list(reader: Principal, q: AuditQuery): Promise<Page<AuditEvent>> {
    const e = auditEvents;
    const descending = q.sort.startsWith('-');
    const cursor = q.cursor ? decodeCursor(q.cursor, q.sort, 'timestamptz') : undefined;
    const filters: Array<SQL | undefined> = [
      q.userId !== undefined ? eq(e.userId, q.userId) : undefined,
      q.resource !== undefined ? eq(e.resource, q.resource) : undefined,
      q.operation !== undefined ? eq(e.operation, q.operation) : undefined,
      q.status !== undefined ? eq(e.status, q.status) : undefined,
      q.since !== undefined ? gte(e.at, new Date(q.since)) : undefined,
      q.until !== undefined ? lt(e.at, new Date(q.until)) : undefined,
    ];
    const order = keyset(e.at, e.id, descending, 'timestamptz');
    const page = (conditions: Array<SQL | undefined>) =>
      this.db
        .select({ ...COLUMNS, position: sql<string>`${e.at}::text`.as('position') })
        .from(e)
        .where(and(...conditions, cursor ? order.after(cursor.value, cursor.id) : undefined))
        .orderBy(...order.orderBy);
    let rows: Row[];
    if (q.recordId === undefined) {
      rows = await page(filters).limit(q.limit + 1);
    } else {
      const recordId = q.recordId.toLowerCase();
      // A record named by many events (the newest deal, on every first page) fills the page
      // from the first events in page order that match the other filters: a short scan of
      // the (at, id) index.
      const recent = page(filters).limit(RECENT_EVENTS).as('recent');
      const inOrder = descending ? [desc(recent.at), desc(recent.id)] : [asc(recent.at), asc(recent.id)];
      rows = await this.db.select().from(recent).where(arrayContains(recent.recordIds, [recordId])).orderBy(...inOrder).limit(q.limit + 1);
      // Otherwise its own events, found through the GIN index and sorted: as many rows as
      // events name the record, however large the trail. (Ordering by an expression keeps
      // PostgreSQL from walking the (at, id) index instead, past every other event.)
      if (rows.length <= q.limit) rows = await this.byRecord(recordId, filters, descending, cursor, q.limit + 1);
    }
    const items = rows.slice(0, q.limit);
    const last = items.at(-1);
    const next = rows.length > q.limit && last ? encodeCursor({ sort: q.sort, value: last.position, id: last.id }) : null;
    return { items: items.map(({ position: _, ...event }) => ({ ...event, at: event.at.toISOString(), changes: this.redacted(reader, event.resource, event.changes) }) as AuditEvent), next };
  }

  private byRecord(recordId: string, filters: Array<SQL | undefined>, descending: boolean, cursor: Cursor | undefined, limit: number): Promise<Row[]> {
    const e = auditEvents;
    const at = sql`(${e.at} + interval '0')`;
    const after = cursor && sql`(${at}, ${e.id}) ${sql.raw(descending ? '<' : '>')} (cast(${cursor.value} as timestamptz), cast(${cursor.id} as uuid))`;
    return this.db
      .select({ ...COLUMNS, position: sql<string>`${e.at}::text` })
      .from(e)
      .where(and(arrayContains(e.recordIds, [recordId]), ...filters, after))
      .orderBy(...(descending ? [desc(at), desc(e.id)] : [asc(at), asc(e.id)]))
      .limit(limit);
  }

  /**
   * Changes as the reader may see them: a value shows only when one of the reader's roles
   * shows that field on every row of the resource (an auditor never sees a customer's
   * contactEmail, old or new). The row may have changed or be gone, so no per-row rule
   * can be evaluated for it; a resource this app does not serve shows no values at all.
   */
  private redacted(reader: Principal, resourceName: string, changes: AuditChanges | null): AuditEvent['changes'] {
    if (!changes) return null;
    const shown = this.served.get(resourceName)?.fieldsShownOnEveryRow(reader) ?? new Set<string>();
    return Object.fromEntries(
      Object.entries(changes).map(([field, values]): [string, Change] => [field, shown.has(field) ? values : { redacted: true }]),
    );
  }
}
