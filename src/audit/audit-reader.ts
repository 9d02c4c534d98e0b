import { Injectable } from '@nestjs/common';
import { and, arrayContains, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { APP_ROLES } from '../access/roles.js';
import { ServedResources } from '../access/served-resources.js';
import type { Principal } from '../auth/principal.js';
import { AUTH_TYPES } from '../config/config.schema.js';
import { decodeCursor, encodeCursor, keyset } from '../common/keyset.js';
import { listQuery, type Page } from '../common/list-query.js';
import { isUuid, uuidFilter } from '../common/params.js';
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
  recordId: z.string().min(1).max(128, { message: 'recordId must be at most 128 characters' }).optional().describe('Only calls that returned, wrote or asked for this record'),
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
type Change = AuditEvent['changes'] extends Record<string, infer C> | null ? C : never;

/**
 * Reads the audit trail in keyset pages on (at, id), newest first by default. Each filter
 * is an equality served by an `(filter, at, id)` index, `recordId` by the GIN index on the
 * record ids, so a lookup reads the events it returns, not the whole trail.
 */
@Injectable()
export class AuditReader {
  constructor(
    @InjectDb() private readonly db: Database,
    private readonly served: ServedResources,
  ) {}

  async list(reader: Principal, q: AuditQuery): Promise<Page<AuditEvent>> {
    const e = auditEvents;
    const order = keyset(e.at, e.id, q.sort.startsWith('-'), 'timestamptz');
    const cursor = q.cursor ? decodeCursor(q.cursor, q.sort, 'timestamptz') : undefined;
    const conditions: Array<SQL | undefined> = [
      q.userId !== undefined ? eq(e.userId, q.userId) : undefined,
      q.resource !== undefined ? eq(e.resource, q.resource) : undefined,
      q.recordId !== undefined ? arrayContains(e.recordIds, [isUuid(q.recordId) ? q.recordId.toLowerCase() : q.recordId]) : undefined,
      q.operation !== undefined ? eq(e.operation, q.operation) : undefined,
      q.status !== undefined ? eq(e.status, q.status) : undefined,
      q.since !== undefined ? gte(e.at, new Date(q.since)) : undefined,
      q.until !== undefined ? lt(e.at, new Date(q.until)) : undefined,
      cursor ? order.after(cursor.value, cursor.id) : undefined,
    ];
    const rows = await this.db
      .select({ event: e, position: sql<string>`${e.at}::text` })
      .from(e)
      .where(and(...conditions))
      .orderBy(...order.orderBy)
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const next = rows.length > q.limit && last ? encodeCursor({ sort: q.sort, value: last.position, id: last.event.id }) : null;
    return { items: page.map(({ event }) => ({ ...event, at: event.at.toISOString(), changes: this.redacted(reader, event.resource, event.changes) }) as AuditEvent), next };
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
