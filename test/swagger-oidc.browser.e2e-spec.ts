import { DevIdp } from '../idp/dev-idp.ts';
import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { createTestApp } from './helpers/app.js';
import { idsOf } from './helpers/databases.js';
import { browserAvailable, launchChromium, runOperation } from './helpers/browser.js';
import { freePort } from './helpers/ports.js';

/**
 * Swagger UI in jwt_oidc mode, in a real browser: Authorize runs the authorization code
 * flow with PKCE through the development provider's sign-in and consent pages, as bob.
 */
(browserAvailable() ? describe : describe.skip)('Swagger UI sign-in through the development OpenID provider', () => {
  it('signs bob in from /docs and lists only EU customers', async () => {
    const [idpPort, apiPort] = [await freePort(), await freePort()];
    const issuer = `http://127.0.0.1:${idpPort}`;
    const api = `http://127.0.0.1:${apiPort}`;
    const idp = new DevIdp({
      issuer,
      port: idpPort,
      audience: api,
      swaggerClient: { id: 'swagger-ui', redirectUri: `${api}/docs/oauth2-redirect.html` },
    });
    await idp.listen();
    const t = await createTestApp({
      AUTH_TYPE: 'jwt_oidc',
      JWT_ISS: issuer,
      JWT_AUD: api,
      PUBLIC_URL: api,
      SWAGGER_OAUTH_CLIENT_ID: 'swagger-ui',
    });
    const browser = await launchChromium();
    try {
      await t.app.listen(apiPort, '127.0.0.1');
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${api}/docs`);
      await page.waitForSelector('#operations-customers-listCustomers');

      await page.locator('.auth-wrapper button.authorize').click();
      const [popup] = await Promise.all([context.waitForEvent('page'), page.locator('.modal-ux button.modal-btn.authorize').click()]);
      await popup.waitForSelector('form input[name=login]');
      await popup.fill('input[name=login]', 'bob');
      await popup.fill('input[name=password]', 'demo');
      await popup.click('button[type=submit]');
      // The first time Swagger UI asks for bob's tokens, the provider asks him.
      await popup.getByRole('button', { name: 'Allow' }).click();
      // Back from the provider, Swagger UI exchanges the code (with the PKCE verifier) and shows Logout.
      await page.locator('.modal-ux button', { hasText: 'Logout' }).waitFor();
      await page.locator('.modal-ux button.btn-done').click();

      const me = await runOperation(page, 'operations-me-whoAmI');
      expect(me.body).toMatchObject({ sub: 'bob', roles: ['manager'], region: 'EU', authType: 'jwt_oidc' });
      const customers = await runOperation(page, 'operations-customers-listCustomers', { params: { limit: '100' } });
      expect(customers.status).toBe(200);
      const expected = await idsOf(t.app.get<Database>(DATABASE), "select id from customers where region = 'EU'");
      expect(customers.body.items.map((c: { id: string }) => c.id).sort()).toEqual(expected);
      expect(new Set(customers.body.items.map((c: { region: string }) => c.region))).toEqual(new Set(['EU']));
    } finally {
      await browser.close();
      await t.close();
      await idp.close();
    }
  });
});
