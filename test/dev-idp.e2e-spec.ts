import { decodeJwt, decodeProtectedHeader } from 'jose';
import { sql } from 'drizzle-orm';
import { DevIdp } from '../idp/dev-idp.ts';
import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { FakeClock } from './helpers/clock.js';
import { authorize, tokenRequest } from './helpers/oauth-flow.js';
import { idsOf } from './helpers/databases.js';
import { freePort } from './helpers/ports.js';

const AUDIENCE = 'https://api.rolegate.test';
const GPT = { id: 'gpt-client', secret: 'gpt-secret-0123456789' };
const CALLBACK = 'https://chatgpt.com/aip/g-0a1b2c3d4e/oauth/callback';

/**
 * The whole GPT Action sign-in against the development OpenID provider, over real HTTP:
 * sign in, exchange the code, call rolegate in jwt_oidc mode, refresh, rotate keys.
 */
describe('development OpenID provider with rolegate in jwt_oidc mode', () => {
  let idp: DevIdp;
  let issuer: string;
  let t: TestApp;
  let db: Database;
  /** rolegate's and the provider's time: moved past the JWKS cooldown and the key grace period. */
  const clock = new FakeClock();

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    idp = new DevIdp({ issuer, port, audience: AUDIENCE, gptClient: GPT, password: 'secret-pass', keyGraceSeconds: 4, clock });
    await idp.listen();
    t = await createTestApp({ AUTH_TYPE: 'jwt_oidc', JWT_ISS: issuer, JWT_AUD: AUDIENCE, JWKS_COOLDOWN_SECONDS: '1', OIDC_TIMEOUT_MS: '2000' }, { clock });
    db = t.app.get<Database>(DATABASE);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  const signIn = async (login: string, method: 'post' | 'basic' = 'post') => {
    const { code } = await authorize({ issuer, clientId: GPT.id, redirectUri: CALLBACK, login, password: 'secret-pass' });
    const res = await tokenRequest(issuer, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK }, { ...GPT, method });
    expect(res.status).toBe(200);
    return res.body;
  };
  const api = (token: string, path: string) => t.http().get(path).set('Authorization', `Bearer ${token}`);

  it.each(['post', 'basic'] as const)('signs carol in (client_secret_%s), serves only her data, and refreshes', async (method) => {
    const tokens = await signIn('carol', method);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(decodeJwt(tokens.access_token)).toMatchObject({ iss: issuer, aud: AUDIENCE, sub: 'carol', roles: ['sales'], region: 'EU' });

    const me = await api(tokens.access_token, '/api/me').expect(200);
    expect(me.body).toMatchObject({ sub: 'carol', roles: ['sales'], region: 'EU', authType: 'jwt_oidc' });
    const deals = await api(tokens.access_token, '/api/deals?limit=100').expect(200);
    const expected = await idsOf(db, sql`select d.id from deals d join users u on u.id = d.owner_id where u.sub = 'carol'`);
    expect(deals.body.items.map((d: { id: string }) => d.id).sort()).toEqual(expected);

    const other = method === 'post' ? 'basic' : 'post';
    const refreshed = await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { ...GPT, method: other });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(tokens.access_token);
    expect((await api(refreshed.body.access_token, '/api/me').expect(200)).body.sub).toBe('carol');
  });

  it('says offline_access in the scope of every response with a refresh token, and rotates refresh tokens at each use', async () => {
    const first = await signIn('erin');
    expect(first.refresh_token).toEqual(expect.any(String));
    expect(first.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    const refresh = (refreshToken: string) => tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: refreshToken }, { ...GPT, method: 'post' });

    const second = await refresh(first.refresh_token!);
    expect([second.status, second.body.error]).toEqual([200, undefined]);
    expect(second.body.refresh_token).toEqual(expect.any(String));
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.scope?.split(' ')).toContain('offline_access');
    const third = await refresh(second.body.refresh_token!); // the new one works
    expect([third.status, third.body.error]).toEqual([200, undefined]);
    await api(third.body.access_token, '/api/me').expect(200);

    // The old one is spent; sent again (as a thief would), it also ends the grant: the newest token stops working too.
    const replayed = await refresh(first.refresh_token!);
    expect([replayed.status, replayed.body.error]).toEqual([400, 'invalid_grant']);
    expect((await refresh(third.body.refresh_token!)).body.error).toBe('invalid_grant');
  });

  it('gives dan 403 on deals', async () => {
    const tokens = await signIn('dan');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'dan', roles: ['support'], region: 'NA' });
    await api(tokens.access_token, '/api/deals').expect(403);
    await api(tokens.access_token, '/api/tickets').expect(200);
  });

  it('accepts both ChatGPT callback hosts for any GPT id, and nothing else', async () => {
    for (const redirectUri of ['https://chat.openai.com/aip/g-xyz987/oauth/callback', 'https://chatgpt.com/aip/g-abc/oauth/callback']) {
      const { code } = await authorize({ issuer, clientId: GPT.id, redirectUri, login: 'erin', password: 'secret-pass' });
      expect(code).toEqual(expect.any(String));
    }
    for (const redirectUri of ['https://evil.example/aip/g-1/oauth/callback', 'https://chatgpt.com/aip/g-1/x/../oauth/callback', 'https://chatgpt.com.evil.example/aip/g-1/oauth/callback']) {
      await expect(authorize({ issuer, clientId: GPT.id, redirectUri, login: 'erin', password: 'secret-pass' })).rejects.toThrow(/no sign-in page/);
    }
  });

  it('refuses a wrong password and a wrong client secret', async () => {
    await expect(authorize({ issuer, clientId: GPT.id, redirectUri: CALLBACK, login: 'carol', password: 'nope' })).rejects.toThrow(/did not redirect back \(status 401\)/);
    const { code } = await authorize({ issuer, clientId: GPT.id, redirectUri: CALLBACK, login: 'carol', password: 'secret-pass' });
    for (const method of ['post', 'basic'] as const) {
      const res = await tokenRequest(issuer, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK }, { id: GPT.id, secret: 'wrong', method });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    }
    // RFC 7617: the secret is everything after the first colon, so a suffix makes it wrong.
    const suffixed = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${GPT.id}:${GPT.secret}:extra`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }).toString(),
    });
    expect([suffixed.status, ((await suffixed.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
  });

  it('rotates its signing key while rolegate runs: one JWKS fetch for the new key, old tokens work during the grace period', async () => {
    const before = await signIn('bob');
    await api(before.access_token, '/api/me').expect(200);
    const oldKid = decodeProtectedHeader(before.access_token).kid;

    const rotated = idp.rotateKeys();
    expect(rotated.published).toEqual([rotated.kid, oldKid]);
    clock.advance(1000); // rolegate's JWKS cooldown in this test
    const fetches = idp.jwksRequests;
    const refresh = await tokenRequest(issuer, { grant_type: "refresh_token", refresh_token: before.refresh_token! }, { ...GPT, method: "post" });
    expect([refresh.status, refresh.body.error]).toEqual([200, undefined]);
    const after = refresh.body;
    expect(decodeProtectedHeader(after.access_token).kid).toBe(rotated.kid);

    const results = await Promise.all(Array.from({ length: 5 }, () => api(after.access_token, '/api/me')));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(idp.jwksRequests).toBe(fetches + 1);
    await api(before.access_token, '/api/me').expect(200);

    clock.advance(2999); // the grace period (4 s) has not ended yet
    expect(idp.publishedKids).toEqual([rotated.kid, oldKid]);
    clock.advance(1); // now it has: the old key is no longer published
    expect(idp.publishedKids).toEqual([rotated.kid]);
    const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotated.kid]);
  });
});
