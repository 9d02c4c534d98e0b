import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import type { Database } from '../database/database.client.js';
import { DATABASE } from '../database/database.module.js';

/** Held by the instance that purges; others skip their turn. */
const PURGE_LOCK = 7_265_746_102;
/** Events removed per statement, so a purge never holds long locks or outlasts a statement timeout. */
const CHUNK = 5000;
const FIRST_RUN_MS = 60_000;
const EVERY_MS = 6 * 3600_000;

/**
 * Removes events older than AUDIT_RETENTION_DAYS (0: keeps them for ever), a minute after
 * start and every six hours. Only this purge may delete events: it announces itself to the
 * database's append-only trigger for its own transaction (SET LOCAL), and the trigger
 * still refuses to remove anything younger than a day. One instance purges at a time.
 */
@Injectable()
export class AuditRetention implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuditRetention.name);
  private readonly days: number;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    config: ConfigService<AppConfig, true>,
  ) {
    this.days = config.get('audit', { infer: true }).retentionDays;
  }

  onModuleInit(): void {
    if (this.days === 0) return;
    const run = () => void this.purge().catch((err: Error) => this.logger.error(`Audit retention purge failed: ${err.message.slice(0, 200)}`));
    this.timers = [setTimeout(run, FIRST_RUN_MS).unref(), setInterval(run, EVERY_MS).unref()];
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  /** Purges in chunks until nothing is older than the retention; returns how many events went. */
  async purge(): Promise<number> {
    if (this.days === 0) return 0;
    let total = 0;
    for (;;) {
      const removed = await this.db.transaction(async (tx) => {
        const [{ locked }] = await rows<{ locked: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK}) AS locked`);
        if (!locked) return 0; // another instance is purging
        await tx.execute(sql`SET LOCAL rolegate.audit_purge = 'on'`);
        const [{ n }] = await rows<{ n: number }>(
          tx,
          sql`WITH gone AS (
                DELETE FROM audit_events WHERE id IN (
                  SELECT id FROM audit_events WHERE at < now() - make_interval(days => ${this.days}) ORDER BY at LIMIT ${CHUNK})
                RETURNING 1)
              SELECT count(*)::int AS n FROM gone`,
        );
        return n;
      });
      total += removed;
      if (removed < CHUNK) break;
    }
    if (total > 0) this.logger.log(`Purged ${total} audit events older than ${this.days} days`);
    return total;
  }
}

async function rows<T>(db: Pick<Database, 'execute'>, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}
