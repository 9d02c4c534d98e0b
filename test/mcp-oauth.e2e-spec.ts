import { Client, StreamableHTTPClientTransport, UnauthorizedError, type FetchLike } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { DevIdp } from '../idp/dev-idp.ts';
import { createTestApp, type TestApp } from './helpers/app.js';
import { freshDatabase, postgresUrl, type TestDatabase, itOnPostgres } from './helpers/databases.js';
import { MemoryClientProvider } from './helpers/mcp-oauth-client.js';
import { Agent, authorize, signInAt, tokenRequest } from './helpers/oauth-flow.js';
import { freePort } from './helpers/ports.js';

type Row = Record<string, unknown>;
const PASSWORD = 'secret-pass';
const GPT = { id: 'gpt-client', secret: 'gpt-secret-0123456789' };
const GPT_CALLBACK = 'https://chatgpt.com/aip/g-0a1b2c3d4e/oauth/callback';
/** The REST audience of the provider: a token for it is not one rolegate's MCP endpoint was configured for. */
const OTHER_AUDIENCE = 'https://reports.example.com';

/**
 * The whole MCP authorization flow with the official MCP client SDK and no hand-made
 * tokens: a 401 from rolegate, its protected resource metadata, the provider's metadata,
 * dynamic registration, authorization code + PKCE with a sign-in and consent (automated),
 * a token for the MCP resource, then tools/list and tools/call, as carol and as bob, each
 * seeing exactly their REST data. On PostgreSQL, two rolegate instances behind one URL.
 */
