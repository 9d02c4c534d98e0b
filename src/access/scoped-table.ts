import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { changesOf } from '../audit/audit-call.js';
import { auditedTransaction, type Written } from '../audit/audit-store.js';
import type { Principal } from '../auth/principal.js';
import { decodeCursor, encodeCursor, keyset, positionType, type PositionType } from '../common/keyset.js';
import type { Page } from '../common/list-query.js';
import type { Database } from '../database/database.client.js';
import { sqlError } from '../database/database-errors.js';
import { callerAsParameters, callerParameters, callerShape, StatementCache, type Params } from '../database/statements.js';
import type { AnyResource, FieldView, ListQuery, UserReference } from './resource.js';

type Row = Record<string, unknown>;

/**
 * Reads and writes one resource's table for a caller, enforcing its declaration: every
 * statement carries the caller's row rule in its WHERE clause and selects the caller's
 * field view (per row, in SQL), so rows and values outside their scope never leave the
 * database. Every write is checked against the row as it will be, inside the same
 * transaction, so a refused write changes nothing; the call's audit event, with what
 * changed, commits in that transaction too.
 */
export class ScopedTable {
  private readonly statements = new StatementCache();
  private readonly groups = new Map<string, FieldGroups>();
  private readonly sorts: Record<string, { column: AnyPgColumn; type: PositionType }>;
  private readonly filters: string[];
  private readonly id: AnyPgColumn;
  /** Every declared field's column: what a create or delete records as changed. */
  private readonly allFields: Record<string, AnyPgColumn>;

  constructor(
    private readonly db: Database,
    readonly resource: AnyResource,
  ) {
    this.sorts = Object.fromEntries(
      Object.entries(resource.spec.sorts).map(([name, column]) => [name, { column, type: positionType(column) }]),
    );
    this.filters = Object.keys(resource.spec.filters ?? {}) as string[];
    this.id = resource.columns.id;
    this.allFields = this.columnsOf(resource.fields);
  }

  /** One page in keyset order: (sort column, id), so pages never skip or repeat rows. */
  async list(user: Principal, query: ListQuery): Promise<Page<Row>> {
    const descending = query.sort.startsWith('-');
    const key = this.sorts[query.sort.replace(/^-/, '')];
    const cursor = query.cursor ? decodeCursor(query.cursor, query.sort, key.type) : undefined;
    const filters = this.filters.filter((f) => query[f] !== undefined);
    const shape = `list|${callerShape(user)}|${query.sort}|${cursor ? 'after' : 'first'}|${filters.join(',')}`;
    const groups = this.groupsFor(user);
    const statement = this.statements.get(shape, () => {
      const caller = callerAsParameters(user);
      const order = keyset(key.column, this.id, descending, key.type);
      const conditions = [
        this.resource.readScope(caller),
        ...filters.map((f) => eq(this.resource.spec.fields[f].column, sql.placeholder(`filter_${f}`))),
      ];
      if (cursor) conditions.push(order.after(sql.placeholder('cursorValue'), sql.placeholder('cursorId')));
      return this.db
        .select({ ...this.resource.fieldView(caller).selection, _position: sql<string>`${key.column}::text`, _id: this.id })
        .from(this.resource.table)
        .where(and(...conditions))
        .orderBy(...order.orderBy)
        .limit(sql.placeholder('limit'));
    });
    const params: Params = { ...callerParameters(user), limit: query.limit + 1, cursorValue: cursor?.value, cursorId: cursor?.id };
    for (const f of filters) params[`filter_${f}`] = query[f];
    const rows = (await statement.execute(params)) as Array<Row & { _position: string; _id: string }>;
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const next = rows.length > query.limit && last ? encodeCursor({ sort: query.sort, value: last._position, id: last._id }) : null;
    return { items: page.map(({ _position, _id, ...item }) => dropHiddenFields(item, groups)), next };
  }

