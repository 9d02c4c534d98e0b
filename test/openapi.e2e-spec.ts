import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { generateData } from '../src/database/seed.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { FakeClock } from './helpers/clock.js';
import { TestIssuer } from './helpers/oidc-issuer.js';
import { signIn } from './helpers/session.js';
import { AUDIENCE, jwtLocalEnv, makeKey } from './helpers/tokens.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const PUBLIC_URL = 'https://crm-api.example.com';

const operations = (doc: Json) =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] as Json })),
  );

/** Checks a document against the OpenAPI schema and the limits GPT Actions put on it. */
async function checkDocument(doc: Json) {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
  expect(doc.servers).toEqual([{ url: PUBLIC_URL }]);

  const ops = operations(doc);
  const ids = ops.map((o) => o.op.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBeLessThanOrEqual(30); // GPT Actions' limit
  for (const write of ['createCustomer', 'deleteCustomer', 'createDeal', 'updateDeal', 'deleteDeal', 'createTicket', 'updateTicket', 'deleteTicket']) {
    expect(ids).toContain(write);
  }
  for (const { path, method, op } of ops) {
    const where = `${method.toUpperCase()} ${path}`;
    expect([where, op.operationId]).toEqual([where, expect.stringMatching(/^[a-z][A-Za-z]+$/)]);
    expect([where, op.summary.length > 0 && op.summary.length <= 300]).toEqual([where, true]);
    expect([where, op.description.length > 0 && op.description.length <= 300]).toEqual([where, true]);
    for (const p of op.parameters ?? []) {
      expect([where, p.name, typeof p.description === 'string' && p.description.length <= 700]).toEqual([where, p.name, true]);
    }
    expect([where, op['x-openai-isConsequential']]).toEqual([where, method !== 'get']);
    const success = op.responses['200'] ?? op.responses['201'] ?? op.responses['204'];
    expect([where, Boolean(success)]).toEqual([where, true]);
    for (const status of ['200', '201']) {
      if (op.responses[status]) expect([where, Boolean(op.responses[status].content?.['application/json']?.schema)]).toEqual([where, true]);
    }
    if (method === 'post' && path.startsWith('/api/')) expect([where, Object.keys(op.responses).filter((s) => s.startsWith('2'))]).toEqual([where, ['201']]);
    for (const [status, response] of Object.entries(op.responses as Json)) {
      if (Number(status) >= 400) expect(response.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    if (op.security?.length === 0) continue;
    expect([where, Boolean(op.responses['401'])]).toEqual([where, true]);
  }
  expect(doc.components.schemas.Error.properties).toHaveProperty('message');
  return ops;
}

describe('GET /openapi.json in cookie mode', () => {
  let t: TestApp;
  let doc: Json;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_TYPE: 'cookie', PUBLIC_URL });
    doc = (await t.http().get('/openapi.json').expect(200)).body;
  });
  afterAll(() => t.close());

  it('is a valid OpenAPI document within the GPT Action limits', async () => {
    const ops = await checkDocument(doc);
    expect(ops.map((o) => o.op.operationId).sort()).toEqual([
      'checkHealth', 'createCustomer', 'createDeal', 'createTicket', 'deleteCustomer', 'deleteDeal', 'deleteTicket', 'devLogin',
      'getCustomer', 'getDeal', 'getTicket', 'listAuditEvents', 'listCustomers', 'listDeals', 'listTickets', 'listUsers', 'logout', 'setUserRoles',
      'updateDeal', 'updateTicket', 'whoAmI',
    ]);
  });

  it('offers the cookie scheme and the sign-in operation, marking public operations', () => {
    expect(doc.components.securitySchemes).toEqual({
      cookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'rolegate_session' }),
    });
    expect(doc.security).toEqual([{ cookie: [] }]);
    const publicOps = operations(doc).filter((o) => Array.isArray(o.op.security) && o.op.security.length === 0);
    expect(publicOps.map((o) => o.op.operationId).sort()).toEqual(['checkHealth', 'devLogin', 'logout']);
    expect(doc.paths['/auth/dev-login'].post.requestBody.content['application/json'].schema.properties.sub.description).toMatch(/carol/);
  });

  it('describes responses, errors and parameters', () => {
    const list = doc.paths['/api/deals'].get;
    expect(list.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DealPage' });
    expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '401', '403']);
    expect(list.parameters.map((p: Json) => p.name)).toEqual(['limit', 'cursor', 'sort', 'stage', 'region', 'customerId', 'ownerId']);
    expect(list.parameters[0].schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    const users = doc.paths['/api/users'].get.parameters.find((p: Json) => p.name === 'sort');
    expect(users.schema.default).toBe('-createdAt');
    expect(Object.keys(doc.paths['/api/deals/{id}'].patch.responses).sort()).toEqual(['200', '400', '401', '403', '404']);
    expect(doc.components.schemas.Customer.required).not.toContain('annualRevenue');
  });

  it('has no rolegate-internal extensions left', () => {
    expect(JSON.stringify(doc)).not.toContain('x-rolegate');
  });

  it('keeps the largest list pages far below the 100,000 characters GPT Actions accept', async () => {
    await generateData(t.app.get<Database>(DATABASE), { customers: 120, dealsPerCustomer: 2, ticketsPerCustomer: 2 });
    const cookies = await signIn(t, 'alice');
    for (const list of ['customers', 'deals', 'tickets', 'users']) {
      const res = await t.http().get(`/api/${list}?limit=100`).set('Cookie', cookies).expect(200);
      expect(res.text.length).toBeLessThan(50_000);
      if (list !== 'users') expect(res.body.items).toHaveLength(100);
    }
  });

  it('serves Swagger UI at /docs with the document for the page origin', async () => {
    const html = await t.http().get('/docs').expect(200);
    expect(html.text).toContain('swagger-ui');
    const init = await t.http().get('/docs/swagger-ui-init.js').set('Host', 'localhost:4321').expect(200);
    expect(init.headers['cache-control']).toBe('no-store');
    expect(init.text).toContain('"operationId": "listDeals"');
    expect(init.text).toContain('"url": "http://localhost:4321"');
    await t.http().get('/docs/oauth2-redirect.html').expect(200);
  });

  it('serves the privacy page, and no protected-resource metadata in cookie mode', async () => {
    const res = await t.http().get('/privacy').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<h1>Privacy policy</h1>');
    await t.http().get('/.well-known/oauth-protected-resource').expect(404);
  });
});