describe('MCP clients sign in through OAuth and see their own data', () => {
  let idp: DevIdp;
  let issuer: string;
  let database: TestDatabase;
  const apps: Array<{ t: TestApp; url: string }> = [];
  let url: string;
  let mcp: string;

  beforeAll(async () => {
    const [idpPort, port] = await Promise.all([freePort(), freePort()]);
    issuer = `http://127.0.0.1:${idpPort}`;
    url = `http://127.0.0.1:${port}`;
    mcp = `${url}/mcp`;
    idp = new DevIdp({ issuer, port: idpPort, audience: OTHER_AUDIENCE, mcpResource: mcp, gptClient: GPT, password: PASSWORD });
    await idp.listen();
    database = await freshDatabase(postgresUrl ? 'postgres' : 'pglite');
    const env = { AUTH_TYPE: 'jwt_oidc', JWT_ISS: issuer, JWT_AUD: mcp, PUBLIC_URL: url, OIDC_TIMEOUT_MS: '2000', ...database.env };
    const first = await createTestApp(env);
    await first.app.listen(port, '127.0.0.1');
    apps.push({ t: first, url });
    if (postgresUrl) {
      // A second instance on the same database, answering for the same public URL.
      const second = await createTestApp(env);
      const secondPort = await freePort();
      await second.app.listen(secondPort, '127.0.0.1');
      apps.push({ t: second, url: `http://127.0.0.1:${secondPort}` });
    }
  });
  afterAll(async () => {
    for (const { t } of apps) await t.close();
    await database?.drop();
    await idp?.close();
  });

  /** Every request to /mcp goes to the next instance in turn, as a load balancer without sticky sessions would. */
  const served: string[] = [];
  let turn = 0;
  const alternate: FetchLike = (input, init) => {
    const target = new URL(String(input instanceof Request ? input.url : input));
    if (target.origin === url && target.pathname === '/mcp') {
      const to = new URL(apps[turn++ % apps.length].url);
      target.host = to.host;
      served.push(to.port);
    }
    return fetch(target, init);
  };

  /** What an MCP host does: connect, get a 401, run the OAuth flow in the "browser", come back, connect again. */
  async function signedInClient(login: string): Promise<{ client: Client; provider: MemoryClientProvider; consentShown: boolean }> {
    const provider = new MemoryClientProvider(`http://127.0.0.1:${await freePort()}/callback`);
    const first = new Client({ name: 'rolegate-test-host', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(mcp), { authProvider: provider, fetch: alternate });
    await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    // By then the SDK has read rolegate's metadata and the provider's, and registered itself.
    expect(provider.discovery?.resourceMetadata).toMatchObject({ resource: mcp, authorization_servers: [issuer] });
    expect(provider.information?.client_id).toEqual(expect.any(String));
    const authorization = provider.authorizationUrl!;
    expect(authorization.origin).toBe(issuer);
    expect(Object.fromEntries(authorization.searchParams)).toMatchObject({ resource: mcp, code_challenge_method: 'S256', response_type: 'code' });

    const { callback, consentShown } = await signInAt(authorization, { agent: new Agent(), login, password: PASSWORD });
    await transport.finishAuth(callback.searchParams);
    const token = provider.stored!.access_token;
    expect(decodeJwt(token)).toMatchObject({ iss: issuer, aud: mcp, sub: login });

    const client = new Client({ name: 'rolegate-test-host', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp), { authProvider: provider, fetch: alternate }));
    return { client, provider, consentShown };
  }

  const rest = (token: string, path: string) => request(url).get(path).set('Authorization', `Bearer ${token}`);

  it.each(['carol', 'bob'])('%s: discovery, registration, PKCE sign-in with consent, then exactly their own data', async (login) => {
    const { client, provider, consentShown } = await signedInClient(login);
    expect(consentShown).toBe(true);
    expect(client.getProtocolEra()).toBe('modern');
    const token = provider.stored!.access_token;
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['whoAmI', 'listDeals', 'updateDeal', 'listCustomers']));

    const me = await client.callTool({ name: 'whoAmI', arguments: {} });
    expect(me.structuredContent).toMatchObject({ sub: login, authType: 'jwt_oidc', clientId: provider.information!.client_id });
    for (const [tool, path] of [
      ['listDeals', '/api/deals?limit=100'],
      ['listCustomers', '/api/customers?limit=100'],
      ['listTickets', '/api/tickets?limit=100'],
    ] as const) {
      const result = await client.callTool({ name: tool, arguments: { limit: 100 } });
      expect(result.structuredContent).toEqual((await rest(token, path).expect(200)).body);
    }
    await client.close();
  });

  it('carol may change her own deal and no one else\'s; the refusal is a tool error, never data', async () => {
    const { client, provider } = await signedInClient('carol');
    const token = provider.stored!.access_token;
    const [own] = (await rest(token, '/api/deals?limit=1').expect(200)).body.items;
    const changed = await client.callTool({ name: 'updateDeal', arguments: { id: own.id, amount: own.amount + 10 } });
    expect(changed.isError).toBeFalsy();
    expect((changed.structuredContent as Row).amount).toBe(own.amount + 10);

    const bob = await signedInClient('bob');
    const [eu] = (await rest(bob.provider.stored!.access_token, '/api/deals?limit=50').expect(200)).body.items.filter((d: Row) => d.ownerId !== own.ownerId);
    const refused = await client.callTool({ name: 'updateDeal', arguments: { id: eu.id, amount: 1 } });
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent).toBeUndefined();
    expect((refused.content as Array<{ text: string }>)[0].text).toBe(`404 Not Found: deal ${eu.id} not found`);
    const users = await client.callTool({ name: 'listUsers', arguments: {} });
    expect((users.content as Array<{ text: string }>)[0].text).toBe('403 Forbidden: Requires one of the roles: admin');
    await client.close();
    await bob.client.close();
  });

  it('asks for consent once per client and redirect URI', async () => {
    const provider = new MemoryClientProvider(`http://127.0.0.1:${await freePort()}/callback`);
    const agent = new Agent();
    const transport = () => new StreamableHTTPClientTransport(new URL(mcp), { authProvider: provider, fetch: alternate });
    for (const expected of [true, false]) {
      provider.stored = undefined;
      await expect(new Client({ name: 'host', version: '1' }).connect(transport())).rejects.toBeInstanceOf(UnauthorizedError);
      const url = new URL(provider.authorizationUrl!);
      url.searchParams.delete('prompt'); // a host that does not force the consent prompt
      const { callback, consentShown } = await signInAt(url, { agent, login: 'carol', password: PASSWORD });
      expect(consentShown).toBe(expected);
      await transport().finishAuth(callback.searchParams);
    }
  });

  it('refuses a token the provider issued for another audience, as rolegate was not configured for it', async () => {
    const { code } = await authorize({ issuer, clientId: GPT.id, redirectUri: GPT_CALLBACK, login: 'carol', password: PASSWORD });
    const tokens = await tokenRequest(issuer, { grant_type: 'authorization_code', code, redirect_uri: GPT_CALLBACK }, { ...GPT, method: 'post' });
    expect(decodeJwt(tokens.body.access_token).aud).toBe(OTHER_AUDIENCE);
    const client = new Client({ name: 'host', version: '1' });
    await expect(
      client.connect(new StreamableHTTPClientTransport(new URL(mcp), { authProvider: { token: async () => tokens.body.access_token } })),
    ).rejects.toThrow();
    const res = await request(url).post('/mcp').set('Authorization', `Bearer ${tokens.body.access_token}`).send({ jsonrpc: '2.0', id: 1, method: 'tools/list' }).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token".*resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
  });

  itOnPostgres('is answered by two instances in turn, with no session to keep', async () => {
    served.length = 0;
    const { client } = await signedInClient('carol');
    for (let i = 0; i < 4; i++) expect((await client.callTool({ name: 'listDeals', arguments: { limit: 2 } })).isError).toBeFalsy();
    expect(new Set(served).size).toBe(2);
    await client.close();
  });
});
