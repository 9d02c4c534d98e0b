import { count, sql } from 'drizzle-orm';
import { REGIONS } from '../access/roles.js';
import type { Database } from './database.client.js';
import { DATA_OWNERS, DEMO_USERS } from './demo-users.js';
import { customers, DEAL_STAGES, deals, TICKET_PRIORITIES, TICKET_STATUSES, tickets, users } from './schema.js';

const COMPANIES = [
  'Aurora Foods', 'Baltic Freight', 'Cobalt Labs', 'Delta Textiles', 'Elbe Energy', 'Fjord Analytics', 'Garonne Wines', 'Helix Pharma',
  'Iron Peak Mining', 'Juniper Health', 'Keystone Retail', 'Lakeshore Bank', 'Maple Robotics', 'Northwind Air', 'Orchard Logistics', 'Prairie Solar',
  'Quartz Semicon', 'Red River Steel', 'Sakura Devices', 'Tasman Shipping', 'Umami Kitchens', 'Vantage Telecom', 'Wattle Insurance', 'Yangtze Motors',
];
const INDUSTRIES = ['Food', 'Logistics', 'Biotech', 'Manufacturing', 'Energy', 'Software', 'Retail', 'Finance'];
const CURRENCY = { EU: 'EUR', NA: 'USD', APAC: 'SGD' } as const;
const REPS = { EU: ['carol', 'henry'], NA: ['frank', 'ivan'], APAC: ['grace', 'grace'] } as const;
const AGENTS = { EU: ['kim', null], NA: ['dan', null, 'judy'], APAC: [null] } as const;
const START = Date.parse('2026-01-05T09:00:00Z');
const HOUR = 3_600_000;
const slug = (s: string) => s.toLowerCase().replace(/[^a-z]+/g, '');

/** The demo users and their colleagues; existing users are left as they are. */
export async function seedUsers(db: Database): Promise<void> {
  await db
    .insert(users)
    .values([...DEMO_USERS, ...DATA_OWNERS].map(({ sub, name, email, roles, region }) => ({ sub, name, email, roles, region })))
    .onConflictDoNothing({ target: users.sub });
}

/**
 * A small CRM where every row and field rule shows: 24 customers across EU, NA and APAC
 * owned by two reps per region, three deals each (one owned by the other rep, so "deals
 * they own" differs from "deals of customers they own"), two tickets each, assigned to
 * dan, to other agents, or to nobody. The same every time; loaded only into an empty database.
 */
export async function seedDemoData(db: Database): Promise<void> {
  await seedUsers(db);
  const [{ n }] = await db.select({ n: count() }).from(customers);
  if (n > 0) return;
  const ids = Object.fromEntries((await db.select({ id: users.id, sub: users.sub }).from(users)).map((u) => [u.sub, u.id]));
  await db.transaction(async (tx) => {
    for (const [i, name] of COMPANIES.entries()) {
      const region = REGIONS[i % 3];
      const reps = REPS[region];
      const owner = reps[Math.floor(i / 3) % 2];
      const other = reps[(Math.floor(i / 3) + 1) % 2];
      const [customer] = await tx
        .insert(customers)
        .values({
          name,
          region,
          ownerId: ids[owner],
          industry: INDUSTRIES[i % INDUSTRIES.length],
          annualRevenue: 1_000_000 * (((i * 37) % 90) + 5),
          contactEmail: `contact@${slug(name)}.example`,
          contactPhone: `+1-555-01${String(i).padStart(2, '0')}`,
          createdAt: new Date(START + i * 3 * HOUR),
        })
        .returning({ id: customers.id });
      await tx.insert(deals).values(
        [0, 1, 2].map((k) => ({
          customerId: customer.id,
          title: `${name}: ${['Platform licence', 'Support renewal', 'Expansion'][k]}`,
          stage: DEAL_STAGES[(i + k) % DEAL_STAGES.length],
          amount: 5000 * (((i * 7 + k * 11) % 40) + 1),
          currency: CURRENCY[region],
          ownerId: ids[k === 2 ? other : owner],
          region,
          closeDate: new Date(START + (i * 9 + k * 30) * 24 * HOUR).toISOString().slice(0, 10),
          createdAt: new Date(START + (i * 3 + k) * HOUR + 60_000),
        })),
      );
      const agents = AGENTS[region];
      await tx.insert(tickets).values(
        [0, 1].map((k) => {
          const agent = agents[(Math.floor(i / 3) + k) % agents.length];
          return {
            customerId: customer.id,
            subject: `${['Cannot export report', 'Invoice question', 'Login fails', 'Slow dashboard'][(i + k) % 4]} (${name})`,
            status: TICKET_STATUSES[(i + k) % TICKET_STATUSES.length],
            priority: TICKET_PRIORITIES[(i * 2 + k) % TICKET_PRIORITIES.length],
            assigneeId: agent ? ids[agent] : null,
            requesterEmail: `user${k + 1}@${slug(name)}.example`,
            region,
            customerOwnerId: ids[owner],
            createdAt: new Date(START + (i * 3 + k) * HOUR + 120_000),
          };
        }),
      );
    }
  });
}

