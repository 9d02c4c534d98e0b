import { hash } from 'node:crypto';
import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { and, asc, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Policy } from '../access/policy.js';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../database/database.client.js';
import { decodeCursor, encodeCursor, type Page } from './list-query.js';

/** A sortable column and the SQL type its cursor value is cast back to. */
export interface SortKey {
  column: AnyPgColumn;
  type: 'timestamptz' | 'date' | 'numeric' | 'text';
}

/** An equality filter on a column, from an optional query parameter. */
export interface Filter {
  column: AnyPgColumn;
  value: string;
}

export interface ListOptions {
  limit: number;
  cursor?: string;
  sort: string;
  filters: Array<Filter | undefined>;
}

export const equals = (column: AnyPgColumn, value: string | undefined): Filter | undefined =>
  value === undefined ? undefined : { column, value };

type Row<F extends string> = Partial<Record<F, unknown>>;
type Params = Record<string, unknown>;
interface Statement {
  execute(params: Params): Promise<unknown>;
}

/** Statements kept per table; a deployment uses a few dozen shapes at most. */
const MAX_STATEMENTS = 500;

/**
 * Reads and writes one table through its policy: every statement carries the caller's
 * row rule in its WHERE clause and selects only the fields the caller may see, so rows
 * and values outside their scope never leave the database.
 *
 * Reads are built once per shape (the caller's roles, whether they have a region, sort,
 * cursor, filters present) as prepared statements whose values, the caller's id and
 * region included, are parameters. Building SQL costs more CPU than running an indexed
 * page, so this is what keeps a page cheap. PostgreSQL connections use
 * `plan_cache_mode=force_custom_plan` (database.client.ts), so each execution is still
 * planned with its actual values and a skewed owner keeps the right index.
 */
export class ScopedTable<F extends string> {
  private readonly columns: Record<string, AnyPgColumn>;
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    private readonly table: PgTable,
    private readonly policy: Policy<F>,
    private readonly sorts: Record<string, SortKey>,
  ) {
    this.columns = getTableColumns(table) as Record<string, AnyPgColumn>;
  }

  private selection(user: Principal) {
    return Object.fromEntries(this.policy.visibleFields(user).map((f) => [f, this.columns[f]]));
  }

  /** One page in keyset order: (sort column, id), so pages never skip or repeat rows. */
  async list(user: Principal, opts: ListOptions): Promise<Page<Row<F>>> {
    const descending = opts.sort.startsWith('-');
    const key = this.sorts[opts.sort.replace(/^-/, '')];
    const cursor = opts.cursor ? decodeCursor(opts.cursor, opts.sort, key.type) : undefined;
    const filters = opts.filters.filter((f) => f !== undefined);
    const shape = `list|${callerShape(user)}|${opts.sort}|${cursor ? 'after' : 'first'}|${filters.map((f) => f.column.name).join(',')}`;
    const statement = this.statement(shape, () => {
      const id = this.columns.id;
      const caller = callerAsParameters(user);
      const conditions = [this.policy.readScope(caller), ...filters.map((f) => eq(f.column, sql.placeholder(`filter_${f.column.name}`)))];
      if (cursor) {
        const op = sql.raw(descending ? '<' : '>');
        const [value, after] = [sql.placeholder('cursorValue'), sql.placeholder('cursorId')];
        conditions.push(sql`(${key.column}, ${id}) ${op} (cast(${value} as ${sql.raw(key.type)}), cast(${after} as uuid))`);
      }
      return this.db
        .select({ ...this.selection(caller), _position: sql<string>`${key.column}::text`, _id: id })
        .from(this.table)
        .where(and(...conditions))
        .orderBy(...(descending ? [desc(key.column), desc(id)] : [asc(key.column), asc(id)]))
        .limit(sql.placeholder('limit'));
    });
    const params: Params = { ...callerParameters(user), limit: opts.limit + 1, cursorValue: cursor?.value, cursorId: cursor?.id };
    for (const f of filters) params[`filter_${f.column.name}`] = f.value;
    const rows = (await guarded(() => statement.execute(params))) as Array<Row<F> & { _position: string; _id: string }>;
    const page = rows.slice(0, opts.limit);
    const last = page.at(-1);
    const next = rows.length > opts.limit && last ? encodeCursor({ sort: opts.sort, value: last._position, id: last._id }) : null;
    return { items: page.map(({ _position, _id, ...item }) => item as Row<F>), next };
  }

  async get(user: Principal, id: string): Promise<Row<F>> {
    const statement = this.statement(`get|${callerShape(user)}`, () => {
      const caller = callerAsParameters(user);
      return this.db
        .select(this.selection(caller))
        .from(this.table)
        .where(and(eq(this.columns.id, sql.placeholder('rowId')), this.policy.readScope(caller)))
        .limit(1);
    });
    const [row] = (await guarded(() => statement.execute({ ...callerParameters(user), rowId: id }))) as Array<Row<F>>;
    if (!row) throw this.notFound(id);
    return row;
  }

  /**
   * The statement for a shape, built on first use. Its name is derived from its SQL text:
   * a connection holds one server-side statement per distinct query however often a
   * shape is dropped and rebuilt, and two names never stand for different SQL.
   */
  private statement(shape: string, build: () => { toSQL(): { sql: string }; prepare(name: string): Statement }): Statement {
    let statement = this.statements.get(shape);
    if (!statement) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.delete(this.statements.keys().next().value!);
      const query = build();
      statement = query.prepare(`rolegate_${hash('sha256', query.toSQL().sql, 'base64url').slice(0, 32)}`);
      this.statements.set(shape, statement);
    }
    return statement;
  }

  /**
   * Changes the given fields in one statement whose WHERE clause is the caller's write
   * scope; nothing outside it can change. Out of scope is 404 (as if absent); a row the
   * caller may read but not change is 403.
   */
  async update(user: Principal, id: string, patch: Row<F>): Promise<Row<F>> {
    const fields = Object.keys(patch) as F[];
    if (fields.length === 0) throw new BadRequestException('the body names no field to change');
    const scope = this.policy.writeScope(user, fields);
    const stamp = 'updatedAt' in this.columns ? { updatedAt: sql`now()` } : {};
    const rows: unknown[] = await guarded(() =>
      this.db
        .update(this.table)
        .set({ ...patch, ...stamp } as never)
        .where(and(eq(this.columns.id, id), scope))
        .returning(this.selection(user)),
    );
    if (rows.length === 1) return rows[0] as Row<F>;
    await this.get(user, id); // 404 when the caller cannot even see it
    throw new ForbiddenException(`you may read but not change this ${this.policy.resource}`);
  }

  private notFound(id: string) {
    return new NotFoundException(`${this.policy.resource} ${id} not found`);
  }
}

