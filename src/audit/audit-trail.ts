import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import type { DatabaseHandle } from '../database/database.client.js';
import { DATABASE_HANDLE } from '../database/database.module.js';
import { DatabaseUnavailable, driverReason, httpErrorFor } from '../database/database-errors.js';
import type { AuditEventRecord } from './audit-call.js';
import { insertEvents } from './audit-store.js';

/** Events per INSERT; a fuller buffer is written at once instead of waiting for the timer. */
const BATCH = 1000;
/** A full buffer is reported at most this often (every lost event is counted). */
const REPORT_EVERY_MS = 10_000;

/**
 * Stores the events of calls that wrote nothing (reads and refusals) off the request
 * path: they wait in a bounded buffer and are written in batches at least every
 * AUDIT_FLUSH_MS (1 s) and when rolegate shuts down. A batch the database cannot take
 * because it is unreachable stays for the next flush while there is room; one it refuses
 * is lost. Every lost event is counted and logged as an error. (Writes never come here:
 * their events commit with them, see audit-store.ts.)
 */
@Injectable()
export class AuditTrail implements OnModuleInit {
  private readonly logger = new Logger(AuditTrail.name);
  private readonly settings: AppConfig['audit'];
  private buffer: AuditEventRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private lostTotal = 0;
  private unreported = 0;
  private lastReport = 0;

  constructor(
    @Inject(DATABASE_HANDLE) private readonly database: DatabaseHandle,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('audit', { infer: true });
  }

  onModuleInit(): void {
    if (!this.settings.enabled) return;
    this.timer = setInterval(() => void this.flush(), this.settings.flushMs).unref();
    // Before the database closes, after the HTTP server has finished its requests.
    this.database.beforeClose(() => this.close());
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** Events lost since start: refused by the database, or arriving at a full buffer. */
  get lost(): number {
    return this.lostTotal;
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  record(event: AuditEventRecord): void {
    if (this.closed || this.buffer.length >= this.settings.bufferEvents) {
      this.lose(1, this.closed ? 'rolegate is shutting down' : `${this.settings.bufferEvents} events are waiting (AUDIT_BUFFER_EVENTS)`, false);
      return;
    }
    this.buffer.push(event);
    if (this.buffer.length >= BATCH) void this.flush();
  }

  /** Writes everything buffered so far; one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops the timer and writes what is left; later events are counted as lost. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    this.closed = true;
    await this.flush();
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, BATCH);
      try {
        await insertEvents(this.database.db, batch);
      } catch (err) {
        const failure = httpErrorFor(err);
        const reason = driverReason(err);
        // Unreachable for now: keep the batch (in order, ahead of newer events) while there is room.
        if (failure instanceof DatabaseUnavailable && !this.closed) {
          const room = this.settings.bufferEvents - this.buffer.length;
          this.buffer.unshift(...batch.slice(0, Math.max(0, room)));
          if (batch.length > room) this.lose(batch.length - room, `the database is unreachable (${reason}) and the buffer is full`, true);
          else this.logger.warn(`${batch.length} audit events wait for the database: ${reason}`);
          return;
        }
        this.lose(batch.length, failure instanceof DatabaseUnavailable ? `the database is unreachable (${reason}) and rolegate is shutting down` : `the database refused them (${reason})`, true);
      }
    }
  }

  /**
   * Counts lost events and says so as an error: at once when the database refused them,
   * at most every 10 s (with the count since the last report) for a full buffer.
   */
  private lose(count: number, reason: string, now: boolean): void {
    this.lostTotal += count;
    this.unreported += count;
    if (!now && Date.now() - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = Date.now();
    this.logger.error(`${this.unreported} audit event${this.unreported === 1 ? '' : 's'} lost (${this.lostTotal} since start): ${reason}`);
    this.unreported = 0;
  }
}
