import { Module } from '@nestjs/common';
import { scopedTableProvider } from '../access/scoped-table.provider.js';
import { dealResource } from './deal.resource.js';
import { DealsController } from './deals.controller.js';

@Module({ controllers: [DealsController], providers: [scopedTableProvider(dealResource)] })
export class DealsModule {}
