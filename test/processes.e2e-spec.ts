import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestApp } from './helpers/app.js';
import { pgliteDataDir } from './helpers/databases.js';
import { eventually } from './helpers/eventually.js';

const ROOT = resolve(import.meta.dirname, '..');
const node = (args: string[], env: Record<string, string>, cwd: string) =>
  spawnSync(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });

describe('rolegate as a process', () => {
  let cwd: string;
  let removals: Array<() => void> = [];
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'rolegate-'));
  });
  afterEach(() => {
    rmSync(cwd, { recursive: true, force: true });
    for (const remove of removals) remove();
    removals = [];
  });
  /** An embedded database already created and migrated (the very first start has a test of its own). */
  const startedBefore = () => {
    const { dataDir, remove } = pgliteDataDir();
    removals.push(remove);
    return { DATA_DIR: dataDir };
  };

  it('runs on Node.js 24 or later, brought in by the project', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('refuses to start on invalid configuration, naming the variable', () => {
    const res = node([join(ROOT, 'dist/main.js')], { AUTH_TYPE: 'jwt_local', JWT_ISS: 'x', JWT_AUD: 'y', JWT_ALG: 'RS256' }, cwd);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('JWT_DECODE_KEY_B64 is required when AUTH_TYPE=jwt_local: Base64 of a PEM public key or HMAC secret');
  });

  it('refuses cookie mode in production', () => {
    const res = node([join(ROOT, 'dist/main.js')], { NODE_ENV: 'production' }, cwd);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/AUTH_TYPE=cookie .* refused with NODE_ENV=production/);
  });

  /** Starts `npm start`'s entry point (or `npm start` itself) on a free port and resolves once it listens. */
  async function startServer(env: Record<string, string>, viaNpm = false) {
    const settings = { PORT: '0', DATA_DIR: join(cwd, 'data'), ...env };
    const child = viaNpm
      ? // As a supervisor runs it; dist/ is built already (--ignore-scripts skips the build).
        spawn('npm', ['start', '--silent', '--ignore-scripts'], { cwd: ROOT, env: { ...process.env, ...settings } })
      : spawn(process.execPath, [join(ROOT, 'dist/main.js')], { cwd, env: { PATH: process.env.PATH ?? '', ...settings } });
    const out = { text: '' };
    child.stdout.on('data', (d: Buffer) => (out.text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out.text += d.toString()));
    // 'close', not 'exit': only then has everything the process wrote been read.
    const exited = new Promise<number | string>((r) => child.on('close', (c, signal) => r(c ?? signal ?? -1)));
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no start-up line in:\n${out.text}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /Listening on (http:\/\/[^\s"]+)/.exec(out.text);
        if (m) {
          clearTimeout(timer);
          res(m[1].replace('[::1]', '127.0.0.1'));
        }
      });
    });
    return { child, url, out, exited };
  }

  it('starts on the embedded database, logs JSON, answers /health and stops on SIGTERM', async () => {
    const { child, url, out, exited } = await startServer({});
    try {
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', database: 'pglite' });
      expect((await fetch(`${url}/api/me`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    // Nest closes the app (and the database) on SIGTERM, then re-raises the signal.
    expect([0, 'SIGTERM']).toContain(await exited);
    const lines = out.text.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(lines.some((l) => l.msg.startsWith('Listening on'))).toBe(true);
    expect(lines.some((l) => l.msg === 'request completed')).toBe(true);
  });

  it('npm start passes SIGTERM to the server, which shuts down gracefully (as under systemd, Docker or Kubernetes)', async () => {
    const { child, url, out, exited } = await startServer(startedBefore(), true);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    child.kill('SIGTERM'); // to npm, not to the server
    // npm's output closes only once the server has exited too: an orphaned server would keep it open.
    await exited;
    await expect(fetch(`${url}/health`)).rejects.toThrow(); // nothing left listening
    expect(out.text).toContain('Listening on');
  });

  it('on SIGTERM reports not-ready, finishes requests in flight, then closes the database', async () => {
    const { child, url, out, exited } = await startServer({ ...startedBefore(), SHUTDOWN_DRAIN_SECONDS: '2', RATE_LIMIT_PER_USER: '0' });
    const login = await fetch(`${url}/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"alice"}' });
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    child.kill('SIGTERM');
    await eventually(async () => {
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'shutting-down' });
    });
    // Requests sent while draining are all answered; the database closes only after them.
    const pages = await Promise.all(
      Array.from({ length: 30 }, () => fetch(`${url}/api/tickets?limit=100`, { headers: { cookie } }).then((r) => r.status)),
    );
    expect(pages).toEqual(Array(30).fill(200));
    expect([0, 'SIGTERM']).toContain(await exited);
    const messages = out.text.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    const closing = messages.findIndex((m) => m.startsWith('Shutting down on SIGTERM'));
    const closed = messages.indexOf('Database closed (pglite)');
    expect(closing).toBeGreaterThan(-1);
    expect(closed).toBeGreaterThan(closing);
  });

  it.each(['RS256', 'ES256', 'EdDSA', 'HS256'])('npm run keys and npm run token give a working %s setup', async (alg) => {
    const keys = node([join(ROOT, 'dist/cli/keys.js'), '--alg', alg], {}, cwd);
    expect(keys.status).toBe(0);
    const env = Object.fromEntries(keys.stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(Object.keys(env)).toEqual(['AUTH_TYPE', 'JWT_ISS', 'JWT_AUD', 'JWT_ALG', 'JWT_DECODE_KEY_B64', 'SEED_DEMO_DATA']);
    const tokens = new Map<string, string>();
    const token = (sub: string) => tokens.get(sub) ?? tokens.set(sub, node([join(ROOT, 'dist/cli/token.js'), '--sub', sub], {}, cwd).stdout.trim()).get(sub)!;
    const t = await createTestApp({ SEED_DEMO_DATA: undefined, ...env }); // exactly what npm run keys wrote
    try {
      const carol = await t.http().get('/api/me').set('Authorization', `Bearer ${token('carol')}`).expect(200);
      expect(carol.body).toMatchObject({ sub: 'carol', roles: ['sales'], region: 'EU', authType: 'jwt_local' });
      await t.http().get('/api/users').set('Authorization', `Bearer ${token('carol')}`).expect(403);
      await t.http().get('/api/users').set('Authorization', `Bearer ${token('alice')}`).expect(200);
    } finally {
      await t.close();
    }
  });

  it('npm run openapi writes the document GET /openapi.json serves', async () => {
    const env = { PUBLIC_URL: 'https://crm.example.com', AUTH_TYPE: 'cookie' };
    const res = node([join(ROOT, 'dist/cli/openapi.js'), '--out', join(cwd, 'openapi.json')], env, cwd);
    expect(res.status).toBe(0);
    const written = JSON.parse(readFileSync(join(cwd, 'openapi.json'), 'utf8'));
    const t = await createTestApp(env);
    try {
      expect(written).toEqual((await t.http().get('/openapi.json').expect(200)).body);
      expect(written.servers).toEqual([{ url: 'https://crm.example.com' }]);
    } finally {
      await t.close();
    }
  });

  it('npm run token explains what is missing', () => {
    expect(node([join(ROOT, 'dist/cli/token.js')], {}, cwd).stderr).toMatch(/--sub is required/);
    const res = node([join(ROOT, 'dist/cli/token.js'), '--sub', 'carol'], {}, cwd);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/run `npm run keys` first/);
  });
});
