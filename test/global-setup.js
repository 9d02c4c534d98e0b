import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
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
  const base = inMemoryDir() ?? tmpdir();
  sweepAbandonedRuns(base);
  const dir = mkdtempSync(join(base, 'rolegate-test-'));
  writeFileSync(join(dir, 'pid'), String(process.pid));
  try {
    const kept = await keptDatabases();
    for (const name of ['empty', 'template']) cpSync(join(kept, name), join(dir, name), { recursive: true });
    await built;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // The test workers inherit it; global-teardown.js removes the directory.
  process.env.ROLEGATE_TEST_DIR = dir;
}

/** Directories of earlier runs that were killed before their teardown (their process is gone). */
function sweepAbandonedRuns(base) {
  for (const name of readdirSync(base).filter((n) => n.startsWith('rolegate-test-'))) {
    const pidFile = join(base, name, 'pid');
    // No pid yet: a run that is starting right now, unless the directory is old.
    const abandoned = existsSync(pidFile) ? !isRunning(Number(readFileSync(pidFile, 'utf8'))) : Date.now() - statSync(join(base, name)).mtimeMs > 3_600_000;
    if (abandoned) rmSync(join(base, name), { recursive: true, force: true });
  }
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
  const partial = mkdtempSync(join(cache, `partial-${process.pid}-`));
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  await (await PGlite.create(join(partial, 'empty'))).close();
  cpSync(join(partial, 'empty'), join(partial, 'template'), { recursive: true });
  const client = await PGlite.create(join(partial, 'template'));
  await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
  await client.close();
  // A pair appears only once complete; another run may have completed the same one meanwhile.
  try {
    renameSync(partial, kept);
  } catch (err) {
    if (!existsSync(kept)) throw err;
    rmSync(partial, { recursive: true, force: true });
  }
  // Pairs for other migrations, and builds that were interrupted, go.
  for (const name of readdirSync(cache)) {
    const stale = (name.startsWith('pglite-') && join(cache, name) !== kept) || (name.startsWith('partial-') && !isRunning(Number(name.split('-')[1])));
    if (stale) rmSync(join(cache, name), { recursive: true, force: true });
  }
  return kept;
}

function run(command, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${args.join(' ')} failed (exit ${code})`))));
  });
}

function isRunning(pid) {
  try {
    return pid > 0 && process.kill(pid, 0);
  } catch {
    return false;
  }
}

/**
 * The system's tmpfs, where copying a database directory takes a tenth of the time it
 * takes on disk, when it has room for the databases of a run (each is about 40 MB, and a
 * few dozen may be open at once); otherwise the disk.
 */
function inMemoryDir() {
  try {
    accessSync('/dev/shm', constants.W_OK);
    const { bavail, bsize } = statfsSync('/dev/shm');
    return bavail * bsize >= 2 * 1024 ** 3 ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
}
