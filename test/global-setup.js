import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds dist/ once, for the suites that run rolegate's commands as real processes, and
 * makes an embedded database with every migration applied: each test's PGlite starts as a
 * copy of it (helpers/databases.ts) instead of creating and migrating a cluster again.
 */
export default async function globalSetup() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'rolegate-test-'));
  const { openDatabase } = await import('../dist/database/database.client.js');
  const template = await openDatabase({ dataDir: join(dir, 'template'), seedDemoData: false });
  await template.close();
  // The test workers inherit it; global-teardown.js removes the directory.
  process.env.ROLEGATE_TEST_DIR = dir;
}
