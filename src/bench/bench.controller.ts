import { Controller, Get, Param } from '@nestjs/common';
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
  me(@Param('sub') sub: string) {
    return this.users.principalFor({ sub, roles: [] }, 'jwt_oidc');
  }
}
