import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators/access.decorator.js';
import { ping, type DatabaseHandle } from '../database/database.client.js';
import { DATABASE_HANDLE } from '../database/database.module.js';
import { Operation } from '../openapi/operation.decorator.js';
import { HealthSchema } from '../openapi/schemas.js';
import { ShutdownState } from './shutdown.state.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE_HANDLE) private readonly database: DatabaseHandle,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get()
  @Public()
  @Operation({
    id: 'checkHealth',
    summary: 'Whether rolegate and its database are up',
    description:
      'Liveness and readiness: 200 with the database kind when the database answers, 503 when it does not or while rolegate shuts down. No sign-in needed.',
    returns: HealthSchema,
  })
  async check() {
    if (this.shutdown.shuttingDown) throw new ServiceUnavailableException({ status: 'shutting-down' });
    try {
      await ping(this.database.db);
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable', database: 'unreachable' });
    }
    return { status: 'ok', database: this.database.kind };
  }
}