export interface GenerateOptions {
  customers: number;
  dealsPerCustomer: number;
  ticketsPerCustomer: number;
  onProgress?: (done: number) => void;
}

/**
 * Fills the database with synthetic customers, deals and tickets for benchmarks, in
 * chunks of set-based INSERT ... SELECT statements run by the database itself (a
 * million deals take well under a minute on PostgreSQL). Rows are spread over the
 * regions and over the sales reps and support agents of each region.
 */
export async function generateData(db: Database, opts: GenerateOptions): Promise<void> {
  await seedUsers(db);
  const chunk = Math.max(1, Math.floor(100_000 / Math.max(1, opts.dealsPerCustomer)));
  const [{ n: base }] = await db.select({ n: count() }).from(customers);
  for (let done = 0; done < opts.customers; done += chunk) {
    const from = base + done + 1;
    const to = base + Math.min(opts.customers, done + chunk);
    await db.execute(sql`
      with staff as (
        select region,
               array_agg(id order by sub) filter (where 'sales' = any(roles)) as reps,
               array_agg(id order by sub) filter (where 'support' = any(roles)) as agents
        from users where region is not null group by region
      ),
      new_customers as (
        insert into customers (name, region, owner_id, industry, annual_revenue, contact_email, contact_phone, created_at)
        select 'Customer ' || g, s.region, s.reps[1 + (g / 3) % cardinality(s.reps)],
               (array['Food','Logistics','Biotech','Manufacturing','Energy','Software','Retail','Finance'])[1 + g % 8],
               100000 + (g::bigint * 7919) % 90000000, 'contact' || g || '@customer.example', '+1-555-' || lpad((g % 10000)::text, 4, '0'),
               timestamptz '2020-01-01' + g * interval '1 minute'
        from generate_series(${from}::int, ${to}::int) g
        join staff s on s.region = (array['EU','NA','APAC'])[1 + g % 3]
        returning id, name, region, owner_id, created_at
      ),
      new_deals as (
        insert into deals (customer_id, title, stage, amount, currency, owner_id, region, close_date, created_at)
        select c.id, c.name || ' deal ' || k,
               (array['prospect','qualified','proposal','negotiation','won','lost'])[1 + (k + length(c.name)) % 6],
               (1000 + (k * 7717 + length(c.name) * 131) % 250000)::numeric,
               case c.region when 'EU' then 'EUR' when 'NA' then 'USD' else 'SGD' end,
               c.owner_id, c.region, date '2026-01-01' + (k * 37) % 365, c.created_at + k * interval '1 second'
        from new_customers c cross join generate_series(1, ${opts.dealsPerCustomer}::int) k
        returning 1
      )
      insert into tickets (customer_id, subject, status, priority, assignee_id, requester_email, region, customer_owner_id, created_at)
      select c.id, 'Ticket ' || t || ' for ' || c.name,
             (array['open','pending','closed'])[1 + t % 3], (array['low','normal','high','urgent'])[1 + (t + length(c.name)) % 4],
             s.agents[1 + (t + length(c.name)) % (coalesce(cardinality(s.agents), 0) + 1)],
             'requester' || t || '@customer.example', c.region, c.owner_id, c.created_at + t * interval '2 seconds'
      from new_customers c join staff s on s.region = c.region
      cross join generate_series(1, ${opts.ticketsPerCustomer}::int) t
    `);
    opts.onProgress?.(to - base);
  }
  await db.execute(sql`analyze`);
}
