import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The README's command lines exactly as a newcomer types them: through a shell and npm,
 * whose output goes to a file or is pasted somewhere. npm prints a banner on stdout
 * (`> rolegate@0.1.0 keys` and the script) for every script it runs unless it runs with
 * -s, so these commands must say -s.
 */
describe('the README commands whose output is kept', () => {
  const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
  /** A command line exactly as the README shows it. */
  const shown = (pattern: RegExp) => {
    const line = pattern.exec(README)?.[1];
    if (!line) throw new Error(`README shows no command like ${pattern}`);
    return line;
  };
  const KEYS = shown(/^(npm run [^\n#]*keys > \.env)\s/m);
  const OPENAPI = shown(/`(npm run [^`]*openapi -- --out -)`/);
  let project: string;

  // A copy of the project to run npm in: `npm run keys` writes .keys/ and .env where it
  // runs, and the developer's own must stay as they are.
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'rolegate-project-'));
    for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'drizzle', 'dist']) cpSync(join(ROOT, entry), join(project, entry), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'));
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  /** Runs a command line in a shell, as a terminal would; npm settings of an outer npm (npm test -s) are not passed on. */
  const shell = (line: string) =>
    spawnSync('sh', ['-c', line], {
      cwd: project,
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? tmpdir() },
      encoding: 'utf8',
      timeout: 150_000,
    });

  it('shows only -s where the output of an npm script is redirected, captured or pasted', () => {
    const kept = README.split('\n').filter((line) => /npm run [^`\n]*(?:\s>\s|--out -)|\$\(npm run/.test(line));
    expect(kept.length).toBeGreaterThanOrEqual(3);
    for (const line of kept) expect(line).toMatch(/npm run -s /);
  });

  it(`${KEYS} writes a .env of KEY=VALUE lines and nothing else`, () => {
    const res = shell(KEYS);
    expect([res.status, res.stderr]).toEqual([0, expect.stringContaining('Signing key written to .keys/')]);
    const lines = readFileSync(join(project, '.env'), 'utf8').trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^[A-Z][A-Z0-9_]*=\S+$/);
    expect(lines.map((line) => line.split('=')[0])).toEqual(['AUTH_TYPE', 'JWT_ISS', 'JWT_AUD', 'JWT_ALG', 'JWT_DECODE_KEY_B64', 'SEED_DEMO_DATA']);
  }, 180_000);

  it(`${OPENAPI} prints the OpenAPI document and nothing else`, () => {
    const res = shell(OPENAPI);
    expect(res.status).toBe(0);
    const doc = JSON.parse(res.stdout) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths).toHaveProperty(['/api/me']);
  }, 180_000);
});
