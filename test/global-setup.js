import { execFileSync } from 'node:child_process';

/** Builds dist/ once, for the suites that run rolegate's commands as real processes. */
export default function globalSetup() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
