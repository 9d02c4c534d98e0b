import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Operation } from '../openapi/operation.decorator.js';
import { PrincipalSchema } from '../openapi/schemas.js';
import { Authenticated } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { userResource } from './user.resource.js';

@ApiTags('me')
@Controller('api/me')
export class MeController {
  /** Who the caller is, which roles they hold and which region scopes their data. */
  @Get()
  @Authenticated()
  @Operation({
    resource: userResource.name,
    id: 'whoAmI',
    summary: 'Who the signed-in user is, with their roles and region',
    description: 'The caller as rolegate sees them: user id, subject, name, email, roles and region. Use it to explain why other operations return what they return.',
    returns: PrincipalSchema,
  })
  whoAmI(@CurrentUser() user: Principal): Principal {
    return user;
  }
}
