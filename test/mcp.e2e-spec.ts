import { Client, StreamableHTTPClientTransport, type FetchLike } from '@modelcontextprotocol/client';
import request from 'supertest';
import type { Database } from '../src/database/database.client.js';
import { DATABASE } from '../src/database/database.module.js';
import { AuditTrail } from '../src/audit/audit-trail.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseKinds, freshDatabase, rowsOf, type TestDatabase, describeOnPostgres } from './helpers/databases.js';
import { freePort } from './helpers/ports.js';
import { jwtLocalEnv, makeKey, mint, type TestKey } from './helpers/tokens.js';

type Row = Record<string, unknown>;
type Era = 'legacy' | 'modern';

const TOOLS = [
  'createCustomer', 'createDeal', 'createTicket', 'deleteCustomer', 'deleteDeal', 'deleteTicket', 'getCustomer', 'getDeal', 'getTicket',
  'listAuditEvents', 'listCustomers', 'listDeals', 'listTickets', 'listUsers', 'setUserRoles', 'updateDeal', 'updateTicket', 'whoAmI',
];

/** A rolegate on a known port, so PUBLIC_URL (and the MCP audience) can name it. */
async function serve(env: Record<string, string>): Promise<{ t: TestApp; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await createTestApp({ ...env, PUBLIC_URL: url, JWT_AUD: `${url},${url}/mcp` });
  await t.app.listen(port, '127.0.0.1');
  return { t, url };
}

const connect = async (url: string, token: string, era: Era, fetch?: FetchLike) => {
  const client = new Client({ name: 'rolegate-test', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { authProvider: { token: async () => token }, fetch }));
  expect(client.getProtocolEra()).toBe(era);
  return client;
};

/**
 * rolegate as an MCP server, driven by the official MCP client SDK over real HTTP in both
 * protocol generations: the REST operations as tools, each user's results equal to their
 * REST answers, the same refusals (as tool errors), the same audit trail.
 */
