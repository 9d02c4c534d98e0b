import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const MIGRATIONS = join(ROOT, 'drizzle');

/**
 * Builds dist/, for the suites that run rolegate's commands as real processes, and
 * meanwhile provides two embedded databases, one new and one with every migration
 * applied: each test's PGlite starts as a copy of one (helpers/databases.ts) instead of
 * creating (and migrating) a cluster again. The pair is kept in node_modules/.cache,
 * named after the migrations and the PGlite version, so it is made again exactly when
 * one of them changes.
 */
export default async function globalSetup() {
  const built = run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  const kept = await keptDatabases();
  const dir = mkdtempSync(join(inMemoryDir() ?? tmpdir(), 'rolegate-test-'));
  for (const name of ['empty', 'template']) cpSync(join(kept, name), join(dir, name), { recursive: true });
  // The test workers inherit it; global-teardown.js removes the directory.
  process.env.ROLEGATE_TEST_DIR = dir;
  await built;
}

async function keptDatabases() {
  const hash = createHash('sha256').update(JSON.parse(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version);
  for (const file of readdirSync(MIGRATIONS, { recursive: true }).map(String).sort()) {
    const path = join(MIGRATIONS, file);
    if (file.endsWith('.sql') || file.endsWith('.json')) hash.update(file).update(readFileSync(path));
  }
  const cache = join(ROOT, 'node_modules/.cache/rolegate');
  const kept = join(cache, `pglite-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(kept)) return kept;

  mkdirSync(cache, { recursive: true });
  const partial = mkdtempSync(join(cache, 'partial-'));
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  await (await PGlite.create(join(partial, 'empty'))).close();
  cpSync(join(partial, 'empty'), join(partial, 'template'), { recursive: true });
  const client = await PGlite.create(join(partial, 'template'));
  await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
  await client.close();
  // Earlier pairs (other migrations) go; a pair appears only once complete.
  for (const old of readdirSync(cache).filter((name) => name.startsWith('pglite-'))) rmSync(join(cache, old), { recursive: true, force: true });
  renameSync(partial, kept);
  return kept;
}

function run(command, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${args.join(' ')} failed (exit ${code})`))));
  });
}

/** The system's tmpfs, where copying a database directory takes a tenth of the time it takes on disk. */
function inMemoryDir() {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return undefined;
  }
}
