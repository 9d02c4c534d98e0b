import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { DATABASE } from '../src/database/database.module.js';
import type { Database } from '../src/database/database.client.js';
import { users } from '../src/database/schema.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseKinds, freshDatabase, rowsOf, type TestDatabase } from './helpers/databases.js';
import { eventually } from './helpers/eventually.js';
import { jwtLocalEnv, makeKey, mint, type TestKey } from './helpers/tokens.js';

const run = promisify(execFile);

describe.each(databaseKinds)('users and principals on %s', (kind) => {
  let database: TestDatabase;
  let key: TestKey;
  let t: TestApp;
  let db: Database;
  const me = (token: string) => t.http().get('/api/me').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    database = await freshDatabase(kind);
    key = await makeKey('ES256');
    t = await createTestApp({ ...jwtLocalEnv(key), ...database.env });
    db = t.app.get<Database>(DATABASE);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  it('reports the database in /health', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: kind });
  });

  (kind === 'postgres' ? it : it.skip)('plans every execution of a shared statement with its own values', async () => {
    const [setting] = await rowsOf<{ plan_cache_mode: string }>(db, 'show plan_cache_mode');
    expect(setting.plan_cache_mode).toBe('force_custom_plan');
  });

  (kind === 'postgres' ? it : it.skip)("sets its session settings as each connection starts, keeping the URL's own, with no query queued behind another", async () => {
    const url = new URL(database.env.DATABASE_URL);
    url.searchParams.set('options', '-c lock_timeout=1234');
    // A process of its own: pg warns about a queued query once per process.
    const script = `
      const { openDatabase } = await import(${JSON.stringify(new URL('../dist/database/database.client.js', import.meta.url).href)});
      const { sql } = await import('drizzle-orm');
      const handle = await openDatabase({ url: ${JSON.stringify(url.toString())}, dataDir: 'memory://', seedDemoData: false, statementTimeoutMs: 4321, poolSize: 3 });
      const read = () => handle.db.execute(sql\`select current_setting('plan_cache_mode') p, current_setting('statement_timeout') s, current_setting('lock_timeout') l\`);
      const results = await Promise.all(Array.from({ length: 6 }, read));
      console.log(JSON.stringify(results.map((r) => r.rows[0])));
      await handle.close();`;
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url) });
    expect(JSON.parse(stdout)).toEqual(Array(6).fill({ p: 'force_custom_plan', s: '4321ms', l: '1234ms' }));
    expect(stderr).not.toMatch(/already executing a query/);
  });

  it('provisions a new user once under concurrent first requests', async () => {
    const token = await mint(key, { sub: 'newcomer-1', name: 'New Comer', email: 'new@example.com' });
    const results = await Promise.all(Array.from({ length: 25 }, () => me(token)));
    expect(results.map((r) => r.status)).toEqual(Array(25).fill(200));
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const rows = await db.select().from(users).where(eq(users.sub, 'newcomer-1'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: [...ids][0], name: 'New Comer', email: 'new@example.com', roles: [] });
  });

  it('pages through users whose subs are long', async () => {
    for (let i = 0; i < 3; i++) await me(await mint(key, { sub: `${'long-subject-'.repeat(19)}${i}`, roles: ['admin'] })).expect(200);
    const admin = await mint(key, { sub: 'long-admin', roles: ['admin'] });
    let cursor = '';
    const seen: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await t.http().get(`/api/users?sort=sub&limit=1${cursor}`).set('Authorization', `Bearer ${admin}`).expect(200);
      seen.push(...res.body.items.map((u: { sub: string }) => u.sub));
      if (!res.body.next) break;
      cursor = `&cursor=${res.body.next}`;
    }
    expect(seen.filter((s) => s.startsWith('long-subject-'))).toHaveLength(3);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('stores no control characters from token claims', async () => {
    const res = await me(await mint(key, { sub: 'newcomer-3', name: 'Evil\u0000Name', email: 'e@x\n' })).expect(200);
    expect(res.body).toMatchObject({ sub: 'newcomer-3', name: null, email: null });
  });

  it('maps a token for a demo user to the seeded user and its stored roles', async () => {
    const res = await me(await mint(key, { sub: 'carol', azp: 'gpt-action-7' })).expect(200);
    const [carol] = await db.select().from(users).where(eq(users.sub, 'carol'));
    expect(res.body).toEqual({
      id: carol.id,
      sub: 'carol',
      name: 'Carol Sales',
      email: 'carol@example.com',
      roles: ['sales'],
      region: 'EU',
      authType: 'jwt_local',
      clientId: 'gpt-action-7',
    });
  });

  it('unites token roles with stored roles; stored changes apply as soon as the database announces them', async () => {
    const token = await mint(key, { sub: 'newcomer-2', roles: ['support'] });
    expect((await me(token).expect(200)).body.roles).toEqual(['support']);
    await db.update(users).set({ roles: ['auditor'] }).where(eq(users.sub, 'newcomer-2'));
    await eventually(async () => expect((await me(token).expect(200)).body.roles).toEqual(['support', 'auditor']));
    await db.update(users).set({ roles: ['admin'] }).where(eq(users.sub, 'newcomer-2'));
    await eventually(async () => void (await t.http().get('/api/users').set('Authorization', `Bearer ${token}`).expect(200)));
  });

  it('keeps the stored region unless the token carries one; updates name and email', async () => {
    expect((await me(await mint(key, { sub: 'bob' })).expect(200)).body.region).toBe('EU');
    expect((await me(await mint(key, { sub: 'bob', region: 'NA' })).expect(200)).body.region).toBe('NA');
    expect((await me(await mint(key, { sub: 'bob', region: 'Atlantis' })).expect(200)).body.region).toBeNull();
    await me(await mint(key, { sub: 'bob', email: 'robert@example.com' })).expect(200);
    const [bob] = await db.select().from(users).where(eq(users.sub, 'bob'));
    expect(bob).toMatchObject({ email: 'robert@example.com', name: 'Bob Manager', region: 'EU' });
  });
});
