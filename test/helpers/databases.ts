import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database, type DatabaseHandle } from '../../src/database/database.client.js';

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** Environment that points rolegate at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** The PostgreSQL server of this machine or CI, when DATABASE_URL names one. */
export const postgresUrl = process.env.DATABASE_URL;

/** Tests that need a PostgreSQL server: reported as skipped when DATABASE_URL is not set. */
export const describeOnPostgres = postgresUrl ? describe : describe.skip;
export const itOnPostgres = postgresUrl ? it : it.skip;

/** Databases a data test runs on: always PGlite, and PostgreSQL when DATABASE_URL is set. */
export const databaseKinds: Array<TestDatabase['name']> = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

/**
 * A data directory of its own for an embedded database: a copy of the migrated one (or of
 * the new one) global-setup.js made (copying takes a fraction of the time PGlite takes to create and
 * migrate a cluster), removed by `remove`. In memory when the suite runs without that setup.
 */
export function pgliteDataDir(state: 'migrated' | 'new' = 'migrated'): { dataDir: string; remove(): void } {
  const runDir = process.env.ROLEGATE_TEST_DIR;
  if (!runDir) return { dataDir: 'memory://', remove: () => undefined };
  const dataDir = join(mkdtempSync(join(runDir, 'db-')), 'data');
  cpSync(join(runDir, state === 'new' ? 'empty' : 'template'), dataDir, { recursive: true });
  return { dataDir, remove: () => rmSync(join(dataDir, '..'), { recursive: true, force: true }) };
}

/** `openDatabase` on an embedded database of its own (pgliteDataDir), removed when it closes. */
export async function openTestDatabase(seedDemoData: boolean): Promise<DatabaseHandle> {
  const { dataDir, remove } = pgliteDataDir();
  const handle = await openDatabase({ dataDir, seedDemoData });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      remove();
    },
  };
}

/** A fresh, empty database of that kind; PostgreSQL ones get a database of their own, dropped afterwards. */
export async function freshDatabase(kind: TestDatabase['name'], seed = true): Promise<TestDatabase> {
  const seedEnv = { SEED_DEMO_DATA: String(seed) };
  if (kind === 'pglite') {
    const { dataDir, remove } = pgliteDataDir();
    return { name: kind, env: { DATA_DIR: dataDir, ...seedEnv }, drop: async () => remove() };
  }
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

/**
 * A PostgreSQL database of its own, as a copy of a template that `build` filled once: for
 * suites that need a large generated data set. The template is kept on the test server as
 * `rolegate_tpl_<name>_<hash>`, the hash covering the migrations and `inputs` (whatever
 * else decides its content, such as the generating SQL), so it is built again, and the
 * previous one dropped, exactly when one of them changes; a build that did not finish is
 * never used. Copying (CREATE DATABASE ... TEMPLATE) takes seconds where generating takes
 * most of a minute. Drop the templates at any time; the next run builds them again.
 */
export async function databaseFromTemplate(name: string, inputs: string[], build: (url: string) => Promise<void>): Promise<TestDatabase> {
  if (!postgresUrl) throw new Error('DATABASE_URL is not set');
  const hash = createHash('sha256');
  const migrations = resolve(import.meta.dirname, '../../drizzle');
  for (const file of readdirSync(migrations).filter((f) => f.endsWith('.sql')).sort()) hash.update(file).update(readFileSync(join(migrations, file)));
  for (const input of inputs) hash.update(input);
  const template = `rolegate_tpl_${name}_${hash.digest('hex').slice(0, 16)}`;
  const urlOf = (db: string) => Object.assign(new URL(postgresUrl), { pathname: `/${db}` }).toString();

  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    // One builder at a time, across test workers and concurrent runs.
    await admin.query('select pg_advisory_lock(hashtext($1))', [template]);
    const exists = async (db: string) => (await admin.query('select 1 from pg_database where datname = $1', [db])).rowCount === 1;
    if (!(await exists(template))) {
      const partial = `${template}_partial`;
      await admin.query(`DROP DATABASE IF EXISTS ${partial} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${partial}`);
      await build(urlOf(partial));
      await admin.query(`ALTER DATABASE ${partial} RENAME TO ${template}`);
      const stale = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1 and datname <> $2', [`rolegate\_tpl\_${name}\_%`, template]);
      for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
    const copy = `rolegate_test_${randomBytes(6).toString('hex')}`;
    // PostgreSQL 15 and later copy the files as they are; earlier ones do so by default.
    const fileCopy = Number((await admin.query('show server_version_num')).rows[0].server_version_num) >= 150000 ? ' STRATEGY = FILE_COPY' : '';
    await admin.query(`CREATE DATABASE ${copy} TEMPLATE ${template}${fileCopy}`);
    await admin.query('select pg_advisory_unlock(hashtext($1))', [template]);
    return { name: 'postgres', env: { DATABASE_URL: urlOf(copy) }, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${copy} WITH (FORCE)`) };
  } finally {
    await admin.end();
  }
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

/**
 * Fills tables with generated rows the way pg_restore loads a dump: their secondary indexes
 * are dropped and built again afterwards (one sort per index instead of an insertion per
 * row), and foreign keys are not checked row by row (`session_replication_role = replica`;
 * generated rows are consistent by construction), then the tables are analyzed. The
 * indexes come back exactly as the migrations made them (`pg_get_indexdef`). For the
 * PostgreSQL-only plan suites; it needs a superuser, as the test server's role is.
 */
export async function bulkLoad(url: string, tables: string[], load: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: indexes } = await client.query<{ name: string; definition: string }>(
      `select i.relname as name, pg_get_indexdef(i.oid) as definition
         from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
        where t.relname = any($1) and t.relnamespace = 'public'::regnamespace
          and not exists (select 1 from pg_constraint c where c.conindid = i.oid)`,
      [tables],
    );
    for (const { name } of indexes) await client.query(`drop index "${name}"`);
    await client.query("set session_replication_role = replica; set maintenance_work_mem = '1GB'");
    await load(client);
    await client.query('reset session_replication_role');
    for (const { definition } of indexes) await client.query(definition);
    await client.query(`analyze ${tables.map((t) => `"${t}"`).join(', ')}`);
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
