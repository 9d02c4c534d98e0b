import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:http';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';

/** Requests still running this long after SIGTERM are cut, so a stuck client cannot block a deploy. */
const FORCE_CLOSE_AFTER_MS = 30_000;

/**
 * Graceful shutdown. On SIGTERM /health turns not-ready at once; after
 * SHUTDOWN_DRAIN_SECONDS (time for a load balancer to notice) the server stops accepting
 * connections, lets requests in flight finish, and only then is the database closed.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShutdownState.name);
  private readonly drainSec: number;
  shuttingDown = false;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.drainSec = config.get('app', { infer: true }).shutdownDrainSec;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.shuttingDown = true;
    this.logger.log(`Shutting down${signal ? ` on ${signal}` : ''}: not ready; draining for ${this.drainSec} s`);
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) setTimeout(() => server.closeAllConnections(), this.drainSec * 1000 + FORCE_CLOSE_AFTER_MS).unref();
    if (this.drainSec > 0) await sleep(this.drainSec * 1000);
  }
}