describe.each(databaseKinds)('MCP server on %s', (kind) => {
  let database: TestDatabase;
  let key: TestKey;
  let t: TestApp;
  let url: string;
  let db: Database;
  const tokens: Record<string, string> = {};
  const clients: Array<Client> = [];
  const rest = (sub: string, path: string) => request(url).get(path).set('Authorization', `Bearer ${tokens[sub]}`);

  beforeAll(async () => {
    database = await freshDatabase(kind);
    key = await makeKey('ES256');
    ({ t, url } = await serve({ ...jwtLocalEnv(key), ...database.env }));
    db = t.app.get<Database>(DATABASE);
    for (const sub of ['alice', 'bob', 'carol', 'dan', 'erin']) tokens[sub] = await mint(key, { sub, aud: `${url}/mcp`, azp: 'mcp-test-client' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t?.close();
    await database?.drop();
  });
  const client = async (sub: string, era: Era) => {
    const c = await connect(url, tokens[sub], era);
    clients.push(c);
    return c;
  };

  describe.each(['legacy', 'modern'] as const)('%s protocol', (era) => {
    it('lists every REST operation as a tool, named by its operationId, with annotations and input schemas', async () => {
      const { tools } = await (await client('carol', era)).listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
      const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
      expect(byName.listDeals.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      expect(byName.updateDeal.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
      expect(byName.deleteDeal.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
      expect(Object.keys(byName.updateDeal.inputSchema.properties ?? {}).sort()).toEqual(['amount', 'closeDate', 'id', 'stage']);
      expect(Object.keys(byName.listDeals.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['limit', 'cursor', 'sort', 'stage', 'ownerId']));
      expect(byName.listDeals.description).toMatch(/sales the deals they own/);
    });

    it.each(['carol', 'bob', 'erin'])("gives %s exactly their REST answers, page by page", async (sub) => {
      const c = await client(sub, era);
      for (const [tool, path] of [
        ['whoAmI', '/api/me'],
        ['listCustomers', '/api/customers?limit=100'],
        ['listTickets', '/api/tickets?limit=100'],
      ] as const) {
        const args = path.includes('limit') ? { limit: 100 } : {};
        const result = await c.callTool({ name: tool, arguments: args });
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toEqual((await rest(sub, path).expect(200)).body);
        expect(JSON.parse((result.content as Array<{ text: string }>)[0].text)).toEqual(result.structuredContent);
      }
      // The same cursors: three pages of deals through MCP equal three REST pages.
      let cursor: string | undefined;
      for (let page = 0; page < 3; page++) {
        const q = `limit=5&sort=-amount${cursor ? `&cursor=${cursor}` : ''}`;
        const viaRest = (await rest(sub, `/api/deals?${q}`).expect(200)).body;
        const viaMcp = await c.callTool({ name: 'listDeals', arguments: { limit: 5, sort: '-amount', ...(cursor ? { cursor } : {}) } });
        expect(viaMcp.structuredContent).toEqual(viaRest);
        cursor = viaRest.next ?? undefined;
        if (!cursor) break;
      }
      const [deal] = (await rest(sub, '/api/deals?limit=1').expect(200)).body.items;
      const one = await c.callTool({ name: 'getDeal', arguments: { id: deal.id } });
      expect(one.structuredContent).toEqual((await rest(sub, `/api/deals/${deal.id}`).expect(200)).body);
    });

    it('changes what the policy allows and refuses the rest as tool errors that say why, never data', async () => {
      const carol = await client('carol', era);
      const [own] = (await rest('carol', '/api/deals?limit=1&stage=qualified').expect(200)).body.items;
      const stage = era === 'legacy' ? 'proposal' : 'negotiation';
      const changed = await carol.callTool({ name: 'updateDeal', arguments: { id: own.id, stage } });
      expect(changed.isError).toBeFalsy();
      expect(changed.structuredContent).toEqual((await rest('carol', `/api/deals/${own.id}`).expect(200)).body);
      expect((changed.structuredContent as Row).stage).toBe(stage);

      const [notHers] = await rowsOf<Row>(db, `select d.id from deals d join users u on u.id = d.owner_id where u.sub <> 'carol' limit 1`);
      for (const [c, name, args, text] of [
        [carol, 'updateDeal', { id: notHers.id, stage: 'won' }, /^404 Not Found: deal .* not found$/],
        [carol, 'updateDeal', { id: own.id, closeDate: '2030-01-01' }, /^400 Bad Request: closeDate may not be changed by sales$/],
        [carol, 'listUsers', {}, /^403 Forbidden: Requires one of the roles: admin$/],
        [await client('dan', era), 'listDeals', {}, /^403 Forbidden: Requires one of the roles: admin, manager, sales, auditor$/],
        [carol, 'listDeals', { limit: 1000 }, /^400 Bad Request: limit: limit must be a whole number from 1 to 100$/],
        [carol, 'getDeal', { id: 'nope' }, /^400 Bad Request: id: id must be a UUID$/],
        [carol, 'getDeal', {}, /^400 Bad Request: id: id must be a UUID$/],
        [carol, 'listDeals', { owner: 'x' }, /^400 Bad Request: unknown argument owner; this tool takes /],
      ] as const) {
        const result = await (c as Client).callTool({ name, arguments: args as Row });
        expect(result.isError).toBe(true);
        expect(result.structuredContent).toBeUndefined();
        expect((result.content as Array<{ text: string }>).map((x) => x.text).join('\n')).toMatch(text);
      }
      expect((await rowsOf<Row>(db, `select stage from deals where id = '${notHers.id}'`))[0].stage).not.toBe('won');
    });

    it('records every tool call in the audit trail as client mcp, with the token\'s client', async () => {
      const bob = await client('bob', era);
      const listed = await bob.callTool({ name: 'listCustomers', arguments: { limit: 3 } });
      const refused = await bob.callTool({ name: 'listUsers', arguments: {} });
      expect(refused.isError).toBe(true);
      await t.app.get(AuditTrail).flush();
      const latest = async (operation: string) =>
        (await rowsOf<Row>(db, `select operation, record_ids, status, client, client_id, sub from audit_events where client = 'mcp' and sub = 'bob' and operation = '${operation}' order by at desc, id desc limit 1`))[0];
      expect(await latest('listUsers')).toEqual({ operation: 'listUsers', record_ids: [], status: 403, client: 'mcp', client_id: 'mcp-test-client', sub: 'bob' });
      const ids = (listed.structuredContent as { items: Row[] }).items.map((x) => x.id);
      expect(await latest('listCustomers')).toEqual({ operation: 'listCustomers', record_ids: ids, status: 200, client: 'mcp', client_id: 'mcp-test-client', sub: 'bob' });
    });
  });

  it('commits a write made through a tool with its audit event', async () => {
    const carol = await client('carol', 'modern');
    const [customer] = (await rest('carol', '/api/customers?limit=1').expect(200)).body.items;
    const created = await carol.callTool({ name: 'createTicket', arguments: { customerId: customer.id, subject: 'Raised through MCP', requesterEmail: 'it@customer.example' } });
    expect(created.isError).toBeFalsy();
    const id = (created.structuredContent as Row).id as string;
    const [event] = await rowsOf<Row>(db, `select operation, status, client, changes->'subject' as subject from audit_events where '${id}' = any(record_ids)`);
    expect(event).toEqual({ operation: 'createTicket', status: 201, client: 'mcp', subject: { from: null, to: 'Raised through MCP' } });
    const removed = await (await client('alice', 'legacy')).callTool({ name: 'deleteTicket', arguments: { id } });
    expect(removed.isError).toBeFalsy();
    expect(removed.structuredContent).toBeUndefined();
    await request(url).get(`/api/tickets/${id}`).set('Authorization', `Bearer ${tokens.alice}`).expect(404);
  });

  describe('the gate in front of it', () => {
    const post = (headers: Record<string, string> = {}) =>
      request(url)
        .post('/mcp')
        .set({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers })
        .send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

    it('answers 401 with a challenge naming the MCP resource metadata, which names the resource and its authorization server', async () => {
      const res = await post().expect(401);
      expect(res.headers['www-authenticate']).toBe(`Bearer realm="rolegate", resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`);
      const metadata = (await request(url).get('/.well-known/oauth-protected-resource/mcp').expect(200)).body;
      expect(metadata).toMatchObject({ resource: `${url}/mcp`, authorization_servers: ['https://issuer.rolegate.test/'], bearer_methods_supported: ['header'] });
      expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access']));
      // The REST API keeps its own.
      expect((await request(url).get('/api/me').expect(401)).headers['www-authenticate']).toMatch(/resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource"$/);
    });

    it('refuses a token for an audience it was not configured for, and a bad token, before any MCP code runs', async () => {
      const elsewhere = await mint(key, { sub: 'carol', aud: 'https://other-mcp-server.example/mcp' });
      const res = await post({ Authorization: `Bearer ${elsewhere}` }).expect(401);
      expect(res.headers['www-authenticate']).toMatch(/error="invalid_token".*resource_metadata="[^"]+\/mcp"/);
      await expect(connect(url, elsewhere, 'legacy')).rejects.toThrow();
      await post({ Authorization: 'Bearer not.a.token' }).expect(401);
    });

    it('takes one message per request, so each tool call passes the rate limiter on its own', async () => {
      const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoAmI', arguments: {} } });
      const batch = await request(url)
        .post('/mcp')
        .set({ Authorization: `Bearer ${tokens.carol}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' })
        .send([call(1), call(2), call(3)])
        .expect(400);
      expect(batch.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringMatching(/batches are not accepted/) } });
    });

    it('refuses subscription streams and absurdly nested messages with JSON-RPC errors, not 500s', async () => {
      const send = (body: string) =>
        request(url).post('/mcp').set({ Authorization: `Bearer ${tokens.carol}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }).send(body);
      const listen = await send(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true } } })).expect(400);
      expect(listen.body.error).toMatchObject({ code: -32601, message: expect.stringMatching(/not offered/) });
      const deep = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}}`;
      expect((await send(deep).expect(400)).body.error.message).toMatch(/nests deeper than 64 levels/);
      await send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' })).expect(200);
    });

    it('says its tool list never changes, so no client holds a stream open for it', async () => {
      const c = await client('erin', 'modern');
      expect(c.getServerCapabilities()?.tools).toMatchObject({ listChanged: false });
    });

    it('answers the preflight of an allowed browser origin with CORS headers, and lets any origin read its metadata', async () => {
      const preflight = await request(url).options('/mcp').set({ Origin: url, 'Access-Control-Request-Method': 'POST' }).expect(204);
      expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': url, 'access-control-allow-methods': expect.stringContaining('POST') });
      expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
      await request(url).options('/mcp').set({ Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' }).expect(403);
      const metadata = await request(url).get('/.well-known/oauth-protected-resource/mcp').set('Origin', 'https://any.example').expect(200);
      expect(metadata.headers['access-control-allow-origin']).toBe('*');
    });

    it('refuses browser origins it does not serve with 403, and accepts its own', async () => {
      const res = await post({ Authorization: `Bearer ${tokens.carol}`, Origin: 'https://evil.example' }).expect(403);
      expect(res.body.message).toMatch(/Origin https:\/\/evil.example may not call \/mcp/);
      await post({ Authorization: `Bearer ${tokens.carol}`, Origin: 'null' }).expect(403);
      await post({ Authorization: `Bearer ${tokens.carol}`, Origin: url }).expect(200);
    });
  });
});

describeOnPostgres('MCP server behind two instances', () => {
  let database: TestDatabase;
  const apps: Array<{ t: TestApp; url: string }> = [];

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    const key = await makeKey('ES256');
    const env = { ...jwtLocalEnv(key), ...database.env };
    apps.push(await serve(env));
    // The second instance shares the first's public URL and audiences, as behind a load balancer.
    const second = await createTestApp({ ...env, PUBLIC_URL: apps[0].url, JWT_AUD: `${apps[0].url},${apps[0].url}/mcp` });
    const port = await freePort();
    await second.app.listen(port, '127.0.0.1');
    apps.push({ t: second, url: `http://127.0.0.1:${port}` });
    tokens.carol = await mint(key, { sub: 'carol', aud: `${apps[0].url}/mcp` });
  });
  const tokens: Record<string, string> = {};
  afterAll(async () => {
    for (const { t } of apps) await t.close();
    await database?.drop();
  });

  it('counts every tool call against the caller\'s rate limit', async () => {
    const key = await makeKey('ES256');
    const limited = await serve({ ...jwtLocalEnv(key), ...database.env, RATE_LIMIT_PER_USER: '4', RATE_LIMIT_WINDOW_SECONDS: '60' });
    try {
      const token = await mint(key, { sub: 'carol', aud: `${limited.url}/mcp` });
      const c = await connect(limited.url, token, 'modern'); // discovery: one request
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await c.callTool({ name: 'whoAmI', arguments: {} }).then(() => 'ok', (err: Error) => err.message));
      expect(results.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
      expect(results[3]).toMatch(/429|Too many requests/);
      await c.close();
    } finally {
      await limited.t.close();
    }
  });

  it.each(['legacy', 'modern'] as const)('serves one %s client whose requests alternate between them', async (era) => {
    let turn = 0;
    const served: string[] = [];
    const alternate: FetchLike = (input, init) => {
      const target = new URL(String(input instanceof Request ? input.url : input));
      const to = new URL(apps[turn++ % 2].url);
      if (target.pathname === '/mcp') {
        target.host = to.host;
        served.push(to.port);
      }
      return fetch(target, init);
    };
    const c = await connect(apps[0].url, tokens.carol, era, alternate);
    const { tools } = await c.listTools();
    expect(tools).toHaveLength(TOOLS.length);
    const first = await c.callTool({ name: 'listDeals', arguments: { limit: 3 } });
    const next = await c.callTool({ name: 'listDeals', arguments: { limit: 3, cursor: (first.structuredContent as { next: string }).next } });
    expect(next.isError).toBeFalsy();
    const rest = await request(apps[1].url).get('/api/deals?limit=6').set('Authorization', `Bearer ${tokens.carol}`).expect(200);
    expect([...(first.structuredContent as { items: Row[] }).items, ...(next.structuredContent as { items: Row[] }).items]).toEqual(rest.body.items);
    expect(new Set(served).size).toBe(2);
    await c.close();
  });
});