  async get(user: Principal, id: string): Promise<Row> {
    const groups = this.groupsFor(user);
    const statement = this.statements.get(`get|${callerShape(user)}`, () => {
      const caller = callerAsParameters(user);
      return this.db
        .select(this.resource.fieldView(caller).selection)
        .from(this.resource.table)
        .where(and(eq(this.id, sql.placeholder('rowId')), this.resource.readScope(caller)))
        .limit(1);
    });
    const [row] = (await statement.execute({ ...callerParameters(user), rowId: id })) as Row[];
    if (!row) throw this.notFound(id);
    return dropHiddenFields(row, groups);
  }

  /**
   * Changes the given fields. The row is locked within the caller's write scope (out of
   * scope: 404 as if absent; readable but not changeable: 403) and its old values kept for
   * the audit trail; then, in the same transaction, the row as it now is must still be
   * within that scope and name only eligible users, or everything is rolled back.
   */
  async update(user: Principal, id: string, patch: Row): Promise<Row> {
    const fields = Object.keys(patch);
    if (fields.length === 0) throw new BadRequestException('the body names no field to change');
    const scope = this.resource.writeScope(user, fields);
    const stamp = 'updatedAt' in this.resource.columns ? { updatedAt: sql`now()` } : {};
    const columns = this.columnsOf(fields);
    const row = await this.write(user, async (tx) => {
      const target = and(eq(this.id, id), scope);
      const [before] = await tx.select(columns).from(this.resource.table).where(target).for('update');
      if (!before) return undefined;
      const [after] = await tx
        .update(this.resource.table)
        .set({ ...patch, ...stamp } as never)
        .where(target)
        .returning(columns);
      if (!after) return undefined; // the row left the scope between the lock and the write: nothing changed
      const result = await this.verified(tx, user, id, fields, scope, `this change would take the ${this.resource.name} outside what you may change`);
      return { result, recordId: id, changes: changesOf(before, after, fields) };
    });
    if (row) return row;
    await this.get(user, id); // 404 when the caller cannot even see it
    throw new ForbiddenException(`you may read but not change this ${this.resource.name}`);
  }

  /**
   * Creates a row from a request body. A parent the body names (a deal's customer) is read
   * through the parent's own rules, so one outside the caller's scope is 404 as on a read;
   * the new row must pass the caller's create check and name only eligible users, checked
   * on the row as inserted, in the same transaction.
   */
  async create(user: Principal, body: Row): Promise<Row> {
    const spec = this.resource.spec.create;
    if (!spec) throw new ForbiddenException(`${this.resource.name}s cannot be created`);
    return (await this.write(user, async (tx) => {
      let parent: Row = {};
      if (spec.parent) {
        const of = spec.parent.resource();
        const parentId = body[spec.parent.field] as string;
        const columns = Object.fromEntries(spec.parent.columns.map((c) => [c, of.columns[c]]));
        // FOR KEY SHARE: the parent's keys (its region and owner, which the new row copies) cannot change until this commits.
        const [found] = await tx.select(columns).from(of.table).where(and(eq(of.columns.id, parentId), of.readScope(user))).limit(1).for('key share');
        if (!found) throw new NotFoundException(`${of.name} ${parentId} not found`);
        parent = found;
      }
      const [inserted] = await tx
        .insert(this.resource.table)
        .values(spec.values(user, body as never, parent) as never)
        .returning(this.allFields);
      const id = inserted.id as string;
      const refs = this.resource.references.map(([f]) => f);
      const result = await this.verified(tx, user, id, refs, this.resource.createCheck(user), `you may not create this ${this.resource.name}: it would be outside what your roles may create`);
      return { result, recordId: id, changes: changesOf(undefined, inserted, this.resource.fields) };
    }))!;
  }

