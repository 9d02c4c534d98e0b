import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { pgliteDataDir } from './helpers/databases.js';

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

/**
 * Upgrading a database that holds data: the state before the exact-access migration
 * (0003), with rows changed by hand so a ticket and a deal disagree with their customer's
 * region, migrates to the current schema with every copy made equal.
 */
describe('upgrading a database with data to the current migrations', () => {
  let older: string;
  let client: PGlite;
  let data: ReturnType<typeof pgliteDataDir>;

  beforeAll(async () => {
    older = mkdtempSync(join(tmpdir(), 'rolegate-migrations-'));
    cpSync(MIGRATIONS, older, { recursive: true });
    const journalPath = join(older, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
    journal.entries = journal.entries.filter((e) => e.tag < '0003');
    writeFileSync(journalPath, JSON.stringify(journal));
    data = pgliteDataDir('new');
    client = new PGlite(data.dataDir);
    await migrate(drizzle(client), { migrationsFolder: older });
    await client.exec(`
      insert into users (sub, roles, region) values ('carol', '{sales}', 'EU'), ('frank', '{sales}', 'NA'), ('kim', '{support}', 'EU');
      insert into customers (name, region, owner_id, industry, annual_revenue, contact_email, contact_phone)
        select 'Acme', 'EU', id, 'Retail', 1, 'a@acme.example', '1' from users where sub = 'carol';
      insert into deals (customer_id, title, stage, amount, currency, owner_id, region, close_date)
        select c.id, 'Deal', 'won', 10, 'EUR', c.owner_id, 'NA', '2027-01-01' from customers c;
      insert into tickets (customer_id, subject, status, priority, assignee_id, requester_email, region)
        select c.id, 'Help', 'open', 'low', (select id from users where sub = 'kim'), 'r@acme.example', 'APAC' from customers c;
    `);
  });
  afterAll(async () => {
    await client?.close();
    data?.remove();
    rmSync(older, { recursive: true, force: true });
  });

  it('backfills the copies from the customer, adds the new columns and keeps owner and assignee checks deferred', async () => {
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
    const { rows } = await client.query<Record<string, unknown>>(`
      select d.region as deal_region, t.region as ticket_region, t.customer_owner_id = c.owner_id as owner_copied,
             (select token_roles from users where sub = 'carol') as token_roles
      from customers c join deals d on d.customer_id = c.id join tickets t on t.customer_id = c.id`);
    expect(rows).toEqual([{ deal_region: 'EU', ticket_region: 'EU', owner_copied: true, token_roles: [] }]);
    const deferred = await client.query<{ conname: string }>(`select conname from pg_constraint where condeferrable and condeferred order by conname`);
    expect(deferred.rows.map((r) => r.conname)).toEqual(['customers_owner_id_users_id_fk', 'deals_owner_id_users_id_fk', 'tickets_assignee_id_users_id_fk']);
    // the copies now follow the customer
    await client.exec(`update customers set region = 'NA'`);
    const moved = await client.query<{ region: string }>(`select region from deals union all select region from tickets`);
    expect(moved.rows).toEqual([{ region: 'NA' }, { region: 'NA' }]);
  });
});
