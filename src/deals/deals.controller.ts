import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { dealPolicy } from '../access/policies.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { dealListQuery, dealPatch, DealsService, type DealListQuery, type DealPatch } from './deals.service.js';

@Controller('api/deals')
export class DealsController {
  constructor(private readonly deals: DealsService) {}

  @Get()
  @Roles(...dealPolicy.readers)
  list(@CurrentUser() user: Principal, @Query({ schema: dealListQuery }) q: DealListQuery) {
    return this.deals.list(user, q);
  }

  @Get(':id')
  @Roles(...dealPolicy.readers)
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.deals.findOne(user, id);
  }

  @Patch(':id')
  @Roles(...dealPolicy.writers)
  update(@CurrentUser() user: Principal, @IdParam() id: string, @Body({ schema: dealPatch }) patch: DealPatch) {
    return this.deals.update(user, id, patch);
  }
}
