import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { FakeClock } from './helpers/clock.js';
import { eventually } from './helpers/eventually.js';
import { TestIssuer } from './helpers/oidc-issuer.js';
import { AUDIENCE, makeKey, mint, type TestKey } from './helpers/tokens.js';

/** OIDC_TIMEOUT_MS: generous (a busy machine must not time out), 1 s where a test waits one out. */
const oidcEnv = (issuer: TestIssuer, extra: Record<string, string> = {}) => ({
  AUTH_TYPE: 'jwt_oidc',
  JWT_ISS: issuer.issuer,
  JWT_AUD: AUDIENCE,
  OIDC_TIMEOUT_MS: '5000',
  JWKS_COOLDOWN_SECONDS: '1',
  ...extra,
});

/** Waits until rolegate's start-up key fetch has reached the issuer. */
const warmedUp = (issuer: TestIssuer) => eventually(async () => expect(issuer.hits.jwks).toBe(1));

/** JWKS_COOLDOWN_SECONDS above, in the milliseconds a FakeClock moves by. */
const COOLDOWN_MS = 1000;
/**
 * A hanging or stalling issuer must be cut off by OIDC_TIMEOUT_MS (1 s in those tests), a
 * few times per test: a test still waiting after this long means the cut-off failed.
 */
const HANG_GUARD_MS = 15_000;

