import { Controller, Get, Query } from '@nestjs/common';
import { customerPolicy } from '../access/policies.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { customerListQuery, CustomersService, type CustomerListQuery } from './customers.service.js';

@Controller('api/customers')
@Roles(...customerPolicy.readers)
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  list(@CurrentUser() user: Principal, @Query({ schema: customerListQuery }) q: CustomerListQuery) {
    return this.customers.list(user, q);
  }

  @Get(':id')
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.customers.findOne(user, id);
  }
}
