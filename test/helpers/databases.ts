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
  const dbName = testDatabaseName();
  const database = ownDatabase(dbName); // throws without DATABASE_URL
  await adminQuery(`CREATE DATABASE ${dbName}`);
  return { ...database, env: { ...database.env, ...seedEnv } };
}

/** The test server's URL with another database name. */
function urlOf(dbName: string): string {
  if (!postgresUrl) throw new Error('DATABASE_URL is not set');
  return Object.assign(new URL(postgresUrl), { pathname: `/${dbName}` }).toString();
}

const testDatabaseName = () => `rolegate_test_${randomBytes(6).toString('hex')}`;

/** A database this test created on the test server, dropped (whoever is still connected) by `drop`. */
const ownDatabase = (dbName: string): TestDatabase => ({
  name: 'postgres',
  env: { DATABASE_URL: urlOf(dbName) },
  drop: () => adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`),
});

/**
 * A PostgreSQL database of its own, as a copy of a template that `build` filled once: for
 * suites that need a large generated data set. The template is kept on the test server as
 * `rolegate_tpl_<name>_<hash>`; the hash covers the migrations, rolegate's database code
 * (schema, client, seed), this file, `inputs` (the suite's own source, say) and the server
 * version, so the template is built again, and the previous one of that suite dropped,
 * when one of them changes. A build that did not finish is never used. Copying takes
 * seconds where generating takes most of a minute. Drop the templates at any time; the
 * next run builds them again.
 */
export async function databaseFromTemplate(name: string, inputs: string[], build: (url: string) => Promise<void>): Promise<TestDatabase> {
  if (!postgresUrl) throw new Error('DATABASE_URL is not set');
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    const version = Number((await admin.query('show server_version_num')).rows[0].server_version_num);
    const hash = createHash('sha256').update(String(version));
    const root = resolve(import.meta.dirname, '../..');
    const code = [
      ...readdirSync(join(root, 'drizzle'), { recursive: true }).map((f) => join('drizzle', String(f))).filter((f) => /\.(sql|json)$/.test(f)),
      ...readdirSync(join(root, 'src/database')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')).map((f) => join('src/database', f)),
      'test/helpers/databases.ts',
    ].sort();
    for (const file of code) hash.update(file).update(readFileSync(join(root, file)));
    for (const input of inputs) hash.update(input);
    const template = `rolegate_tpl_${name}_${hash.digest('hex').slice(0, 16)}`;

    // One run at a time builds, copies or drops a suite's templates (test workers, concurrent runs).
    await admin.query('select pg_advisory_lock(hashtext($1))', [`rolegate_tpl_${name}`]);
    const exists = async (db: string) => (await admin.query('select 1 from pg_database where datname = $1', [db])).rowCount === 1;
    if (!(await exists(template))) {
      const partial = `${template}_partial`;
      await admin.query(`DROP DATABASE IF EXISTS ${partial} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${partial}`);
      await build(urlOf(partial));
      await admin.query(`ALTER DATABASE ${partial} RENAME TO ${template}`);
      const stale = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1 and datname <> $2', [
        String.raw`rolegate\_tpl\_${name}\_%`,
        template,
      ]);
      for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
    const copy = testDatabaseName();
    // From PostgreSQL 15 a copy goes block by block through the WAL unless told otherwise;
    // copying the files (after a checkpoint) is much faster for a template this large.
    const fileCopy = version >= 150000 ? ' STRATEGY = FILE_COPY' : '';
    await admin.query(`CREATE DATABASE ${copy} TEMPLATE ${template}${fileCopy}`);
    await admin.query('select pg_advisory_unlock(hashtext($1))', [`rolegate_tpl_${name}`]);
    return ownDatabase(copy);
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
 * Fills tables with generated rows as a restore does: their secondary indexes are dropped
 * and built again afterwards (one sort per index instead of an insertion per row), exactly
 * as the migrations made them (`pg_get_indexdef`), then the tables are analyzed. Foreign
 * keys are not checked row by row when the role may say so (`session_replication_role =
 * replica`, a superuser's setting; the generated rows are consistent by construction);
 * otherwise they are checked, which is slower but gives the same data.
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
    await client.query("set maintenance_work_mem = '256MB'");
    await client.query('set session_replication_role = replica').catch((err: { code?: string }) => {
      if (err.code !== '42501') throw err; // insufficient privilege: load with the checks
    });
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
