import { createHash } from 'node:crypto';

interface Preparable<T> {
  toSQL(): { sql: string };
  prepare(name: string): { execute(): Promise<T> };
}

/**
 * Runs a query as a named prepared statement, named after its SQL text. PostgreSQL then
 * parses and plans each query shape once per connection instead of on every request,
 * which matters for the query every request runs (the principal lookup by unique `sub`,
 * whose generic plan is always the unique index). Values stay bound parameters; a
 * different shape gets a different name.
 */
export function runPrepared<T>(query: Preparable<T>): Promise<T> {
  const name = `rg_${createHash('sha1').update(query.toSQL().sql).digest('base64url').slice(0, 20)}`;
  return query.prepare(name).execute();
}
