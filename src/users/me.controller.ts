import { Controller, Get } from '@nestjs/common';
import { Authenticated } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';

@Controller('api/me')
export class MeController {
  /** Who the caller is, which roles they hold and which region scopes their data. */
  @Get()
  @Authenticated()
  whoAmI(@CurrentUser() user: Principal): Principal {
    return user;
  }
}
