import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openDatabase, type Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseFromTemplate, describeOnPostgres, type TestDatabase } from './helpers/databases.js';
import { signIn } from './helpers/session.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  'Index Cond'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Filter?: string;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];
/** A condition without its constants, for the printed plan shapes. */
const elide = (cond: string) => cond.replace(/'[^']*'::(timestamp with time zone|\w+)(\[\])?/g, '$').replace(/^\((.*)\)$/, '$1');

const EVENTS = 1_000_000;
/** The newest events a record lookup searches first (audit-reader.ts). */
const RECENT_EVENTS = 2000;
const DAY = 86_400_000;
/** A page of 50, as a client that reads the trail would ask for. */
const LIMIT = 50;
/** Index entries plus heap rows a page of 50 may touch: a few thousand, against a million events. */
const MAX_ROWS_READ = 2_000;
/**
 * Shared buffers a page may touch. A GIN search also reads the index's pending list
 * (fastupdate: up to gin_pending_list_limit, 4 MB = 512 pages) besides what it finds.
 */
const MAX_BUFFERS = 2_000;

/** Events run from START to START + 365 days, oldest first, as the trail is appended (a fixed year: the data is kept as a template). */
const START = Date.parse('2025-01-01T00:00:00Z');
const iso = (days: number) => new Date(START + days * DAY).toISOString();

const userId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** User 1 is a busy service account (about 2 % of all calls); user 1000 an ordinary user (a few hundred). */
const BUSY_USER = userId(1);
const USER = userId(1000);
/** Records with a known spread; every other record id is drawn from 300,000 (most in a dozen events). */
const RECORD = {
  /** In 5 events over the year. */
  rare: '0b7d3c4e-5a6f-4e1d-9c2b-00000000000a',
  /** In about 30 % of all events, evenly (the newest deal, on every first page). */
  hot: '0b7d3c4e-5a6f-4e1d-9c2b-00000000000b',
  /** In about 0.7 % of all events, evenly: between rare and hot, the worst for both the GIN and the (at, id) index. */
  warm: '0b7d3c4e-5a6f-4e1d-9c2b-00000000000c',
  /** In about 30 % of the events of the first 30 days only (the newest deal a year ago), none since. */
  formerlyHot: '0b7d3c4e-5a6f-4e1d-9c2b-00000000000d',
  /** In about 30 % of the events of the last 30 days only (the newest deal now), none before. */
  newlyHot: '0b7d3c4e-5a6f-4e1d-9c2b-00000000000e',
};

