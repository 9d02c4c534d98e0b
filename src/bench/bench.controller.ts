import { Controller, Get, Param } from '@nestjs/common';
import { z } from 'zod';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/decorators/access.decorator.js';
import { UsersService } from '../users/users.service.js';

/**
 * Loaded only with BENCH_ROUTES=true (refused in production): GET /api/me's work without
 * authentication, so `npm run bench` can measure what verifying a token costs.
 */
@ApiExcludeController()
@Controller('bench')
export class BenchController {
  constructor(private readonly users: UsersService) {}

  @Get('me/:sub')
  @Public()
  me(@Param('sub', { schema: z.string().min(1).max(255).regex(/^[\w.@-]+$/) }) sub: string) {
    return this.users.principalFor({ sub, roles: [] }, 'jwt_oidc');
  }
}
