import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema.js';
import { seedDemoData } from './seed.js';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /**
   * Listens on a NOTIFY channel until the handle closes. `live(false)` means notifications
   * may be missed from now on (the connection dropped); `live(true)` that they flow
   * (LISTEN acknowledged, at first or after a reconnect).
   */
  listen(channel: string, listener: ChannelListener): Promise<void>;
  close(): Promise<void>;
}

export interface ChannelListener {
  message(payload: string): void;
  live(up: boolean): void;
}

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
/** Serialises migrations when several rolegate instances start against one server. */
const MIGRATION_LOCK = 7_265_746_101;

export const isInMemory = (dataDir: string) => dataDir === 'memory://' || dataDir === ':memory:';

/**
 * Opens the database rolegate was configured with and brings its schema up to date:
 * PostgreSQL when a URL is given, otherwise embedded PGlite (Postgres as WASM, kept in
 * `dataDir`, or in memory). Both run the same Drizzle migrations.
 */
export async function openDatabase(opts: { url?: string; dataDir: string; seedDemoData: boolean }): Promise<DatabaseHandle> {
  const handle = opts.url ? await openPostgres(opts.url) : await openPglite(opts.dataDir);
  if (opts.seedDemoData) await seedDemoData(handle.db);
  return handle;
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  if (!isInMemory(dataDir)) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(isInMemory(dataDir) ? undefined : dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  await migratePglite(db as never, { migrationsFolder: MIGRATIONS });
  return {
    db,
    kind: 'pglite',
    // One connection inside this process: every change, and its notification, goes through it.
    listen: async (channel, listener) => {
      await client.listen(channel, (payload) => listener.message(payload));
      listener.live(true);
    },
    close: () => client.close(),
  };
}

async function openPostgres(url: string): Promise<DatabaseHandle> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5000,
    // Reads are named prepared statements (common/scoped-table.ts); plan each execution
    // with its values, so an owner with most of the rows never gets a generic plan.
    options: '-c plan_cache_mode=force_custom_plan',
  });
  pool.on('error', () => undefined); // an idle client dropped by the server; the pool replaces it
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  const db = drizzlePg(pool, { schema }) as unknown as Database;
  const channels: PgChannel[] = [];
  return {
    db,
    kind: 'postgres',
    listen: async (channel, listener) => {
      const listening = new PgChannel(url, channel, listener);
      channels.push(listening);
      await listening.start();
    },
    close: async () => {
      await Promise.all(channels.map((c) => c.close()));
      await drain(pool);
      await pool.end();
    },
  };
}

/**
 * Waits (at most 5 s) until no query has run for a moment: handlers whose client already
 * went away are still finishing when the HTTP server reports closed.
 */
async function drain(pool: pg.Pool): Promise<void> {
  const deadline = Date.now() + 5000;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 3) {
    quiet = pool.totalCount === pool.idleCount && pool.waitingCount === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One dedicated connection LISTENing on a channel (a pooled connection would lose the
 * registration when released). When it drops, the listener hears `live(false)` at once
 * and the connection is re-established with backoff (0.25 s doubling to 30 s).
 */
class PgChannel {
  private client: pg.Client | undefined;
  private retries = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly listener: ChannelListener,
  ) {}

  /** Resolves after the first attempt; a failed one is retried in the background. */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    let failed = false;
    const fail = () => {
      if (failed) return;
      failed = true;
      this.lost(client);
    };
    client.on('error', fail);
    client.on('end', fail);
    client.on('notification', (n) => {
      if (n.channel === this.channel) this.listener.message(n.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    } catch {
      fail();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retries = 0;
    this.listener.live(true);
  }

  private lost(client: pg.Client): void {
    client.end().catch(() => undefined);
    if (this.client === client) this.client = undefined;
    if (this.closed) return;
    this.listener.live(false);
    this.timer = setTimeout(() => void this.start(), Math.min(30_000, 250 * 2 ** this.retries++));
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

export async function ping(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
