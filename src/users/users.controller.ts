import { Controller, Get } from '@nestjs/common';
import { Roles } from '../auth/decorators/access.decorator.js';
import { UsersService } from './users.service.js';

@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Every known user with the roles assigned inside rolegate (admin only). */
  @Get()
  @Roles('admin')
  async list() {
    const rows = await this.users.list();
    return { items: rows.map(({ id, sub, name, email, region, roles }) => ({ id, sub, name, email, region, roles })) };
  }
}
