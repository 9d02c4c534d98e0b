import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Operation } from '../openapi/operation.decorator.js';
import { DealPageSchema, DealSchema } from '../openapi/schemas.js';
import { dealPolicy } from '../access/policies.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { dealListQuery, dealPatch, DealsService, type DealListQuery, type DealPatch } from './deals.service.js';

@ApiTags('deals')
@Controller('api/deals')
export class DealsController {
  constructor(private readonly deals: DealsService) {}

  @Get()
  @Roles(...dealPolicy.readers)
  @Operation({
    id: 'listDeals',
    summary: 'List sales deals the signed-in user may see',
    description:
      'Admins and auditors see all deals, managers the deals of their region, sales the deals they own; support has no access (403). Filter by stage, region, customer or owner. Paginated.',
    returns: DealPageSchema,
  })
  list(@CurrentUser() user: Principal, @Query({ schema: dealListQuery }) q: DealListQuery) {
    return this.deals.list(user, q);
  }

  @Get(':id')
  @Roles(...dealPolicy.readers)
  @Operation({
    id: 'getDeal',
    summary: 'Get one sales deal by id',
    description: "One deal within the caller's scope (see listDeals); 404 when it does not exist or is outside the scope.",
    returns: DealSchema,
  })
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.deals.findOne(user, id);
  }

  @Patch(':id')
  @Roles(...dealPolicy.writers)
  @Operation({
    id: 'updateDeal',
    summary: 'Change the stage, amount or close date of a deal',
    description:
      'Sales may change stage and amount of their own deals; managers (own region) and admins also the close date. Returns the updated deal. Auditors and support get 403.',
    returns: DealSchema,
  })
  update(@CurrentUser() user: Principal, @IdParam() id: string, @Body({ schema: dealPatch }) patch: DealPatch) {
    return this.deals.update(user, id, patch);
  }
}
