import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ticketPolicy, type TicketField } from '../access/policies.js';
import type { Principal } from '../auth/principal.js';
import { listQuery } from '../common/list-query.js';
import { enumFilter, uuidFilter } from '../common/params.js';
import { nonEmptyPatch } from '../common/patch.js';
import { equals, ScopedTable } from '../common/scoped-table.js';
import type { Database } from '../database/database.client.js';
import { InjectDb } from '../database/database.module.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, tickets } from '../database/schema.js';

export const ticketListQuery = listQuery(['createdAt', 'updatedAt'], {
  status: enumFilter('status', TICKET_STATUSES),
  priority: enumFilter('priority', TICKET_PRIORITIES),
  customerId: uuidFilter('customerId', 'Only tickets of this customer id'),
});
export type TicketListQuery = z.output<typeof ticketListQuery>;

export const ticketPatch = nonEmptyPatch({
  status: z.enum(TICKET_STATUSES, { message: `status must be one of ${TICKET_STATUSES.join(', ')}` }),
  priority: z.enum(TICKET_PRIORITIES, { message: `priority must be one of ${TICKET_PRIORITIES.join(', ')}` }),
  assigneeId: z.uuid({ message: 'assigneeId must be a user id (UUID) or null' }).nullable(),
});
export type TicketPatch = z.output<typeof ticketPatch>;

@Injectable()
export class TicketsService {
  private readonly table: ScopedTable<TicketField>;

  constructor(@InjectDb() db: Database) {
    this.table = new ScopedTable(db, tickets, ticketPolicy, {
      createdAt: { column: tickets.createdAt, type: 'timestamptz' },
      updatedAt: { column: tickets.updatedAt, type: 'timestamptz' },
    });
  }

  list(user: Principal, q: TicketListQuery) {
    return this.table.list(user, {
      ...q,
      filters: [
        equals(tickets.status, q.status),
        equals(tickets.priority, q.priority),
        equals(tickets.customerId, q.customerId),
      ],
    });
  }

  findOne(user: Principal, id: string) {
    return this.table.get(user, id);
  }

  update(user: Principal, id: string, patch: TicketPatch) {
    return this.table.update(user, id, patch);
  }
}
