import { BadRequestException } from '@nestjs/common';
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { getTableConfig, type AnyPgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { listQuery } from '../common/list-query.js';
import { nonEmptyPatch } from '../common/patch.js';
import { users } from '../database/schema.js';
import { APP_ROLES, type AppRole } from './roles.js';

/**
 * Which rows a role sees: all of them, or those matching a condition built from the caller.
 * A condition that comes out undefined (drizzle's `and()` of nothing) means no rows.
 */
export type RowRule = 'all' | ((user: Principal) => SQL | undefined);

export const all = 'all' as const;

/** No rows: used when a rule needs something the caller lacks (a region, say). */
export const nothing = sql`false`;

/** What one role may do with a resource. */
export interface Grant<F extends string> {
  rows: RowRule;
  /** Fields left out of the rows this role grants (unless another role of the caller shows them on that row). */
  hide?: readonly F[];
  /** Fields this role may change, within its rows; the changed row must still be within them. */
  update?: readonly F[];
  /** May create rows that pass `check` (default: this role's row rule), checked on the row as inserted. */
  create?: true | { check: RowRule };
  delete?: true;
}

/** A response field: its column and the schema (with description) the OpenAPI document shows. */
export interface FieldSpec {
  column: AnyPgColumn;
  schema: z.ZodType;
}

/**
 * A field that names a user (an owner, an assignee): the user must hold `role`, in the
 * row's region when `sameRegion` is set. An unknown id and an ineligible one get the same
 * 400, so user ids cannot be probed.
 */
export interface UserReference {
  role: AppRole;
  sameRegion?: boolean;
}

/** The parent row a create names (a deal's customer): read through the parent's own rules, 404 when outside them. */
export interface ParentSpec<F extends string> {
  field: F;
  resource: () => AnyResource;
  /** Parent columns the new row copies or derives values from. */
  columns: readonly string[];
}

export interface CreateSpec<F extends string, B extends z.ZodRawShape> {
  /** The request body's fields. */
  body: B;
  parent?: ParentSpec<F>;
  /** The row to insert from the body, the caller and the parent's columns. */
  values: (user: Principal, body: z.output<z.ZodObject<B>>, parent: Record<string, unknown>) => Record<string, unknown>;
}

export interface ResourceSpec<F extends string, B extends z.ZodRawShape> {
  /** Singular name used in messages and OpenAPI (`deal`). */
  name: string;
  table: PgTable;
  fields: Record<F, FieldSpec>;
  /** Sort keys (the first is the default, descending) and their columns. */
  sorts: Record<string, AnyPgColumn>;
  /**
   * The columns row rules select on with an equality (region, owner). Every sort needs an
   * index on (scope, sort, id) for each of them, and one on (sort, id) when a role sees
   * every row, so each role's page is read in index order; the declaration is refused at
   * start-up when the table lacks one.
   */
  scopes?: readonly AnyPgColumn[];
  /** Equality filters of lists: field name → query parameter schema. */
  filters?: Partial<Record<NoInfer<F>, z.ZodType>>;
  /** Fields a PATCH may name, with their input schemas; who may change which is in `grants`. */
  update?: Partial<Record<NoInfer<F>, z.ZodType>>;
  create?: CreateSpec<NoInfer<F>, B>;
  references?: Partial<Record<NoInfer<F>, UserReference>>;
  grants: Partial<Record<AppRole, Grant<NoInfer<F>>>>;
}

type Granted<F extends string> = Array<[AppRole, Grant<F>]>;

/** A column that a statement reads, or a condition: what a field view selects. */
export type Selection = Record<string, AnyPgColumn | SQL | SQL.Aliased>;

/**
 * The fields of rows a caller sees. Fields every granting role shows are plain columns;
 * each group's fields are selected as `CASE WHEN <rules of the roles showing them> THEN
 * col END`, and the group's own flag tells a hidden value from a real null.
 */
export interface FieldView {
  selection: Selection;
  groups: Array<{ flag: string; fields: string[] }>;
}

/**
 * A resource declared once: table, fields, sorts, filters, writable fields and the grants
 * of each role. Policy (row scopes, per-row field views, write checks), validation
 * schemas, the response schema and the roles of each route all derive from it.
 */
export class Resource<F extends string, B extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string;
  readonly table: PgTable;
  readonly fields: readonly F[];
  readonly columns: Record<string, AnyPgColumn>;
  readonly listQuery: z.ZodType<ListQuery, unknown>;
  private readonly patch;
  private readonly create;
  /** The response schema: a field some role cannot see is optional, with a note saying for whom it is absent. */
  readonly schema;
  readonly pageSchema;

  constructor(readonly spec: ResourceSpec<F, B>) {
    this.name = spec.name;
    this.table = spec.table;
    this.fields = Object.keys(spec.fields) as F[];
    this.columns = getTableColumns(spec.table) as Record<string, AnyPgColumn>;
    const sorts = Object.keys(spec.sorts) as [string, ...string[]];
    checkDeclaration(spec as unknown as ResourceSpec<F, z.ZodRawShape>, this.fields);
    this.listQuery = listQuery(sorts, (spec.filters ?? {}) as z.ZodRawShape) as unknown as z.ZodType<ListQuery, unknown>;
    this.patch = spec.update ? nonEmptyPatch(spec.update as z.ZodRawShape) : undefined;
    this.create = spec.create ? z.strictObject(spec.create.body) : undefined;
    const label = capitalise(spec.name);
    this.schema = z.object(Object.fromEntries(this.fields.map((f) => [f, this.fieldSchema(f)]))).meta({ id: label });
    this.pageSchema = z
      .object({
        items: z.array(this.schema),
        next: z.string().nullable().describe('Cursor for the next page (pass as ?cursor=); null on the last page'),
      })
      .meta({ id: `${label}Page` });
  }

  private fieldSchema(field: F): z.ZodType {
    const { schema } = this.spec.fields[field];
    const hiddenFor = this.readers.filter((r) => this.spec.grants[r]?.hide?.includes(field));
    if (hiddenFor.length === 0) return schema;
    const note = `Absent for ${hiddenFor.join(', ')}, unless another role of the caller shows it on that row`;
    return schema.optional().describe(schema.description ? `${schema.description}. ${note}` : note);
  }

  /** The PATCH body: the declared `update` fields, each optional, at least one. */
  get patchSchema() {
    if (!this.patch) throw new Error(`${this.name} declares no update fields; it has no PATCH route`);
    return this.patch;
  }

  /** The POST body: the declared `create.body`. */
  get createSchema() {
    if (!this.create) throw new Error(`${this.name} declares no create; it has no POST route`);
    return this.create;
  }

  /** Roles that may read this resource at all; anyone else gets 403. */
  get readers(): AppRole[] {
    return APP_ROLES.filter((r) => this.spec.grants[r]);
  }

  /** Roles that may change something; anyone else gets 403 on PATCH. */
  get updaters(): AppRole[] {
    return APP_ROLES.filter((r) => (this.spec.grants[r]?.update?.length ?? 0) > 0);
  }

  get creators(): AppRole[] {
    return APP_ROLES.filter((r) => this.spec.grants[r]?.create);
  }

  get deleters(): AppRole[] {
    return APP_ROLES.filter((r) => this.spec.grants[r]?.delete);
  }

  get references(): Array<[F, UserReference]> {
    return Object.entries(this.spec.references ?? {}) as Array<[F, UserReference]>;
  }

  private granted(user: Principal): Granted<F> {
    return user.roles.flatMap((r) => (this.spec.grants[r] ? [[r, this.spec.grants[r]] as [AppRole, Grant<F>]] : []));
  }

  /**
   * The fields the caller sees whatever the row: shown by one of their roles that grants
   * every row. The audit trail shows recorded values by these, since the row they were
   * taken from may have changed or be gone.
   */
  fieldsShownOnEveryRow(user: Principal): Set<F> {
    const everyRow = this.granted(user).filter(([, g]) => g.rows === all);
    return new Set(this.fields.filter((f) => everyRow.some(([, g]) => !g.hide?.includes(f))));
  }

  /** The WHERE clause of rows the caller may read (undefined: all rows). */
  readScope(user: Principal): SQL | undefined {
    return union(this.granted(user).map(([, g]) => g.rows), user);
  }

  /**
   * The fields the caller sees on each row. A field shows on a row when at least one of the
   * caller's roles that grants THAT row shows it, so one role's fields never spill onto rows
   * only another role grants. When every granting role agrees (always, for one role), the
   * statement is a plain column list; otherwise the disagreeing fields are decided in SQL,
   * so a hidden value never leaves the database.
   */
  fieldView(user: Principal): FieldView {
    const grants = this.granted(user);
    const selection: Selection = {};
    const groups = new Map<string, { flag: string; rule: SQL; fields: string[] }>();
    for (const field of this.fields) {
      const showing = grants.filter(([, g]) => !g.hide?.includes(field));
      const column = this.spec.fields[field].column;
      if (showing.length === 0) continue;
      if (showing.length === grants.length || showing.some(([, g]) => g.rows === all)) {
        selection[field] = column;
        continue;
      }
      const key = showing.map(([r]) => r).join(',');
      let group = groups.get(key);
      if (!group) {
        group = { flag: `_shown${groups.size}`, rule: union(showing.map(([, g]) => g.rows), user) ?? sql`true`, fields: [] };
        groups.set(key, group);
        selection[group.flag] = sql<boolean>`coalesce(${group.rule}, false)`;
      }
      group.fields.push(field);
      selection[field] = sql`case when ${group.rule} then ${column} end`.mapWith(column);
    }
    return { selection, groups: [...groups.values()].map(({ flag, fields }) => ({ flag, fields })) };
  }

  /**
   * The rows the caller may change `fields` in: the union of the rows of each role allowed
   * to change all of them. It is applied to the row as it was (which rows may be changed)
   * and to the row as it will be (it must stay within them, like PostgreSQL RLS WITH CHECK).
   * A field none of the caller's roles may change is a 400 naming it.
   */
  writeScope(user: Principal, fields: readonly string[]): SQL | undefined {
    const grants = this.granted(user);
    for (const field of fields) {
      if (!grants.some(([, g]) => g.update?.includes(field as F))) {
        throw new BadRequestException(`${field} may not be changed by ${user.roles.join(', ') || 'a user without roles'}`);
      }
    }
    const able = grants.filter(([, g]) => fields.every((f) => g.update?.includes(f as F)));
    if (able.length === 0) throw new BadRequestException(`${fields.join(' and ')} may not be changed together by one of your roles`);
    return union(able.map(([, g]) => g.rows), user);
  }

  /**
   * The condition a new row must meet: for some role of the caller that may create, its
   * own row rule (the caller can see what they create) and that role's extra check.
   */
  createCheck(user: Principal): SQL | undefined {
    const checks = this.granted(user).flatMap(([, g]): RowRule[] => {
      if (!g.create) return [];
      const { rows } = g;
      const check = g.create === true ? all : g.create.check;
      if (rows === all || check === all) return [rows === all ? check : rows];
      return [(u) => and(rows(u) ?? nothing, check(u) ?? nothing)];
    });
    return union(checks, user);
  }

  deleteScope(user: Principal): SQL | undefined {
    return union(this.granted(user).flatMap(([, g]) => (g.delete ? [g.rows] : [])), user);
  }

  /**
   * Whether the user a reference field names is eligible for it (true when the field is
   * null): holds the role, assigned in rolegate or carried by their latest token, and is
   * of the row's region when the reference asks for it.
   */
  eligible(field: F, ref: UserReference): SQL {
    const column = this.spec.fields[field].column;
    const region = ref.sameRegion ? sql` and ${userRegion} = ${this.columns.region}` : sql``;
    return sql`(${column} is null or exists (select 1 from ${users} where ${users.id} = ${column} and (${ref.role} = any(${users.roles}) or ${ref.role} = any(${users.tokenRoles}))${region}))`;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any resource, whatever its body type
export type AnyResource = Resource<string, any>;

/** The query of a list: page size, cursor, sort and the resource's own filters. */
export type ListQuery = { limit: number; cursor?: string; sort: string } & Record<string, unknown>;

/** Declares a resource; see `Resource`. */
export const defineResource = <F extends string, B extends z.ZodRawShape = z.ZodRawShape>(spec: ResourceSpec<F, B>) => new Resource<F, B>(spec);

function union(rules: RowRule[], user: Principal): SQL | undefined {
  if (rules.length === 0) return nothing;
  if (rules.includes(all)) return undefined;
  const conditions = rules.map((rule) => (rule as Exclude<RowRule, 'all'>)(user) ?? nothing);
  return conditions.length === 1 ? conditions[0] : sql`(${sql.join(conditions.map((c) => sql`(${c})`), sql` or `)})`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A user's region as their principal has it: the latest token's region claim when it had one, else the stored region. */
const userRegion = sql`(case when ${users.tokenRegionClaimed} then ${users.tokenRegion} else ${users.region} end)`;

/**
 * Refuses, at start-up, a declaration that would leak or be slow: a sort or filter on a
 * field some role hides (the order, the cursor or the filter would reveal it), a hidden,
 * writable or referencing field that is not declared, a same-region reference on a table
 * without a region, and a sort without the indexes that serve it.
 */
function checkDeclaration<F extends string>(spec: ResourceSpec<F, z.ZodRawShape>, fields: readonly F[]): void {
  const problem = (what: string): never => {
    throw new Error(`resource ${spec.name}: ${what}`);
  };
  const grants = Object.entries(spec.grants) as Array<[AppRole, Grant<F>]>;
  const hidden = new Set(grants.flatMap(([, g]) => g.hide ?? []));
  for (const [role, g] of grants) {
    for (const f of g.hide ?? []) if (!fields.includes(f)) problem(`${role} hides ${f}, which is not a field`);
    for (const f of g.update ?? []) if (!spec.update?.[f]) problem(`${role} may update ${f}, which is not in update`);
  }
  for (const [f, ref] of Object.entries(spec.references ?? {}) as Array<[F, UserReference]>) {
    if (!fields.includes(f)) problem(`reference ${f} is not a field`);
    if (ref.sameRegion && !('region' in getTableColumns(spec.table))) problem(`reference ${f} asks for the row's region, but the table has no region column`);
  }
  const columnsOf = (f: F) => spec.fields[f].column;
  for (const f of Object.keys(spec.filters ?? {}) as F[]) {
    if (!fields.includes(f)) problem(`filter ${f} is not a field`);
    if (hidden.has(f)) problem(`filter ${f} is on a field some role hides`);
  }
  const hiddenColumns = new Set([...hidden].map(columnsOf));
  const indexes = getTableConfig(spec.table).indexes.map((i) => i.config.columns.map((c) => (c as { name?: string }).name).join(','));
  const everyRow = grants.some(([, g]) => g.rows === all);
  for (const [name, column] of Object.entries(spec.sorts)) {
    if (hiddenColumns.has(column)) problem(`sort ${name} is on a field some role hides`);
    const needed = [...(everyRow ? [[column.name, 'id']] : []), ...(spec.scopes ?? []).map((scope) => [scope.name, column.name, 'id'])];
    for (const index of needed) if (!indexes.includes(index.join(','))) problem(`sort ${name} needs an index on (${index.join(', ')})`);
  }
}

/** A condition that needs the caller's region; no region means no rows. */
export const inRegion = (column: AnyPgColumn, user: Principal): SQL => (user.region ? eq(column, user.region) : nothing);
