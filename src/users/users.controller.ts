import { Body, Controller, Get, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Operation } from '../openapi/operation.decorator.js';
import { z } from 'zod';
import { APP_ROLES } from '../access/roles.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { UsersService, type UserListQuery } from './users.service.js';
import { userResource } from './user.resource.js';

const rolesBody = z.strictObject({
  roles: z
    .array(z.enum(APP_ROLES, { message: `roles must be a list of ${APP_ROLES.join(', ')}` }), { message: 'roles must be a list' })
    .max(APP_ROLES.length),
});

/** Role assignment inside rolegate, for identity providers that put no roles in tokens (admin only). */
@ApiTags('users')
@Controller('api/users')
@Roles('admin')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Operation({
    resource: userResource.name,
    id: 'listUsers',
    summary: 'List users and the roles assigned to them inside rolegate (admins only)',
    description: "Every known user with the roles assigned inside rolegate and those their latest token carried (both count when naming owners and assignees). Admins only. Paginated.",
    returns: userResource.pageSchema,
  })
  list(@CurrentUser() user: Principal, @Query({ schema: userResource.listQuery }) q: UserListQuery) {
    return this.users.list(user, q);
  }

  @Put(':id/roles')
  @Operation({
    resource: userResource.name,
    id: 'setUserRoles',
    summary: "Replace the roles assigned to a user inside rolegate (admins only)",
    description: "Sets the user's rolegate roles; they add to the roles in the user's tokens from their next request on. Returns the user. Admins only.",
    returns: userResource.schema,
  })
  setRoles(@CurrentUser() user: Principal, @IdParam() id: string, @Body({ schema: rolesBody }) body: z.infer<typeof rolesBody>) {
    return this.users.setRoles(user, id, body.roles);
  }
}
