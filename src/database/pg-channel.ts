import { randomUUID } from 'node:crypto';
import pg from 'pg';

export interface ChannelListener {
  message(payload: string): void;
  /**
   * `false`: notifications may be missed from now on (`closing` when the database is
   * being closed on purpose); `true`: they arrive (LISTEN acknowledged and delivery seen).
   */
  live(up: boolean, closing?: boolean): void;
}

export interface ChannelOptions {
  /** Sends a notification on the channel through another connection (the pool). */
  notify(channel: string, payload: string): Promise<unknown>;
  /** How often delivery is checked, and how long a check may take before the channel counts as lost. */
  heartbeatMs?: number;
  heartbeatDeadlineMs?: number;
}

const HEARTBEAT = 'rolegate-heartbeat:';

/**
 * One dedicated connection LISTENing on a channel (a pooled connection would lose the
 * registration when released). A connection that looks healthy is not trusted for it:
 * every few seconds a heartbeat is sent through the pool and must come back on this
 * connection, so a half-open socket or a pooler that accepts LISTEN but delivers nothing
 * is noticed within heartbeatMs + heartbeatDeadlineMs. When the connection is lost the
 * listener hears `live(false)` at once, and it is re-established with backoff (0.25 s
 * doubling to 30 s).
 */
export class PgChannel {
  private client: pg.Client | undefined;
  private connecting: pg.Client | undefined;
  private retries = 0;
  private reconnect: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private awaiting: { payload: string; deadline: NodeJS.Timeout } | undefined;
  private closed = false;
  private readonly heartbeatMs: number;
  private readonly heartbeatDeadlineMs: number;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly listener: ChannelListener,
    private readonly options: ChannelOptions,
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.heartbeatDeadlineMs = options.heartbeatDeadlineMs ?? 2000;
  }

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
      if (n.channel !== this.channel) return;
      const payload = n.payload ?? '';
      if (!payload.startsWith(HEARTBEAT)) return this.listener.message(payload);
      if (this.awaiting?.payload === payload) {
        clearTimeout(this.awaiting.deadline);
        this.awaiting = undefined;
      }
    });
    this.connecting = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    } catch {
      fail();
      return;
    } finally {
      this.connecting = undefined;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retries = 0;
    this.listener.live(true);
    this.heartbeat = setInterval(() => this.beat(fail), this.heartbeatMs);
    this.heartbeat.unref();
  }

  private beat(fail: () => void): void {
    if (this.awaiting) return;
    const payload = `${HEARTBEAT}${randomUUID()}`;
    const deadline = setTimeout(fail, this.heartbeatDeadlineMs);
    deadline.unref();
    this.awaiting = { payload, deadline };
    this.options.notify(this.channel, payload).catch(() => undefined); // not delivered: the deadline decides
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    if (this.awaiting) clearTimeout(this.awaiting.deadline);
    this.awaiting = undefined;
  }

  /** Once per connection (see `fail` in start): a connection is current or connecting when it is lost. */
  private lost(client: pg.Client): void {
    client.end().catch(() => undefined);
    this.stopHeartbeat();
    if (this.client === client) this.client = undefined;
    if (this.closed) return;
    this.listener.live(false);
    this.reconnect = setTimeout(() => void this.start(), Math.min(30_000, 250 * 2 ** this.retries++));
    this.reconnect.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    this.stopHeartbeat();
    this.listener.live(false, true);
    const clients = [this.client, this.connecting];
    this.client = this.connecting = undefined;
    await Promise.all(clients.map((c) => c?.end().catch(() => undefined)));
  }
}
