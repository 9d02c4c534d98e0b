import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestApp, type TestApp } from './helpers/app.js';
import { TestIssuer } from './helpers/oidc-issuer.js';
import { AUDIENCE, makeKey, mint, type TestKey } from './helpers/tokens.js';

const oidcEnv = (issuer: TestIssuer, extra: Record<string, string> = {}) => ({
  AUTH_TYPE: 'jwt_oidc',
  JWT_ISS: issuer.issuer,
  JWT_AUD: AUDIENCE,
  OIDC_TIMEOUT_MS: '1000',
  JWKS_COOLDOWN_SECONDS: '1',
  ...extra,
});

/** Waits until rolegate's start-up key fetch has reached the issuer. */
async function warmedUp(issuer: TestIssuer): Promise<void> {
  for (let i = 0; i < 100 && issuer.hits.jwks === 0; i++) await sleep(20);
  expect(issuer.hits.jwks).toBe(1);
}

describe('AUTH_TYPE=jwt_oidc against an issuer on loopback', () => {
  let issuer: TestIssuer;
  let rsa: TestKey;
  let ec: TestKey;
  let t: TestApp;
  const me = async (token: string) => t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
  const iss = () => ({ iss: issuer.issuer });

  beforeAll(async () => {
    issuer = await new TestIssuer().start();
    rsa = await makeKey('RS256');
    ec = await makeKey('ES256');
    issuer.keys = [rsa.jwk!, ec.jwk!];
    t = await createTestApp(oidcEnv(issuer, { JWT_CLOCK_TOLERANCE_SECONDS: '0' }));
    await warmedUp(issuer);
  });
  afterAll(async () => {
    await t.close();
    await issuer.stop();
  });

  it('verifies RS256 and ES256 tokens with keys found through discovery, fetched once', async () => {
    const res = await me(await mint(rsa, { ...iss(), sub: 'bob', roles: ['manager'], region: 'EU' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'bob', roles: ['manager'], region: 'EU', authType: 'jwt_oidc' });
    for (let i = 0; i < 5; i++) expect((await me(await mint(ec, { ...iss(), sub: 'dan' }))).status).toBe(200);
    expect(issuer.hits).toMatchObject({ discovery: 1, jwks: 1, other: 0 });
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
    await sleep(1100); // past the cooldown of the previous fetch
    const before = issuer.hits.jwks;
    const next = await makeKey('RS256');
    issuer.keys = [next.jwk!, ec.jwk!];
    const token = await mint(next, { ...iss(), sub: 'erin' });
    const results = await Promise.all(Array.from({ length: 10 }, () => me(token)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(issuer.hits.jwks).toBe(before + 1);
  });

  it('bounds JWKS fetches under a flood of random kids', async () => {
    await sleep(1100);
    const before = issuer.hits.jwks;
    const started = Date.now();
    let statuses: number[] = [];
    while (Date.now() - started < 2500) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, async () => (await me(await mint(await makeKey('ES256', randomUUID()), iss()))).status),
      );
      statuses = statuses.concat(batch);
    }
    const elapsedSec = (Date.now() - started) / 1000;
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(statuses.length).toBeGreaterThan(50);
    // One fetch per one-second cooldown at most.
    expect(issuer.hits.jwks - before).toBeGreaterThanOrEqual(1);
    expect(issuer.hits.jwks - before).toBeLessThanOrEqual(Math.ceil(elapsedSec) + 1);
  });

  it('stops accepting an already verified token once its key leaves the key set, or once it expires', async () => {
    await sleep(1100);
    const old = await makeKey('ES256');
    issuer.keys = [...issuer.keys, old.jwk!];
    const cached = await mint(old, { ...iss(), sub: 'bob' });
    expect((await me(cached)).status).toBe(200); // fetches the set with the new key
    expect((await me(cached)).status).toBe(200); // served from the verified-token cache
    const shortLived = await mint(ec, { ...iss(), sub: 'bob', exp: Math.floor(Date.now() / 1000) + 2 });
    expect((await me(shortLived)).status).toBe(200);

    issuer.keys = issuer.keys.filter((k) => k.kid !== old.kid);
    await sleep(1100);
    const newcomer = await makeKey('ES256');
    issuer.keys = [...issuer.keys, newcomer.jwk!];
    expect((await me(await mint(newcomer, iss()))).status).toBe(200); // refreshes the set: the old key is gone
    expect((await me(cached)).status).toBe(401);

    await sleep(2100 - 1100);
    expect((await me(shortLived)).status).toBe(401);
  });

  it('keeps cached keys working through an outage; an unknown key fails cleanly', async () => {
    const known = await mint(ec, { ...iss(), sub: 'frank' });
    for (const mode of ['error', 'hang', 'stall'] as const) {
      issuer.mode = mode;
      await sleep(1100);
      expect((await me(known)).status).toBe(200);
      const started = Date.now();
      const unknown = await me(await mint(await makeKey('ES256'), iss()));
      expect(unknown.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(3000);
    }
    issuer.mode = 'up';
    // and it recovers: the next unknown key is fetched once the issuer answers again
    await sleep(1100);
    const next = await makeKey('ES256');
    issuer.keys = [...issuer.keys, next.jwk!];
    expect((await me(await mint(next, iss()))).status).toBe(200);
  });
});

describe('jwt_oidc when the issuer cannot be used', () => {
  it('answers 503 with Retry-After within seconds when the issuer hangs from the start', async () => {
    const issuer = await new TestIssuer().start();
    issuer.mode = 'hang';
    const key = await makeKey('RS256');
    const t = await createTestApp(oidcEnv(issuer));
    try {
      const token = await mint(key, { iss: issuer.issuer });
      const started = Date.now();
      const res = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(Date.now() - started).toBeLessThan(3000);
      issuer.mode = 'up';
      issuer.keys = [key.jwk!];
      await sleep(1100);
      expect((await t.http().get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    } finally {
      await t.close();
      await issuer.stop();
    }
  });

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
