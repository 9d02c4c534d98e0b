import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { users } from '../src/database/schema.js';
import { UsersService } from '../src/users/users.service.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseKinds, freshDatabase, rowsOf, type TestDatabase, describeOnPostgres } from './helpers/databases.js';
import { eventually } from './helpers/eventually.js';
import { jwtLocalEnv, makeKey, mint, type TestKey } from './helpers/tokens.js';

describe.each(databaseKinds)('signed-in users cached in memory on %s', (kind) => {
  let database: TestDatabase;
  let key: TestKey;
  let t: TestApp;
  let db: Database;
  let carol: string;
  let alice: string;

  const rolesOf = async (token: string) => (await t.http().get('/api/me').set('Authorization', `Bearer ${token}`).expect(200)).body.roles;
  /** Changes stored roles behind rolegate's back, optionally without the change notification. */
  const setRolesByHand = async (sub: string, roles: string[], announce = true, on = db) => {
    if (!announce) await on.execute(sql`alter table users disable trigger users_changed`);
    await on.update(users).set({ roles }).where(eq(users.sub, sub));
    if (!announce) await on.execute(sql`alter table users enable trigger users_changed`);
  };

  beforeAll(async () => {
    database = await freshDatabase(kind);
    key = await makeKey('ES256');
    t = await createTestApp({ ...jwtLocalEnv(key), ...database.env });
    db = t.app.get<Database>(DATABASE);
    carol = await mint(key, { sub: 'carol' });
    alice = await mint(key, { sub: 'alice' });
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });
  afterEach(() => setRolesByHand('carol', ['sales']));

  it('serves a user from memory, and drops it when the database announces a change', async () => {
    expect(t.app.get(UsersService).cachingUsers).toBe(true);
    expect(await rolesOf(carol)).toEqual(['sales']);
    await setRolesByHand('carol', ['sales', 'auditor'], false);
    expect(await rolesOf(carol)).toEqual(['sales']); // unannounced: still the cached row
    await setRolesByHand('carol', ['manager']);
    await eventually(async () => expect(await rolesOf(carol)).toEqual(['manager']));
  });

  it('applies roles set through the API on the very next request', async () => {
    expect(await rolesOf(carol)).toEqual(['sales']);
    const [{ id }] = await rowsOf<{ id: string }>(db, `select id from users where sub = 'carol'`);
    await t.http().put(`/api/users/${id}/roles`).set('Authorization', `Bearer ${alice}`).send({ roles: ['sales', 'auditor'] }).expect(200);
    expect(await rolesOf(carol)).toEqual(['sales', 'auditor']);
  });

  it('drops a deleted user', async () => {
    const token = await mint(key, { sub: 'short-lived', roles: ['support'] });
    const first = (await t.http().get('/api/me').set('Authorization', `Bearer ${token}`).expect(200)).body.id;
    await db.execute(sql`delete from users where sub = 'short-lived'`);
    await eventually(async () => {
      const again = (await t.http().get('/api/me').set('Authorization', `Bearer ${token}`).expect(200)).body.id;
      expect(again).not.toBe(first); // provisioned afresh, not served from memory
    });
  });

  it('reads the user on every request with USER_CACHE_SECONDS=0', async () => {
    // Its own app: on PostgreSQL sharing the database, on PGlite with a database of its own
    // (one directory is never opened by two instances), seeded there.
    const data = kind === 'postgres' ? { ...database.env, SEED_DEMO_DATA: 'false' } : {};
    const uncached = await createTestApp({ ...jwtLocalEnv(key), ...data, USER_CACHE_SECONDS: '0' });
    try {
      expect(uncached.app.get(UsersService).cachingUsers).toBe(false);
      const roles = async () => (await uncached.http().get('/api/me').set('Authorization', `Bearer ${carol}`).expect(200)).body.roles;
      expect(await roles()).toEqual(['sales']);
      await setRolesByHand('carol', ['auditor'], false, uncached.app.get<Database>(DATABASE));
      expect(await roles()).toEqual(['auditor']);
    } finally {
      await uncached.close();
    }
  });
});

describeOnPostgres('user cache across instances on PostgreSQL', () => {
  const kind = 'postgres';
  let database: TestDatabase;
  let key: TestKey;
  let a: TestApp;
  let b: TestApp;
  let admin: pg.Client;
  let carol: string;

  const rolesOf = async (t: TestApp) => (await t.http().get('/api/me').set('Authorization', `Bearer ${carol}`).expect(200)).body.roles;
  const listener = async () =>
    (await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and query like 'LISTEN%'`)).rows.map((r) => r.pid);

  beforeAll(async () => {
    database = await freshDatabase(kind);
    key = await makeKey('ES256');
    a = await createTestApp({ ...jwtLocalEnv(key), ...database.env });
    b = await createTestApp({ ...jwtLocalEnv(key), ...database.env, SEED_DEMO_DATA: 'false' });
    admin = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await admin.connect();
    carol = await mint(key, { sub: 'carol' });
  });
  afterAll(async () => {
    await admin.end();
    await a.close();
    await b.close();
    await database.drop();
  });

  it("applies a role change made through one instance on the other's next request", async () => {
    expect(await rolesOf(b)).toEqual(['sales']);
    const alice = await mint(key, { sub: 'alice' });
    const me = (await a.http().get('/api/me').set('Authorization', `Bearer ${carol}`).expect(200)).body;
    await a.http().put(`/api/users/${me.id}/roles`).set('Authorization', `Bearer ${alice}`).send({ roles: ['auditor'] }).expect(200);
    await eventually(async () => expect(await rolesOf(b)).toEqual(['auditor']));
    await admin.query(`update users set roles = '{sales}' where sub = 'carol'`);
    await eventually(async () => expect(await rolesOf(b)).toEqual(['sales']));
  });

  it('serves nothing from memory while its notification connection is down, and resumes after reconnecting', async () => {
    const service = a.app.get(UsersService);
    await admin.query(`alter table users disable trigger users_changed`);
    try {
      // Warm the cache. A read overtaken by a notification still in flight (the previous
      // test's change) is rightly not stored, so repeat until one sticks.
      await eventually(async () => {
        await admin.query(`update users set roles = '{sales}' where sub = 'carol'`);
        expect(await rolesOf(a)).toEqual(['sales']);
        await admin.query(`update users set roles = '{auditor}' where sub = 'carol'`);
        expect(await rolesOf(a)).toEqual(['sales']); // cached, the change was not announced
      });

      const before = await listener();
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where pid = any($1)`, [before]);
      // The outage dropped the cache: the unannounced change shows on the next request.
      await eventually(async () => expect(await rolesOf(a)).toEqual(['auditor']));
      await eventually(async () => {
        expect(service.cachingUsers).toBe(true);
        expect((await listener()).filter((pid) => !before.includes(pid))).toHaveLength(2); // both apps listen again
      });
      expect(await rolesOf(a)).toEqual(['auditor']); // cached again
      await admin.query(`update users set roles = '{manager}' where sub = 'carol'`);
      expect(await rolesOf(a)).toEqual(['auditor']); // unannounced, so the cache is on again
    } finally {
      await admin.query(`alter table users enable trigger users_changed`);
    }
    await admin.query(`update users set roles = '{sales}' where sub = 'carol'`);
    await eventually(async () => expect(await rolesOf(a)).toEqual(['sales']));
  });
});
