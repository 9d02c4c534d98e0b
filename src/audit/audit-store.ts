import { HttpException } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../database/database.client.js';
import type { AuditChanges } from '../database/schema.js';
import { auditCalls, eventOf, type AuditEventRecord } from './audit-call.js';

/**
 * Stores events with one statement and one parameter, however many: the batch travels as
 * JSON and PostgreSQL unpacks it (jsonb_to_recordset), so a thousand events cost one
 * round trip and no per-row placeholders.
 */
export async function insertEvents(db: Database, events: readonly AuditEventRecord[]): Promise<void> {
  await insertSerialized(db, events.map((e) => JSON.stringify(e)));
}

/** The same, for events already serialised one by one (what the buffer holds: strings cost the garbage collector less than objects kept for a second). */
export async function insertSerialized(db: Database, events: readonly string[]): Promise<void> {
  await db.execute(sql`
    INSERT INTO audit_events (id, at, request_id, user_id, sub, roles, auth_type, client, client_id, operation, resource, record_ids, changes, status)
    SELECT id, at, request_id, user_id, sub, roles, auth_type, client, client_id, operation, resource, record_ids, changes, status
    FROM jsonb_to_recordset(${`[${events.join(',')}]`}::jsonb) AS e(
      id uuid, at timestamptz, request_id text, user_id uuid, sub text, roles text[], auth_type text, client text,
      client_id text, operation text, resource text, record_ids uuid[], changes jsonb, status smallint)`);
}

/** What a write did: its result for the caller, the record it wrote and what changed. */
export interface Written<T> {
  result: T;
  recordId: string;
  changes: AuditChanges;
}

/**
 * Runs a write in a transaction that also stores the call's audit event, so a change
 * without its record cannot exist: both commit or neither does. `work` returns undefined
 * when it wrote nothing (then no event is stored here; the call's refusal is recorded
 * when it ends, like any other answer).
 */
export async function auditedTransaction<T>(db: Database, user: Principal, work: (tx: Database) => Promise<Written<T> | undefined>): Promise<T | undefined> {
  const call = auditCalls.current();
  // Every entry point (REST, MCP) opens a call; a write outside one is a bug, and it must not happen unrecorded.
  if (!call) throw new Error('a write outside an audited call: open one with AuditTrail.begin and auditCalls.run');
  // The client left before the handler started and was recorded as such (499): the write it asked for does not happen.
  if (call.recorded) throw new HttpException('the client left before the write', 499);
  call.writing = true;
  try {
    const written = await db.transaction(async (tx) => {
      const done = await work(tx as unknown as Database);
      if (done && call.store) {
        await insertEvents(tx as unknown as Database, [eventOf({ ...call, recordIds: [done.recordId] }, user, call.successStatus, done.changes)]);
      }
      return done;
    });
    if (written) {
      call.recordIds = [written.recordId];
      call.recorded = true;
    }
    return written?.result;
  } finally {
    call.writing = false;
    call.afterWrite?.();
  }
}
