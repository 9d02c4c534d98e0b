import { AuditTrail } from '../src/audit/audit-trail.js';
import { AuditRetention } from '../src/audit/audit-retention.js';
import { openDatabase, type Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { AppLogger } from '../src/logging/logger.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseKinds, freshDatabase, rowsOf, type TestDatabase, describeOnPostgres } from './helpers/databases.js';
import pg from 'pg';
import request from 'supertest';
import { eventually } from './helpers/eventually.js';
import { LogCapture } from './helpers/log-capture.js';
import { signIn } from './helpers/session.js';
import { jwtLocalEnv, makeKey, mint, type TestKey } from './helpers/tokens.js';

type Row = Record<string, unknown>;
type Event = {
  id: string;
  at: string;
  requestId: string;
  userId: string | null;
  sub: string | null;
  roles: string[];
  authType: string;
  client: string;
  clientId: string | null;
  operation: string;
  resource: string;
  recordIds: string[];
  changes: Record<string, unknown> | null;
  status: number;
};

/**
 * The audit trail through the HTTP API: one event per call with every field, writes and
 * their events in one transaction, refusals recorded, the trail read back by admins and
 * auditors (filters, pages, redaction), append-only in the database, and lost events
 * counted and logged.
 */
describe.each(databaseKinds)('audit trail on %s', (kind) => {
  let database: TestDatabase;
  let t: TestApp;
  let db: Database;
  let trail: AuditTrail;
  const logs = new LogCapture();
  const cookies: Record<string, string[]> = {};
  const ids: Record<string, string> = {};

  const query = (text: string) => rowsOf<Row>(db, text);
  const as = (sub: string) => ({
    get: (path: string) => t.http().get(path).set('Cookie', cookies[sub]),
    post: (path: string, body: object) => t.http().post(path).set('Cookie', cookies[sub]).send(body),
    patch: (path: string, body: object) => t.http().patch(path).set('Cookie', cookies[sub]).send(body),
    put: (path: string, body: object) => t.http().put(path).set('Cookie', cookies[sub]).send(body),
    delete: (path: string) => t.http().delete(path).set('Cookie', cookies[sub]),
  });
  /** The stored event of one answer, found by the X-Request-Id it carried. */
  const eventOf = async (res: { headers: Record<string, string> }): Promise<Event> => {
    const requestId = res.headers['x-request-id'];
    expect(requestId).toBeTruthy();
    let found: Event[] = [];
    await eventually(async () => {
      await trail.flush();
      found = (await as('alice').get(`/api/audit?limit=100&since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`).expect(200)).body.items.filter(
        (e: Event) => e.requestId === requestId,
      );
      expect(found).toHaveLength(1);
    });
    return found[0];
  };

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await createTestApp({ AUTH_TYPE: 'cookie', ...database.env, LOG_LEVEL: 'error' }, { logDestination: logs });
    t.app.useLogger(t.app.get(AppLogger));
    db = t.app.get<Database>(DATABASE);
    trail = t.app.get(AuditTrail);
    for (const u of await query('select sub, id from users')) ids[u.sub as string] = u.id as string;
    for (const sub of ['alice', 'bob', 'carol', 'dan', 'erin', 'frank']) cookies[sub] = await signIn(t, sub);
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  describe('one event per call', () => {
    it('a list: the caller, the client, the operation and the ids on the page', async () => {
      const started = Date.now();
      const res = await as('carol').get('/api/deals?limit=5').expect(200);
      const event = await eventOf(res);
      expect(event).toEqual({
        id: expect.any(String),
        at: expect.any(String),
        requestId: res.headers['x-request-id'],
        userId: ids.carol,
        sub: 'carol',
        roles: ['sales'],
        authType: 'cookie',
        client: 'rest',
        clientId: null,
        operation: 'listDeals',
        resource: 'deal',
        recordIds: res.body.items.map((d: Row) => d.id),
        changes: null,
        status: 200,
      });
      expect(event.recordIds).toHaveLength(5);
      expect(Date.parse(event.at)).toBeGreaterThanOrEqual(started - 1000);
      expect(Date.parse(event.at)).toBeLessThanOrEqual(Date.now());
    });

    it('a single read names the record; an X-Request-Id the client sent is kept', async () => {
      const [deal] = (await as('carol').get('/api/deals?limit=1').expect(200)).body.items;
      const res = await as('carol').get(`/api/deals/${deal.id}`).set('X-Request-Id', 'trace-get-1').expect(200);
      expect(await eventOf(res)).toMatchObject({ requestId: 'trace-get-1', operation: 'getDeal', resource: 'deal', recordIds: [deal.id], changes: null, status: 200 });
    });

    it('a write: its changes from and to, committed with the write before any flush', async () => {
      const [deal] = (await as('carol').get('/api/deals?limit=1&stage=qualified').expect(200)).body.items;
      const res = await as('carol').patch(`/api/deals/${deal.id}`, { stage: 'proposal', amount: deal.amount + 100 }).expect(200);
      // Straight from the table, no flush: the event is part of the write's transaction.
      const [stored] = await query(`select operation, record_ids, changes, status from audit_events where request_id = '${res.headers['x-request-id']}'`);
      expect(stored).toEqual({
        operation: 'updateDeal',
        record_ids: [deal.id],
        changes: { stage: { from: 'qualified', to: 'proposal' }, amount: { from: deal.amount, to: deal.amount + 100 } },
        status: 200,
      });
      expect(await eventOf(res)).toMatchObject({ userId: ids.carol, operation: 'updateDeal', status: 200 });
    });

    it('a write that changes nothing records no changed fields', async () => {
      const [deal] = (await as('carol').get('/api/deals?limit=1').expect(200)).body.items;
      const res = await as('carol').patch(`/api/deals/${deal.id}`, { stage: deal.stage }).expect(200);
      expect((await eventOf(res)).changes).toEqual({});
    });

    it('a create: 201, the new id, every field from null', async () => {
      const [customer] = (await as('carol').get('/api/customers?limit=1').expect(200)).body.items;
      const res = await as('carol').post('/api/deals', { customerId: customer.id, title: 'Audit pilot', amount: 900.5, currency: 'EUR', closeDate: '2027-01-31' }).expect(201);
      const event = await eventOf(res);
      expect(event).toMatchObject({ operation: 'createDeal', resource: 'deal', recordIds: [res.body.id], status: 201 });
      expect(event.changes).toMatchObject({
        id: { from: null, to: res.body.id },
        title: { from: null, to: 'Audit pilot' },
        amount: { from: null, to: 900.5 },
        ownerId: { from: null, to: ids.carol },
        region: { from: null, to: customer.region },
        closeDate: { from: null, to: '2027-01-31' },
      });
    });

    it('a delete: 204, every field to null', async () => {
      const [ticket] = (await as('alice').get('/api/tickets?limit=1').expect(200)).body.items;
      const res = await as('alice').delete(`/api/tickets/${ticket.id}`).expect(204);
      const event = await eventOf(res);
      expect(event).toMatchObject({ operation: 'deleteTicket', resource: 'ticket', recordIds: [ticket.id], status: 204 });
      expect(event.changes).toMatchObject({ id: { from: ticket.id, to: null }, subject: { from: ticket.subject, to: null }, status: { from: ticket.status, to: null } });
    });

    it('a role change is a write of the user, with its roles from and to', async () => {
      const res = await as('alice').put(`/api/users/${ids.frank}/roles`, { roles: ['support', 'sales'] }).expect(200);
      expect(await eventOf(res)).toMatchObject({ operation: 'setUserRoles', resource: 'user', recordIds: [ids.frank], changes: { roles: { from: ['sales'], to: ['sales', 'support'] } } });
      await as('alice').put(`/api/users/${ids.frank}/roles`, { roles: ['sales'] }).expect(200);
    });

    it('refusals: 401 without a caller, 403 by role, 404 outside the scope (naming the record asked for), 400 for a bad body', async () => {
      const noCookie = await t.http().get('/api/deals').expect(401);
      expect(await eventOf(noCookie)).toMatchObject({ userId: null, sub: null, roles: [], operation: 'listDeals', recordIds: [], status: 401 });

      const support = await as('dan').get('/api/deals').expect(403);
      expect(await eventOf(support)).toMatchObject({ userId: ids.dan, roles: ['support'], operation: 'listDeals', recordIds: [], status: 403 });

      const [notCarols] = await query(`select id from deals where owner_id <> '${ids.carol}' limit 1`);
      const outside = await as('carol').get(`/api/deals/${notCarols.id}`).expect(404);
      expect(await eventOf(outside)).toMatchObject({ userId: ids.carol, operation: 'getDeal', recordIds: [notCarols.id], status: 404 });

      const refusedWrite = await as('carol').patch(`/api/deals/${notCarols.id}`, { stage: 'won' }).expect(404);
      expect(await eventOf(refusedWrite)).toMatchObject({ operation: 'updateDeal', recordIds: [notCarols.id], changes: null, status: 404 });

      const badBody = await as('carol').patch(`/api/deals/${notCarols.id}`, { stage: 'nonsense' }).expect(400);
      expect(await eventOf(badBody)).toMatchObject({ operation: 'updateDeal', status: 400, changes: null });
    });

    it('a write refused on the row as it would be is rolled back with its event; the refusal is recorded instead', async () => {
      // Support may take an unassigned ticket of their region, not hand it to someone else.
      const [ticket] = await query(`select id from tickets where region = 'NA' and assignee_id is null limit 1`);
      const res = await as('dan').patch(`/api/tickets/${ticket.id}`, { assigneeId: ids.judy }).expect(403);
      expect((await query(`select assignee_id from tickets where id = '${ticket.id}'`))[0].assignee_id).toBeNull();
      expect(await eventOf(res)).toMatchObject({ operation: 'updateTicket', userId: ids.dan, recordIds: [ticket.id], changes: null, status: 403 });
    });

    it('keeps concurrent calls apart: each event has its own caller, records and changes', async () => {
      const deals = await query(`select d.id, u.sub, d.amount from deals d join users u on u.id = d.owner_id where u.sub in ('carol', 'frank') order by d.id limit 12`);
      const answers = await Promise.all(
        deals.flatMap((d, i) => [
          as(d.sub as string).get(`/api/deals/${d.id}`),
          as(d.sub as string).patch(`/api/deals/${d.id}`, { amount: Number(d.amount) + i + 1 }),
          as(i % 2 ? 'erin' : 'bob').get(`/api/deals?limit=3&ownerId=${ids[d.sub as string]}`),
        ]),
      );
      await trail.flush();
      for (const [i, d] of deals.entries()) {
        const [read, write, list] = answers.slice(i * 3, i * 3 + 3);
        expect([read.status, write.status, list.status]).toEqual([200, 200, 200]);
        const [r, w, l] = await Promise.all([read, write, list].map((res) => query(`select user_id, record_ids, changes from audit_events where request_id = '${res.headers['x-request-id']}'`)));
        expect(r).toEqual([{ user_id: ids[d.sub as string], record_ids: [d.id], changes: null }]);
        expect(w).toEqual([{ user_id: ids[d.sub as string], record_ids: [d.id], changes: { amount: { from: Number(d.amount), to: Number(d.amount) + i + 1 } } }]);
        expect(l).toEqual([{ user_id: ids[i % 2 ? 'erin' : 'bob'], record_ids: list.body.items.map((x: Row) => x.id), changes: null }]);
      }
    });

    it('a conflict (409) is recorded, and an id in upper case is filed under the record', async () => {
      const [customer] = await query(`select c.id from customers c where exists (select 1 from deals d where d.customer_id = c.id) limit 1`);
      const upper = (customer.id as string).toUpperCase();
      const res = await as('alice').delete(`/api/customers/${upper}`).expect(409);
      expect(await eventOf(res)).toMatchObject({ operation: 'deleteCustomer', recordIds: [customer.id], status: 409, changes: null });
      const [deal] = (await as('carol').get('/api/deals?limit=1').expect(200)).body.items;
      const write = await as('carol').patch(`/api/deals/${deal.id.toUpperCase()}`, { amount: deal.amount + 3 }).expect(200);
      const found = (await as('erin').get(`/api/audit?recordId=${deal.id}&operation=updateDeal`).expect(200)).body.items as Event[];
      expect(found.map((e) => e.requestId)).toContain(write.headers['x-request-id']);
    });

    it('unknown paths under /api touch no data and leave no event', async () => {
      await trail.flush();
      const before = (await query('select count(*)::int n from audit_events'))[0].n as number;
      await as('alice').get('/api/nothing-here').expect(404);
      await trail.flush();
      const after = (await query('select count(*)::int n from audit_events'))[0].n as number;
      expect(after).toBe(before);
    });

    it('stores no token, cookie or body', async () => {
      const cookie = cookies.carol.join(';');
      const value = decodeURIComponent(cookie.split('=')[1].split(';')[0]);
      await as('carol').get('/api/deals?limit=1').expect(200);
      await trail.flush();
      const [{ dump }] = await query(`select string_agg(row_to_json(a)::text, ' ') dump from audit_events a`);
      expect(dump).not.toContain(value);
      expect(dump).not.toContain('rolegate_session');
    });
  });

  describe('GET /api/audit', () => {
    it('finds every access to a record by its id, for an auditor', async () => {
      const [deal] = (await as('carol').get('/api/deals?limit=1&sort=-amount').expect(200)).body.items;
      const expected = [
        (await as('carol').get('/api/deals?limit=1&sort=-amount').expect(200)).headers['x-request-id'],
        (await as('carol').get(`/api/deals/${deal.id}`).expect(200)).headers['x-request-id'],
        (await as('alice').patch(`/api/deals/${deal.id}`, { amount: deal.amount + 1 }).expect(200)).headers['x-request-id'],
        (await as('erin').get(`/api/deals/${deal.id}`).expect(200)).headers['x-request-id'],
        (await as('frank').get(`/api/deals/${deal.id}`).expect(404)).headers['x-request-id'], // another region's sales: asked, refused
        (await as('dan').get(`/api/deals/${deal.id}`).expect(403)).headers['x-request-id'],
      ];
      await trail.flush();
      const found = (await as('erin').get(`/api/audit?recordId=${deal.id}&limit=100`).expect(200)).body.items as Event[];
      const requestIds = found.map((e) => e.requestId);
      for (const id of expected) expect(requestIds).toContain(id);
      // Every event found names the record, and every stored event naming it is found.
      expect(found.every((e) => e.recordIds.includes(deal.id))).toBe(true);
      const [{ n }] = await query(`select count(*)::int n from audit_events where '${deal.id}' = any(record_ids)`);
      expect(found).toHaveLength(n as number);
      // Newest first.
      const times = found.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('filters by user, resource, operation, status and time, each alone and together', async () => {
      await as('bob').get('/api/customers?limit=2').expect(200);
      await as('dan').get('/api/deals').expect(403);
      await trail.flush();
      const all = (await as('alice').get('/api/audit?limit=100').expect(200)).body.items as Event[];
      const check = async (q: string, keep: (e: Event) => boolean) => {
        const got = (await as('alice').get(`/api/audit?limit=100&${q}`).expect(200)).body.items as Event[];
        expect(got.length).toBeGreaterThan(0);
        expect(got.every(keep)).toBe(true);
        // Nothing the filter should keep is missing from the newest 100.
        const newestKept = all.filter(keep).filter((e) => Date.parse(e.at) >= Date.parse(got.at(-1)!.at));
        expect(got.map((e) => e.id)).toEqual(expect.arrayContaining(newestKept.map((e) => e.id)));
      };
      await check(`userId=${ids.bob}`, (e) => e.userId === ids.bob);
      await check('resource=customer', (e) => e.resource === 'customer');
      await check('operation=listCustomers', (e) => e.operation === 'listCustomers');
      await check('status=403', (e) => e.status === 403);
      await check(`userId=${ids.dan}&status=403&resource=deal`, (e) => e.userId === ids.dan && e.status === 403 && e.resource === 'deal');
      const middle = all[Math.floor(all.length / 2)].at;
      await check(`since=${encodeURIComponent(middle)}`, (e) => e.at >= middle);
      await check(`until=${encodeURIComponent(middle)}`, (e) => e.at < middle);
      expect((await as('alice').get('/api/audit?operation=noSuchOperation').expect(200)).body.items).toEqual([]);
    });

    it('pages in both orders without gaps or repeats, through times that differ by a millisecond or tie', async () => {
      const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000; // an hour ago: within the retention the purge test applies
      const at = (ms: number) => new Date(base + ms).toISOString();
      const values = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4].map((ms, i) => `(timestamptz '${at(ms)}', 'paging-${i}', '{}', 'cookie', 'rest', 'listDeals', 'paging', '{}', 200)`);
      await query(`insert into audit_events (at, request_id, roles, auth_type, client, operation, resource, record_ids, status) values ${values.join(', ')}`);
      const expected = (await query(`select id from audit_events where resource = 'paging' order by at desc, id desc`)).map((r) => r.id);
      for (const sort of ['-at', 'at']) {
        const seen: Event[] = [];
        let cursor: string | null = null;
        do {
          const res: { body: { items: Event[]; next: string | null } } = await as('alice').get(`/api/audit?limit=2&resource=paging&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
          seen.push(...res.body.items);
          cursor = res.body.next;
        } while (cursor && seen.length < 50);
        expect(seen.map((e) => e.id)).toEqual(sort === '-at' ? expected : [...expected].reverse());
      }
      const middle = at(3);
      const newer = (await as('alice').get(`/api/audit?resource=paging&since=${middle}`).expect(200)).body.items as Event[];
      const older = (await as('alice').get(`/api/audit?resource=paging&until=${middle}`).expect(200)).body.items as Event[];
      expect([newer.length, older.length]).toEqual([5, 6]);
    });

    it('pages newest first without gaps or repeats', async () => {
      const pages: Event[][] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: Event[]; next: string | null } } = await as('alice').get(`/api/audit?limit=7&resource=deal${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
        pages.push(res.body.items);
        cursor = res.body.next;
      } while (cursor && pages.length < 50);
      const paged = pages.flat().map((e) => e.id);
      const [{ n }] = await query(`select count(*)::int n from audit_events where resource = 'deal'`);
      expect(new Set(paged).size).toBe(paged.length);
      // Reads of the trail itself happened meanwhile, but none is about deals.
      expect(paged.length).toBe(n as number);
    });

    it('records its own reads, with the ids of the events it returned', async () => {
      const res = await as('erin').get('/api/audit?limit=3').expect(200);
      expect(await eventOf(res)).toMatchObject({ operation: 'listAuditEvents', resource: 'audit', userId: ids.erin, recordIds: res.body.items.map((e: Event) => e.id), status: 200 });
    });

    it('is for admins and auditors only', async () => {
      for (const sub of ['bob', 'carol', 'dan', 'frank']) await as(sub).get('/api/audit').expect(403);
      await as('erin').get('/api/audit').expect(200);
      await t.http().get('/api/audit').expect(401);
    });

    it('refuses bad filters with 400 naming the parameter', async () => {
      for (const [q, message] of [
        ['userId=nope', /userId must be a UUID/],
        ['status=99', /status must be an HTTP status/],
        ['status=abc', /status must be an HTTP status/],
        ['since=yesterday', /since must be an ISO 8601 time/],
        ['operation=drop%20table', /operation must be an operationId/],
        ['resource=Deal!', /resource must be a resource name/],
        ['recordId=' + 'x'.repeat(200), /recordId must be a UUID/],
        ['cursor=bogus', /cursor is not valid/],
        ['sort=status', /sort must be one of at, -at/],
        ['nope=1', /nope/],
      ] as const) {
        const res = await as('alice').get(`/api/audit?${q}`).expect(400);
        expect(JSON.stringify(res.body.message)).toMatch(message);
      }
    });

    it('redacts the values of fields the reader may not see, and only those', async () => {
      const body = { name: 'Redaction Test Ltd', region: 'EU', ownerId: ids.carol, industry: 'Retail', annualRevenue: 1000, contactEmail: 'secret@buyer.example', contactPhone: '+1-555-0199' };
      const created = await as('alice').post('/api/customers', body).expect(201);
      const removed = await as('alice').delete(`/api/customers/${created.body.id}`).expect(204);
      const read = async (sub: string) => {
        await trail.flush();
        const items = (await as(sub).get(`/api/audit?recordId=${created.body.id}&resource=customer`).expect(200)).body.items as Event[];
        return [created, removed].map((res) => items.find((e) => e.requestId === res.headers['x-request-id'])!.changes);
      };
      const [toAdmin, removedToAdmin] = await read('alice');
      expect(toAdmin).toMatchObject({ contactEmail: { from: null, to: 'secret@buyer.example' }, contactPhone: { from: null, to: '+1-555-0199' }, industry: { from: null, to: 'Retail' } });
      expect(removedToAdmin).toMatchObject({ contactEmail: { from: 'secret@buyer.example', to: null } });
      const [toAuditor, removedToAuditor] = await read('erin');
      for (const changes of [toAuditor, removedToAuditor]) {
        expect(changes).toMatchObject({ contactEmail: { redacted: true }, contactPhone: { redacted: true } });
        expect(JSON.stringify(changes)).not.toMatch(/secret@buyer|555-0199/);
      }
      // Everything else shows, as it would on a customer the auditor reads.
      expect(Object.keys(toAuditor!).sort()).toEqual(Object.keys(toAdmin!).sort());
      expect(toAuditor).toMatchObject({ name: { from: null, to: 'Redaction Test Ltd' }, industry: { from: null, to: 'Retail' }, annualRevenue: { from: null, to: 1000 } });
    });
  });

  describe('in the database', () => {
    it('refuses UPDATE, DELETE and TRUNCATE of events, whoever asks', async () => {
      await as('alice').get('/api/me').expect(200);
      await as('dan').get('/api/deals').expect(403);
      await trail.flush();
      const refused = (what: string) => ({ cause: expect.objectContaining({ message: `audit events are append-only: ${what} refused` }) });
      await expect(query(`update audit_events set status = 200 where status = 403`)).rejects.toMatchObject(refused('UPDATE'));
      await expect(query(`delete from audit_events`)).rejects.toMatchObject(refused('DELETE'));
      await expect(query(`truncate audit_events`)).rejects.toMatchObject(refused('TRUNCATE'));
      // The purge's own flag does not open recent events either.
      await expect(
        db.transaction(async (tx) => {
          await rowsOf(tx as unknown as Database, `set local rolegate.audit_purge = 'on'`);
          await rowsOf(tx as unknown as Database, `delete from audit_events`);
        }),
      ).rejects.toMatchObject(refused('DELETE'));
      expect((await query('select count(*)::int n from audit_events'))[0].n).toBeGreaterThan(0);
    });

    it('purges only events older than the retention', async () => {
      const old = async (days: number) =>
        query(
          `insert into audit_events (at, request_id, roles, auth_type, client, operation, resource, record_ids, status)
           values (now() - interval '${days} days', 'retention-${days}', '{}', 'cookie', 'rest', 'listDeals', 'deal', '{}', 200)`,
        );
      await old(400);
      await old(366);
      await old(300);
      const before = (await query('select count(*)::int n from audit_events'))[0].n as number;
      expect(await t.app.get(AuditRetention).purge()).toBe(2);
      const left = (await query(`select request_id from audit_events where request_id like 'retention-%'`)).map((r) => r.request_id);
      expect(left).toEqual(['retention-300']);
      expect((await query('select count(*)::int n from audit_events'))[0].n).toBe(before - 2);
    });

    it('counts and logs read events the database refuses, and keeps serving', async () => {
      await trail.flush();
      const lostBefore = trail.lost;
      await query(`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit storage refused for the test'; end $$`);
      await query(`create trigger refuse_audit before insert on audit_events for each row execute function refuse_audit()`);
      const logged = logs.entries().length;
      try {
        await as('carol').get('/api/deals?limit=1').expect(200);
        await as('carol').get('/api/me').expect(200);
        await trail.flush();
        expect(trail.lost).toBe(lostBefore + 2);
        // Reported as errors, each with its count and the driver's reason (the timer may have flushed one on its own).
        const reports = logs
          .entries()
          .slice(logged)
          .filter((l) => l.context === 'AuditTrail' && l.level === 50)
          .map((l) => /^(\d+) audit events? lost \(\d+ since start\): the database refused them \(P0001 audit storage refused for the test\)$/.exec(String(l.msg)));
        expect(reports.every(Boolean)).toBe(true);
        expect(reports.reduce((sum, m) => sum + Number(m![1]), 0)).toBe(2);
        // A write whose event cannot be stored does not happen at all (and its 500 is lost too).
        const [deal] = await query(`select id, stage from deals where owner_id = '${ids.carol}' and stage <> 'lost' limit 1`);
        await as('carol').patch(`/api/deals/${deal.id}`, { stage: 'lost' }).expect(500);
        expect((await query(`select stage from deals where id = '${deal.id}'`))[0].stage).toBe(deal.stage);
        await trail.flush();
        expect(trail.lost).toBe(lostBefore + 3);
      } finally {
        await query('drop trigger refuse_audit on audit_events');
        await query('drop function refuse_audit()');
      }
      const res = await as('carol').get('/api/me').expect(200);
      expect(await eventOf(res)).toMatchObject({ operation: 'whoAmI', recordIds: [ids.carol], status: 200 });
      expect(trail.lost).toBe(lostBefore + 3);
    });
  });
});

describe.each(databaseKinds)('audit trail settings and lifecycle on %s', (kind) => {
  const count = async (env: Record<string, string>, where = 'true') => {
    const handle = await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR ?? '', seedDemoData: false });
    try {
      return (await rowsOf<{ n: number }>(handle.db, `select count(*)::int n from audit_events where ${where}`))[0].n;
    } finally {
      await handle.close();
    }
  };
  /** A database that outlives one app: PostgreSQL, or PGlite in a directory of its own. */
  const lasting = () => freshDatabase(kind);

  it('writes the events still buffered when rolegate shuts down', async () => {
    const database = await lasting();
    try {
      const t = await createTestApp({ AUTH_TYPE: 'cookie', ...database.env, AUDIT_FLUSH_MS: '1000' });
      const cookie = await signIn(t, 'carol');
      const requestIds: string[] = [];
      for (let i = 0; i < 5; i++) requestIds.push((await t.http().get('/api/deals?limit=2').set('Cookie', cookie).expect(200)).headers['x-request-id']);
      await t.close();
      expect(await count(database.env, `request_id in (${requestIds.map((id) => `'${id}'`).join(',')})`)).toBe(5);
    } finally {
      await database.drop();
    }
  });

  it('AUDIT_TRAIL=false records nothing; the trail stays readable', async () => {
    const database = await freshDatabase(kind);
    const t = await createTestApp({ AUTH_TYPE: 'cookie', ...database.env, AUDIT_TRAIL: 'false' });
    try {
      const cookie = await signIn(t, 'alice');
      const [deal] = (await t.http().get('/api/deals?limit=1').set('Cookie', cookie).expect(200)).body.items;
      await t.http().patch(`/api/deals/${deal.id}`).set('Cookie', cookie).send({ stage: 'won' }).expect(200);
      await t.app.get(AuditTrail).flush();
      expect((await t.http().get('/api/audit').set('Cookie', cookie).expect(200)).body.items).toEqual([]);
      expect((await rowsOf<{ n: number }>(t.app.get<Database>(DATABASE), 'select count(*)::int n from audit_events'))[0].n).toBe(0);
    } finally {
      await t.close();
      await database.drop();
    }
  });
});

describe('audit trail with tokens', () => {
  let key: TestKey;
  let t: TestApp;
  beforeAll(async () => {
    key = await makeKey('ES256');
    t = await createTestApp({ ...jwtLocalEnv(key), SEED_DEMO_DATA: 'true', RATE_LIMIT_PER_USER: '2', RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
  afterAll(() => t.close());

  const stored = async (requestId: string) => {
    await t.app.get(AuditTrail).flush();
    const [row] = await rowsOf(t.app.get<Database>(DATABASE), `select * from audit_events where request_id = '${requestId}'`);
    return row;
  };

  it("names the token's client (azp) and the auth type, and records 429 refusals", async () => {
    const token = await mint(key, { sub: 'bob', azp: 'gpt-actions-client' });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await t.http().get('/api/customers?limit=1').set('Authorization', `Bearer ${token}`));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(await stored(answers[0].headers['x-request-id'])).toMatchObject({ sub: 'bob', roles: ['manager'], auth_type: 'jwt_local', client: 'rest', client_id: 'gpt-actions-client', operation: 'listCustomers', status: 200 });
    expect(await stored(answers[2].headers['x-request-id'])).toMatchObject({ sub: 'bob', client_id: 'gpt-actions-client', operation: 'listCustomers', record_ids: [], status: 429 });
    const row = await stored(answers[1].headers['x-request-id']);
    expect(JSON.stringify(row)).not.toContain(token.split('.')[2]);
  });

  it('records a refused token as an anonymous 401', async () => {
    const res = await t.http().get('/api/me').set('Authorization', `Bearer ${await mint(key, { sub: 'carol', aud: 'someone-else' })}`).expect(401);
    expect(await stored(res.headers['x-request-id'])).toMatchObject({ user_id: null, sub: null, client_id: null, auth_type: 'jwt_local', operation: 'whoAmI', status: 401 });
  });
});

describeOnPostgres('audit trail when the client leaves first (PostgreSQL)', () => {
  let database: TestDatabase;
  let t: TestApp;
  let url: string;
  let cookie: string[];
  let db: Database;

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    t = await createTestApp({ AUTH_TYPE: 'cookie', ...database.env });
    await t.app.listen(0, '127.0.0.1');
    url = await t.app.getUrl();
    cookie = await signIn(t, 'alice');
    db = t.app.get<Database>(DATABASE);
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  /** Holds a lock from another connection until a request waits on it, then its client gives up. */
  const abandoned = async (lock: string, path: string, init: RequestInit) => {
    const locker = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await locker.connect();
    const requestId = `left-${Math.random().toString(36).slice(2)}`;
    try {
      await locker.query('BEGIN');
      await locker.query(lock);
      const leave = new AbortController();
      const answer = fetch(`${url}${path}`, { ...init, signal: leave.signal, headers: { ...(init.headers as Record<string, string>), cookie: cookie.map((c) => c.split(';')[0]).join('; '), 'x-request-id': requestId } });
      // The handler is running once its statement waits for the lock.
      await eventually(async () => expect(Number((await locker.query('select count(*) from pg_locks where not granted')).rows[0].count)).toBeGreaterThan(0), 5000);
      leave.abort();
      await expect(answer).rejects.toThrow();
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    let rows: Row[] = [];
    await eventually(async () => {
      await t.app.get(AuditTrail).flush();
      rows = await rowsOf<Row>(db, `select status, changes from audit_events where request_id = '${requestId}'`);
      expect(rows.length).toBeGreaterThan(0);
    });
    // A second event would be recorded as the handler settles: once no statement of the app
    // is running any more (what follows the statement happens within the next turns).
    await eventually(async () => {
      const [{ n }] = await rowsOf<{ n: number }>(db, "select count(*)::int n from pg_stat_activity where datname = current_database() and state <> 'idle' and pid <> pg_backend_pid()");
      expect(n).toBe(0);
    });
    await new Promise(setImmediate);
    await t.app.get(AuditTrail).flush();
    return rowsOf<Row>(db, `select status, changes from audit_events where request_id = '${requestId}'`);
  };

  it('a write the client stopped waiting for still commits with its one event', async () => {
    const [deal] = await rowsOf<Row>(db, 'select id, amount from deals limit 1');
    const rows = await abandoned(`select 1 from deals where id = '${deal.id}' for update`, `/api/deals/${deal.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: Number(deal.amount) + 7 }),
    });
    expect(rows).toEqual([{ status: 200, changes: { amount: { from: Number(deal.amount), to: Number(deal.amount) + 7 } } }]);
  });

  it('a read the client stopped waiting for is recorded once, as 499', async () => {
    const rows = await abandoned('lock table deals in access exclusive mode', '/api/deals?limit=3', {});
    expect(rows).toEqual([{ status: 499, changes: null }]);
  });
});
