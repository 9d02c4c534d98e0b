import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { Public } from '../auth/decorators/access.decorator.js';
import { ping, type DatabaseHandle } from '../database/database.client.js';
import { DATABASE_HANDLE } from '../database/database.module.js';

@Controller('health')
export class HealthController {
  constructor(@Inject(DATABASE_HANDLE) private readonly database: DatabaseHandle) {}

  /** Liveness and readiness: 200 when the database answers, 503 when it does not. */
  @Get()
  @Public()
  async check() {
    try {
      await ping(this.database.db);
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable', database: 'unreachable' });
    }
    return { status: 'ok', database: this.database.kind };
  }
}