  /** Deletes a row within the caller's delete scope; a row others still refer to is 409, and stays. */
  async remove(user: Principal, id: string): Promise<void> {
    // A row others still refer to fails on its foreign keys: 409 (database-errors.ts).
    const removed = await this.write(user, async (tx) => {
      const [row] = await tx.delete(this.resource.table).where(and(eq(this.id, id), this.resource.deleteScope(user))).returning(this.allFields);
      return row && { result: true, recordId: id, changes: changesOf(row, undefined, this.resource.fields) };
    });
    if (removed) return;
    await this.get(user, id);
    throw new ForbiddenException(`you may read but not delete this ${this.resource.name}`);
  }

  /**
   * The written row as the caller sees it, after checking it as it now is: it must be
   * within `check` (403), and the users it names must be eligible (400, the same for an
   * unknown id). Throwing here rolls the transaction back.
   */
  private async verified(tx: Database, user: Principal, id: string, written: readonly string[], check: SQL | undefined, refused: string) {
    const view = this.resource.fieldView(user);
    const refs = this.resource.references.filter(([f]) => written.includes(f));
    const flags = Object.fromEntries(refs.map(([f, ref]) => [`_eligible_${f}`, this.resource.eligible(f, ref)]));
    const [row] = (await tx
      .select({ ...view.selection, ...flags, _check: check ? sql<boolean>`coalesce(${check}, false)` : sql<boolean>`true` })
      .from(this.resource.table)
      .where(eq(this.id, id))) as Row[];
    // The scope first: whoever a refused row names, the answer is the same 403, so it tells
    // nothing about that user. Then the users it names: unknown and ineligible alike are 400
    // (their foreign keys are checked at commit, so an unknown id takes this same path).
    if (!row._check) throw new ForbiddenException(refused);
    for (const [f, ref] of refs) if (!row[`_eligible_${f}`]) throw this.ineligible(f, ref);
    const { _check, ...rest } = row;
    for (const f of Object.keys(flags)) delete rest[f];
    return dropHiddenFields(rest, view.groups);
  }

  /**
   * Runs a write in a transaction with its audit event (audit-store.ts). A user reference
   * that fails its foreign key at commit (the user was deleted meanwhile) answers like an
   * ineligible one.
   */
  private async write<T>(user: Principal, work: (tx: Database) => Promise<Written<T> | undefined>): Promise<T | undefined> {
    try {
      return await auditedTransaction(this.db, user, work);
    } catch (err) {
      const failed = sqlError(err);
      const ref = failed?.code === '23503' ? this.resource.references.find(([f]) => failed.fields.includes(f)) : undefined;
      throw ref ? this.ineligible(...ref) : err;
    }
  }

  private ineligible(field: string, ref: UserReference) {
    const nullable = !this.resource.spec.fields[field].column.notNull;
    const region = ref.sameRegion ? ` of the ${this.resource.name}'s region` : '';
    return new BadRequestException(`${field} must ${nullable ? 'be null or ' : ''}name a ${ref.role} user${region}`);
  }

  /** Which fields each row flag of the caller's field view governs, worked out once per set of roles. */
  private groupsFor(user: Principal): FieldGroups {
    const key = user.roles.join(',');
    let groups = this.groups.get(key);
    if (!groups) {
      groups = this.resource.fieldView(callerAsParameters(user)).groups;
      this.groups.set(key, groups);
    }
    return groups;
  }

  private columnsOf(fields: readonly string[]): Record<string, AnyPgColumn> {
    return Object.fromEntries(fields.map((f) => [f, this.resource.spec.fields[f].column]));
  }

  private notFound(id: string) {
    return new NotFoundException(`${this.resource.name} ${id} not found`);
  }
}

type FieldGroups = FieldView['groups'];

/** Removes the fields each group's flag hides on this row, and the flags. */
function dropHiddenFields(row: Row, groups: FieldGroups): Row {
  for (const { flag, fields } of groups) {
    if (!row[flag]) for (const f of fields) delete row[f];
    delete row[flag];
  }
  return row;
}
