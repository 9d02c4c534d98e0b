import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseKinds, freshDatabase, rowsOf, type TestDatabase } from './helpers/databases.js';
import { signIn } from './helpers/session.js';
import { jwtLocalEnv, makeKey, mint } from './helpers/tokens.js';

type Row = Record<string, unknown>;
const MISSING = '00000000-0000-4000-8000-000000000000';

/**
 * The README's writes table ("Writes") through the HTTP API: who may create and delete
 * what, every write checked against the row as it will be, eligible owners and
 * assignees, and a refused write leaving the database as it was.
 */
describe.each(databaseKinds)('creates, deletes and checks on the row as it will be, on %s', (kind) => {
  let database: TestDatabase;
  let t: TestApp;
  let db: Database;
  const cookies: Record<string, string[]> = {};
  const ids: Record<string, string> = {};

  const query = (text: string) => rowsOf<Row>(db, text);
  const first = async (text: string) => (await query(text))[0]?.id as string;
  const counts = async () => (await query('select (select count(*) from customers)::int c, (select count(*) from deals)::int d, (select count(*) from tickets)::int t'))[0];
  const as = (sub: string) => ({
    post: (path: string, body: object) => t.http().post(path).set('Cookie', cookies[sub]).send(body),
    patch: (path: string, body: object) => t.http().patch(path).set('Cookie', cookies[sub]).send(body),
    delete: (path: string) => t.http().delete(path).set('Cookie', cookies[sub]),
  });
  const customerOf = (sub: string) => first(`select c.id from customers c join users u on u.id = c.owner_id where u.sub = '${sub}' order by c.created_at limit 1`);
  const newCustomer = (over: Row = {}) => ({
    name: 'Nordlicht Optics',
    region: 'EU',
    ownerId: ids.carol,
    industry: 'Manufacturing',
    annualRevenue: 4_200_000,
    contactEmail: 'buyer@nordlicht.example',
    contactPhone: '+49-30-555-0100',
    ...over,
  });
  const newDeal = (customerId: string, over: Row = {}) => ({ customerId, title: 'Pilot', amount: 12_500.5, currency: 'EUR', closeDate: '2027-03-31', ...over });
  const newTicket = (customerId: string, over: Row = {}) => ({ customerId, subject: 'Cannot sign in', requesterEmail: 'it@customer.example', ...over });

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await createTestApp({ AUTH_TYPE: 'cookie', ...database.env });
    db = t.app.get<Database>(DATABASE);
    for (const u of await query('select sub, id from users')) ids[u.sub as string] = u.id as string;
    for (const sub of ['alice', 'bob', 'carol', 'frank', 'dan', 'erin']) cookies[sub] = await signIn(t, sub);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  describe('POST /api/customers', () => {
    it('lets admins create in any region and managers in their own, answering 201 with Location and the caller\'s view', async () => {
      const res = await as('bob').post('/api/customers', newCustomer()).expect(201);
      expect(res.headers.location).toBe(`/api/customers/${res.body.id}`);
      expect(res.body).toEqual({ id: expect.any(String), ...newCustomer() });
      const [row] = await query(`select name, region, owner_id from customers where id = '${res.body.id}'`);
      expect(row).toEqual({ name: 'Nordlicht Optics', region: 'EU', owner_id: ids.carol });
      const apac = await as('alice').post('/api/customers', newCustomer({ region: 'APAC', ownerId: ids.grace })).expect(201);
      expect(apac.body.region).toBe('APAC');
    });

    it('refuses a manager a customer outside their region (403) and creates nothing', async () => {
      const before = await counts();
      const res = await as('bob').post('/api/customers', newCustomer({ region: 'NA', ownerId: ids.frank })).expect(403);
      expect(res.body.message).toBe('you may not create this customer: it would be outside what your roles may create');
      expect(await counts()).toEqual(before);
    });

    it('refuses roles that may not create customers (403)', async () => {
      for (const sub of ['carol', 'dan', 'erin']) await as(sub).post('/api/customers', newCustomer()).expect(403);
    });

    it('answers the same 400 for an owner that does not exist and one that is not a sales user of the region', async () => {
      const before = await counts();
      const message = "ownerId must name a sales user of the customer's region";
      for (const ownerId of [MISSING, ids.frank, ids.alice, ids.kim]) {
        const res = await as('alice').post('/api/customers', newCustomer({ ownerId })).expect(400);
        expect([ownerId, res.body.message]).toEqual([ownerId, message]);
      }
      expect(await counts()).toEqual(before);
    });

    it('answers 400 naming the field for bad bodies', async () => {
      const cases: Array<[Row, RegExp]> = [
        [{ ...newCustomer(), region: 'MARS' }, /region must be one of EU, NA, APAC/],
        [{ ...newCustomer(), annualRevenue: -5 }, /annualRevenue must be zero or more/],
        [{ ...newCustomer(), contactEmail: 'nope' }, /contactEmail must be an email address/],
        [{ ...newCustomer(), name: '  ' }, /name must not be empty/],
        [{ ...newCustomer(), id: MISSING }, /Unrecognized key: "id"/],
        [{ name: 'x' }, /region/],
      ];
      for (const [body, message] of cases) {
        const res = await as('alice').post('/api/customers', body).expect(400);
        expect([res.body.message].flat().join(' | ')).toMatch(message);
      }
    });
  });

  describe('POST /api/deals', () => {
    it('lets sales create deals for customers they own, always owned by them, region from the customer', async () => {
      const customerId = await customerOf('carol');
      const res = await as('carol').post('/api/deals', newDeal(customerId, { region: undefined })).expect(201);
      expect(res.body).toMatchObject({ customerId, ownerId: ids.carol, region: 'EU', stage: 'prospect', amount: 12500.5, closeDate: '2027-03-31' });
      expect(res.headers.location).toBe(`/api/deals/${res.body.id}`);
      const before = await counts();
      const other = await as('carol').post('/api/deals', newDeal(customerId, { ownerId: ids.henry })).expect(403);
      expect(other.body.message).toMatch(/outside what your roles may create/);
      expect(await counts()).toEqual(before);
    });

    it('answers 404 for a customer outside the caller\'s scope, like reading it', async () => {
      const henrys = await customerOf('henry');
      const res = await as('carol').post('/api/deals', newDeal(henrys)).expect(404);
      expect(res.body.message).toBe(`customer ${henrys} not found`);
      await as('bob').post('/api/deals', newDeal(await customerOf('frank'))).expect(404);
      await as('bob').post('/api/deals', newDeal(MISSING)).expect(404);
    });

    it("lets managers create for their region's customers, owned by the customer's owner unless they name an eligible one", async () => {
      const henrys = await customerOf('henry');
      const res = await as('bob').post('/api/deals', newDeal(henrys, { stage: 'qualified' })).expect(201);
      expect(res.body).toMatchObject({ ownerId: ids.henry, region: 'EU', stage: 'qualified' });
      const named = await as('bob').post('/api/deals', newDeal(henrys, { ownerId: ids.carol })).expect(201);
      expect(named.body.ownerId).toBe(ids.carol);
      const before = await counts();
      for (const ownerId of [ids.frank, ids.alice, ids.bob, MISSING]) {
        const bad = await as('bob').post('/api/deals', newDeal(henrys, { ownerId })).expect(400);
        expect(bad.body.message).toBe("ownerId must name a sales user of the deal's region");
      }
      expect(await counts()).toEqual(before);
    });

    it('refuses support and auditors (403)', async () => {
      const customerId = await customerOf('frank');
      await as('dan').post('/api/deals', newDeal(customerId)).expect(403);
      await as('erin').post('/api/deals', newDeal(customerId)).expect(403);
    });
  });

  describe('POST /api/tickets', () => {
    it('opens tickets for sales (own customers), managers and support (region), with region from the customer', async () => {
      const carols = await customerOf('carol');
      const bySales = await as('carol').post('/api/tickets', newTicket(carols)).expect(201);
      expect(bySales.body).toMatchObject({ customerId: carols, status: 'open', priority: 'normal', assigneeId: null, region: 'EU' });
      await as('carol').post('/api/tickets', newTicket(await customerOf('henry'))).expect(404);

      const franks = await customerOf('frank');
      const bySupport = await as('dan').post('/api/tickets', newTicket(franks, { priority: 'high' })).expect(201);
      expect(bySupport.body).toMatchObject({ region: 'NA', priority: 'high', assigneeId: null });
      const taken = await as('dan').post('/api/tickets', newTicket(franks, { assigneeId: ids.dan })).expect(201);
      expect(taken.body.assigneeId).toBe(ids.dan);
      await as('dan').post('/api/tickets', newTicket(carols)).expect(404);

      const byManager = await as('bob').post('/api/tickets', newTicket(carols, { assigneeId: ids.kim })).expect(201);
      expect(byManager.body.assigneeId).toBe(ids.kim);
      await as('erin').post('/api/tickets', newTicket(carols)).expect(403);
    });

    it("refuses support a ticket outside their own queue (403) and any ineligible assignee (400), creating nothing", async () => {
      const franks = await customerOf('frank');
      const before = await counts();
      const judy = await as('dan').post('/api/tickets', newTicket(franks, { assigneeId: ids.judy })).expect(403);
      expect(judy.body.message).toBe('you may not create this ticket: it would be outside what your roles may create');
      for (const assigneeId of [ids.dan, ids.alice, MISSING]) {
        const res = await as('bob').post('/api/tickets', newTicket(await customerOf('carol'), { assigneeId })).expect(400);
        expect(res.body.message).toBe("assigneeId must be null or name a support user of the ticket's region");
      }
      expect(await counts()).toEqual(before);
    });
  });

  describe('PATCH checked against the row as it will be', () => {
    it('refuses support any assignee but themselves with one answer, eligible, ineligible or unknown alike (403), row unchanged', async () => {
      const id = await first(`select id from tickets where region = 'NA' and assignee_id is null limit 1`);
      for (const assigneeId of [ids.judy, ids.alice, ids.kim, ids.frank, MISSING]) {
        const res = await as('dan').patch(`/api/tickets/${id}`, { assigneeId }).expect(403);
        expect([assigneeId, res.body.message]).toEqual([assigneeId, 'this change would take the ticket outside what you may change']);
      }
      expect((await query(`select assignee_id from tickets where id = '${id}'`))[0].assignee_id).toBeNull();
    });

    it('answers a manager the same 400 for an unknown assignee and an ineligible one, row unchanged', async () => {
      const id = await first(`select id from tickets where region = 'EU' and assignee_id is null limit 1`);
      for (const assigneeId of [ids.dan, ids.alice, ids.carol, MISSING]) {
        const res = await as('bob').patch(`/api/tickets/${id}`, { assigneeId }).expect(400);
        expect([assigneeId, res.body.message]).toEqual([assigneeId, "assigneeId must be null or name a support user of the ticket's region"]);
      }
      expect((await query(`select assignee_id from tickets where id = '${id}'`))[0].assignee_id).toBeNull();
    });

    it("answers out-of-scope creates with one 403 whoever they name, so they cannot probe other regions' users", async () => {
      for (const ownerId of [ids.ivan, ids.grace, ids.alice, MISSING]) {
        const res = await as('bob').post('/api/customers', newCustomer({ region: 'NA', ownerId })).expect(403);
        expect(res.body.message).toBe('you may not create this customer: it would be outside what your roles may create');
      }
      const carols = await customerOf('carol');
      for (const ownerId of [ids.henry, ids.frank, MISSING]) await as('carol').post('/api/deals', newDeal(carols, { ownerId })).expect(403);
    });

    it('refuses support handing a ticket out of their queue (403), but lets them take and release it', async () => {
      const id = await first(`select id from tickets where region = 'NA' and assignee_id is null limit 1`);
      const res = await as('dan').patch(`/api/tickets/${id}`, { assigneeId: ids.judy, status: 'pending' }).expect(403);
      expect(res.body.message).toBe('this change would take the ticket outside what you may change');
      expect((await query(`select assignee_id, status from tickets where id = '${id}'`))[0]).toEqual({ assignee_id: null, status: expect.any(String) });
      await as('dan').patch(`/api/tickets/${id}`, { assigneeId: ids.dan }).expect(200);
      await as('dan').patch(`/api/tickets/${id}`, { assigneeId: null }).expect(200);
    });

    it('lets managers assign any support user of the region, and no one else', async () => {
      const id = await first(`select id from tickets where region = 'EU' limit 1`);
      await as('bob').patch(`/api/tickets/${id}`, { assigneeId: ids.kim }).expect(200);
      const bad = await as('bob').patch(`/api/tickets/${id}`, { assigneeId: ids.dan }).expect(400);
      expect(bad.body.message).toMatch(/support user of the ticket's region/);
      expect((await query(`select assignee_id from tickets where id = '${id}'`))[0].assignee_id).toBe(ids.kim);
    });
  });

  describe('DELETE', () => {
    it('lets admins delete deals and tickets (204, then 404), and refuses everyone else (403)', async () => {
      const deal = await first(`select id from deals limit 1`);
      const ticket = await first(`select id from tickets limit 1`);
      for (const sub of ['bob', 'carol', 'dan', 'erin']) {
        await as(sub).delete(`/api/deals/${deal}`).expect(403);
        await as(sub).delete(`/api/tickets/${ticket}`).expect(403);
      }
      await as('alice').delete(`/api/deals/${deal}`).expect(204);
      await as('alice').delete(`/api/tickets/${ticket}`).expect(204);
      expect(await query(`select id from deals where id = '${deal}' union all select id from tickets where id = '${ticket}'`)).toEqual([]);
      await as('alice').delete(`/api/deals/${deal}`).expect(404);
    });

    it('answers 409 for a customer that still has deals or tickets, and deletes one that has none', async () => {
      const busy = await customerOf('frank');
      const res = await as('alice').delete(`/api/customers/${busy}`).expect(409);
      expect(res.body.message).toBe("the record is still referred to by other records; delete those first");
      expect(await query(`select id from customers where id = '${busy}'`)).toHaveLength(1);
      const created = await as('alice').post('/api/customers', newCustomer({ name: 'Short Lived' })).expect(201);
      await as('bob').delete(`/api/customers/${created.body.id}`).expect(403);
      await as('alice').delete(`/api/customers/${created.body.id}`).expect(204);
      await as('alice').delete(`/api/customers/${MISSING}`).expect(404);
    });
  });
});

/** Eligibility in the JWT modes: roles and region come from the user's latest token, recorded at sign-in. */
describe('owners named by token roles (jwt_local)', () => {
  let t: TestApp;
  let admin: string;
  let zed: string;
  let key: Awaited<ReturnType<typeof makeKey>>;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    key = await makeKey('ES256');
    t = await createTestApp({ ...jwtLocalEnv(key), SEED_DEMO_DATA: 'true' });
    admin = await mint(key, { sub: 'root-admin', roles: ['admin'] });
    zed = await mint(key, { sub: 'zed', roles: ['sales'], region: 'eu' });
  });
  afterAll(() => t.close());

  it("lets a user own a deal once their token has said they are sales in the deal's region", async () => {
    const customers = await t.http().get('/api/customers?region=EU&limit=1').set(auth(admin)).expect(200);
    const customerId = customers.body.items[0].id;
    const me = await t.http().get('/api/me').set(auth(zed)).expect(200);
    const body = { customerId, title: 'Via token roles', amount: 10, currency: 'EUR', closeDate: '2027-01-01', ownerId: me.body.id };
    const res = await t.http().post('/api/deals').set(auth(admin)).send(body).expect(201);
    expect(res.body.ownerId).toBe(me.body.id);
    // the stored user has no roles of its own: only the recorded token made zed eligible
    const users = await t.http().get('/api/users?limit=100').set(auth(admin)).expect(200);
    expect(users.body.items.find((u: Row) => u.id === me.body.id).roles).toEqual([]);
    const apac = await t.http().get('/api/customers?region=APAC&limit=1').set(auth(admin)).expect(200);
    await t.http().post('/api/deals').set(auth(admin)).send({ ...body, customerId: apac.body.items[0].id }).expect(400);
  });

  it("follows the principal's region rule: a token's region claim wins over the stored region, even one naming no known region", async () => {
    const ticket = (await t.http().get('/api/tickets?limit=100').set(auth(admin)).expect(200)).body.items.find((i: Row) => i.region === 'EU');
    const kim = async (claims: Record<string, unknown>) => (await t.http().get('/api/me').set(auth(await mint(key, { sub: 'kim', roles: ['support'], ...claims }))).expect(200)).body;
    // kim is stored as support in EU; a token without a region claim keeps that
    const stored = await kim({});
    expect(stored.region).toBe('EU');
    await t.http().patch(`/api/tickets/${ticket.id}`).set(auth(admin)).send({ assigneeId: stored.id }).expect(200);
    // a claim naming no known region leaves kim without a region, for her reads and for eligibility alike
    expect((await kim({ region: 'Mars' })).region).toBeNull();
    const refused = await t.http().patch(`/api/tickets/${ticket.id}`).set(auth(admin)).send({ assigneeId: stored.id }).expect(400);
    expect(refused.body.message).toBe("assigneeId must be null or name a support user of the ticket's region");
    // a claim of another region moves her there
    expect((await kim({ region: 'NA' })).region).toBe('NA');
    await t.http().patch(`/api/tickets/${ticket.id}`).set(auth(admin)).send({ assigneeId: stored.id }).expect(400);
    expect((await kim({ region: 'EU' })).region).toBe('EU');
    await t.http().patch(`/api/tickets/${ticket.id}`).set(auth(admin)).send({ assigneeId: stored.id }).expect(200);
  });
});
