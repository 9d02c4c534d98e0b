import { randomBytes } from 'node:crypto';
import signature from 'cookie-signature';
import { createTestApp, type TestApp } from './helpers/app.js';

const SECRET = randomBytes(32).toString('hex');
const COOKIE = 'rolegate_session';

/** A session cookie value as rolegate writes it, signed with `secret`. */
const sessionCookie = (session: object, secret = SECRET) =>
  `${COOKIE}=${encodeURIComponent(`s:${signature.sign(`j:${JSON.stringify(session)}`, secret)}`)}`;
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('AUTH_TYPE=cookie', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_TYPE: 'cookie', COOKIE_SECRET: SECRET });
  });
  afterAll(() => t.close());

  const login = async (sub: string) => {
    const res = await t.http().post('/auth/dev-login').send({ sub }).expect(200);
    return res.headers['set-cookie'] as unknown as string[];
  };

  it('signs in a demo user with a signed, HttpOnly, SameSite cookie', async () => {
    const res = await t.http().post('/auth/dev-login').send({ sub: 'carol' }).expect(200);
    expect(res.body).toMatchObject({ sub: 'carol', roles: ['sales'], region: 'EU', authType: 'cookie' });
    const [cookie] = res.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(/^rolegate_session=s%3A/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
  });

  it('answers /api/me for each demo user', async () => {
    for (const [sub, roles, region] of [
      ['alice', ['admin'], null],
      ['bob', ['manager'], 'EU'],
      ['dan', ['support'], 'NA'],
    ] as const) {
      const cookies = await login(sub);
      const me = await t.http().get('/api/me').set('Cookie', cookies).expect(200);
      expect(me.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        sub,
        name: expect.any(String),
        email: `${sub}@example.com`,
        roles,
        region,
        authType: 'cookie',
        clientId: null,
      });
    }
  });

  it('is 401 with a sign-in hint without a cookie, never a default user', async () => {
    const res = await t.http().get('/api/me').expect(401);
    expect(res.body.message).toMatch(/POST \/auth\/dev-login/);
    expect(res.headers['www-authenticate']).toMatch(/^Cookie realm="rolegate"/);
  });

  it('is 403 for a signed-in user without the role, 200 with it', async () => {
    await t.http().get('/api/users').set('Cookie', await login('carol')).expect(403);
    const res = await t.http().get('/api/users?sort=sub&limit=100').set('Cookie', await login('alice')).expect(200);
    expect(res.body.items.map((u: { sub: string }) => u.sub)).toEqual(
      expect.arrayContaining(['alice', 'bob', 'carol', 'dan', 'erin', 'frank']),
    );
  });

  it('refuses a tampered cookie', async () => {
    const [cookie] = await login('carol');
    const value = decodeURIComponent(cookie.split(';')[0].slice(COOKIE.length + 1));
    const tampered = value.replace('carol', 'alice');
    expect(tampered).not.toBe(value);
    const res = await t.http().get('/api/me').set('Cookie', `${COOKIE}=${encodeURIComponent(tampered)}`).expect(401);
    expect(res.body.message).toMatch(/session cookie is invalid/);
  });

  it('refuses an unsigned cookie and one signed with another secret', async () => {
    const unsigned = `${COOKIE}=${encodeURIComponent(`j:${JSON.stringify({ sub: 'alice', exp: inAnHour() })}`)}`;
    await t.http().get('/api/me').set('Cookie', unsigned).expect(401);
    await t.http().get('/api/me').set('Cookie', sessionCookie({ sub: 'alice', exp: inAnHour() }, 'x'.repeat(40))).expect(401);
  });

  it('accepts a cookie it signed itself, and refuses it once expired or malformed', async () => {
    await t.http().get('/api/me').set('Cookie', sessionCookie({ sub: 'erin', exp: inAnHour() })).expect(200);
    const expired = await t.http().get('/api/me').set('Cookie', sessionCookie({ sub: 'erin', exp: 1 })).expect(401);
    expect(expired.body.message).toMatch(/expired/);
    await t.http().get('/api/me').set('Cookie', sessionCookie({ sub: 42, exp: inAnHour() })).expect(401);
    await t.http().get('/api/me').set('Cookie', sessionCookie({ sub: 'nobody', exp: inAnHour() })).expect(401);
    await t.http().get('/api/me').set('Cookie', `${COOKIE}=%E0%A4%A`).expect(401);
  });

  it('signs out', async () => {
    const res = await t.http().post('/auth/logout').set('Cookie', await login('carol')).expect(204);
    expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(/^rolegate_session=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('ends the session on the server: a copy of the cookie kept from before sign-out is refused, other users and new sign-ins are not', async () => {
    const kept = await login('dan');
    const other = await login('erin');
    const elsewhere = await login('dan'); // another browser of the same user
    await t.http().get('/api/me').set('Cookie', kept).expect(200);
    await t.http().post('/auth/logout').set('Cookie', kept).expect(204);
    for (const cookie of [kept, elsewhere]) {
      const res = await t.http().get('/api/me').set('Cookie', cookie).expect(401);
      expect(res.body.message).toMatch(/signed out/);
    }
    await t.http().get('/api/me').set('Cookie', other).expect(200);
    await t.http().get('/api/me').set('Cookie', await login('dan')).expect(200);
    await t.http().post('/auth/logout').expect(204); // no session: nothing to end
  });

  it('rejects unknown users and malformed sign-in bodies with 400', async () => {
    const unknown = await t.http().post('/auth/dev-login').send({ sub: 'mallory' }).expect(400);
    expect(unknown.body.message).toMatch(/sub must be one of the demo users: alice, bob/);
    for (const body of [{}, { sub: 42 }, { sub: 'carol', admin: true }, { sub: '' }]) {
      const res = await t.http().post('/auth/dev-login').send(body).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/sub|admin/);
    }
    await t.http().post('/auth/dev-login').set('Content-Type', 'application/json').send('{"sub":').expect(400);
  });

  it('ignores bearer tokens in cookie mode', async () => {
    await t.http().get('/api/me').set('Authorization', 'Bearer abc.def.ghi').expect(401);
  });
});