/** rolegate's operations (and two of a resource of one's own), twenty in all. */
const OPERATIONS: Array<[string, string]> = [
  ['listCustomers', 'customer'], ['getCustomer', 'customer'], ['createCustomer', 'customer'], ['deleteCustomer', 'customer'], ['listInvoices', 'invoice'],
  ['listDeals', 'deal'], ['getDeal', 'deal'], ['createDeal', 'deal'], ['updateDeal', 'deal'], ['deleteDeal', 'deal'],
  ['listTickets', 'ticket'], ['getTicket', 'ticket'], ['createTicket', 'ticket'], ['updateTicket', 'ticket'], ['deleteTicket', 'ticket'],
  ['listUsers', 'user'], ['whoAmI', 'user'], ['setUserRoles', 'user'], ['getInvoice', 'invoice'], ['listAuditEvents', 'audit'],
];
const textArray = (values: string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]`;

/**
 * A year of calls, in the order they arrive: about 2,000 users (a few busy, most with a
 * few hundred calls), 20 operations over the five resources (lists the most frequent),
 * statuses mostly 200/201 with 1 % 401 (no user), 3 % 403, 2 % 404 and 0.5 % 429, and
 * 1 to 20 record ids per event (a list's page, or the one record asked for or written).
 * $1 is the time of the first event, $2 and $3 the first and last event numbered 1 to
 * EVENTS; setseed makes it the same trail every run.
 */
const FILL = `
INSERT INTO audit_events (at, request_id, user_id, sub, roles, auth_type, client, client_id, operation, resource, record_ids, changes, status)
SELECT
  $1::timestamptz + (g + 5 * random()) * (interval '365 days' / ${EVENTS}),
  md5('request' || g),
  CASE WHEN s.status <> 401 THEN ('00000000-0000-4000-8000-' || lpad(u.n::text, 12, '0'))::uuid END,
  CASE WHEN s.status <> 401 THEN 'user-' || u.n END,
  CASE WHEN s.status = 401 THEN '{}'::text[] ELSE ARRAY[(ARRAY['admin','manager','sales','support','auditor'])[1 + u.n % 5]] END,
  CASE WHEN s.status = 401 THEN 'jwt_oidc' ELSE (ARRAY['cookie','jwt_local','jwt_oidc'])[1 + u.n % 3] END,
  CASE WHEN u.n % 4 = 0 THEN 'mcp' ELSE 'rest' END,
  CASE WHEN u.n % 4 = 0 THEN 'gpt-actions' END,
  o.operation,
  o.resource,
  (CASE WHEN g % 200000 = 4242 THEN ARRAY['${RECORD.rare}'] ELSE '{}' END
    || CASE WHEN r.x < 0.3 THEN ARRAY['${RECORD.hot}'] ELSE '{}' END
    || CASE WHEN r.y < 0.007 THEN ARRAY['${RECORD.warm}'] ELSE '{}' END
    || CASE WHEN r.z < 0.3 AND g <= ${Math.round((EVENTS * 30) / 365)} THEN ARRAY['${RECORD.formerlyHot}'] ELSE '{}' END
    || CASE WHEN r.z < 0.3 AND g > ${Math.round((EVENTS * 335) / 365)} THEN ARRAY['${RECORD.newlyHot}'] ELSE '{}' END
    || ids.a)::uuid[],
  CASE WHEN o.operation LIKE 'update%' AND s.status = 200 THEN '{"stage":{"from":"open","to":"won"}}'::jsonb END,
  CASE WHEN s.status = 200 AND o.operation LIKE 'create%' THEN 201 ELSE s.status END
FROM generate_series($2::int, $3::int) g
CROSS JOIN LATERAL (SELECT 1 + floor(2000 * random() ^ 2)::int AS n, g AS _g) u
CROSS JOIN LATERAL (
  SELECT (${textArray(OPERATIONS.map(([op]) => op))})[k] AS operation, (${textArray(OPERATIONS.map(([, resource]) => resource))})[k] AS resource
  FROM (SELECT CASE WHEN x < 0.25 THEN 6 WHEN x < 0.40 THEN 1 WHEN x < 0.52 THEN 11 ELSE 1 + floor(20 * (x - 0.52) / 0.48)::int END AS k
        FROM (SELECT random() AS x, g AS _g) x) k) o
CROSS JOIN LATERAL (
  SELECT CASE WHEN x < 0.01 THEN 401 WHEN x < 0.04 THEN 403 WHEN x < 0.06 THEN 404 WHEN x < 0.065 THEN 429 ELSE 200 END::smallint AS status
  FROM (SELECT random() AS x, g AS _g) x) s
