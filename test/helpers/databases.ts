import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import type { Database } from '../../src/database/database.client.js';

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** Environment that points rolegate at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** The PostgreSQL server of this machine or CI, when DATABASE_URL names one. */
export const postgresUrl = process.env.DATABASE_URL;

/** Databases a data test runs on: always PGlite, and PostgreSQL when DATABASE_URL is set. */
export const databaseKinds: Array<TestDatabase['name']> = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

/** A fresh, empty database of that kind; PostgreSQL ones get a database of their own, dropped afterwards. */
export async function freshDatabase(kind: TestDatabase['name'], seed = true): Promise<TestDatabase> {
  const seedEnv = { SEED_DEMO_DATA: String(seed) };
  if (kind === 'pglite') return { name: kind, env: { DATA_DIR: 'memory://', ...seedEnv }, drop: async () => undefined };
  if (!postgresUrl) throw new Error('DATABASE_URL is not set');
  const dbName = `rolegate_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${dbName}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${dbName}`;
  return {
    name: kind,
    env: { DATABASE_URL: url.toString(), ...seedEnv },
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Rows of a plain SQL query the test writes itself (a string, or a drizzle `sql` template). */
export async function rowsOf<T = Record<string, unknown>>(db: Database, query: SQL | string): Promise<T[]> {
  const result = (await db.execute(typeof query === 'string' ? sql.raw(query) : query)) as unknown as { rows: T[] };
  return result.rows;
}

/** The sorted `id` column of such a query: the expected set to compare a response with. */
export const idsOf = async (db: Database, query: SQL | string): Promise<string[]> =>
  (await rowsOf<{ id: string }>(db, query)).map((r) => r.id).sort();
