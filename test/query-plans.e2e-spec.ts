import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Database } from '../src/database/database.client.js';
import { openDatabase } from '../src/database/database.client.js';
import { generateData } from '../src/database/seed.js';
import type { Principal } from '../src/auth/principal.js';
import { CustomersService } from '../src/customers/customers.service.js';
import { DealsService } from '../src/deals/deals.service.js';
import { TicketsService } from '../src/tickets/tickets.service.js';
import * as schema from '../src/database/schema.js';
import { freshDatabase, postgresUrl, type TestDatabase } from './helpers/databases.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/**
 * On a large PostgreSQL database, the queries the services really run for a scoped page
 * use an index on the scoped table, never a sequential scan of it.
 */
(postgresUrl ? describe : describe.skip)('query plans of scoped lists on PostgreSQL (300,000 deals)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  const captured: Array<{ query: string; params: unknown[] }> = [];
  let db: Database;
  const principals: Record<string, Principal> = {};

  beforeAll(async () => {
    database = await freshDatabase('postgres', false);
    const handle = await openDatabase({ url: database.env.DATABASE_URL, dataDir: '', seedDemoData: false });
    await generateData(handle.db, { customers: 30_000, dealsPerCustomer: 10, ticketsPerCustomer: 3 });
    await handle.close();
    pool = new pg.Pool({ connectionString: database.env.DATABASE_URL, max: 2 });
    db = drizzle(pool, { schema, logger: { logQuery: (query, params) => captured.push({ query, params }) } }) as unknown as Database;
    const users = await pool.query('select id, sub, roles, region from users');
    for (const u of users.rows) {
      principals[u.sub] = { id: u.id, sub: u.sub, name: null, email: null, roles: u.roles, region: u.region, authType: 'cookie' };
    }
  }, 300_000);
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  const planOf = async (run: () => Promise<unknown>) => {
    captured.length = 0;
    await run();
    const [{ query, params }] = captured;
    const res = await pool.query(`explain (format json) ${query}`, params);
    return nodes((res.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan);
  };

  const cases: Array<[string, string, string, (db: Database, p: Principal) => Promise<unknown>]> = [
    ['carol (sales: own deals)', 'carol', 'deals', (d, p) => new DealsService(d).list(p, { limit: 20, sort: '-createdAt' })],
    ['bob (manager: region deals)', 'bob', 'deals', (d, p) => new DealsService(d).list(p, { limit: 20, sort: '-createdAt' })],
    ['bob, second page', 'bob', 'deals', async (d, p) => {
      const first = await new DealsService(d).list(p, { limit: 20, sort: '-createdAt' });
      captured.length = 0;
      return new DealsService(d).list(p, { limit: 20, sort: '-createdAt', cursor: first.next! });
    }],
    ['alice (admin: all deals)', 'alice', 'deals', (d, p) => new DealsService(d).list(p, { limit: 20, sort: '-createdAt' })],
    ['frank (sales: own customers)', 'frank', 'customers', (d, p) => new CustomersService(d).list(p, { limit: 20, sort: '-createdAt' })],
    ['dan (support: region tickets)', 'dan', 'tickets', (d, p) => new TicketsService(d).list(p, { limit: 20, sort: '-createdAt' })],
  ];

  it.each(cases)('%s: index scan, no sequential scan', async (_name, sub, table, run) => {
    const plan = await planOf(() => run(db, principals[sub]));
    const onTable = plan.filter((n) => n['Relation Name'] === table);
    expect(onTable.length).toBeGreaterThan(0);
    expect(onTable.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    expect(onTable.every((n) => /Index/.test(n['Node Type']) && n['Index Name']?.startsWith(`${table}_`))).toBe(true);
  });
});
