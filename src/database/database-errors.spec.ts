import { PGlite } from '@electric-sql/pglite';
import type { HttpException } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { describeOnPostgres, pgliteDataDir, postgresUrl } from '../../test/helpers/databases.js';
import { DatabaseUnavailable, httpErrorFor } from './database-errors.js';

/** The error a real query throws. */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the query to fail');
}

/** What the client would receive for an error. */
function answer(err: unknown) {
  const http = httpErrorFor(err) as HttpException | undefined;
  if (!http) return undefined;
  const body = http.getResponse() as { message: string };
  return { status: http.getStatus(), message: body.message, headers: http instanceof DatabaseUnavailable ? http.headers : {} };
}

const SCHEMA = `
  create table parent (id int primary key);
  create table child (
    id int primary key,
    parent_id int references parent (id),
    code text not null unique,
    quantity int constraint child_quantity_check check (quantity > 0),
    region text
  );
  alter table parent add column region text, add unique (id, region);
  alter table child add foreign key (parent_id, region) references parent (id, region);
  insert into parent values (1, 'EU');
  insert into child values (1, 1, 'taken', 1, 'EU');
`;

describe('httpErrorFor on PGlite errors', () => {
  let client: PGlite;
  const db = () => drizzlePglite(client);
  const dirs = [pgliteDataDir('new'), pgliteDataDir('new')];

  beforeAll(async () => {
    client = new PGlite(dirs[0].dataDir);
    await client.exec(SCHEMA);
  });
  afterAll(async () => {
    await client.close();
    for (const dir of dirs) dir.remove();
  });

  it('answers 400 for a value the type cannot hold (class 22), through Drizzle and raw, without the SQL or the value', async () => {
    const wrapped = await failure(() => db().execute(sql`select ${'not-a-number'}::int`));
    expect((wrapped as Error).message).toContain('Failed query'); // Drizzle's wrapper, holding the SQL
    for (const err of [wrapped, (wrapped as Error).cause]) {
      expect(answer(err)).toEqual({ status: 400, message: 'a value in the request is not valid', headers: {} });
    }
    expect(answer(await failure(() => client.query(`select 'x'::int`)))?.status).toBe(400);
    expect(answer(await failure(() => client.query(`select 1 / 0`)))?.status).toBe(400); // 22012
  });

  it('answers 400 naming the field for a reference to a missing row (23503)', async () => {
    const err = await failure(() => db().execute(sql`insert into child values (2, 99, 'new', 1)`));
    expect(answer(err)).toEqual({ status: 400, message: 'parentId does not name an existing record', headers: {} });
    const pair = await failure(() => db().execute(sql`insert into child values (2, 1, 'new', 1, ${'NA'})`));
    expect(answer(pair)).toEqual({ status: 400, message: 'parentId and region do not name an existing record', headers: {} });
  });

  it('answers 409 for deleting a row others still reference (23503)', async () => {
    const err = await failure(() => db().execute(sql`delete from parent where id = 1`));
    expect(answer(err)).toMatchObject({ status: 409, message: 'the record is still referred to by other records; delete those first' });
  });

  it('answers 409 naming the field, never the value, for a duplicate (23505)', async () => {
    const err = await failure(() => db().execute(sql`insert into child values (3, 1, ${'taken'}, 1)`));
    expect(answer(err)).toEqual({ status: 409, message: 'a record with this code already exists', headers: {} });
  });

  it('answers 400 for a failed check (23514) and a missing required value (23502)', async () => {
    const check = await failure(() => db().execute(sql`insert into child values (4, 1, 'other', -5)`));
    expect(answer(check)).toEqual({ status: 400, message: 'quantity is not an allowed value', headers: {} });
    const missing = await failure(() => db().execute(sql`insert into child (id) values (5)`));
    expect(answer(missing)).toEqual({ status: 400, message: 'code is required', headers: {} });
  });

  it('leaves errors that are not the client’s nor transient to the 500 path', async () => {
    expect(httpErrorFor(await failure(() => db().execute(sql`select * from no_such_table`)))).toBeUndefined(); // 42P01
    expect(httpErrorFor(await failure(() => client.query('selec 1')))).toBeUndefined(); // 42601
    expect(httpErrorFor(new Error('something else'))).toBeUndefined();
    expect(httpErrorFor(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
    for (const value of [undefined, null, 'ECONNREFUSED', 42]) expect(httpErrorFor(value)).toBeUndefined();
  });

  it('answers 503 with Retry-After once the database is closed', async () => {
    const closed = new PGlite(dirs[1].dataDir);
    await closed.close();
    const err = await failure(() => drizzlePglite(closed).execute(sql`select 1`));
    expect(answer(err)).toEqual({
      status: 503,
      message: 'The database is unreachable; try again shortly',
      headers: { 'Retry-After': '5' },
    });
    expect((httpErrorFor(err) as DatabaseUnavailable).reason).toBe('PGlite is closed');
  });

  it('stops on a cycle in the cause chain', () => {
    const a: { message: string; cause?: unknown } = { message: 'a' };
    a.cause = { message: 'b', cause: a };
    expect(httpErrorFor(a)).toBeUndefined();
  });
});

describe('httpErrorFor on pg errors without a server', () => {
  it('answers 503 unreachable for a refused connection and for a pool that was ended', async () => {
    const refused = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 2000 });
    const err = await failure(() => drizzlePg(refused).execute(sql`select 1`));
    expect(answer(err)).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    expect((httpErrorFor(err) as DatabaseUnavailable).kind).toBe('unreachable');
    await refused.end();
    const ended = await failure(() => drizzlePg(refused).execute(sql`select 1`));
    expect((httpErrorFor(ended) as DatabaseUnavailable).kind).toBe('unreachable');
  });
});

