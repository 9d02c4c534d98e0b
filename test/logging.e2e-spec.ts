import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from './helpers/app.js';
import { LogCapture } from './helpers/log-capture.js';
import { jwtLocalEnv, makeKey, mint, type TestKey } from './helpers/tokens.js';

describe('structured request logs', () => {
  let key: TestKey;
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    key = await makeKey('ES256');
    t = await createTestApp({ ...jwtLocalEnv(key), LOG_LEVEL: 'info' }, { logDestination: logs });
  });
  afterAll(() => t.close());

  it('writes one JSON line per request with request id, user id, route, status and latency', async () => {
    const token = await mint(key, { sub: 'carol' });
    const res = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`).set('X-Request-Id', 'trace-42').expect(200);
    expect(res.headers['x-request-id']).toBe('trace-42');
    const entry = logs.entries().find((e) => e.requestId === 'trace-42');
    expect(entry).toMatchObject({
      level: 30,
      service: 'rolegate',
      msg: 'request completed',
      requestId: 'trace-42',
      userId: res.body.id,
      route: '/api/me',
      req: { method: 'GET', path: '/api/me' },
      res: { statusCode: 200 },
      latencyMs: expect.any(Number),
    });
    const line = logs.lines.find((l) => l.includes('"trace-42"'))!;
    expect(line.match(/"route":/g)).toHaveLength(1); // one value per key
  });

  it('gives each request its own id when none (or a malformed one) is sent', async () => {
    const a = await t.http().get('/health').expect(200);
    const b = await t.http().get('/health').set('X-Request-Id', 'bad id with spaces <script>').expect(200);
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('logs only the path of an absolute-form request target, never its credentials or host', async () => {
    const server = t.app.getHttpServer() as Server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const status = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: 'http://someone:hunter2@internal.example/health?key=query-secret-2', headers: { 'x-request-id': 'absolute-1' } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
    const line = logs.lines.find((l) => l.includes('"absolute-1"'))!;
    expect(JSON.parse(line)).toMatchObject({ req: { method: 'GET', path: '/health' }, res: { statusCode: 200 } });
    for (const secret of ['hunter2', 'someone', 'internal.example', 'query-secret-2']) expect(line).not.toContain(secret);
  });

  it('never logs tokens, cookies, query strings or bodies', async () => {
    const token = await mint(key, { sub: 'dan' });
    const cookie = 'rolegate_session=s%3Asecret-cookie-value.signature';
    await t.http().get(`/api/me?access_token=${token}&cursor=query-secret`).set('Authorization', `Bearer ${token}`).set('Cookie', cookie).expect(200);
    await t.http().get('/api/me').set('Authorization', `Bearer ${token}x`).expect(401);
    await t.http().patch('/api/deals/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${token}`).send({ stage: 'body-secret' }).expect(403);
    const all = logs.lines.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [token, token.split('.')[2], 'secret-cookie-value', 'query-secret', 'body-secret', key.decodeKeyB64]) {
      expect(all).not.toContain(secret);
    }
    const failed = logs.entries().filter((e) => (e.res as { statusCode: number } | undefined)?.statusCode === 401);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e) => e.userId === undefined)).toBe(true);
  });
});
