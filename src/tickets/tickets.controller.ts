import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ticketPolicy } from '../access/policies.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { ticketListQuery, ticketPatch, TicketsService, type TicketListQuery, type TicketPatch } from './tickets.service.js';

@Controller('api/tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Get()
  @Roles(...ticketPolicy.readers)
  list(@CurrentUser() user: Principal, @Query({ schema: ticketListQuery }) q: TicketListQuery) {
    return this.tickets.list(user, q);
  }

  @Get(':id')
  @Roles(...ticketPolicy.readers)
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.tickets.findOne(user, id);
  }

  @Patch(':id')
  @Roles(...ticketPolicy.writers)
  update(@CurrentUser() user: Principal, @IdParam() id: string, @Body({ schema: ticketPatch }) patch: TicketPatch) {
    return this.tickets.update(user, id, patch);
  }
}