describe('GET /openapi.json in jwt_local mode', () => {
  it('offers HTTP bearer (JWT) and RFC 9728 metadata; a custom privacy text is escaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolegate-privacy-'));
    writeFileSync(join(dir, 'policy.md'), '# Our policy\n\nWe keep <b>nothing</b> & tell you so.');
    const t = await createTestApp(jwtLocalEnv(await makeKey('ES256'), { PUBLIC_URL, PRIVACY_POLICY_FILE: join(dir, 'policy.md') }));
    try {
      const doc = (await t.http().get('/openapi.json').expect(200)).body;
      const ops = await checkDocument(doc);
      expect(ops.map((o) => o.op.operationId)).not.toContain('devLogin');
      expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }) });
      expect(doc.security).toEqual([{ bearer: [] }]);
      const meta = (await t.http().get('/.well-known/oauth-protected-resource').expect(200)).body;
      expect(meta).toMatchObject({ resource: PUBLIC_URL, authorization_servers: ['https://issuer.rolegate.test/'], bearer_methods_supported: ['header'] });
      const challenge = (await t.http().get('/api/me').expect(401)).headers['www-authenticate'];
      expect(challenge).toContain(`resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource"`);
      const privacy = await t.http().get('/privacy').expect(200);
      expect(privacy.text).toContain('<h1>Our policy</h1>');
      expect(privacy.text).toContain('We keep &#60;b&#62;nothing&#60;/b&#62; &#38; tell you so.');
    } finally {
      await t.close();
    }
  });
});

describe('GET /openapi.json in jwt_oidc mode', () => {
  it('offers OAuth2 authorization code with the endpoints from discovery and the configured scopes', async () => {
    const issuer = await new TestIssuer().start();
    const t = await createTestApp({
      AUTH_TYPE: 'jwt_oidc',
      JWT_ISS: issuer.issuer,
      JWT_AUD: AUDIENCE,
      PUBLIC_URL,
      OAUTH_SCOPES: 'openid email offline_access',
      JWKS_COOLDOWN_SECONDS: '1',
      OIDC_TIMEOUT_MS: '1000',
    });
    try {
      const doc = (await t.http().get('/openapi.json').expect(200)).body;
      await checkDocument(doc);
      expect(doc.components.securitySchemes.oauth2).toMatchObject({
        type: 'oauth2',
        flows: {
          authorizationCode: {
            authorizationUrl: `${issuer.url}/authorize`,
            tokenUrl: `${issuer.url}/token`,
            scopes: { openid: expect.any(String), email: expect.any(String), offline_access: expect.any(String) },
          },
        },
      });
      expect(doc.security).toEqual([{ oauth2: ['openid', 'email', 'offline_access'] }]);
    } finally {
      await t.close();
      await issuer.stop();
    }
  });

  it('answers 503, not 500, while the identity provider is unreachable', async () => {
    const issuer = await new TestIssuer().start();
    issuer.mode = 'error';
    const clock = new FakeClock();
    const t = await createTestApp({ AUTH_TYPE: 'jwt_oidc', JWT_ISS: issuer.issuer, JWT_AUD: AUDIENCE, OIDC_TIMEOUT_MS: '1000', JWKS_COOLDOWN_SECONDS: '1' }, { clock });
    try {
      const res = await t.http().get('/openapi.json').expect(503);
      expect(res.body.message).toMatch(/identity provider is unreachable/);
      await t.http().get('/docs/swagger-ui-init.js').expect(200);
      // once the provider is back, the document is built after the 1 s cooldown, not before
      issuer.mode = 'up';
      await t.http().get('/openapi.json').expect(503);
      clock.advance(1000);
      const doc = (await t.http().get('/openapi.json').expect(200)).body;
      expect(doc.components.securitySchemes.oauth2.flows.authorizationCode.tokenUrl).toBe(`${issuer.url}/token`);
    } finally {
      await t.close();
      await issuer.stop();
    }
  });
});
