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
import { PgChannel, type ChannelListener } from './pg-channel.js';
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
  /** Work that must still reach the database when it closes (buffered audit events); run first, in order. */
  beforeClose(task: () => Promise<void>): void;
  close(): Promise<void>;
}

export type { ChannelListener };

type Opened = Omit<DatabaseHandle, 'beforeClose'>;

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
/** Serialises migrations when several rolegate instances start against one server. */
const MIGRATION_LOCK = 7_265_746_101;

export const isInMemory = (dataDir: string) => dataDir === 'memory://' || dataDir === ':memory:';

export interface DatabaseOptions {
  url?: string;
  dataDir: string;
  seedDemoData: boolean;
  /** PostgreSQL only; absent: no limit, 10 connections, 5 s wait (config.schema.ts sets them for the app). */
  statementTimeoutMs?: number;
  poolSize?: number;
  poolTimeoutMs?: number;
}

/**
 * Opens the database rolegate was configured with and brings its schema up to date:
 * PostgreSQL when a URL is given, otherwise embedded PGlite (Postgres as WASM, kept in
 * `dataDir`, or in memory). Both run the same Drizzle migrations.
 */
export async function openDatabase(opts: DatabaseOptions): Promise<DatabaseHandle> {
  const opened = opts.url ? await openPostgres(opts.url, opts) : await openPglite(opts.dataDir);
  if (opts.seedDemoData) await seedDemoData(opened.db);
  const tasks: Array<() => Promise<void>> = [];
  return {
    ...opened,
    beforeClose: (task) => void tasks.push(task),
    close: async () => {
      for (const task of tasks) await task();
      await opened.close();
    },
  };
}

/**
 * PGlite runs one statement at a time inside this process and cannot cancel one, so it
 * has no statement timeout and no pool: a slow query delays the requests behind it.
 */
async function openPglite(dataDir: string): Promise<Opened> {
  if (!isInMemory(dataDir)) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(isInMemory(dataDir) ? undefined : dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  await migratePglite(db as never, { migrationsFolder: MIGRATIONS });
  const listeners: ChannelListener[] = [];
  return {
    db,
    kind: 'pglite',
    // One connection inside this process: every change, and its notification, goes through it.
    listen: async (channel, listener) => {
      await client.listen(channel, (payload) => listener.message(payload));
      listeners.push(listener);
      listener.live(true);
    },
    close: async () => {
      for (const listener of listeners) listener.live(false, true);
      await client.close();
    },
  };
}

/**
 * A bounded pool: a request waits at most `poolTimeoutMs` for a connection and a statement
 * runs at most `statementTimeoutMs` (lock waits included), so a stuck database answers
 * 503 (database-errors.ts) instead of piling up requests until memory runs out.
 */
async function openPostgres(url: string, opts: DatabaseOptions): Promise<Opened> {
  const pool = new pg.Pool({ ...connectionSettings(url, opts.statementTimeoutMs), max: opts.poolSize ?? 10, connectionTimeoutMillis: opts.poolTimeoutMs ?? 5000 });
  pool.on('error', () => undefined); // an idle client dropped by the server; the pool replaces it
  const client = await pool.connect();
  try {
    // Waiting for another instance's migrations, and the migrations themselves, may take
    // longer than a request may.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release(true); // closed, not pooled: it has no statement timeout
  }
  const db = drizzlePg(pool, { schema }) as unknown as Database;
  const channels: PgChannel[] = [];
  return {
    db,
    kind: 'postgres',
    listen: async (channel, listener) => {
      const listening = new PgChannel(url, channel, listener, { notify: (name, payload) => pool.query('SELECT pg_notify($1, $2)', [name, payload]) });
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
 * Session settings sent when each connection starts (the `options` startup parameter), so
 * no statement runs before them. Reads are named prepared statements
 * (database/statements.ts): plan each execution with its values, so an owner with most of
 * the rows never gets a generic plan. The URL's own `options` are kept, and its
 * statement_timeout too unless one is configured here.
 */
function connectionSettings(url: string, statementTimeoutMs: number | undefined): { connectionString: string; options: string } {
  const parsed = new URL(url);
  const own = parsed.searchParams.get('options');
  parsed.searchParams.delete('options'); // the connection string's options would replace these
  const timeout = statementTimeoutMs ? `-c statement_timeout=${Math.trunc(statementTimeoutMs)}` : '';
  return { connectionString: parsed.toString(), options: [own, '-c plan_cache_mode=force_custom_plan', timeout].filter(Boolean).join(' ') };
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

export async function ping(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
