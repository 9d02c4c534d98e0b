import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { defineResource, type RowRule } from './resource.js';
import { principal } from '../../test/helpers/principal.js';
import type { DatabaseHandle } from '../database/database.client.js';
import { openTestDatabase } from '../../test/helpers/databases.js';
import { deals, users } from '../database/schema.js';
import { ScopedTable } from './scoped-table.js';


describe('ScopedTable statements shared by callers of the same shape', () => {
  let handle: DatabaseHandle;
  let owners: Record<string, string>;

  beforeAll(async () => {
    handle = await openTestDatabase(true);
    const rows = await handle.db.select({ id: users.id, sub: users.sub }).from(users);
    owners = Object.fromEntries(rows.map((u) => [u.sub, u.id]));
  });
  afterAll(() => handle.close());

  const table = (rows: RowRule) =>
    new ScopedTable(
      handle.db,
      defineResource({
        name: 'deal',
        table: deals,
        fields: {
          id: { column: deals.id, schema: z.uuid() },
          title: { column: deals.title, schema: z.string() },
          ownerId: { column: deals.ownerId, schema: z.uuid() },
        },
        sorts: { createdAt: deals.createdAt },
        grants: { sales: { rows } },
      }),
    );

  it("binds each caller's own id, so two sales users never see each other's rows", async () => {
    const own = table((u) => eq(deals.ownerId, u.id));
    for (const sub of ['carol', 'henry']) {
      const page = await own.list(principal({ id: owners[sub], sub }), { limit: 100, sort: '-createdAt' });
      const expected = await handle.db.select({ id: deals.id }).from(deals).where(eq(deals.ownerId, owners[sub]));
      expect(page.items.length).toBeGreaterThan(0);
      expect(page.items.map((d) => d.ownerId)).toEqual(Array(page.items.length).fill(owners[sub]));
      expect(page.items.map((d) => d.id).sort()).toEqual(expected.map((d) => d.id).sort());
    }
  });

  it('refuses a row rule that reads a caller value the statement would bake in', async () => {
    const leaky = table((u) => sql`${deals.title} = ${u.sub}`);
    await expect(leaky.list(principal({ id: owners.carol }), { limit: 5, sort: '-createdAt' })).rejects.toThrow(
      "row rules may read the caller's id, region and roles only, not sub",
    );
  });
});
