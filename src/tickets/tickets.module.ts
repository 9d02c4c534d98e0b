import { Module } from '@nestjs/common';
import { scopedTableProvider } from '../access/scoped-table.provider.js';
import { ticketResource } from './ticket.resource.js';
import { TicketsController } from './tickets.controller.js';

@Module({ controllers: [TicketsController], providers: [scopedTableProvider(ticketResource)] })
export class TicketsModule {}
