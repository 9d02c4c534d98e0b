import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseKinds, freshDatabase, rowsOf, type TestDatabase } from './helpers/databases.js';
import { signIn } from './helpers/session.js';

type Row = Record<string, unknown>;

describe.each(databaseKinds)('writes, role assignment and several roles on %s', (kind) => {
  let database: TestDatabase;
  let t: TestApp;
  let db: Database;
  const cookies: Record<string, string[]> = {};

  const query = (text: string) => rowsOf<Row>(db, text);
  const one = async (text: string): Promise<Row> => {
    const rows = await query(text);
    if (rows.length === 0) throw new Error(`no row for: ${text}`);
    return rows[0];
  };
  const userId = async (sub: string) => (await one(`select id from users where sub = '${sub}'`)).id as string;
  const deal = (id: string) => one(`select stage, amount::float8 as amount, close_date::text as close_date from deals where id = '${id}'`);
  const ticket = (id: string) => one(`select status, priority, assignee_id from tickets where id = '${id}'`);
  const patch = (sub: string, path: string, body: unknown) => t.http().patch(path).set('Cookie', cookies[sub]).send(body as object);
  const setRoles = async (sub: string, roles: string[]) =>
    t.http().put(`/api/users/${await userId(sub)}/roles`).set('Cookie', cookies.alice).send({ roles }).expect(200);
  /** Runs `check` with the user holding these roles, then gives the user back the roles they had. */
  const withRoles = async (sub: string, roles: string[], check: () => Promise<void>) => {
    const before = (await one(`select roles from users where sub = '${sub}'`)).roles as string[];
    await setRoles(sub, roles);
    try {
      await check();
    } finally {
      await setRoles(sub, before);
    }
  };

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await createTestApp({ AUTH_TYPE: 'cookie', ...database.env });
    db = t.app.get<Database>(DATABASE);
    for (const sub of ['alice', 'bob', 'carol', 'frank', 'dan', 'erin']) cookies[sub] = await signIn(t, sub);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const dealOf = (sub: string) =>
    one(`select d.id from deals d join users u on u.id = d.owner_id where u.sub = '${sub}' order by d.created_at limit 1`).then((r) => r.id as string);

  it('lets sales change stage and amount of their own deal, and nothing else', async () => {
    const id = await dealOf('carol');
    const res = await patch('carol', `/api/deals/${id}`, { stage: 'won', amount: 1234.5 }).expect(200);
    expect(res.body).toMatchObject({ id, stage: 'won', amount: 1234.5 });
    expect(await deal(id)).toMatchObject({ stage: 'won', amount: 1234.5 });

    const before = await deal(id);
    const closeDate = await patch('carol', `/api/deals/${id}`, { closeDate: '2027-01-31' }).expect(400);
    expect(closeDate.body.message).toBe('closeDate may not be changed by sales');
    const owner = await patch('carol', `/api/deals/${id}`, { stage: 'lost', ownerId: await userId('carol') }).expect(400);
    expect([owner.body.message].flat().join()).toMatch(/Unrecognized key: "ownerId"/);
    expect(await deal(id)).toEqual(before);
  });

  it('answers 404 for a deal outside the scope and leaves it unchanged', async () => {
    const henrys = await dealOf('henry');
    const before = await deal(henrys);
    const res = await patch('carol', `/api/deals/${henrys}`, { stage: 'won' }).expect(404);
    expect(res.body.message).toBe(`deal ${henrys} not found`);
    await patch('bob', `/api/deals/${await dealOf('frank')}`, { stage: 'won' }).expect(404);
    expect(await deal(henrys)).toEqual(before);
  });

  it('lets managers change deals in their region, including the close date', async () => {
    const henrys = await dealOf('henry');
    await patch('bob', `/api/deals/${henrys}`, { closeDate: '2027-03-01', stage: 'negotiation' }).expect(200);
    expect(await deal(henrys)).toMatchObject({ close_date: '2027-03-01', stage: 'negotiation' });
  });

  it('refuses writes to roles that may not write (403), with the row unchanged', async () => {
    const id = await dealOf('frank');
    const before = await deal(id);
    await patch('erin', `/api/deals/${id}`, { stage: 'won' }).expect(403);
    await patch('dan', `/api/deals/${id}`, { stage: 'won' }).expect(403);
    const anyTicket = (await one('select id from tickets limit 1')).id as string;
    await patch('carol', `/api/tickets/${anyTicket}`, { status: 'closed' }).expect(403);
    await patch('erin', `/api/tickets/${anyTicket}`, { status: 'closed' }).expect(403);
    expect(await deal(id)).toEqual(before);
  });

  it('lets support update status and assignee of their region tickets, not priority, not others', async () => {
    const dan = await userId('dan');
    const unassigned = (await one("select id from tickets where region = 'NA' and assignee_id is null limit 1")).id as string;
    const res = await patch('dan', `/api/tickets/${unassigned}`, { status: 'pending', assigneeId: dan }).expect(200);
    expect(res.body).toMatchObject({ id: unassigned, status: 'pending', assigneeId: dan });
    expect(await ticket(unassigned)).toMatchObject({ status: 'pending', assignee_id: dan });

    const priority = await patch('dan', `/api/tickets/${unassigned}`, { priority: 'urgent' }).expect(400);
    expect(priority.body.message).toBe('priority may not be changed by support');

    const judys = (await one("select t.id from tickets t join users u on u.id = t.assignee_id where u.sub = 'judy' limit 1")).id as string;
    const eu = (await one("select id from tickets where region = 'EU' limit 1")).id as string;
    const before = [await ticket(judys), await ticket(eu)];
    await patch('dan', `/api/tickets/${judys}`, { status: 'closed' }).expect(404);
    await patch('dan', `/api/tickets/${eu}`, { status: 'closed' }).expect(404);
    expect([await ticket(judys), await ticket(eu)]).toEqual(before);
  });

  it('lets managers and admins change ticket priority; unassigning works', async () => {
    const eu = (await one("select id from tickets where region = 'EU' and assignee_id is not null limit 1")).id as string;
    await patch('bob', `/api/tickets/${eu}`, { priority: 'urgent', assigneeId: null }).expect(200);
    expect(await ticket(eu)).toMatchObject({ priority: 'urgent', assignee_id: null });
    const apac = (await one("select id from tickets where region = 'APAC' limit 1")).id as string;
    await patch('alice', `/api/tickets/${apac}`, { status: 'closed', priority: 'low' }).expect(200);
    expect(await ticket(apac)).toMatchObject({ status: 'closed', priority: 'low' });
  });

  it('answers 400 naming the field for bad bodies, never 500', async () => {
    const id = await dealOf('carol');
    const ticketId = (await one("select id from tickets where region = 'NA' limit 1")).id as string;
    const before = await deal(id);
    const cases: Array<[string, unknown, RegExp]> = [
      [`/api/deals/${id}`, {}, /the body must name at least one of stage, amount, closeDate/],
      [`/api/deals/${id}`, { stage: 'done' }, /stage must be one of/],
      [`/api/deals/${id}`, { amount: '12' }, /amount must be a number/],
      [`/api/deals/${id}`, { amount: -1 }, /amount must be zero or more/],
      [`/api/deals/${id}`, { amount: 1.234 }, /amount has at most two decimals/],
      [`/api/deals/${id}`, { amount: 1e20 }, /amount is too large/],
      [`/api/deals/${id}`, { closeDate: '2027-02-30' }, /closeDate must be a date that exists/],
      [`/api/deals/${id}`, { closeDate: 20270101 }, /closeDate must be a date/],
      [`/api/deals/${id}`, [{ stage: 'won' }], /expected object/i],
      [`/api/deals/${id}`, { __proto__: { stage: 'won' }, constructor: 1 }, /Unrecognized key|at least one/],
      [`/api/tickets/${ticketId}`, { assigneeId: 'bob' }, /assigneeId must be a user id/],
      [`/api/tickets/${ticketId}`, { assigneeId: '00000000-0000-4000-8000-000000000000' }, /assigneeId must be null or name a support user of the ticket's region/],
      [`/api/tickets/${ticketId}`, { status: null }, /status must be one of/],
      ['/api/deals/not-a-uuid', { stage: 'won' }, /id must be a UUID/],
    ];
    for (const [path, body, message] of cases) {
      const res = await patch('alice', path, body);
      expect([path, JSON.stringify(body), res.status]).toEqual([path, JSON.stringify(body), 400]);
      expect([res.body.message].flat().join(' | ')).toMatch(message);
    }
    const raw = await t.http().patch(`/api/deals/${id}`).set('Cookie', cookies.alice).set('Content-Type', 'application/json').send('{"stage":');
    expect(raw.status).toBe(400);
    expect(await deal(id)).toEqual(before);
  });

  it('lets admins assign roles inside rolegate, effective on the next request', async () => {
    const frank = await userId('frank');
    try {
      await t.http().put(`/api/users/${frank}/roles`).set('Cookie', cookies.carol).send({ roles: ['admin'] }).expect(403);
      const res = await t.http().put(`/api/users/${frank}/roles`).set('Cookie', cookies.alice).send({ roles: ['support', 'sales'] }).expect(200);
      expect(res.body).toMatchObject({ id: frank, sub: 'frank', roles: ['sales', 'support'] });
      const me = await t.http().get('/api/me').set('Cookie', cookies.frank).expect(200);
      expect(me.body.roles).toEqual(['sales', 'support']);

      for (const [body, message] of [
        [{ roles: ['root'] }, /roles must be a list of admin/],
        [{ roles: 'admin' }, /roles must be a list/],
        [{}, /roles/],
      ] as const) {
        const bad = await t.http().put(`/api/users/${frank}/roles`).set('Cookie', cookies.alice).send(body).expect(400);
        expect([bad.body.message].flat().join()).toMatch(message);
      }
      await t.http().put('/api/users/00000000-0000-4000-8000-000000000000/roles').set('Cookie', cookies.alice).send({ roles: [] }).expect(404);
    } finally {
      await setRoles('frank', ['sales']); // as the demo data has him, for the other tests
    }
  });

  it('gives a user with several roles the union of rows, and fields per row from the roles granting it', async () => {
    // frank as sales + support (NA): customers of NA (a superset of his own) with revenue
    // visible (sales shows it), and tickets of his customers plus NA tickets for him or nobody.
    await withRoles('frank', ['sales', 'support'], async () => {
      const customers = await t.http().get('/api/customers?limit=100').set('Cookie', cookies.frank).expect(200);
      const expectedCustomers = (await query("select id from customers where region = 'NA'")).map((r) => r.id).sort();
      expect(customers.body.items.map((c: Row) => c.id).sort()).toEqual(expectedCustomers);
      // revenue only on the customers sales grants (his own); support hides it on the rest of NA
      const own = (await query("select id from customers where owner_id = (select id from users where sub = 'frank')")).map((r) => r.id);
      const withRevenue = customers.body.items.filter((c: Row) => typeof c.annualRevenue === 'number').map((c: Row) => c.id);
      expect(withRevenue.sort()).toEqual(own.sort());
      expect(own.length).toBeLessThan(expectedCustomers.length);

      const tickets = await t.http().get('/api/tickets?limit=100').set('Cookie', cookies.frank).expect(200);
      const expectedTickets = (
        await query(`select t.id from tickets t join customers c on c.id = t.customer_id
          where c.owner_id = (select id from users where sub = 'frank')
             or (t.region = 'NA' and (t.assignee_id is null or t.assignee_id = (select id from users where sub = 'frank')))`)
      )
        .map((r) => r.id)
        .sort();
      expect(tickets.body.items.map((i: Row) => i.id).sort()).toEqual(expectedTickets);
      const ownOnly = (await query("select t.id from tickets t join customers c on c.id = t.customer_id where c.owner_id = (select id from users where sub = 'frank')")).length;
      expect(expectedTickets.length).toBeGreaterThan(ownOnly);

      // support may change ticket status; sales alone could not
      const unassigned = (await one("select id from tickets where region = 'NA' and assignee_id is null limit 1")).id as string;
      await patch('frank', `/api/tickets/${unassigned}`, { status: 'closed' }).expect(200);
    });
  });

  it('keeps an auditor who is also sales read-only outside their own deals', async () => {
    await withRoles('erin', ['auditor', 'sales'], async () => {
      const id = await dealOf('carol');
      const before = await deal(id);
      const res = await patch('erin', `/api/deals/${id}`, { stage: 'lost' }).expect(403);
      expect(res.body.message).toBe('you may read but not change this deal');
      expect(await deal(id)).toEqual(before);
    });
  });
});
