import { and, eq, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import { all, defineResource, inRegion } from '../access/resource.js';
import { REGIONS } from '../access/roles.js';
import { enumFilter, uuidFilter } from '../common/params.js';
import { requiredText } from '../common/patch.js';
import { customerResource } from '../customers/customer.resource.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, tickets } from '../database/schema.js';

const priority = z.enum(TICKET_PRIORITIES, { message: `priority must be one of ${TICKET_PRIORITIES.join(', ')}` });
const assigneeId = z
  .uuid({ message: 'assigneeId must be a user id (UUID) or null' })
  .nullable()
  .describe("A support user of the ticket's region, or null for unassigned");

/**
 * Support tickets. Managers see their region's, sales those of customers they own (read
 * only), support those of their region assigned to them or to nobody, auditors all
 * without the requester's email. Support may take or release a ticket, not hand it to
 * someone else: the changed ticket must stay in their own queue.
 */
export const ticketResource = defineResource({
  name: 'ticket',
  table: tickets,
  fields: {
    id: { column: tickets.id, schema: z.uuid().describe('Ticket id') },
    customerId: { column: tickets.customerId, schema: z.uuid().describe('Customer id') },
    subject: { column: tickets.subject, schema: z.string() },
    status: { column: tickets.status, schema: z.enum(TICKET_STATUSES) },
    priority: { column: tickets.priority, schema: z.enum(TICKET_PRIORITIES) },
    assigneeId: { column: tickets.assigneeId, schema: z.uuid().nullable().describe('User id of the assignee; null when unassigned') },
    requesterEmail: { column: tickets.requesterEmail, schema: z.string() },
    region: { column: tickets.region, schema: z.enum(REGIONS).describe("The customer's region") },
  },
  sorts: { createdAt: tickets.createdAt, updatedAt: tickets.updatedAt },
  scopes: [tickets.region, tickets.customerOwnerId],
  filters: {
    status: enumFilter('status', TICKET_STATUSES),
    priority: enumFilter('priority', TICKET_PRIORITIES),
    customerId: uuidFilter('customerId', 'Only tickets of this customer id'),
  },
  update: {
    status: z.enum(TICKET_STATUSES, { message: `status must be one of ${TICKET_STATUSES.join(', ')}` }),
    priority,
    assigneeId,
  },
  create: {
    body: {
      customerId: z.uuid({ message: 'customerId must be a customer id (UUID)' }),
      subject: requiredText('subject', 300),
      requesterEmail: z.email({ message: 'requesterEmail must be an email address' }).max(320),
      priority: priority.default('normal'),
      assigneeId: assigneeId.optional(),
    },
    parent: { field: 'customerId', resource: () => customerResource, columns: ['region', 'ownerId'] },
    // Region and owner come from the customer; every ticket starts open.
    values: (_user, body, customer) => ({
      ...body,
      assigneeId: body.assigneeId ?? null,
      status: 'open',
      region: customer.region,
      customerOwnerId: customer.ownerId,
    }),
  },
  references: { assigneeId: { role: 'support', sameRegion: true } },
  grants: {
    admin: { rows: all, update: ['status', 'assigneeId', 'priority'], create: true, delete: true },
    manager: { rows: (u) => inRegion(tickets.region, u), update: ['status', 'assigneeId', 'priority'], create: true },
    sales: { rows: (u) => eq(tickets.customerOwnerId, u.id), create: true },
    support: {
      rows: (u) => and(inRegion(tickets.region, u), or(eq(tickets.assigneeId, u.id), isNull(tickets.assigneeId))),
      update: ['status', 'assigneeId'],
      create: true,
    },
    auditor: { rows: all, hide: ['requesterEmail'] },
  },
});
