import pg from 'pg';
import request from 'supertest';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/database/database.client.js';
import { httpErrorFor } from '../src/database/database-errors.js';
import { AppLogger } from '../src/logging/logger.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { freshDatabase, type TestDatabase, describeOnPostgres } from './helpers/databases.js';
import { LogCapture } from './helpers/log-capture.js';
import { signIn } from './helpers/session.js';

const NO_CONNECTION = 'No database connection became free in time; try again shortly';
const TOO_SLOW = 'The database did not answer in time; try again shortly';

/**
 * A stuck database (a table locked by someone else) with a pool of two: the requests that
 * get a connection are cut by statement_timeout, the others give up waiting for one, and
 * every one of them answers 503 with Retry-After, not 500 and not a hang.
 */
describeOnPostgres('database errors under load on PostgreSQL', () => {
  let database: TestDatabase;
  let t: TestApp;
  let url: string;
  let cookie: string[];
  const logs = new LogCapture();
  const deals = () => request(url).get('/api/deals').set('Cookie', cookie);

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    t = await createTestApp(
      {
        AUTH_TYPE: 'cookie',
        ...database.env,
        DATABASE_POOL_SIZE: '2',
        DATABASE_POOL_TIMEOUT_MS: '300',
        DATABASE_STATEMENT_TIMEOUT_MS: '1000',
        LOG_LEVEL: 'warn',
      },
      { logDestination: logs },
    );
    t.app.useLogger(t.app.get(AppLogger)); // as main.ts does: Nest's warnings go to the captured pino lines
    await t.app.listen(0, '127.0.0.1'); // one server for concurrent requests
    url = await t.app.getUrl();
    cookie = await signIn(t, 'alice');
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('answers 503 with Retry-After while deals are locked, of both kinds, and 200 once the lock is gone', async () => {
    await deals().expect(200);
    const locker = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await locker.connect();
    let answers: request.Response[];
    let health: request.Response;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE deals IN ACCESS EXCLUSIVE MODE');
      [health, ...answers] = await Promise.all([request(url).get('/health'), ...Array.from({ length: 20 }, () => deals())]);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }

    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(503));
    for (const res of answers) expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    const messages = new Set(answers.map((r) => (r.body as { message: string }).message));
    expect([...messages].sort()).toEqual([NO_CONNECTION, TOO_SLOW]);
    // /health meets the same full pool: not ready, or ok if a connection was free, never a 500
    expect([200, 503]).toContain(health.status);

    const warnings = logs.entries().filter((e) => e.context === 'Database' && e.level === 40).map((e) => String(e.msg));
    expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^Answered 503 \(pool\): timeout exceeded when trying to connect/)]));
    expect(warnings).toEqual(expect.arrayContaining(['Answered 503 (timeout): 57014 canceling statement due to statement timeout']));
    expect(logs.lines.filter((l) => /Failed query|params:|select /i.test(l))).toEqual([]);

    await deals().expect(200);
  });

  it('runs the start-up migrations without the statement timeout requests get', async () => {
    const empty = await freshDatabase('postgres', false);
    try {
      const handle = await openDatabase({ url: empty.env.DATABASE_URL, dataDir: '', seedDemoData: false, statementTimeoutMs: 1 });
      try {
        const err = await handle.db.execute(sql`select pg_sleep(0.2)`).then(() => undefined, (e: unknown) => e);
        expect(httpErrorFor(err)?.getResponse()).toMatchObject({ message: TOO_SLOW });
      } finally {
        await handle.close();
      }
    } finally {
      await empty.drop();
    }
  });
});
