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

export interface ListOptions {
  limit: number;
  cursor?: string;
  sort: string;
  filters: Array<SQL | undefined>;
}

/** An equality filter from an optional query parameter. */
export const equals = (column: AnyPgColumn, value: string | undefined): SQL | undefined =>
  value === undefined ? undefined : eq(column, value);

type Row<F extends string> = Partial<Record<F, unknown>>;

/**
 * Reads and writes one table through its policy: every statement carries the caller's
 * row rule in its WHERE clause and selects only the fields the caller may see, so rows
 * and values outside their scope never leave the database.
 */
export class ScopedTable<F extends string> {
  private readonly columns: Record<string, AnyPgColumn>;

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
    const id = this.columns.id;
    const conditions = [this.policy.readScope(user), ...opts.filters];
    if (opts.cursor) {
      const c = decodeCursor(opts.cursor, opts.sort, key.type);
      const op = sql.raw(descending ? '<' : '>');
      conditions.push(sql`(${key.column}, ${id}) ${op} (cast(${c.value} as ${sql.raw(key.type)}), cast(${c.id} as uuid))`);
    }
    const order = descending ? [desc(key.column), desc(id)] : [asc(key.column), asc(id)];
    // Not a prepared statement: a generic plan for `owner_id = $1` could pick a worse index
    // for a skewed owner; planning with the actual values keeps every page on its index.
    const rows = await guarded(() =>
      this.db
        .select({ ...this.selection(user), _position: sql<string>`${key.column}::text`, _id: id })
        .from(this.table)
        .where(and(...conditions))
        .orderBy(...order)
        .limit(opts.limit + 1),
    );
    const page = rows.slice(0, opts.limit);
    const last = page.at(-1);
    const next =
      rows.length > opts.limit && last ? encodeCursor({ sort: opts.sort, value: last._position, id: last._id as string }) : null;
    return { items: page.map(({ _position, _id, ...item }) => item as Row<F>), next };
  }

  async get(user: Principal, id: string): Promise<Row<F>> {
    const [row] = await guarded(() =>
      this.db
        .select(this.selection(user))
        .from(this.table)
        .where(and(eq(this.columns.id, id), this.policy.readScope(user)))
        .limit(1),
    );
    if (!row) throw this.notFound(id);
    return row as Row<F>;
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
