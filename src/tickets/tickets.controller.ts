import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Operation } from '../openapi/operation.decorator.js';
import { TicketPageSchema, TicketSchema } from '../openapi/schemas.js';
import { ticketPolicy } from '../access/policies.js';
import { Roles } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { IdParam } from '../common/params.js';
import { ticketListQuery, ticketPatch, TicketsService, type TicketListQuery, type TicketPatch } from './tickets.service.js';

@ApiTags('tickets')
@Controller('api/tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Get()
  @Roles(...ticketPolicy.readers)
  @Operation({
    id: 'listTickets',
    summary: 'List support tickets the signed-in user may see',
    description:
      "Admins and auditors see all tickets, managers their region's, sales those of customers they own, support those of their region assigned to them or unassigned. Auditors do not get requesterEmail. Paginated.",
    returns: TicketPageSchema,
  })
  list(@CurrentUser() user: Principal, @Query({ schema: ticketListQuery }) q: TicketListQuery) {
    return this.tickets.list(user, q);
  }

  @Get(':id')
  @Roles(...ticketPolicy.readers)
  @Operation({
    id: 'getTicket',
    summary: 'Get one support ticket by id',
    description: "One ticket within the caller's scope (see listTickets); 404 when it does not exist or is outside the scope.",
    returns: TicketSchema,
  })
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.tickets.findOne(user, id);
  }

  @Patch(':id')
  @Roles(...ticketPolicy.writers)
  @Operation({
    id: 'updateTicket',
    summary: 'Change the status, assignee or priority of a ticket',
    description:
      'Support may change status and assignee of tickets in their scope; managers (own region) and admins also the priority. assigneeId null unassigns. Returns the updated ticket. Sales and auditors get 403.',
    returns: TicketSchema,
  })
  update(@CurrentUser() user: Principal, @IdParam() id: string, @Body({ schema: ticketPatch }) patch: TicketPatch) {
    return this.tickets.update(user, id, patch);
  }
}