describe('AUTH_TYPE=jwt_oidc against an issuer on loopback', () => {
  let issuer: TestIssuer;
  let rsa: TestKey;
  let ec: TestKey;
  let t: TestApp;
  const clock = new FakeClock();
  const me = async (token: string) => t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
  const iss = () => ({ iss: issuer.issuer });

  beforeAll(async () => {
    issuer = await new TestIssuer().start();
    rsa = await makeKey('RS256');
    ec = await makeKey('ES256');
    issuer.keys = [rsa.jwk!, ec.jwk!];
    t = await createTestApp(oidcEnv(issuer, { JWT_CLOCK_TOLERANCE_SECONDS: '0' }), { clock });
    await warmedUp(issuer);
  });
  afterAll(async () => {
    await t.close();
    await issuer.stop();
  });

  it('verifies RS256 and ES256 tokens with keys found through discovery, fetched once', async () => {
    const jwksBefore = issuer.hits.jwks; // fetched at start-up
    const res = await me(await mint(rsa, { ...iss(), sub: 'bob', roles: ['manager'], region: 'EU' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'bob', roles: ['manager'], region: 'EU', authType: 'jwt_oidc' });
    for (let i = 0; i < 5; i++) expect((await me(await mint(ec, { ...iss(), sub: 'dan' }))).status).toBe(200);
    expect(issuer.hits).toMatchObject({ discovery: 1, jwks: jwksBefore, other: 0 }); // discovery is read once for good
  });

  it('is 401 without a token and 403 without the role', async () => {
    expect((await t.http().get('/api/me')).status).toBe(401);
    expect((await t.http().get('/api/users').set('Authorization', `Bearer ${await mint(ec, { ...iss(), sub: 'carol' })}`)).status).toBe(403);
  });

  it('refuses HS256 even when it names a JWKS key, and a key used with the wrong algorithm', async () => {
    const hs = await makeKey('HS256', rsa.kid);
    expect((await me(await mint(hs, iss()))).status).toBe(401);
    expect((await me(await mint(await makeKey('ES384', ec.kid), iss()))).status).toBe(401);
  });

  it('picks up a rotated key with one JWKS fetch', async () => {
    clock.advance(COOLDOWN_MS); // past the cooldown of the previous fetch
    const before = issuer.hits.jwks;
    const next = await makeKey('RS256');
    issuer.keys = [next.jwk!, ...issuer.keys];
    const token = await mint(next, { ...iss(), sub: 'erin' });
    const results = await Promise.all(Array.from({ length: 10 }, () => me(token)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(issuer.hits.jwks).toBe(before + 1);
  });

  it('bounds JWKS fetches under a flood of random kids: one per cooldown', async () => {
    const flood = async (n: number) => {
      const tokens = await Promise.all(Array.from({ length: n }, async () => mint(await makeKey('ES256', randomUUID()), iss())));
      return Promise.all(tokens.map(async (token) => (await me(token)).status));
    };
    clock.advance(COOLDOWN_MS);
    const before = issuer.hits.jwks;
    expect(new Set([...(await flood(30)), ...(await flood(30))])).toEqual(new Set([401]));
    expect(issuer.hits.jwks - before).toBe(1); // the first unknown kid fetched; the other 59 were refused without a fetch

    clock.advance(COOLDOWN_MS - 1);
    expect(new Set(await flood(10))).toEqual(new Set([401]));
    expect(issuer.hits.jwks - before).toBe(1);
    clock.advance(1);
    expect(new Set(await flood(30))).toEqual(new Set([401]));
    expect(issuer.hits.jwks - before).toBe(2);
  });

  it('refreshes a stale key set for a token replayed from the verified-token cache, and then refuses it if its key left', async () => {
    clock.advance(COOLDOWN_MS);
    const leaving = await makeKey('ES256');
    issuer.keys = [...issuer.keys, leaving.jwk!];
    const replayed = await mint(leaving, { ...iss(), sub: 'carol' });
    expect((await me(replayed)).status).toBe(200); // fetches the set with the new key, then cached
    issuer.keys = issuer.keys.filter((k) => k.kid !== leaving.kid);
    const before = issuer.hits.jwks;
    expect((await me(replayed)).status).toBe(200); // the set is fresh: no fetch
    expect(issuer.hits.jwks).toBe(before);
    clock.advance(600_000); // JWKS_CACHE_MAX_AGE_SECONDS (default): the set is stale now
    expect((await me(replayed)).status).toBe(200); // served while the refresh runs
    await eventually(async () => expect((await me(replayed)).status).toBe(401));
    expect(issuer.hits.jwks).toBe(before + 1);
  });

  it('stops accepting an already verified token once its key leaves the key set, or once it expires', async () => {
    clock.advance(COOLDOWN_MS);
    const old = await makeKey('ES256');
    issuer.keys = [...issuer.keys, old.jwk!];
    const cached = await mint(old, { ...iss(), sub: 'bob' });
    expect((await me(cached)).status).toBe(200); // fetches the set with the new key
    expect((await me(cached)).status).toBe(200); // served from the verified-token cache
    const shortLived = await mint(ec, { ...iss(), sub: 'bob', exp: Math.floor(clock.now() / 1000) + 2 });
    expect((await me(shortLived)).status).toBe(200);

    issuer.keys = issuer.keys.filter((k) => k.kid !== old.kid);
    clock.advance(COOLDOWN_MS);
    const newcomer = await makeKey('ES256');
    issuer.keys = [...issuer.keys, newcomer.jwk!];
    expect((await me(await mint(newcomer, iss()))).status).toBe(200); // refreshes the set: the old key is gone
    expect((await me(cached)).status).toBe(401);

    expect((await me(shortLived)).status).toBe(200); // not expired yet
    clock.advance(2000);
    const expired = await me(shortLived);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toMatch(/error_description="token has expired"/);
  });
});

describe('jwt_oidc when the issuer cannot be used', () => {
  it('keeps cached keys working through an outage; an unknown key fails cleanly', async () => {
    const issuer = await new TestIssuer().start();
    const key = await makeKey('ES256');
    issuer.keys = [key.jwk!];
    const clock = new FakeClock();
    const t = await createTestApp(oidcEnv(issuer, { OIDC_TIMEOUT_MS: '1000' }), { clock });
    const me = async (token: string) => t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
    try {
      await warmedUp(issuer);
      const known = await mint(key, { iss: issuer.issuer, sub: 'frank' });
      for (const mode of ['error', 'hang', 'stall'] as const) {
        issuer.mode = mode;
        clock.advance(COOLDOWN_MS);
        const before = issuer.hits.jwks;
        expect((await me(known)).status).toBe(200);
        // a hanging or stalling issuer is cut off by OIDC_TIMEOUT_MS: the answer comes, and it is 401
        const unknown = await me(await mint(await makeKey('ES256'), { iss: issuer.issuer }));
        expect([unknown.status, issuer.hits.jwks - before]).toEqual([401, 1]);
      }
      issuer.mode = 'up';
      // and it recovers: the next unknown key is fetched once the issuer answers again
      clock.advance(COOLDOWN_MS);
      const next = await makeKey('ES256');
      issuer.keys = [...issuer.keys, next.jwk!];
      expect((await me(await mint(next, { iss: issuer.issuer }))).status).toBe(200);
    } finally {
      await t.close();
      await issuer.stop();
    }
  }, HANG_GUARD_MS);

  it('answers 503 with Retry-After when the issuer hangs from the start, and recovers after the cooldown', async () => {
    const issuer = await new TestIssuer().start();
    issuer.mode = 'hang';
    const key = await makeKey('RS256');
    const clock = new FakeClock();
    const t = await createTestApp(oidcEnv(issuer, { OIDC_TIMEOUT_MS: '1000' }), { clock });
    try {
      const token = await mint(key, { iss: issuer.issuer });
      const res = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      issuer.mode = 'up';
      issuer.keys = [key.jwk!];
      expect((await t.http().get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(503); // still cooling down
      clock.advance(COOLDOWN_MS);
      expect((await t.http().get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    } finally {
      await t.close();
      await issuer.stop();
    }
  }, HANG_GUARD_MS);

  it('answers 503 when nothing listens at the issuer', async () => {
    const issuer = await new TestIssuer().start();
    const url = issuer.issuer;
    await issuer.stop();
    const key = await makeKey('ES256');
    const t = await createTestApp({ ...oidcEnv(issuer), JWT_ISS: url });
    try {
      const res = await t.http().get('/api/me').set('Authorization', `Bearer ${await mint(key, { iss: url })}`);
      expect(res.status).toBe(503);
    } finally {
      await t.close();
    }
  });

  it("takes keys only from the issuer's host, unless OIDC_JWKS_HOSTS names another", async () => {
    const issuer = await new TestIssuer().start();
    const key = await makeKey('RS256');
    issuer.keys = [key.jwk!];
    issuer.jwksUri = `${issuer.url.replace('127.0.0.1', 'localhost')}/jwks`; // the same server, under another host name
    for (const [extra, status] of [[{}, 503], [{ OIDC_JWKS_HOSTS: 'localhost' }, 200]] as const) {
      const before = issuer.hits.jwks;
      const t = await createTestApp({ ...oidcEnv(issuer), ...extra });
      try {
        const res = await t.http().get('/api/me').set('Authorization', `Bearer ${await mint(key, { iss: issuer.issuer })}`);
        expect(res.status).toBe(status);
        expect(issuer.hits.jwks - before).toBe(status === 200 ? 1 : 0);
      } finally {
        await t.close();
      }
    }
    await issuer.stop();
  });

  it('never trusts a discovery document that names another issuer', async () => {
    const issuer = await new TestIssuer().start();
    const key = await makeKey('RS256');
    issuer.keys = [key.jwk!];
    issuer.claimedIssuer = 'https://evil.example/';
    const t = await createTestApp(oidcEnv(issuer));
    try {
      const res = await t.http().get('/api/me').set('Authorization', `Bearer ${await mint(key, { iss: issuer.issuer })}`);
      expect(res.status).toBe(503);
      expect(issuer.hits.jwks).toBe(0);
    } finally {
      await t.close();
      await issuer.stop();
    }
  });
});
