import { AUDIENCE, jwtLocalEnv, makeKey, mint, type TestKey } from './helpers/tokens.js';
import { createTestApp, type TestApp } from './helpers/app.js';

describe.each(['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'])('AUTH_TYPE=jwt_local with %s', (alg) => {
  let key: TestKey;
  let t: TestApp;
  beforeAll(async () => {
    key = await makeKey(alg);
    t = await createTestApp(jwtLocalEnv(key));
  });
  afterAll(() => t.close());

  it('answers /api/me for a good token, with roles and region from the token', async () => {
    const token = await mint(key, { sub: 'carol', roles: ['sales'], region: 'EU', name: 'Carol Sales' });
    const res = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toMatchObject({ sub: 'carol', roles: ['sales'], region: 'EU', authType: 'jwt_local' });
  });

  it('is 401 with a bare Bearer challenge without credentials', async () => {
    const res = await t.http().get('/api/me').expect(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="rolegate", resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource"',
    );
  });

  it('is 401 with error="invalid_token" for a token signed by another key', async () => {
    const other = await makeKey(alg);
    const res = await t.http().get('/api/me').set('Authorization', `Bearer ${await mint(other)}`).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="rolegate", error="invalid_token"/);
  });

  it('is 403 for a valid token without the needed role', async () => {
    const token = await mint(key, { sub: 'newcomer', roles: ['sales'] });
    await t.http().get('/api/users').set('Authorization', `Bearer ${token}`).expect(403);
    const admin = await mint(key, { sub: 'someone-else', roles: ['admin'] });
    await t.http().get('/api/users').set('Authorization', `Bearer ${admin}`).expect(200);
  });
});

describe('jwt_local token handling', () => {
  let key: TestKey;
  let t: TestApp;
  const me = (token: string, scheme = 'Bearer') => t.http().get('/api/me').set('Authorization', `${scheme} ${token}`);

  beforeAll(async () => {
    key = await makeKey('ES256');
    t = await createTestApp(
      jwtLocalEnv(key, {
        JWT_AUD: `urn:other,${AUDIENCE}`,
        JWT_ROLES_CLAIM: 'realm_access.roles',
        JWT_ROLE_MAP: 'Sales-EU=sales,Admins=admin',
        JWT_REGION_CLAIM: 'https://rolegate.test/region',
        JWT_CLOCK_TOLERANCE_SECONDS: '10',
      }),
    );
  });
  afterAll(() => t.close());

  it('reads roles from a dotted path and maps them, dropping unknown ones', async () => {
    const token = await mint(key, { sub: 'zoe', realm_access: { roles: ['Sales-EU', 'offline_access', 'Admins'] } });
    expect((await me(token).expect(200)).body.roles).toEqual(['admin', 'sales']);
  });

  it('reads the region from a namespaced claim', async () => {
    const token = await mint(key, { sub: 'zoe', 'https://rolegate.test/region': 'apac' });
    expect((await me(token).expect(200)).body.region).toBe('APAC');
  });

  it('gives no roles when the roles claim has another type', async () => {
    const token = await mint(key, { sub: 'zoe', realm_access: { roles: { admin: true } } });
    expect((await me(token).expect(200)).body.roles).toEqual([]);
  });

  it('accepts any of several audiences, including an audience array', async () => {
    await me(await mint(key, { aud: 'urn:other' })).expect(200);
    await me(await mint(key, { aud: ['urn:unrelated', AUDIENCE] })).expect(200);
  });

  it('treats the Bearer scheme case-insensitively', async () => {
    const token = await mint(key);
    await me(token, 'bearer').expect(200);
    await me(token, 'BEARER').expect(200);
  });

  it('allows the configured clock leeway and no more', async () => {
    const now = Math.floor(Date.now() / 1000);
    await me(await mint(key, { exp: now - 5 })).expect(200);
    await me(await mint(key, { exp: now - 30 })).expect(401);
    await me(await mint(key, { nbf: now + 5 })).expect(200);
    await me(await mint(key, { nbf: now + 60 })).expect(401);
  });

  it('ignores tokens in the query string', async () => {
    const token = await mint(key);
    await me(token).expect(200);
    await t.http().get(`/api/me?access_token=${token}`).expect(401);
  });

  it('refuses a token above 8 KiB before decoding it', async () => {
    const token = await mint(key, { padding: 'x'.repeat(9000) });
    const res = await me(token).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/error_description="token is larger than 8 KiB"/);
  });

  it('refuses other schemes as missing credentials', async () => {
    const res = await t.http().get('/api/me').set('Authorization', 'Basic YWxpY2U6c2VjcmV0').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="rolegate", resource_metadata=/);
  });

  it('answers 404 for the cookie sign-in endpoints', async () => {
    await t.http().post('/auth/dev-login').send({ sub: 'alice' }).expect(404);
    await t.http().post('/auth/logout').expect(404);
  });
});

describe('jwt_local protected resource metadata (RFC 9728)', () => {
  const metadataFor = async (issuer: string) => {
    const t = await createTestApp(jwtLocalEnv(await makeKey('ES256'), { JWT_ISS: issuer }));
    try {
      return await Promise.all(
        ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp'].map(async (path) => (await t.http().get(path).expect(200)).body),
      );
    } finally {
      await t.close();
    }
  };

  it('names no authorization server when JWT_ISS is not a URL (as `npm run keys` writes it)', async () => {
    for (const metadata of await metadataFor('rolegate-dev')) {
      expect(metadata).not.toHaveProperty('authorization_servers');
      expect(metadata).toMatchObject({ resource: expect.stringMatching(/^http:\/\/localhost:3000/), bearer_methods_supported: ['header'] });
    }
  });

  it('names JWT_ISS when it is an http(s) URL: the provider that signs with the key', async () => {
    for (const metadata of await metadataFor('http://localhost:4000')) expect(metadata.authorization_servers).toEqual(['http://localhost:4000']);
  });
});
