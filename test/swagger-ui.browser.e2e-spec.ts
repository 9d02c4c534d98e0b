import type { Browser, Page } from 'playwright-core';
import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { idsOf } from './helpers/databases.js';
import { browserAvailable, launchChromium, runOperation } from './helpers/browser.js';
import { jwtLocalEnv, makeKey, mint } from './helpers/tokens.js';

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

  it('signs in as carol from the page and lists only her deals', async () => {
    const login = await runOperation(page, 'operations-sign-in-devLogin', { body: '{"sub": "carol"}' });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ sub: 'carol', roles: ['sales'] });

    const deals = await runOperation(page, 'operations-deals-listDeals', { params: { limit: '100' } });
    expect(deals.status).toBe(200);
    const expected = await idsOf(db, "select d.id from deals d join users u on u.id = d.owner_id where u.sub = 'carol'");
    expect(deals.body.items.map((d: { id: string }) => d.id).sort()).toEqual(expected);
    expect(new Set(deals.body.items.map((d: { ownerId: string }) => d.ownerId))).toEqual(new Set([login.body.id]));
  });

  it('signs in as dan and sees 403 for deals', async () => {
    const login = await runOperation(page, 'operations-sign-in-devLogin', { body: '{"sub": "dan"}' });
    expect(login.status).toBe(200);
    const deals = await runOperation(page, 'operations-deals-listDeals');
    expect(deals.status).toBe(403);
    expect(deals.body.message).toMatch(/Requires one of the roles/);
  });
});

(browserAvailable() ? describe : describe.skip)('Swagger UI at /docs in Chromium (jwt_local mode)', () => {
  it('takes a bearer token in Authorize and calls the API with it', async () => {
    const key = await makeKey('ES256');
    const t = await createTestApp(jwtLocalEnv(key));
    const browser = await launchChromium();
    try {
      await t.app.listen(0, '127.0.0.1');
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${(await t.app.getUrl()).replace('[::1]', '127.0.0.1')}/docs`);
      await page.waitForSelector('#operations-me-whoAmI');
      expect((await runOperation(page, 'operations-me-whoAmI')).status).toBe(401);

      await page.locator('.auth-wrapper button.authorize').click();
      await page.locator('.modal-ux input[type=text]').fill(await mint(key, { sub: 'erin', roles: ['auditor'] }));
      await page.locator('.modal-ux button.modal-btn.authorize').click();
      await page.locator('.modal-ux button.btn-done').click();

      const me = await runOperation(page, 'operations-me-whoAmI');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ sub: 'erin', roles: ['auditor'], authType: 'jwt_local' });
    } finally {
      await browser.close();
      await t.close();
    }
  });
});
