import { Redis } from 'ioredis';
import { RedisRateLimitStore } from '../src/rate-limit/rate-limit.store.js';
import { RATE_LIMIT_STORE } from '../src/rate-limit/rate-limit.guard.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { eventually } from './helpers/eventually.js';
import { jwtLocalEnv, makeKey, mint, type TestKey } from './helpers/tokens.js';

const redisUrl = process.env.REDIS_URL;

describe('rate limits (in memory)', () => {
  let key: TestKey;
  let t: TestApp;
  beforeAll(async () => {
    key = await makeKey('ES256');
    t = await createTestApp({ ...jwtLocalEnv(key), RATE_LIMIT_PER_USER: '3', RATE_LIMIT_PER_ANONYMOUS: '2', RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
  afterAll(() => t.close());

  it('limits each signed-in user separately, with 429 and Retry-After', async () => {
    const carol = await mint(key, { sub: 'carol' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.http().get('/api/me').set('Authorization', `Bearer ${carol}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await t.http().get('/api/me').set('Authorization', `Bearer ${carol}`).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(res.headers['ratelimit-limit']).toBe('3');
    expect(res.headers['ratelimit-remaining']).toBe('0');
    expect(res.body.message).toMatch(/Too many requests: at most 3 per 60 s/);
    // Another user, with another token of the same signer, is not affected.
    await t.http().get('/api/me').set('Authorization', `Bearer ${await mint(key, { sub: 'bob' })}`).expect(200);
    // A new token for carol does not reset her count.
    await t.http().get('/api/me').set('Authorization', `Bearer ${await mint(key, { sub: 'carol', jti: 'another' })}`).expect(429);
  });

  it('limits anonymous calls per client network, failed sign-ins included', async () => {
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await t.http().get('/health')).status);
    statuses.push((await t.http().get('/api/me').set('Authorization', 'Bearer not.a.token')).status);
    statuses.push((await t.http().get('/api/me')).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    // signed-in users keep their own budget
    await t.http().get('/api/me').set('Authorization', `Bearer ${await mint(key, { sub: 'erin' })}`).expect(200);
  });
});

(redisUrl ? describe : describe.skip)('rate limits shared through Redis', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(redisUrl!);
    const keys = await redis.keys('rolegate:rl:*');
    if (keys.length) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('counts across two rolegate instances', async () => {
    const env = { AUTH_TYPE: 'cookie', REDIS_URL: redisUrl!, RATE_LIMIT_PER_ANONYMOUS: '4', RATE_LIMIT_WINDOW_SECONDS: '30' };
    const [a, b] = [await createTestApp(env), await createTestApp(env)];
    try {
      // Until its connection is up, an instance lets requests through uncounted (no request
      // waits on Redis), so the count starts once both are connected.
      const connected = (app: TestApp) => (app.app.get(RATE_LIMIT_STORE) as unknown as { redis: { status: string } }).redis.status;
      await eventually(async () => expect([connected(a), connected(b)]).toEqual(['ready', 'ready']));
      const statuses = [];
      for (const app of [a, b, a, b, a, b]) statuses.push((await app.http().get('/health')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const keys = await redis.keys('rolegate:rl:ip:*');
      expect(keys.length).toBeGreaterThan(0);
      expect(await redis.pttl(keys[0])).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('lets requests through when Redis is unreachable, without queueing them for a connection', async () => {
    // The store fails at once rather than waiting for Redis (no offline queue): no request waits on it.
    const store = new RedisRateLimitStore('redis://127.0.0.1:1');
    await expect(store.hit('k', 1000)).rejects.toThrow(/enableOfflineQueue/);
    await store.close();
    const t = await createTestApp({ AUTH_TYPE: 'cookie', REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_PER_ANONYMOUS: '1' });
    try {
      for (let i = 0; i < 3; i++) await t.http().get('/health').expect(200);
    } finally {
      await t.close();
    }
  });
});
