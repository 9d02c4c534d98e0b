import { rmSync } from 'node:fs';

/** Removes the test run's directory of embedded databases (global-setup.js). */
export default function globalTeardown() {
  if (process.env.ROLEGATE_TEST_DIR) rmSync(process.env.ROLEGATE_TEST_DIR, { recursive: true, force: true });
}
