import { BadRequestException, ConflictException, type HttpException } from '@nestjs/common';
import { HttpErrorWithHeaders } from '../common/http-error.js';

/** What pg's DatabaseError, PGlite's errors and Node's socket errors carry. */
interface ErrorFields {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  cause?: unknown;
}

/**
 * Why the database could not serve a request: no pooled connection became free in time,
 * a statement ran past statement_timeout (or was cancelled), it collided with another
 * transaction (deadlock, serialization failure, lock not available), or the server is
 * out of reach (refused, dropped, shutting down, too many connections, pool closed).
 */
export type UnavailableKind = 'pool' | 'timeout' | 'contention' | 'unreachable';

const UNAVAILABLE: Record<UnavailableKind, { message: string; retryAfterSec: number }> = {
  pool: { message: 'No database connection became free in time; try again shortly', retryAfterSec: 2 },
  timeout: { message: 'The database did not answer in time; try again shortly', retryAfterSec: 2 },
  contention: { message: 'The request collided with another one in the database; try again', retryAfterSec: 1 },
  unreachable: { message: 'The database is unreachable; try again shortly', retryAfterSec: 5 },
};

/**
 * 503 with Retry-After: the request may well succeed a moment later. `reason` is the
 * driver's own message and SQLSTATE, for the log; never the SQL text or its parameters.
 */
export class DatabaseUnavailable extends HttpErrorWithHeaders {
  constructor(
    readonly kind: UnavailableKind,
    readonly reason: string,
  ) {
    super(503, UNAVAILABLE[kind].message, { 'Retry-After': String(UNAVAILABLE[kind].retryAfterSec) });
  }
}

/** Socket errors on the way to PostgreSQL. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Errors pg, pg-pool and PGlite raise without a SQLSTATE. */
const DRIVER_MESSAGES: Array<[RegExp, UnavailableKind]> = [
  [/^timeout exceeded when trying to connect/, 'pool'],
  [/^Query read timeout/, 'timeout'],
  [/^Connection terminated/, 'unreachable'], // also "... unexpectedly" and "... due to connection timeout"
  [/^Client has encountered a connection error/, 'unreachable'],
  [/^Client was closed and is not queryable/, 'unreachable'],
  [/^Cannot use a pool after calling end on the pool/, 'unreachable'],
  [/^PGlite is closed/, 'unreachable'],
];

/**
 * The HTTP answer for an error raised by the database or its driver, or undefined when
 * the error is not one (it stays a 500). Looks through wrappers such as Drizzle's
 * DrizzleQueryError, whose message holds the SQL and its parameters, down their `cause`
 * chain. Messages name at most a field, never a constraint, table, value or SQL.
 *
 * - invalid input (SQLSTATE class 22), a missing referenced row (23503), a check (23514)
 *   or a missing required value (23502): 400
 * - a duplicate (23505, 23P01) or deleting a row still referenced (23503): 409
 * - see UnavailableKind: 503 with Retry-After
 */
export function httpErrorFor(err: unknown): HttpException | undefined {
  for (const e of causes(err)) {
    const answer = answerFor(e);
    if (answer) return answer;
  }
  return undefined;
}

/**
 * The SQLSTATE of a database error and the fields its key names (`assigneeId` for
 * "Key (assignee_id)=(...)"), looking through wrappers; undefined for anything else.
 */
export function sqlError(err: unknown): { code: string; fields: string[] } | undefined {
  for (const e of causes(err)) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return { code: e.code, fields: keyFields(e.detail) ?? [] };
  }
  return undefined;
}

/**
 * The driver's own words for a failed query, for a log line: the SQLSTATE and message of
 * the database error beneath Drizzle's wrapper (whose message holds the SQL and its
 * parameters, which may be request data), never the wrapper's.
 */
