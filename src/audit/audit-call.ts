import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { AuthType } from '../config/config.schema.js';
import { isUuid } from '../common/params.js';
import type { AuditChanges } from '../database/schema.js';

/**
 * One call being audited: a REST request under `/api` or an MCP tool call. It is opened
 * when the call arrives, learns its operation and the records it touches on the way, and
 * ends as one event (audit-trail.ts).
 */
export interface AuditCall {
  /** When rolegate received the call. */
  at: Date;
  requestId: string;
  client: 'rest' | 'mcp';
  authType: AuthType;
  /** The operationId and resource, once the call reached an operation. */
  operation?: string;
  resource?: string;
  /** The status a success answers with (200, 201, 204): a write's event commits before the answer is sent. */
  successStatus: number;
  /** Ids of the records returned, written, or asked for by id. */
  recordIds: string[];
  /** True once the call's event is stored or on its way (a write's commits with the write). */
  recorded: boolean;
  /** False when AUDIT_TRAIL=false: the call is followed but leaves no event. */
  store: boolean;
  /** True while the call's write transaction runs: a client leaving meanwhile is recorded once it has settled. */
  writing: boolean;
  /** What to do when the write settles (record a client that left, unless the write committed with its event). */
  afterWrite?: () => void;
}

/** An event as stored: the columns of `audit_events`, as the batch insert reads them from JSON. */
export interface AuditEventRecord {
  id: string;
  at: string;
  request_id: string;
  user_id: string | null;
  sub: string | null;
  roles: string[];
  auth_type: string;
  client: string;
  client_id: string | null;
  operation: string;
  resource: string;
  record_ids: string[];
  changes: AuditChanges | null;
  status: number;
}

const calls = new AsyncLocalStorage<AuditCall>();

/**
 * The audit call in progress. It follows the call through async code rather than through
 * every signature: a write's event must commit in the write's own transaction, wherever
 * in the code the write happens, and the data layer should not carry request plumbing.
 */
export const auditCalls = {
  run: <T>(call: AuditCall, work: () => T): T => calls.run(call, work),
  current: (): AuditCall | undefined => calls.getStore(),
};

export function newAuditCall(requestId: string, client: AuditCall['client'], authType: AuthType, store: boolean): AuditCall {
  return { at: new Date(), requestId, client, authType, successStatus: 200, recordIds: [], recorded: false, store, writing: false };
}

/** The event a finished call leaves. Only these fields are kept: never a token, a cookie or a request body. */
export function eventOf(call: AuditCall, user: Principal | undefined, status: number, changes: AuditChanges | null = null): AuditEventRecord {
  return {
    id: timeOrderedId(call.at.getTime()),
    at: call.at.toISOString(),
    request_id: call.requestId,
    user_id: user?.id ?? null,
    sub: user?.sub ?? null,
    roles: user?.roles ?? [],
    auth_type: call.authType,
    client: call.client,
    client_id: user?.clientId ?? null,
    operation: call.operation ?? 'unknown',
    resource: call.resource ?? 'unknown',
    record_ids: call.recordIds,
    changes,
    status,
  };
}

/** Names the operation a call reached, and the record it asked for by id (lower case, as stored), before anything may refuse it. */
export function labelCall(call: AuditCall, label: { id: string; resource?: string; status: number }, requestedId: unknown): void {
  call.operation = label.id;
  call.resource = label.resource;
  call.successStatus = label.status;
  if (isUuid(requestedId)) call.recordIds = [requestedId.toLowerCase()];
}

type Row = Record<string, unknown>;

const comparable = (value: unknown) => JSON.stringify(value instanceof Date ? value.toISOString() : (value ?? null));

/**
 * `{ field: { from, to } }` for the fields whose value differs between the row before a
 * write and after it (no row before: a create; none after: a delete). Values as JSON
 * shows them (times as ISO text).
 */
export function changesOf(before: Row | undefined, after: Row | undefined, fields: readonly string[]): AuditChanges {
  const changes: AuditChanges = {};
  for (const f of fields) {
    const from = comparable(before?.[f]);
    const to = comparable(after?.[f]);
    if (from !== to) changes[f] = { from: JSON.parse(from), to: JSON.parse(to) };
  }
  return changes;
}

/**
 * The ids of the records an answer carries: a page's items, or one item. Whatever the
 * handler returned is what the caller saw, so this holds for every operation, including
 * those of resources added later.
 */
export function recordIdsOf(result: unknown): string[] | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const { items, id } = result as { items?: unknown; id?: unknown };
  if (Array.isArray(items)) return items.flatMap((item) => (isUuid(item?.id) ? [(item.id as string).toLowerCase()] : []));
  return isUuid(id) ? [id.toLowerCase()] : undefined;
}

/**
 * A UUID version 7: the time in its first 48 bits, so events are appended to the end of
 * the primary key's index in arrival order instead of at random places (cheaper writes).
 */
export function timeOrderedId(ms: number): string {
  // A version 4 UUID from Node's pooled entropy (no call into OpenSSL per id) with its first
  // 48 bits replaced by the time and its version nibble by 7; its variant bits are already
  // those of version 7, and 74 random bits remain, as in RFC 9562's layout.
  const random = randomUUID();
  const time = ms.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