describeOnPostgres('httpErrorFor on PostgreSQL errors', () => {
  const clients: pg.Client[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };
  afterAll(() => Promise.all(clients.map((c) => c.end().catch(() => undefined))));

  it('answers 400 for invalid input, as on PGlite', async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 1 });
    try {
      expect(answer(await failure(() => drizzlePg(pool).execute(sql`select 'x'::int`)))?.status).toBe(400);
    } finally {
      await pool.end();
    }
  });

  it('answers 503 "no connection" when the pool stays full past its wait', async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 1, connectionTimeoutMillis: 100 });
    const held = await pool.connect();
    try {
      const err = await failure(() => drizzlePg(pool).execute(sql`select 1`));
      expect(answer(err)).toEqual({
        status: 503,
        message: 'No database connection became free in time; try again shortly',
        headers: { 'Retry-After': '2' },
      });
    } finally {
      held.release();
      await pool.end();
    }
  });

  it('answers 503 "did not answer in time" for statement_timeout (57014)', async () => {
    const client = await connect();
    await client.query('SET statement_timeout = 50');
    const err = await failure(() => drizzlePg(client).execute(sql`select pg_sleep(${5})`));
    expect(answer(err)).toMatchObject({ status: 503, message: 'The database did not answer in time; try again shortly' });
    expect((httpErrorFor(err) as DatabaseUnavailable).reason).toBe('57014 canceling statement due to statement timeout');
  });

  it('answers 503 for a lock that stays taken past lock_timeout (55P03)', async () => {
    const [holder, waiter] = [await connect(), await connect()];
    await holder.query('SELECT pg_advisory_lock(7265746199)');
    await waiter.query('SET lock_timeout = 50');
    const err = await failure(() => waiter.query('SELECT pg_advisory_lock(7265746199)'));
    expect(answer(err)).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    expect((httpErrorFor(err) as DatabaseUnavailable).kind).toBe('contention');
  });

  it('answers 503 unreachable when the server ends the connection (57P01)', async () => {
    const [victim, admin] = [await connect(), await connect()];
    const { rows } = await victim.query<{ pid: number }>('select pg_backend_pid() as pid');
    await admin.query('select pg_terminate_backend($1)', [rows[0].pid]);
    const err = await failure(() => victim.query('select 1'));
    expect((httpErrorFor(err) as DatabaseUnavailable).kind).toBe('unreachable');
  });
});
