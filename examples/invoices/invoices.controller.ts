import { Body, Controller, Get, Module, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { InjectTable, scopedTableProvider } from '../../src/access/scoped-table.provider.js';
import type { ScopedTable } from '../../src/access/scoped-table.js';
import { Roles } from '../../src/auth/decorators/access.decorator.js';
import { CurrentUser } from '../../src/auth/decorators/current-user.decorator.js';
import type { Principal } from '../../src/auth/principal.js';
import { IdParam } from '../../src/common/params.js';
import { Operation } from '../../src/openapi/operation.decorator.js';
import { invoiceResource as invoice } from './invoice.resource.js';

@ApiTags('invoices')
@Controller('api/invoices')
export class InvoicesController {
  constructor(@InjectTable(invoice) private readonly invoices: ScopedTable) {}

  @Get()
  @Roles(...invoice.readers)
  @Operation({
    resource: invoice.name,
    id: 'listInvoices',
    summary: 'List invoices the signed-in user may see',
    description: 'Admins and auditors see all invoices, managers their region\'s, sales those of customers they own. Auditors do not get the collection note. Paginated.',
    returns: invoice.pageSchema,
  })
  list(@CurrentUser() user: Principal, @Query({ schema: invoice.listQuery }) q: z.output<typeof invoice.listQuery>) {
    return this.invoices.list(user, q);
  }

  @Get(':id')
  @Roles(...invoice.readers)
  @Operation({ id: 'getInvoice', resource: invoice.name, summary: 'Get one invoice by id', description: "One invoice within the caller's scope; 404 otherwise.", returns: invoice.schema })
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.invoices.get(user, id);
  }

  @Post()
  @Roles(...invoice.creators)
  @Operation({ id: 'createInvoice', resource: invoice.name, summary: 'Issue an invoice to a customer', description: 'Admins for any customer, managers for customers of their region.', returns: invoice.schema, status: 201 })
  create(@CurrentUser() user: Principal, @Body({ schema: invoice.createSchema }) body: z.output<typeof invoice.createSchema>) {
    return this.invoices.create(user, body);
  }

  @Patch(':id')
  @Roles(...invoice.updaters)
  @Operation({ id: 'updateInvoice', resource: invoice.name, summary: 'Record a payment or a collection note', description: 'Managers (own region) and admins.', returns: invoice.schema })
  update(@CurrentUser() user: Principal, @IdParam() id: string, @Body({ schema: invoice.patchSchema }) patch: z.output<typeof invoice.patchSchema>) {
    return this.invoices.update(user, id, patch);
  }
}

@Module({ controllers: [InvoicesController], providers: [scopedTableProvider(invoice)] })
export class InvoicesModule {}
