import type { AppRole } from '../../src/access/roles.js';

export type Resource = 'customers' | 'deals' | 'tickets';

/** The fields of each resource, as the README lists them ("Who sees what"). */
export const FIELDS: Record<Resource, readonly string[]> = {
  customers: ['id', 'name', 'region', 'ownerId', 'industry', 'annualRevenue', 'contactEmail', 'contactPhone'],
  deals: ['id', 'customerId', 'title', 'stage', 'amount', 'currency', 'ownerId', 'region', 'closeDate'],
  tickets: ['id', 'customerId', 'subject', 'status', 'priority', 'assigneeId', 'requesterEmail', 'region'],
};

export interface Rule {
  /** Plain SQL over the resource's table; `$uid` and `$region` stand for the caller's. */
  rows: string;
  hide?: string[];
}

/**
 * The README's row and field rules ("Who sees what"), written again for the tests as
 * plain SQL over the seeded tables, not through rolegate's declarations, so a test
 * compares rolegate with an independent reading of the rules. A resource a role lacks is a 403 for it.
 */
export const RULES: Record<AppRole, Partial<Record<Resource, Rule>>> = {
  admin: { customers: { rows: 'true' }, deals: { rows: 'true' }, tickets: { rows: 'true' } },
  manager: { customers: { rows: 'region = $region' }, deals: { rows: 'region = $region' }, tickets: { rows: 'region = $region' } },
  sales: {
    customers: { rows: 'owner_id = $uid' },
    deals: { rows: 'owner_id = $uid' },
    tickets: { rows: 'customer_id in (select id from customers where owner_id = $uid)' },
  },
  support: {
    customers: { rows: 'region = $region', hide: ['annualRevenue'] },
    tickets: { rows: 'region = $region and (assignee_id is null or assignee_id = $uid)' },
  },
  auditor: {
    customers: { rows: 'true', hide: ['contactEmail', 'contactPhone'] },
    deals: { rows: 'true' },
    tickets: { rows: 'true', hide: ['requesterEmail'] },
  },
};

/** The demo users and their one role each (README, "Auth modes"). */
export const DEMO_ROLES: Record<string, AppRole> = { alice: 'admin', bob: 'manager', carol: 'sales', frank: 'sales', dan: 'support', erin: 'auditor' };

/** A rule's rows for one user: their id and region are read from `users` by sub in the query itself. */
export const bindRule = (rows: string, sub: string) =>
  rows.replaceAll('$uid', `(select id from users where sub = '${sub}')`).replaceAll('$region', `(select region from users where sub = '${sub}')`);
