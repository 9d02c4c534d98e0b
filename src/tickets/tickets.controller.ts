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
import { ticketResource as ticket } from './ticket.resource.js';

@ApiTags('tickets')
@Controller('api/tickets')
export class TicketsController {
  constructor(@InjectTable(ticket) private readonly tickets: ScopedTable) {}

  @Get()
  @Roles(...ticket.readers)
  @Operation({
    resource: ticket.name,
    id: 'listTickets',
    summary: 'List support tickets the signed-in user may see',
    description:
      "Admins and auditors see all tickets, managers their region's, sales those of customers they own, support those of their region assigned to them or unassigned. Auditors do not get requesterEmail. Paginated.",
    returns: ticket.pageSchema,
  })
  list(@CurrentUser() user: Principal, @Query({ schema: ticket.listQuery }) q: z.output<typeof ticket.listQuery>) {
    return this.tickets.list(user, q);
  }

  @Get(':id')
  @Roles(...ticket.readers)
  @Operation({
    resource: ticket.name,
    id: 'getTicket',
    summary: 'Get one support ticket by id',
    description: "One ticket within the caller's scope (see listTickets); 404 when it does not exist or is outside the scope.",
    returns: ticket.schema,
  })
  findOne(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.tickets.get(user, id);
  }

  @Post()
  @Roles(...ticket.creators)
  @Operation({
    resource: ticket.name,
    id: 'createTicket',
    summary: 'Open a support ticket for a customer',
    description:
      'Sales open tickets for customers they own, managers and support for customers of their region (support: unassigned or assigned to themselves), admins for any. Starts open; region comes from the customer. Returns the ticket.',
    returns: ticket.schema,
    status: 201,
  })
  create(@CurrentUser() user: Principal, @Body({ schema: ticket.createSchema }) body: z.output<typeof ticket.createSchema>) {
    return this.tickets.create(user, body);
  }

  @Patch(':id')
  @Roles(...ticket.updaters)
  @Operation({
    resource: ticket.name,
    id: 'updateTicket',
    summary: 'Change the status, assignee or priority of a ticket',
    description:
      'Support may change status and take or release tickets in their scope; managers (own region) and admins also priority, and assign any support user of the region. assigneeId null unassigns. Sales and auditors get 403.',
    returns: ticket.schema,
  })
  update(@CurrentUser() user: Principal, @IdParam() id: string, @Body({ schema: ticket.patchSchema }) patch: z.output<typeof ticket.patchSchema>) {
    return this.tickets.update(user, id, patch);
  }

  @Delete(':id')
  @Roles(...ticket.deleters)
  @Operation({ id: 'deleteTicket', resource: ticket.name, summary: 'Delete a support ticket (admins only)', description: 'Deletes the ticket for good. Admins only.', status: 204 })
  remove(@CurrentUser() user: Principal, @IdParam() id: string) {
    return this.tickets.remove(user, id);
  }
}
