import { BadRequestException } from '@nestjs/common';
import { eq, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Principal } from '../auth/principal.js';
import { APP_ROLES, type AppRole } from './roles.js';

/** Which rows a role sees: all of them, or those matching a condition built from the caller. */
export type RowRule = 'all' | ((user: Principal) => SQL | undefined);

export interface Grant<F extends string> {
  rows: RowRule;
  /** Fields left out of every response to this role. */
  hide?: readonly F[];
  /** Fields this role may change, within the rows it sees. */
  update?: readonly F[];
}

export const all = 'all' as const;

/** No rows: used when a rule needs something the caller lacks (a region, say). */
const nothing = sql`false`;

/**
 * A resource's access rules, declared once per role. Several roles combine as a union
 * of rows and the most open view of fields (a field is hidden only when every one of
 * the caller's roles hides it).
 */
export class Policy<F extends string> {
  constructor(
    readonly resource: string,
    readonly fields: readonly F[],
    private readonly grants: Partial<Record<AppRole, Grant<F>>>,
  ) {}

  /** Roles that may read this resource at all; anyone else gets 403. */
  get readers(): AppRole[] {
    return APP_ROLES.filter((r) => this.grants[r]);
  }

  /** Roles that may change something in this resource; anyone else gets 403 on writes. */
  get writers(): AppRole[] {
    return APP_ROLES.filter((r) => (this.grants[r]?.update?.length ?? 0) > 0);
  }

  private grantsOf(user: Principal): Array<[AppRole, Grant<F>]> {
    return user.roles.flatMap((r) => (this.grants[r] ? [[r, this.grants[r]] as [AppRole, Grant<F>]] : []));
  }

  /** The WHERE clause of rows the caller may read (undefined: all rows). */
  readScope(user: Principal): SQL | undefined {
    return union(this.grantsOf(user).map(([, g]) => g.rows), user);
  }

  /** Fields the caller sees, in declaration order. */
  visibleFields(user: Principal): F[] {
    const grants = this.grantsOf(user);
    return this.fields.filter((f) => grants.some(([, g]) => !g.hide?.includes(f)));
  }

  /**
   * The WHERE clause of rows the caller may change `fields` in: the union of the rows of
   * each role allowed to change all of them. A field none of the caller's roles may
   * change is a 400 naming it.
   */
  writeScope(user: Principal, fields: readonly F[]): SQL | undefined {
    const grants = this.grantsOf(user);
    for (const field of fields) {
      if (!grants.some(([, g]) => g.update?.includes(field))) {
        throw new BadRequestException(`${field} may not be changed by ${user.roles.join(', ') || 'a user without roles'}`);
      }
    }
    const able = grants.filter(([, g]) => fields.every((f) => g.update?.includes(f)));
    if (able.length === 0) {
      throw new BadRequestException(`${fields.join(' and ')} may not be changed together by one of your roles`);
    }
    return union(able.map(([, g]) => g.rows), user);
  }
}

function union(rules: RowRule[], user: Principal): SQL | undefined {
  if (rules.length === 0) return nothing;
  if (rules.includes(all)) return undefined;
  const conditions = rules.map((rule) => (rule as Exclude<RowRule, 'all'>)(user) ?? nothing);
  return conditions.length === 1 ? conditions[0] : or(...conditions);
}

/** A condition that needs the caller's region; no region means no rows. */
export const inRegion = (column: AnyPgColumn, user: Principal): SQL => (user.region ? eq(column, user.region) : nothing);