/** What a shared statement depends on besides parameters: the caller's roles, and whether they have a region. */
const callerShape = (user: Principal) => `${user.roles.join(',')}|${user.region === null ? 'no-region' : 'region'}`;

const callerParameters = (user: Principal): Params => ({ userId: user.id, userRegion: user.region });

/**
 * The caller as row rules see it while a shared statement is built: id and region are
 * placeholders, roles are real (they are part of the shape). Reading anything else is a
 * programming error, caught at once: a value baked into a statement shared by every
 * caller of the same shape would leak one user's scope to the others.
 */
function callerAsParameters(user: Principal): Principal {
  const refuse = (what: string): never => {
    throw new Error(`row rules may read the caller's id, region and roles only, not ${what}`);
  };
  return new Proxy({} as Principal, {
    get(_target, field) {
      if (field === 'roles') return user.roles;
      if (field === 'id') return sql.placeholder('userId');
      if (field === 'region') return user.region === null ? null : sql.placeholder('userRegion');
      return refuse(String(field));
    },
    has: () => refuse('which fields it has'),
    ownKeys: () => refuse('all of its fields'),
  });
}

/**
 * Database errors caused by what the client sent, as 400s: a reference to a row that does
 * not exist (an unknown assignee, say), or a value the column type cannot hold.
 */
function clientError(err: unknown): BadRequestException | undefined {
  const cause = (err as { cause?: { code?: string; constraint?: string } }).cause ?? (err as { code?: string; constraint?: string });
  if (cause?.code === '23503') {
    const column = /_(\w+?)_id_/.exec(cause.constraint ?? '')?.[1];
    return new BadRequestException(`${column ? `${column}Id` : 'a reference'} does not name an existing record`);
  }
  if (cause?.code?.startsWith('22')) return new BadRequestException('a value in the request is not valid');
  return undefined;
}

/** Runs a statement, turning client-caused database errors into 400s. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw clientError(err) ?? err;
  }
}
