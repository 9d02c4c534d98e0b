import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseKinds, freshDatabase, idsOf, type TestDatabase } from './helpers/databases.js';
import { bindRule, DEMO_ROLES, FIELDS, RULES, type Resource } from './helpers/design-rules.js';
import { signIn } from './helpers/session.js';

/**
 * The row and field rules of the README ("Who sees what"), checked for every demo user
 * against sets the test computes itself with plain SQL from the seeded data (not through
 * the resource declarations).
 */
/** What each demo user may see: their role's rule bound to them, or a 403. */
const EXPECTED = Object.fromEntries(
  Object.entries(DEMO_ROLES).map(([sub, role]) => [
    sub,
    Object.fromEntries(
      (Object.keys(FIELDS) as Resource[]).map((resource) => {
        const rule = RULES[role][resource];
        return [resource, rule ? { where: bindRule(rule.rows, sub), hidden: rule.hide } : ('forbidden' as const)];
      }),
    ) as Record<Resource, { where: string; hidden?: string[] } | 'forbidden'>,
  ]),
);

describe.each(databaseKinds)('row and field rules on %s', (kind) => {
  let database: TestDatabase;
  let t: TestApp;
  let db: Database;
  const cookies: Record<string, string[]> = {};

  const ids = (query: string) => idsOf(db, query);

  /** Every id a user gets by walking all pages of a list. */
  const walk = async (sub: string, path: string, limit: number) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.http().get(url).set('Cookie', cookies[sub]).expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.next;
      pages++;
    } while (cursor && pages < 1000);
    return seen;
  };

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await createTestApp({ AUTH_TYPE: 'cookie', ...database.env });
    db = t.app.get<Database>(DATABASE);
    for (const sub of Object.keys(EXPECTED)) cookies[sub] = await signIn(t, sub);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  it("shows each part of support's ticket rule in the demo data: dan's own, unassigned, and a colleague's he may not see", async () => {
    const naTickets = (assignee: string) =>
      ids(`select t.id from tickets t left join users u on u.id = t.assignee_id where t.region = 'NA' and ${assignee}`);
    const [his, unassigned, judys] = await Promise.all([naTickets("u.sub = 'dan'"), naTickets('t.assignee_id is null'), naTickets("u.sub = 'judy'")]);
    for (const set of [his, unassigned, judys]) expect(set.length).toBeGreaterThan(0);
    const seen = new Set(await walk('dan', '/api/tickets', 100));
    expect([...his, ...unassigned].filter((id) => !seen.has(id))).toEqual([]);
    expect(judys.filter((id) => seen.has(id))).toEqual([]);
  });

  it('seeds data in which every rule makes a difference', async () => {
    for (const resource of ['customers', 'deals', 'tickets'] as const) {
      const total = (await ids(`select id from ${resource}`)).length;
      for (const [sub, rules] of Object.entries(EXPECTED)) {
        const rule = rules[resource];
        if (rule === 'forbidden' || rule.where === 'true') continue;
        const scoped = (await ids(`select id from ${resource} where ${rule.where}`)).length;
        expect([sub, resource, scoped > 0 && scoped < total]).toEqual([sub, resource, true]);
      }
    }
    const carolOwnsDeals = await ids("select id from deals where owner_id = (select id from users where sub = 'carol')");
    const carolsCustomersDeals = await ids(
      "select d.id from deals d join customers c on c.id = d.customer_id where c.owner_id = (select id from users where sub = 'carol')",
    );
    expect(carolOwnsDeals).not.toEqual(carolsCustomersDeals);
  });

  for (const [sub, rules] of Object.entries(EXPECTED)) {
    for (const resource of Object.keys(FIELDS) as Resource[]) {
      const rule = rules[resource];
      if (rule === 'forbidden') {
        it(`${sub} gets 403 for ${resource}`, async () => {
          await t.http().get(`/api/${resource}`).set('Cookie', cookies[sub]).expect(403);
          const [anyId] = await ids(`select id from ${resource} limit 1`);
          await t.http().get(`/api/${resource}/${anyId}`).set('Cookie', cookies[sub]).expect(403);
        });
        continue;
      }
      it(`${sub} lists exactly their ${resource}, with exactly the fields they may see`, async () => {
        const expected = await ids(`select id from ${resource} where ${rule.where}`);
        const walked = await walk(sub, `/api/${resource}`, 7);
        expect(new Set(walked).size).toBe(walked.length);
        expect([...walked].sort()).toEqual(expected);
        const res = await t.http().get(`/api/${resource}?limit=100`).set('Cookie', cookies[sub]).expect(200);
        const fields = FIELDS[resource].filter((f) => !rule.hidden?.includes(f));
        for (const item of res.body.items) expect(Object.keys(item).sort()).toEqual([...fields].sort());
        for (const hidden of rule.hidden ?? []) expect(JSON.stringify(res.body)).not.toContain(`"${hidden}"`);
      });

      it(`${sub} gets each of their ${resource} by id and 404 for every other`, async () => {
        const visible = new Set(await ids(`select id from ${resource} where ${rule.where}`));
        for (const id of await ids(`select id from ${resource}`)) {
          const res = await t.http().get(`/api/${resource}/${id}`).set('Cookie', cookies[sub]);
          expect([id, res.status]).toEqual([id, visible.has(id) ? 200 : 404]);
          if (res.status === 200) {
            expect(res.body.id).toBe(id);
            for (const hidden of rule.hidden ?? []) expect(res.body).not.toHaveProperty(hidden);
          } else {
            expect(res.body.message).toBe(`${resource.slice(0, -1)} ${id} not found`);
          }
        }
        const missing = '00000000-0000-4000-8000-000000000000';
        const absent = await t.http().get(`/api/${resource}/${missing}`).set('Cookie', cookies[sub]).expect(404);
        expect(absent.body.message).toBe(`${resource.slice(0, -1)} ${missing} not found`);
      });
    }
  }

  it('walks every page without duplicates or gaps in each sort order and page size', async () => {
    const all = await ids('select id from deals');
    for (const sort of ['createdAt', '-createdAt', 'closeDate', '-closeDate', 'amount', '-amount']) {
      for (const limit of [1, 5, 100]) {
        const walked = await walk('alice', `/api/deals?sort=${sort}`, limit);
        expect(walked.length).toBe(all.length);
        expect([...walked].sort()).toEqual(all);
      }
    }
    const names = (await t.http().get('/api/customers?sort=name&limit=100').set('Cookie', cookies.alice).expect(200)).body.items.map(
      (c: { name: string }) => c.name,
    );
    expect(names).toEqual([...names].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('filters within the scope', async () => {
    const expected = await ids(
      "select id from deals where stage = 'won' and owner_id = (select id from users where sub = 'carol')",
    );
    const res = await t.http().get('/api/deals?stage=won&limit=100').set('Cookie', cookies.carol).expect(200);
    expect(res.body.items.map((d: { id: string }) => d.id).sort()).toEqual(expected);
    const open = await t.http().get('/api/tickets?status=open&limit=100').set('Cookie', cookies.dan).expect(200);
    expect(open.body.items.every((i: { status: string; region: string }) => i.status === 'open' && i.region === 'NA')).toBe(true);
    const apac = await t.http().get('/api/customers?region=APAC').set('Cookie', cookies.bob).expect(200);
    expect(apac.body).toEqual({ items: [], next: null });
  });

  it('answers 400 naming the parameter for bad list input, never 500', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/deals?limit=0', /limit must be a whole number from 1 to 100/],
      ['/api/deals?limit=101', /limit must be a whole number from 1 to 100/],
      ['/api/deals?limit=ten', /limit must be a whole number from 1 to 100/],
      ['/api/deals?limit=1&limit=2', /limit/],
      ['/api/deals?stage=done', /stage must be one of prospect/],
      ['/api/deals?sort=title', /sort must be one of createdAt/],
      ['/api/deals?customerId=42', /customerId must be a UUID/],
      ['/api/deals?colour=red', /Unrecognized key: "colour"/],
      ['/api/deals?cursor=garbage', /cursor is not valid/],
      ['/api/tickets?status[$ne]=x', /status/],
      ['/api/customers/not-a-uuid', /id must be a UUID/],
    ];
    for (const [url, message] of cases) {
      const res = await t.http().get(url).set('Cookie', cookies.alice);
      expect([url, res.status]).toEqual([url, 400]);
      expect([res.body.message].flat().join(" | ")).toMatch(message);
    }
    // Forged cursors: well-formed, but with positions their column cannot hold.
    const forged = (sort: string, position: string) =>
      Buffer.from(JSON.stringify([sort, position, '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    for (const [list, sort, position] of [
      ['deals', '-createdAt', 'abc'],
      ['deals', 'closeDate', '2026-13-45'],
      ['deals', 'amount', '1e999'],
      ['deals', 'amount', 'abc'],
      ['customers', 'name', 'a\u0000b'],
      ['tickets', 'updatedAt', '2026-01-01T00:00:00+99:99'],
    ]) {
      const res = await t.http().get(`/api/${list}?sort=${sort}&cursor=${forged(sort, position)}`).set('Cookie', cookies.alice);
      expect([list, sort, position, res.status]).toEqual([list, sort, position, 400]);
    }
    const long = await t.http().get(`/api/customers?cursor=${'A'.repeat(2049)}`).set('Cookie', cookies.alice);
    expect(long.status).toBe(400);
    const page = await t.http().get('/api/deals?limit=2&sort=amount').set('Cookie', cookies.alice).expect(200);
    const other = await t.http().get(`/api/deals?sort=closeDate&cursor=${page.body.next}`).set('Cookie', cookies.alice);
    expect(other.status).toBe(400);
  });
});
