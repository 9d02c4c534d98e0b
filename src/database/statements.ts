import { hash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';

export type Params = Record<string, unknown>;

export interface Statement {
  execute(params: Params): Promise<unknown>;
}

interface Preparable {
  toSQL(): { sql: string };
  prepare(name: string): Statement;
}

/** Statements kept per table; a deployment uses a few dozen shapes at most. */
const MAX_STATEMENTS = 500;

/**
 * Prepared statements built once per shape. Building SQL costs more CPU than running an
 * indexed page, so reads are built once for each combination of the caller's roles,
 * region presence, sort, cursor and filters, with every value (the caller's id and region
 * included) a parameter. PostgreSQL connections use `plan_cache_mode=force_custom_plan`
 * (database.client.ts), so each execution is still planned with its actual values.
 */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  /**
   * The statement for a shape, built on first use. Its name is derived from its SQL text:
   * a connection holds one server-side statement per distinct query however often a
   * shape is dropped and rebuilt, and two names never stand for different SQL.
   */
  get(shape: string, build: () => Preparable): Statement {
    let statement = this.statements.get(shape);
    if (!statement) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.delete(this.statements.keys().next().value!);
      const query = build();
      statement = query.prepare(`rolegate_${hash('sha256', query.toSQL().sql, 'base64url').slice(0, 32)}`);
      this.statements.set(shape, statement);
    }
    return statement;
  }
}

/** What a shared statement depends on besides parameters: the caller's roles, and whether they have a region. */
export const callerShape = (user: Principal) => `${user.roles.join(',')}|${user.region === null ? 'no-region' : 'region'}`;

/** The caller's values for a statement built with `callerAsParameters`. */
export const callerParameters = (user: Principal): Params => ({ userId: user.id, userRegion: user.region });

/**
 * The caller as row rules see it while a shared statement is built: id and region are
 * placeholders, roles are real (they are part of the shape). Reading anything else is a
 * programming error, caught at once: a value baked into a statement shared by every
 * caller of the same shape would leak one user's scope to the others.
 */
export function callerAsParameters(user: Principal): Principal {
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
