import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseKinds, freshDatabase, rowsOf, type TestDatabase } from './helpers/databases.js';
import { bindRule, FIELDS, RULES, type Resource } from './helpers/design-rules.js';
import { signIn } from './helpers/session.js';
import type { AppRole } from '../src/access/roles.js';

type Row = Record<string, unknown>;

/** The columns behind each field, to compare values with what the database holds. */
const COLUMNS: Record<Resource, string> = {
  customers: `id, name, region, owner_id as "ownerId", industry, annual_revenue::float8 as "annualRevenue", contact_email as "contactEmail", contact_phone as "contactPhone"`,
  deals: `id, customer_id as "customerId", title, stage, amount::float8 as amount, currency, owner_id as "ownerId", region, close_date::text as "closeDate"`,
  tickets: `id, customer_id as "customerId", subject, status, priority, assignee_id as "assigneeId", requester_email as "requesterEmail", region`,
};

/** Who gets which pair of roles (their own region stays). */
const PAIRS: Array<[string, AppRole[]]> = [
  ['dan', ['support', 'auditor']],
  ['carol', ['sales', 'support']],
  ['frank', ['sales', 'auditor']],
  ['bob', ['manager', 'support']],
];

describe.each(databaseKinds)('per-row field views for several roles on %s', (kind) => {
  let database: TestDatabase;
  let t: TestApp;
  let db: Database;
  const cookies: Record<string, string[]> = {};
  const users: Record<string, { id: string; region: string | null }> = {};

  /** Per row of the table: which of the user's roles grant it, and the fields those roles show. */
  const expected = async (sub: string, roles: AppRole[], resource: Resource) => {
    const granting = roles.filter((r) => RULES[r][resource]);
    const flags = granting.map((r, i) => `coalesce((${bindRule(RULES[r][resource]!.rows, sub)}), false) as g${i}`).join(', ');
    const rows = await rowsOf<Row>(db, `select ${COLUMNS[resource]}, ${flags} from ${resource}`);
    const view = new Map<string, Row>();
    for (const row of rows) {
      const grantedBy = granting.filter((_, i) => row[`g${i}`] === true);
      if (grantedBy.length === 0) continue;
      const shown = FIELDS[resource].filter((f) => grantedBy.some((r) => !RULES[r][resource]!.hide?.includes(f)));
      view.set(row.id as string, Object.fromEntries(shown.map((f) => [f, row[f]])));
    }
    return view;
  };

  const list = async (sub: string, resource: Resource): Promise<Row[]> => {
    const items: Row[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: Row[]; next: string | null } } = await t.http().get(`/api/${resource}?limit=100${cursor ? `&cursor=${cursor}` : ''}`).set('Cookie', cookies[sub]).expect(200);
      items.push(...res.body.items);
      cursor = res.body.next;
    } while (cursor);
    return items;
  };

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await createTestApp({ AUTH_TYPE: 'cookie', ...database.env });
    db = t.app.get<Database>(DATABASE);
    for (const u of await rowsOf<{ sub: string; id: string; region: string | null }>(db, 'select sub, id, region from users')) users[u.sub] = u;
    const admin = await signIn(t, 'alice');
    for (const [sub, roles] of PAIRS) {
      await t.http().put(`/api/users/${users[sub].id}/roles`).set('Cookie', admin).send({ roles }).expect(200);
      cookies[sub] = await signIn(t, sub);
    }
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  for (const [sub, roles] of PAIRS) {
    for (const resource of ['customers', 'deals', 'tickets'] as const) {
      if (!roles.some((r) => RULES[r][resource])) continue;
      it(`${sub} (${roles.join(' + ')}) gets exactly the rows and, on each row, the fields its granting roles show: ${resource}`, async () => {
        const want = await expected(sub, roles, resource);
        const got = await list(sub, resource);
        expect(got.map((r) => r.id).sort()).toEqual([...want.keys()].sort());
        for (const item of got) expect(item).toEqual(want.get(item.id as string));
        // the same view by id
        for (const item of got.slice(0, 8)) {
          const one = await t.http().get(`/api/${resource}/${item.id}`).set('Cookie', cookies[sub]).expect(200);
          expect(one.body).toEqual(item);
        }
      });
    }
  }

  it('shows a field on some rows and hides it on others, so every pair above is a real test', async () => {
    const dan = await expected('dan', ['support', 'auditor'], 'customers');
    const withContact = [...dan.values()].filter((c) => 'contactEmail' in c).length;
    expect(withContact).toBeGreaterThan(0);
    expect(withContact).toBeLessThan(dan.size);
    expect([...dan.values()].every((c) => 'annualRevenue' in c)).toBe(true);
    const carol = await expected('carol', ['sales', 'support'], 'customers');
    const withRevenue = [...carol.values()].filter((c) => 'annualRevenue' in c).length;
    expect(withRevenue).toBeGreaterThan(0);
    expect(withRevenue).toBeLessThan(carol.size);
    const frank = await expected('frank', ['sales', 'auditor'], 'tickets');
    const withRequester = [...frank.values()].filter((c) => 'requesterEmail' in c).length;
    expect(withRequester).toBeGreaterThan(0);
    expect(withRequester).toBeLessThan(frank.size);
  });

  it('answers a write with the same per-row view: no field spills from the other role', async () => {
    // dan (support + auditor) changes an NA ticket through support: requesterEmail shows (support grants the row)
    const [mine] = await rowsOf<Row>(db, `select id from tickets where region = 'NA' and assignee_id is null limit 1`);
    const res = await t.http().patch(`/api/tickets/${mine.id}`).set('Cookie', cookies.dan).send({ status: 'pending' }).expect(200);
    expect(res.body).toEqual((await expected('dan', ['support', 'auditor'], 'tickets')).get(mine.id as string));
    expect(res.body).toHaveProperty('requesterEmail');
    // bob (manager + support) changes an EU ticket as manager: every field, manager grants it
    const [eu] = await rowsOf<Row>(db, `select id from tickets where region = 'EU' and assignee_id is not null limit 1`);
    const bob = await t.http().patch(`/api/tickets/${eu.id}`).set('Cookie', cookies.bob).send({ priority: 'high' }).expect(200);
    expect(Object.keys(bob.body).sort()).toEqual([...FIELDS.tickets].sort());
    // frank (sales + auditor) creates a deal for his customer: all deal fields (sales grants it)
    const [customer] = await rowsOf<Row>(db, `select id from customers where owner_id = '${users.frank.id}' limit 1`);
    const created = await t
      .http()
      .post('/api/deals')
      .set('Cookie', cookies.frank)
      .send({ customerId: customer.id, title: 'Renewal', amount: 1000, currency: 'USD', closeDate: '2027-01-31' })
      .expect(201);
    expect(created.body).toEqual((await expected('frank', ['sales', 'auditor'], 'deals')).get(created.body.id));
  });
});