CROSS JOIN LATERAL (SELECT random() AS x, random() AS y, random() AS z, CASE WHEN o.operation LIKE 'list%' THEN 2 + floor(19 * random())::int ELSE 1 END AS len) r
CROSS JOIN LATERAL (
  SELECT array_agg('7f3e1c2a-0000-4000-8000-' || lpad(floor(300000 * random() ^ 2)::int::text, 12, '0')) AS a FROM generate_series(1, r.len + 0 * g)) ids`;

interface Case {
  name: string;
  query: Record<string, string>;
  /**
   * How much a page may read: about a page of events (default); for a record, also the
   * newest events searched first and the events naming it (`record`: the GIN index finds
   * those, however far back they are); `group`: the two filters' groups, when two
   * equality filters meet in a bitmap because no index serves both.
   */
  bounded?: 'record' | 'group';
}

const CASES: Case[] = [
  { name: 'no filter', query: {} },
  { name: 'no filter, oldest first', query: { sort: 'at' } },
  { name: 'userId', query: { userId: USER } },
  { name: 'userId of a busy account', query: { userId: BUSY_USER } },
  { name: 'userId, oldest first', query: { userId: USER, sort: 'at' } },
  { name: 'resource', query: { resource: 'deal' } },
  { name: 'resource (a rare one)', query: { resource: 'audit' } },
  { name: 'operation', query: { operation: 'updateDeal' } },
  { name: 'status (common)', query: { status: '200' } },
  { name: 'status (rare)', query: { status: '429' } },
  { name: 'recordId (rare)', query: { recordId: RECORD.rare } },
  { name: 'recordId (rare, upper case)', query: { recordId: RECORD.rare.toUpperCase() } },
  { name: 'recordId (hot)', query: { recordId: RECORD.hot } },
  { name: 'recordId (hot), oldest first', query: { recordId: RECORD.hot, sort: 'at' } },
  { name: 'recordId (warm)', query: { recordId: RECORD.warm }, bounded: 'record' },
  { name: 'recordId (formerly hot)', query: { recordId: RECORD.formerlyHot }, bounded: 'record' },
  { name: 'recordId (newly hot)', query: { recordId: RECORD.newlyHot } },
  { name: 'recordId (newly hot), oldest first', query: { recordId: RECORD.newlyHot, sort: 'at' }, bounded: 'record' },
  { name: 'since', query: { since: iso(335) } },
  { name: 'since, oldest first', query: { since: iso(180), sort: 'at' } },
  { name: 'until', query: { until: iso(180) } },
  { name: 'until, oldest first', query: { until: iso(180), sort: 'at' } },
  { name: 'since + until (one week)', query: { since: iso(100), until: iso(107) } },
  // Depending on ANALYZE's sample, the planner takes the user's index and filters on the
  // status, or combines the user's and the status's index in a bitmap (seen on data written
  // event by event, as here): both read the two groups at most, never the trail.
  { name: 'userId + status', query: { userId: USER, status: '403' }, bounded: 'group' },
  { name: 'userId of a busy account + rare status', query: { userId: BUSY_USER, status: '429' }, bounded: 'group' },
  { name: 'resource + operation', query: { resource: 'deal', operation: 'updateDeal' } },
  { name: 'recordId (rare) + since', query: { recordId: RECORD.rare, since: iso(100) } },
  { name: 'recordId (hot) + since', query: { recordId: RECORD.hot, since: iso(100) } },
  { name: 'recordId (hot) + since + until (one week)', query: { recordId: RECORD.hot, since: iso(100), until: iso(107) } },
  { name: 'userId + since + until (one week)', query: { userId: USER, since: iso(100), until: iso(107) } },
];

interface Measured {
  case: string;
  page: string;
  plan: string;
  rowsRead: number;
  buffers: number;
  returned: number;
  ms: number;
}

/**
 * GET /api/audit on a million events, for each filter alone and a few combinations, first
 * page and a page after a cursor: the statement the app really runs (captured from its
 * pool), explained with its real parameters (EXPLAIN ANALYZE), reads about the events of
 * the page through an index, never the whole trail. Each filter has its `(filter, at, id)`
 * index; recordId the GIN index on record_ids, or the (at, id) index with a filter when
 * the record is in a large share of the events.
 *
 * No index orders one record's events by time, so a record lookup first searches the
 * newest events (a record in many of them fills the page there) and then the events the
 * GIN index finds for it: it reads at most those, never the events in between (a record
 * whose events are all a year back would otherwise be found by walking the whole year).
 * The suite prints, for every case and page, the plan and the rows and buffers it read.
 */
describeOnPostgres(`audit trail query plans on PostgreSQL (${EVENTS.toLocaleString('en')} events)`, () => {
  let database: TestDatabase;
  let t: TestApp;
  let cookie: string[];
  let explainer: pg.Client;
  const captured: Array<{ text: string; values: unknown[] }> = [];
  const measured: Measured[] = [];
  const started = performance.now();
  let fillMs = 0;

  beforeAll(async () => {
    const fillStarted = performance.now();
    // Generated once and kept as a template until the migrations or this suite change.
    database = await databaseFromTemplate('audit_plans', [readFileSync(import.meta.filename, 'utf8')], async (url) => {
      await (await openDatabase({ url, dataDir: '', seedDemoData: true })).close(); // the migrations, and alice to read the trail
      // Through the indexes, as the trail is written (the GIN index keeps a pending list,
      // fastupdate, as it does in use), and left as it is: no autovacuum in the template.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('ALTER TABLE audit_events SET (autovacuum_enabled = false)');
      await client.query('SELECT setseed(0.4242)');
      await client.query(FILL, [new Date(START).toISOString(), 1, EVENTS]);
      await client.query('ANALYZE audit_events');
      await client.end();
    });
    fillMs = performance.now() - fillStarted;

    // No retention purge: it would start removing the oldest events a minute after start.
    t = await createTestApp({ AUTH_TYPE: 'cookie', ...database.env, AUDIT_RETENTION_DAYS: '0', DATABASE_STATEMENT_TIMEOUT_MS: '60000' });
    cookie = await signIn(t, 'alice'); // admin
    explainer = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await explainer.connect();

    // Every statement the app's pool runs on audit_events: the reader's, with its parameters.
    const pool = (t.app.get<Database>(DATABASE) as unknown as { $client: pg.Pool }).$client;
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    pool.query = ((config: unknown, values: unknown[]) => {
      const text = typeof config === 'string' ? config : (config as { text?: string }).text;
      if (text && /^select .* from "audit_events"/is.test(text)) captured.push({ text, values });
      return query(config, values);
    }) as typeof pool.query;
  }, 600_000);

  afterAll(async () => {
    const wide = (s: string, n: number) => s.padEnd(n);
    const lines = measured.map(
      (m) =>
        `${wide(m.case, 44)} ${wide(m.page, 6)} rows read ${String(m.rowsRead).padStart(7)}  buffers ${String(m.buffers).padStart(7)}  returned ${String(m.returned).padStart(3)}  ${m.ms.toFixed(1).padStart(7)} ms  ${m.plan}`,
    );
    console.log(
      [`fill (${EVENTS.toLocaleString('en')} events, ANALYZE; or a copy of the kept template): ${(fillMs / 1000).toFixed(1)} s; suite: ${((performance.now() - started) / 1000).toFixed(1)} s`, ...lines].join('\n'),
    );
    await explainer?.end();
    await t?.close();
    await database?.drop();
  });

  /** One page through the app, then its statement explained with the same parameters. */
  const explainPage = async (query: Record<string, string>) => {
    captured.length = 0;
    const res = await t.http().get('/api/audit').query({ limit: String(LIMIT), ...query }).set('Cookie', cookie);
    expect(res.status).toBe(200);
    // One statement; a record lookup may take a second one (see audit-reader.ts).
    expect(captured.length).toBeGreaterThanOrEqual(1);
    expect(captured.length).toBeLessThanOrEqual(query.recordId ? 2 : 1);
    const plans = [];
    for (const { text, values } of captured) {
      const explained = await explainer.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
      plans.push((explained.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode; 'Execution Time': number }>)[0]);
    }
    const root = plans.at(-1)!.Plan; // the statement that answered
    const all = plans.flatMap((p) => nodes(p.Plan));
    const onTable = all.filter((n) => n['Relation Name'] === 'audit_events' || n['Index Name']?.startsWith('audit_events_'));
    return {
      body: res.body as { items: Array<Record<string, unknown>>; next: string | null },
      root,
      all,
      onTable,
      ms: plans.reduce((sum, p) => sum + p['Execution Time'], 0),
      // Index entries and heap rows the scans produced or threw away, over all their loops.
      rowsRead: onTable.reduce(
        (sum, n) => sum + (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) * n['Actual Loops'],
        0,
      ),
      buffers: plans.reduce((sum, p) => sum + p.Plan['Shared Hit Blocks'] + p.Plan['Shared Read Blocks'], 0),
      shape: all
        .filter((n) => n['Node Type'] !== 'Limit')
        .map((n) =>
          [
            n['Node Type'],
            n['Scan Direction'] === 'Backward' ? 'Backward' : '',
            n['Index Name'],
            n['Index Cond'] ? `[cond ${elide(n['Index Cond'])}]` : '',
            n.Filter ? `[filter ${elide(n.Filter)}]` : '',
          ]
            .filter(Boolean)
            .join(' '),
        )
        .join(' > '),
    };
  };

  const what = { record: 'read the newest events and those naming the record, not the trail', group: "read the two filters' groups, not the trail", page: 'read about a page of events' };
  const cases = CASES.map((c) => [c.name, what[c.bounded ?? 'page'], c] as const);
  it.each(cases)('%s: first page and a page after a cursor %s', async (_name, _what, c) => {
    // What a page may read beyond a page's worth: for a record, the newest events searched first,
    // then its own events (each counted twice: the GIN entry and the row); for two filters that
    // meet in a bitmap, the entries of both groups.
    const extra =
      c.bounded === 'record'
        ? RECENT_EVENTS + 2 * Number((await explainer.query('SELECT count(*) FROM audit_events WHERE record_ids @> ARRAY[$1::uuid]', [c.query.recordId.toLowerCase()])).rows[0].count)
        : c.bounded === 'group'
          ? [
              ...(await Promise.all([
                explainer.query('SELECT count(*) FROM audit_events WHERE user_id = $1', [c.query.userId]),
                explainer.query('SELECT count(*) FROM audit_events WHERE status = $1', [Number(c.query.status)]),
              ])).map((r) => Number(r.rows[0].count)),
            ].reduce((a, b) => a + b, 0)
          : c.query.recordId
            ? RECENT_EVENTS
            : 0;
    const first = await explainPage(c.query);
    let cursor = first.body.next;
    // A record in fewer events than a page: the cursor after its first event.
    if (!cursor) cursor = (await t.http().get('/api/audit').query({ limit: '1', ...c.query }).set('Cookie', cookie).expect(200)).body.next;
    expect(cursor).toBeTruthy();
    const second = await explainPage({ ...c.query, cursor: cursor! });

    for (const [page, p] of [['first', first], ['cursor', second]] as const) {
      measured.push({ case: c.name, page, plan: p.shape, rowsRead: p.rowsRead, buffers: p.buffers, returned: p.body.items.length, ms: p.ms });
      // The statement explained is the one that answered: the Limit returned the page and one more row when there is a next page.
      expect(p.root['Node Type']).toBe('Limit');
      expect(p.root['Actual Rows']).toBe(p.body.items.length + (p.body.next ? 1 : 0));
      // Never the whole trail.
      expect(p.onTable.length).toBeGreaterThan(0);
      expect(p.all.map((n) => n['Node Type'])).not.toContain('Seq Scan');
      expect(p.all.map((n) => n['Node Type'])).not.toContain('Parallel Seq Scan');
      expect(p.rowsRead).toBeLessThanOrEqual(MAX_ROWS_READ + extra);
      expect(p.buffers).toBeLessThanOrEqual(MAX_BUFFERS + extra);
    }
    // The answers are what was asked for.
    for (const item of [...first.body.items, ...second.body.items]) {
      if (c.query.userId) expect(item.userId).toBe(c.query.userId);
      if (c.query.resource) expect(item.resource).toBe(c.query.resource);
      if (c.query.operation) expect(item.operation).toBe(c.query.operation);
      if (c.query.status) expect(item.status).toBe(Number(c.query.status));
      if (c.query.recordId) expect(item.recordIds).toContain(c.query.recordId.toLowerCase());
      if (c.query.since) expect(Date.parse(item.at as string)).toBeGreaterThanOrEqual(Date.parse(c.query.since));
      if (c.query.until) expect(Date.parse(item.at as string)).toBeLessThan(Date.parse(c.query.until));
    }
  });
});
