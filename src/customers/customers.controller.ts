import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Operation } from '../openapi/operation.decorator.js';
import { CustomerPageSchema, CustomerSchema } from '../openapi/schemas.js';
import { customerPolicy } from '../access/policies.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { customerListQuery, CustomersService, type CustomerListQuery } from './customers.service.js';

@ApiTags('customers')
@Controller('api/customers')
@Roles(...customerPolicy.readers)
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @Operation({
    id: 'listCustomers',
    summary: 'List customer accounts the signed-in user may see',
    description:
      'Admins and auditors see all customers, managers and support their region, sales the customers they own. Support does not get annualRevenue; auditors do not get contact details. Paginated.',
    returns: CustomerPageSchema,
  })
  list(@CurrentUser() user: Principal, @Query({ schema: customerListQuery }) q: CustomerListQuery) {
    return this.customers.list(user, q);
  }

  @Get(':id')
  @Operation({
    id: 'getCustomer',
    summary: 'Get one customer account by id',
    description: 'One customer within the caller\'s scope (see listCustomers); 404 when it does not exist or is outside the scope.',
    returns: CustomerSchema,
  })
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.customers.findOne(user, id);
  }
}
