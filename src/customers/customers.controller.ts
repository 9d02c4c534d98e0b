import { Body, Controller, Delete, Get, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { InjectTable } from '../access/scoped-table.provider.js';
import type { ScopedTable } from '../access/scoped-table.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { Operation } from '../openapi/operation.decorator.js';
import { customerResource as customer } from './customer.resource.js';

@ApiTags('customers')
@Controller('api/customers')
export class CustomersController {
  constructor(@InjectTable(customer) private readonly customers: ScopedTable) {}

  @Get()
  @Roles(...customer.readers)
  @Operation({
    resource: customer.name,
    id: 'listCustomers',
    summary: 'List customer accounts the signed-in user may see',
    description:
      'Admins and auditors see all customers, managers and support their region, sales the customers they own. Support does not get annualRevenue; auditors do not get contact details. Paginated.',
    returns: customer.pageSchema,
  })
  list(@CurrentUser() user: Principal, @Query({ schema: customer.listQuery }) q: z.output<typeof customer.listQuery>) {
    return this.customers.list(user, q);
  }

  @Get(':id')
  @Roles(...customer.readers)
  @Operation({
    resource: customer.name,
    id: 'getCustomer',
    summary: 'Get one customer account by id',
    description: "One customer within the caller's scope (see listCustomers); 404 when it does not exist or is outside the scope.",
    returns: customer.schema,
  })
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.customers.get(user, id);
  }

  @Post()
  @Roles(...customer.creators)
  @Operation({
    resource: customer.name,
    id: 'createCustomer',
    summary: 'Create a customer account',
    description: 'Admins create customers in any region, managers in their own. ownerId must be a sales user of the customer\'s region. Returns the customer.',
    returns: customer.schema,
    status: 201,
  })
  create(@CurrentUser() user: Principal, @Body({ schema: customer.createSchema }) body: z.output<typeof customer.createSchema>) {
    return this.customers.create(user, body);
  }

  @Delete(':id')
  @Roles(...customer.deleters)
  @Operation({
    resource: customer.name,
    id: 'deleteCustomer',
    summary: 'Delete a customer account (admins only)',
    description: 'Deletes a customer that has no deals or tickets left (409 otherwise). Admins only.',
    status: 204,
  })
  remove(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.customers.remove(user, id);
  }
}