export function driverReason(err: unknown): string {
  let innermost: ErrorFields | undefined;
  for (const e of causes(err)) {
    if (typeof e.code === 'string') return `${e.code} ${String(e.message)}`.slice(0, 200);
    innermost = e;
  }
  return innermost && innermost !== err && typeof innermost.message === 'string' ? innermost.message.slice(0, 200) : 'unknown error';
}

function* causes(err: unknown): Generator<ErrorFields> {
  const seen = new Set<unknown>();
  for (let e = err; typeof e === 'object' && e !== null && !seen.has(e) && seen.size < 8; e = (e as ErrorFields).cause) {
    seen.add(e);
    yield e as ErrorFields;
  }
}

function answerFor(e: ErrorFields): HttpException | undefined {
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  const reason = `${code ? `${code} ` : ''}${message}`.slice(0, 200);
  if (code && SOCKET_CODES.has(code)) return new DatabaseUnavailable('unreachable', reason);
  const driver = DRIVER_MESSAGES.find(([pattern]) => pattern.test(message));
  if (driver) return new DatabaseUnavailable(driver[1], reason);
  if (!code || !/^[0-9A-Z]{5}$/.test(code)) return undefined;

  const sqlClass = code.slice(0, 2);
  if (code === '57014') return new DatabaseUnavailable('timeout', reason); // statement_timeout, or a cancel
  if (sqlClass === '08' || sqlClass === '57' || code === '53300') return new DatabaseUnavailable('unreachable', reason);
  if (code === '40001' || code === '40P01' || code === '55P03') return new DatabaseUnavailable('contention', reason);
  if (sqlClass === '22') return new BadRequestException('a value in the request is not valid');
  const fields = keyFields(e.detail);
  switch (code) {
    case '23503':
      if (typeof e.detail === 'string' && e.detail.includes('still referenced')) {
        return new ConflictException('the record is still referred to by other records; delete those first');
      }
      return new BadRequestException(
        fields ? `${fields.join(' and ')} ${fields.length > 1 ? 'do' : 'does'} not name an existing record` : `${referenceFromConstraint(e.constraint) ?? 'a reference'} does not name an existing record`,
      );
    case '23505':
    case '23P01':
      return new ConflictException(`a record with ${fields ? `this ${fields.join(' and ')}` : 'these values'} already exists`);
    case '23502': {
      const column = fieldName(e.column);
      return new BadRequestException(column ? `${column} is required` : 'a required value is missing');
    }
    case '23514': {
      const field = checkedField(e.constraint, e.table);
      return new BadRequestException(field ? `${field} is not an allowed value` : 'a value in the request is not allowed');
    }
  }
  return undefined;
}

/** `assignee_id` → `assigneeId`; undefined for anything but a plain column name. */
function fieldName(column: unknown): string | undefined {
  if (typeof column !== 'string' || !/^[a-z][a-z0-9_]*$/.test(column)) return undefined;
  return column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The columns of "Key (customer_id, region)=(...) ..." in a constraint error's detail, never the values. */
function keyFields(detail: unknown): string[] | undefined {
  const columns = typeof detail === 'string' ? /^Key \(([a-z0-9_, ]+)\)=/.exec(detail)?.[1].split(', ') : undefined;
  const names = columns?.map(fieldName);
  return names?.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

/** Drizzle's foreign key names read `<table>_<column>_<target>_<column>_fk`. */
function referenceFromConstraint(constraint: unknown): string | undefined {
  const column = typeof constraint === 'string' ? /_(\w+?)_id_/.exec(constraint)?.[1] : undefined;
  return column ? fieldName(`${column}_id`) : undefined;
}

/** `deals_stage_check` on table `deals` → `stage`. */
function checkedField(constraint: unknown, table: unknown): string | undefined {
  if (typeof constraint !== 'string' || typeof table !== 'string') return undefined;
  const prefix = `${table}_`;
  if (!constraint.startsWith(prefix) || !constraint.endsWith('_check')) return undefined;
  return fieldName(constraint.slice(prefix.length, -'_check'.length));
}
