import pg from 'pg';
import { PgChannel } from '../src/database/pg-channel.js';
import { freshDatabase, type TestDatabase, describeOnPostgres } from './helpers/databases.js';
import { eventually } from './helpers/eventually.js';

/** Waits until `check` holds, for at most 5 s. */
const until = (check: () => boolean) => eventually(async () => expect(check()).toBe(true), 5000);

describeOnPostgres('notification channel on PostgreSQL', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  const channels: PgChannel[] = [];

  beforeAll(async () => {
    database = await freshDatabase('postgres', false);
    pool = new pg.Pool({ connectionString: database.env.DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await Promise.all(channels.map((c) => c.close()));
    await pool.end();
    await database.drop();
  });

  function open(notify: (channel: string, payload: string) => Promise<unknown>) {
    const events: string[] = [];
    const messages: string[] = [];
    const channel = new PgChannel(
      database.env.DATABASE_URL,
      'rolegate_test_channel',
      { message: (p) => messages.push(p), live: (up, closing) => events.push(up ? 'up' : closing ? 'closed' : 'down') },
      { notify, heartbeatMs: 100, heartbeatDeadlineMs: 300 },
    );
    channels.push(channel);
    return { channel, events, messages };
  }
  const viaPool = (channel: string, payload: string) => pool.query('select pg_notify($1, $2)', [channel, payload]);

  it('stays live while heartbeats come back, and passes on only real messages', async () => {
    let heartbeats = 0;
    const { channel, events, messages } = open((name, payload) => (heartbeats++, viaPool(name, payload)));
    await channel.start();
    expect(events).toEqual(['up']);
    await until(() => heartbeats >= 5); // past the 300 ms deadline more than once
    await viaPool('rolegate_test_channel', 'user-1');
    await until(() => messages.length > 0);
    expect(messages).toEqual(['user-1']);
    expect(events).toEqual(['up']);
    await channel.close();
    expect(events).toEqual(['up', 'closed']);
  });

  it('counts as lost when notifications stop arriving on a connection that looks healthy, then reconnects', async () => {
    let deliver = true;
    // While `deliver` is off, heartbeats go to a channel nobody listens on: a silent outage.
    const { channel, events } = open((name, payload) => viaPool(deliver ? name : 'rolegate_nowhere', payload));
    await channel.start();
    deliver = false;
    await until(() => events.includes('down'));
    deliver = true;
    await until(() => events.filter((e) => e === 'up').length >= 2);
    expect(events.slice(0, 3)).toEqual(['up', 'down', 'up']);
  });
});
