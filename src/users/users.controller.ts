import { Body, Controller, Get, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import { APP_ROLES } from '../access/roles.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { userListQuery, UsersService, type UserListQuery } from './users.service.js';

const rolesBody = z.strictObject({
  roles: z
    .array(z.enum(APP_ROLES, { message: `roles must be a list of ${APP_ROLES.join(', ')}` }), { message: 'roles must be a list' })
    .max(APP_ROLES.length),
});

/** Role assignment inside rolegate, for identity providers that put no roles in tokens (admin only). */
@Controller('api/users')
@Roles('admin')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  list(@CurrentUser() user: Principal, @Query({ schema: userListQuery }) q: UserListQuery) {
    return this.users.list(user, q);
  }

  @Put(':id/roles')
  setRoles(@IdParam() id: string, @Body({ schema: rolesBody }) body: z.infer<typeof rolesBody>) {
    return this.users.setRoles(id, body.roles);
  }
}
