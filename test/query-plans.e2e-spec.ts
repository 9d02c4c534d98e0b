import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { AnyResource } from '../src/access/resource.js';
import { ScopedTable } from '../src/access/scoped-table.js';
import type { AppRole } from '../src/access/roles.js';
import type { Principal } from '../src/auth/principal.js';
import { principal } from './helpers/principal.js';
import { customerResource } from '../src/customers/customer.resource.js';
import type { Database } from '../src/database/database.client.js';
import { openDatabase } from '../src/database/database.client.js';
import * as schema from '../src/database/schema.js';
import { generateData } from '../src/database/seed.js';
import { dealResource } from '../src/deals/deal.resource.js';
import { ticketResource } from '../src/tickets/ticket.resource.js';
import { userResource } from '../src/users/user.resource.js';
import { bulkLoad, databaseFromTemplate, describeOnPostgres, type TestDatabase } from './helpers/databases.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/** A demo user holding exactly this one role. */
const USER_OF: Record<AppRole, string> = { admin: 'alice', manager: 'bob', sales: 'carol', support: 'dan', auditor: 'erin' };
const RESOURCES: AnyResource[] = [customerResource, dealResource, ticketResource, userResource];

/**
 * Every sort a list offers, for every role that may read it, first page and a later one,
 * in both directions: on 300,000 rows per table, the statement the app really runs reads
 * the page in index order (an index on the row rule's column, the sort column and id). A
 * Sort node would mean sorting the caller's whole scope for each page; a sequential scan,
 * reading the whole table.
 */
describeOnPostgres('query plans of every scoped list and sort on PostgreSQL (300,000 rows per table)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  const captured: Array<{ query: string; params: unknown[] }> = [];
  let db: Database;
  const principals: Record<string, Principal> = {};

  beforeAll(async () => {
    const ROWS = 300_000;
    const moreUsers = sql`insert into users (sub, created_at) select 'generated-' || g, timestamptz '2020-01-01' + g * interval '1 second' from generate_series(1, ${ROWS}::int) g`;
    // Generated once and kept as a template until the migrations, the generator or this suite change.
    database = await databaseFromTemplate('query_plans', [readFileSync(import.meta.filename, 'utf8')], async (url) => {
      await (await openDatabase({ url, dataDir: '', seedDemoData: false })).close(); // the migrations
      await bulkLoad(url, ['customers', 'deals', 'tickets', 'users'], async (client) => {
        const loader = drizzle(client) as unknown as Database;
        await generateData(loader, { customers: ROWS, dealsPerCustomer: 1, ticketsPerCustomer: 1 });
        await loader.execute(moreUsers);
      });
      // Left as analyzed: no autovacuum in the idle template changes what the planner sees.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const table of ['customers', 'deals', 'tickets', 'users']) await client.query(`alter table ${table} set (autovacuum_enabled = false)`);
      await client.end();
    });
    pool = new pg.Pool({ connectionString: database.env.DATABASE_URL, max: 2 });
    // pg's advice: a pool needs an 'error' listener, or an idle connection the server ends
    // (seen once here, 57P01, after every test of the suite had passed) crashes the worker.
    pool.on('error', (err) => console.warn(`query-plans: an idle connection ended: ${err.message}`));
    db = drizzle(pool, { schema, logger: { logQuery: (query, params) => captured.push({ query, params }) } }) as unknown as Database;
    const users = await pool.query("select id, sub, roles, region from users where sub not like 'generated-%'");
    for (const u of users.rows) {
      principals[u.sub] = principal({ id: u.id, sub: u.sub, roles: u.roles, region: u.region });
    }
  }, 300_000);
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  const planOf = async (run: () => Promise<unknown>) => {
    captured.length = 0;
    await run();
    const { query, params } = captured.at(-1)!;
    const res = await pool.query(`explain (format json) ${query}`, params);
    return nodes((res.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan);
  };

  const cases = RESOURCES.flatMap((resource) =>
    resource.readers.flatMap((role) =>
      Object.keys(resource.spec.sorts).flatMap((sort) => [sort, `-${sort}`].map((order) => [resource.name, role, order, resource] as const)),
    ),
  );

  it.each(cases)('%s, %s, sort=%s: read in index order on page 1 and page 2', async (_name, role, sort, resource) => {
    const table = new ScopedTable(db, resource);
    const user = principals[USER_OF[role]];
    const first = await table.list(user, { limit: 20, sort });
    expect(first.next).not.toBeNull();
    for (const cursor of [undefined, first.next!]) {
      const plan = await planOf(() => table.list(user, { limit: 20, sort, cursor }));
      const tableName = (resource.table as unknown as Record<symbol, string>)[Symbol.for('drizzle:Name')];
      const onTable = plan.filter((n) => n['Relation Name'] === tableName);
      expect(onTable.length).toBeGreaterThan(0);
      // Limit over one index scan in order; no Sort, no Bitmap scan (which loses the order), no Seq Scan.
      expect(plan.map((n) => n['Node Type'])).not.toContain('Sort');
      expect(plan.map((n) => n['Node Type'])).not.toContain('Incremental Sort');
      expect(onTable.map((n) => `${n['Node Type']} ${n['Index Name']}`).join()).toMatch(new RegExp(`^(Index (Only )?Scan( Backward)? ${tableName}_\\w+,?)+$`));
    }
  });
});
