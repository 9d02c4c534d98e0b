import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import type { AppConfig, AuthType } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import type { DatabaseHandle } from '../database/database.client.js';
import { DATABASE_HANDLE } from '../database/database.module.js';
import { DatabaseUnavailable, driverReason, httpErrorFor } from '../database/database-errors.js';
import { eventOf, newAuditCall, type AuditCall, type AuditEventRecord } from './audit-call.js';
import { insertSerialized } from './audit-store.js';

/** Events per INSERT; a fuller buffer is written at once instead of waiting for the timer. */
const BATCH = 1000;
/** A refused batch is split in halves this many times to find the events refused, then given up. */
const SPLITS = 4;

/**
 * Opens and ends audit calls, and stores the events of calls that wrote nothing (reads
 * and refusals) off the request path: they wait in a bounded buffer and are written in
 * batches at least every AUDIT_FLUSH_MS (1 s) and when rolegate shuts down. While the
 * database is unreachable they stay for the next flush, as far as there is room; events
 * the database refuses are lost. Every lost event is counted and reported as an error
 * at the next flush. (Writes never come here: their events commit with them, see
 * audit-store.ts.)
 */
@Injectable()
export class AuditTrail implements OnModuleInit {
  private readonly logger = new Logger(AuditTrail.name);
  private readonly settings: AppConfig['audit'];
  /** Events waiting, serialised, each with whether its caller was anonymous. */
  private buffer: Array<{ json: string; anonymous: boolean }> = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private waiting = false;
  /** Buffered events of anonymous callers (401s, their 429s): they may fill at most half the buffer. */
  private anonymous = 0;
  private lostTotal = 0;
  private unreported = new Map<string, number>();

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

  /** A call starts: followed always (writes need it), stored only when the trail is on. */
  begin(requestId: string, client: AuditCall['client'], authType: AuthType): AuditCall {
    return newAuditCall(requestId, client, authType, this.settings.enabled);
  }

  /** A call ends with this status: its one event, unless its write already stored it or it reached no operation. */
  end(call: AuditCall, user: Principal | undefined, status: number): void {
    if (call.recorded || !call.operation || !call.store) return;
    call.recorded = true;
    this.record(eventOf(call, user, status));
  }

  record(event: AuditEventRecord): void {
    const capacity = this.settings.bufferEvents;
    // A flood of anonymous refusals cannot push out the reads of signed-in users.
    if (event.user_id === null && this.anonymous >= capacity / 2) return this.lose(1, 'anonymous refusals filled half the buffer (AUDIT_BUFFER_EVENTS)');
    if (this.closed || this.buffer.length >= capacity) {
      return this.lose(1, this.closed ? 'rolegate is shutting down' : `${capacity} events were waiting (AUDIT_BUFFER_EVENTS)`);
    }
    this.buffer.push({ json: JSON.stringify(event), anonymous: event.user_id === null });
    if (event.user_id === null) this.anonymous++;
    if (this.buffer.length >= Math.min(BATCH, capacity / 2)) void this.flush();
  }

  /** Writes everything buffered so far and reports losses; one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll()
      .then(() => this.report())
      .finally(() => (this.flushing = undefined));
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
      this.anonymous -= batch.filter((e) => e.anonymous).length;
      try {
        await this.store(batch, SPLITS);
      } catch (err) {
        // Unreachable: keep the batch, in order and ahead of newer events, as far as there is room.
        const reason = `the database is unreachable (${driverReason(err)})`;
        if (this.closed) return this.lose(batch.length + this.buffer.splice(0).length, `${reason} and rolegate is shutting down`);
        const room = Math.max(0, this.settings.bufferEvents - this.buffer.length);
        const kept = batch.slice(0, room);
        this.buffer.unshift(...kept);
        this.anonymous += kept.filter((e) => e.anonymous).length;
        if (batch.length > room) this.lose(batch.length - room, `${reason} and the buffer is full`);
        if (!this.waiting) this.logger.warn(`Audit events wait in memory: ${reason}`);
        this.waiting = true;
        return;
      }
    }
    if (this.waiting) this.logger.log('Audit events are written again');
    this.waiting = false;
  }

  /**
   * Stores a batch; one the database refuses is split in halves (a few times) so that one
   * bad event does not take a thousand good ones with it. Throws when the database is
   * unreachable, so the caller keeps the events.
   */
  private async store(batch: Array<{ json: string }>, splits: number): Promise<void> {
    try {
      await insertSerialized(this.database.db, batch.map((e) => e.json));
    } catch (err) {
      if (httpErrorFor(err) instanceof DatabaseUnavailable) throw err;
      if (splits === 0 || batch.length === 1) return this.lose(batch.length, `the database refused them (${driverReason(err)})`);
      const half = Math.ceil(batch.length / 2);
      await this.store(batch.slice(0, half), splits - 1);
      await this.store(batch.slice(half), splits - 1);
    }
  }

  private lose(count: number, reason: string): void {
    this.lostTotal += count;
    this.unreported.set(reason, (this.unreported.get(reason) ?? 0) + count);
    if (this.closed && !this.flushing) this.report(); // no flush will come to report it
  }

  /** One error line per reason for the events lost since the last flush: every lost event is in a count. */
  private report(): void {
    for (const [reason, count] of this.unreported) {
      this.logger.error(`${count} audit event${count === 1 ? '' : 's'} lost (${this.lostTotal} since start): ${reason}`);
    }
    this.unreported.clear();
  }
}
