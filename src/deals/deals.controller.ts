import { Body, Controller, Delete, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { InjectTable } from '../access/scoped-table.provider.js';
import type { ScopedTable } from '../access/scoped-table.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { Operation } from '../openapi/operation.decorator.js';
import { dealResource as deal } from './deal.resource.js';

@ApiTags('deals')
@Controller('api/deals')
export class DealsController {
  constructor(@InjectTable(deal) private readonly deals: ScopedTable) {}

  @Get()
  @Roles(...deal.readers)
  @Operation({
    resource: deal.name,
    id: 'listDeals',
    summary: 'List sales deals the signed-in user may see',
    description:
      'Admins and auditors see all deals, managers the deals of their region, sales the deals they own; support has no access (403). Filter by stage, region, customer or owner; sort by createdAt, closeDate or amount. Paginated.',
    returns: deal.pageSchema,
  })
  list(@CurrentUser() user: Principal, @Query({ schema: deal.listQuery }) q: z.output<typeof deal.listQuery>) {
    return this.deals.list(user, q);
  }

  @Get(':id')
  @Roles(...deal.readers)
  @Operation({
    resource: deal.name,
    id: 'getDeal',
    summary: 'Get one sales deal by id',
    description: "One deal within the caller's scope (see listDeals); 404 when it does not exist or is outside the scope.",
    returns: deal.schema,
  })
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.deals.get(user, id);
  }

  @Post()
  @Roles(...deal.creators)
  @Operation({
    resource: deal.name,
    id: 'createDeal',
    summary: 'Create a sales deal for a customer',
    description:
      "Sales create deals for customers they own and own them; managers for customers of their region (ownerId: a sales user of that region, default the customer's owner); admins for any. Region comes from the customer. Returns the deal.",
    returns: deal.schema,
    status: 201,
  })
  create(@CurrentUser() user: Principal, @Body({ schema: deal.createSchema }) body: z.output<typeof deal.createSchema>) {
    return this.deals.create(user, body);
  }

  @Patch(':id')
  @Roles(...deal.updaters)
  @Operation({
    resource: deal.name,
    id: 'updateDeal',
    summary: 'Change the stage, amount or close date of a deal',
    description:
      'Sales may change stage and amount of their own deals; managers (own region) and admins also the close date. Returns the updated deal. Auditors and support get 403.',
    returns: deal.schema,
  })
  update(@CurrentUser() user: Principal, @IdParam() id: string, @Body({ schema: deal.patchSchema }) patch: z.output<typeof deal.patchSchema>) {
    return this.deals.update(user, id, patch);
  }

  @Delete(':id')
  @Roles(...deal.deleters)
  @Operation({ id: 'deleteDeal', resource: deal.name, summary: 'Delete a sales deal (admins only)', description: 'Deletes the deal for good. Admins only.', status: 204 })
  remove(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.deals.remove(user, id);
  }
}
