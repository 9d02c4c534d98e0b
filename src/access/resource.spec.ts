import { eq, is, SQL } from 'drizzle-orm';
import { PgDialect, pgTable, uuid } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { customerResource } from '../customers/customer.resource.js';
import { deals } from '../database/schema.js';
import { all, defineResource, type ResourceSpec } from './resource.js';
import type { AppRole } from './roles.js';
import { principal } from '../../test/helpers/principal.js';

const caller = (roles: AppRole[], region: Principal['region'] = 'NA') => principal({ roles, region });
const text = (query: SQL | undefined) => (query ? new PgDialect().sqlToQuery(query).sql : 'all rows');

describe('field views', () => {
  it('gives a caller with one role a plain column list, without CASE or flags', () => {
    for (const role of customerResource.readers) {
      const view = customerResource.fieldView(caller([role]));
      expect(view.groups).toEqual([]);
      for (const value of Object.values(view.selection)) expect(is(value, SQL)).toBe(false);
    }
    expect(Object.keys(customerResource.fieldView(caller(['support'])).selection)).not.toContain('annualRevenue');
  });

  it('decides in SQL, per row, the fields roles disagree on, one flag per set of showing roles', () => {
    const view = customerResource.fieldView(caller(['support', 'auditor']));
    // auditor grants every row and shows revenue: plain; support alone shows contact details: CASE on its rule
    expect(is(view.selection.annualRevenue, SQL)).toBe(false);
    expect(view.groups).toEqual([{ flag: '_shown0', fields: ['contactEmail', 'contactPhone'] }]);
    expect(text(view.selection.contactEmail as SQL)).toMatch(/^case when "customers"\."region" = \$1 then "customers"\."contact_email" end$/);
  });

  it('leaves out a field every role of the caller hides', () => {
    const view = customerResource.fieldView(caller(['support']));
    expect(view.selection).not.toHaveProperty('annualRevenue');
  });

  it('gives a caller without a region no rows from region rules, and a rule of undefined no rows', () => {
    expect(text(customerResource.readScope(caller(['manager'], null)))).toBe('false');
    const resource = defineResource({
      name: 'deal',
      table: deals,
      fields: { id: { column: deals.id, schema: z.uuid() } },
      sorts: { createdAt: deals.createdAt },
      scopes: [deals.ownerId],
      grants: { sales: { rows: () => undefined } },
    });
    expect(text(resource.readScope(caller(['sales'])))).toBe('false');
  });
});

describe('declarations that would leak or be slow are refused at start-up', () => {
  const notes = pgTable('notes', { id: uuid('id').primaryKey(), ownerId: uuid('owner_id') });
  const base: ResourceSpec<'id' | 'title' | 'amount', z.ZodRawShape> = {
    name: 'deal',
    table: deals,
    fields: {
      id: { column: deals.id, schema: z.uuid() },
      title: { column: deals.title, schema: z.string() },
      amount: { column: deals.amount, schema: z.number() },
    },
    sorts: { createdAt: deals.createdAt, amount: deals.amount },
    scopes: [deals.ownerId],
    update: { amount: z.number() },
    grants: { admin: { rows: all, update: ['amount'] }, sales: { rows: (u) => eq(deals.ownerId, u.id), hide: ['title'] } },
  };

  it('accepts a sound declaration', () => {
    expect(() => defineResource(base)).not.toThrow();
  });

  it.each([
    ['a sort on a hidden field', { ...base, grants: { ...base.grants, auditor: { rows: all, hide: ['amount'] } } }, 'sort amount is on a field some role hides'],
    ['a filter on a hidden field', { ...base, filters: { title: z.string().optional() } }, 'filter title is on a field some role hides'],
    ['a hidden field that does not exist', { ...base, grants: { sales: { rows: all, hide: ['colour'] } } }, 'sales hides colour, which is not a field'],
    ['an update grant outside update', { ...base, grants: { admin: { rows: all, update: ['title'] } } }, 'admin may update title, which is not in update'],
    ['a reference to a field that does not exist', { ...base, references: { assigneeId: { role: 'support' } } }, 'reference assigneeId is not a field'],
    [
      'a same-region reference on a table without a region',
      { name: 'deal', table: notes, fields: { id: { column: notes.id, schema: z.uuid() }, ownerId: { column: notes.ownerId, schema: z.uuid() } }, sorts: {}, references: { ownerId: { role: 'sales', sameRegion: true } }, grants: { admin: { rows: all } } },
      "reference ownerId asks for the row's region, but the table has no region column",
    ],
    ['a sort without its scope index', { ...base, scopes: [deals.customerId] }, 'sort createdAt needs an index on (customer_id, created_at, id)'],
    ['a sort without its every-row index', { ...base, sorts: { stage: deals.stage } }, 'sort stage needs an index on (stage, id)'],
  ])('refuses %s', (_what, spec, message) => {
    expect(() => defineResource(spec as never)).toThrow(`resource deal: ${message}`);
  });
});
