import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { browserAvailable, launchChromium } from './helpers/browser.js';

/**
 * Swagger UI in a real headless Chromium: sign in as a demo user from the page, run
 * listDeals, and read from the page what came back.
 */
(browserAvailable() ? describe : describe.skip)('Swagger UI at /docs in Chromium (cookie mode)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let base: string;
  let db: Database;

  beforeAll(async () => {
    t = await createTestApp({ AUTH_TYPE: 'cookie' });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    db = t.app.get<Database>(DATABASE);
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/docs`);
    await page.waitForSelector('#operations-deals-listDeals');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Opens an operation, presses "Try it out", fills what is given, executes, and returns status and body. */
  async function run(operation: string, fill: { body?: string; params?: Record<string, string> } = {}) {
    const block = page.locator(`#${operation}`);
    if (!(await block.locator('.opblock-body').isVisible())) await block.locator('.opblock-summary').first().click();
    const tryOut = block.getByRole('button', { name: 'Try it out' });
    if (await tryOut.count()) await tryOut.click();
    if (fill.body !== undefined) await block.locator('textarea.body-param__text').fill(fill.body);
    for (const [name, value] of Object.entries(fill.params ?? {})) {
      await block.locator(`tr[data-param-name="${name}"] input`).fill(value);
    }
    const clear = block.getByRole('button', { name: 'Clear' });
    if (await clear.count()) await clear.click();
    await block.locator('button.execute').click();
    const row = block.locator('.live-responses-table tbody tr.response').first();
    await row.waitFor();
    const status = Number((await row.locator('td.response-col_status').textContent())?.trim());
    const text = (await row.locator('td.response-col_description pre.microlight').first().textContent()) ?? '';
    return { status, body: text ? JSON.parse(text) : undefined };
  }

  it('signs in as carol from the page and lists only her deals', async () => {
    const login = await run('operations-sign-in-devLogin', { body: '{"sub": "carol"}' });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ sub: 'carol', roles: ['sales'] });

    const deals = await run('operations-deals-listDeals', { params: { limit: '100' } });
    expect(deals.status).toBe(200);
    const expected = ((await db.execute(sql`select d.id from deals d join users u on u.id = d.owner_id where u.sub = 'carol'`)) as unknown as {
      rows: Array<{ id: string }>;
    }).rows.map((r) => r.id);
    expect(deals.body.items.map((d: { id: string }) => d.id).sort()).toEqual(expected.sort());
    expect(new Set(deals.body.items.map((d: { ownerId: string }) => d.ownerId))).toEqual(new Set([login.body.id]));
  });

  it('signs in as dan and sees 403 for deals', async () => {
    const login = await run('operations-sign-in-devLogin', { body: '{"sub": "dan"}' });
    expect(login.status).toBe(200);
    const deals = await run('operations-deals-listDeals');
    expect(deals.status).toBe(403);
    expect(deals.body.message).toMatch(/Requires one of the roles/);
  });
});
