import { and, eq, isNull, or, sql } from 'drizzle-orm';
import { customers, deals, tickets } from '../database/schema.js';
import { all, inRegion, Policy } from './policy.js';

/**
 * Who may see and change what: the whole table of row and field rules, in one place.
 * Services ask these policies for WHERE clauses and field lists; they never filter rows
 * after a query. A row outside the caller's scope is answered with 404, exactly like a
 * row that does not exist, so ids cannot be probed.
 */

export const CUSTOMER_FIELDS = ['id', 'name', 'region', 'ownerId', 'industry', 'annualRevenue', 'contactEmail', 'contactPhone'] as const;
export type CustomerField = (typeof CUSTOMER_FIELDS)[number];

export const customerPolicy = new Policy<CustomerField>('customer', CUSTOMER_FIELDS, {
  admin: { rows: all },
  manager: { rows: (u) => inRegion(customers.region, u) },
  sales: { rows: (u) => eq(customers.ownerId, u.id) },
  support: { rows: (u) => inRegion(customers.region, u), hide: ['annualRevenue'] },
  auditor: { rows: all, hide: ['contactEmail', 'contactPhone'] },
});

export const DEAL_FIELDS = ['id', 'customerId', 'title', 'stage', 'amount', 'currency', 'ownerId', 'region', 'closeDate'] as const;
export type DealField = (typeof DEAL_FIELDS)[number];

export const dealPolicy = new Policy<DealField>('deal', DEAL_FIELDS, {
  admin: { rows: all, update: ['stage', 'amount', 'closeDate'] },
  manager: { rows: (u) => inRegion(deals.region, u), update: ['stage', 'amount', 'closeDate'] },
  sales: { rows: (u) => eq(deals.ownerId, u.id), update: ['stage', 'amount'] },
  auditor: { rows: all },
  // support: no access to deals (403)
});

export const TICKET_FIELDS = ['id', 'customerId', 'subject', 'status', 'priority', 'assigneeId', 'requesterEmail', 'region'] as const;
export type TicketField = (typeof TICKET_FIELDS)[number];

export const ticketPolicy = new Policy<TicketField>('ticket', TICKET_FIELDS, {
  admin: { rows: all, update: ['status', 'assigneeId', 'priority'] },
  manager: { rows: (u) => inRegion(tickets.region, u), update: ['status', 'assigneeId', 'priority'] },
  sales: {
    rows: (u) => sql`${tickets.customerId} in (select ${customers.id} from ${customers} where ${customers.ownerId} = ${u.id})`,
  },
  support: {
    rows: (u) => and(inRegion(tickets.region, u), or(eq(tickets.assigneeId, u.id), isNull(tickets.assigneeId))),
    update: ['status', 'assigneeId'],
  },
  auditor: { rows: all, hide: ['requesterEmail'] },
});

export const USER_FIELDS = ['id', 'sub', 'name', 'email', 'region', 'roles'] as const;
export type UserField = (typeof USER_FIELDS)[number];

/** Users and the roles assigned inside rolegate: admins only. */
export const userPolicy = new Policy<UserField>('user', USER_FIELDS, {
  admin: { rows: all },
});
