import {
  auth,
  discoverAuthorizationServerMetadata,
  exchangeAuthorization,
  refreshAuthorization,
  registerClient,
  type AuthorizationServerMetadata,
  type OAuthClientMetadata,
} from '@modelcontextprotocol/client';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { DEFAULT_GPT_SECRET, DevIdp, isMcpRedirectUri } from '../idp/dev-idp.ts';
import { MemoryClientProvider } from './helpers/mcp-oauth-client.js';
import { Agent, authorize, signInAt, tokenRequest } from './helpers/oauth-flow.js';
import { freePort } from './helpers/ports.js';

const AUDIENCE = 'https://api.rolegate.test';
const MCP = 'https://api.rolegate.test/mcp';
const GPT = { id: 'gpt-client', secret: 'gpt-secret-0123456789' };
const PASSWORD = 'secret-pass';
const LOOPBACK = 'http://127.0.0.1:33418/oauth/callback';

/** A Client ID Metadata Document, served by the test's fetch instead of the network. */
const CIMD_ID = 'https://mcp-client.example/oauth/client.json';
const CIMD_DOCS: Record<string, Record<string, unknown>> = {
  [CIMD_ID]: {
    client_id: CIMD_ID,
    client_name: 'Example MCP client',
    redirect_uris: ['http://localhost:6274/oauth/callback'],
  },
  'https://evil.example/client.json': {
    client_id: 'https://evil.example/client.json',
    client_name: 'Evil',
    redirect_uris: ['https://evil.example/cb'],
    token_endpoint_auth_method: 'none',
  },
};

/**
 * The development OpenID provider as MCP clients use it, over real HTTP: RFC 8414 metadata,
 * dynamic registration (RFC 7591) for known MCP clients' and loopback redirect URIs only,
 * authorization code + PKCE with resource=<rolegate>/mcp (RFC 8707), a consent page
 * remembered per user, client and redirect URI, refresh token rotation, and Client ID
 * Metadata Documents. Registration, token exchange and refresh go through the MCP
 * TypeScript SDK's own client functions.
 */
describe('development OpenID provider for MCP clients', () => {
  let idp: DevIdp;
  let issuer: string;
  let metadata: AuthorizationServerMetadata;
  const fetched: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    idp = new DevIdp({
      issuer,
      port,
      audience: AUDIENCE,
      mcpResource: MCP,
      gptClient: GPT,
      password: PASSWORD,
      fetch: async (input) => {
        const url = String(input instanceof Request ? input.url : input);
        fetched.push(url);
        const doc = CIMD_DOCS[url];
        return doc ? Response.json(doc, { headers: { 'cache-control': 'max-age=60' } }) : new Response('not found', { status: 404 });
      },
    });
    await idp.listen();
    metadata = (await discoverAuthorizationServerMetadata(issuer))!;
  });
  afterAll(async () => {
    await idp?.close();
  });

  const register = (body: Record<string, unknown>) =>
    fetch(`${issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  /** A public MCP client registered through the SDK, as an MCP client does it. */
  const registerPublic = (redirectUris: string[], name = 'Test MCP client') =>
    registerClient(issuer, {
      metadata,
      clientMetadata: {
        client_name: name,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    });

  const jwks = () => createRemoteJWKSet(new URL(`${issuer}/jwks`));

  it('publishes RFC 8414 metadata, the same as its OpenID discovery document', async () => {
    const res = await fetch(`${issuer}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const oauth = (await res.json()) as Record<string, unknown>;
    const openid = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    expect(oauth).toEqual(openid);
    expect(oauth).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      registration_endpoint: `${issuer}/register`,
      jwks_uri: `${issuer}/jwks`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
    expect(oauth.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(oauth.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['none', 'client_secret_basic', 'client_secret_post']));
    expect(oauth.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    // What the SDK found (it checks that issuer matches the URL it asked).
    expect(metadata.registration_endpoint).toBe(`${issuer}/register`);
  });

  it("completes the MCP SDK's own auth() flow: protected resource metadata, registration, PKCE, resource, consent, refresh", async () => {
    // rolegate's RFC 9728 document for /mcp, served to the SDK in place of rolegate.
    const prm = `${new URL(MCP).origin}/.well-known/oauth-protected-resource/mcp`;
    const fetchFn = async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url === prm) return Response.json({ resource: MCP, authorization_servers: [issuer], scopes_supported: ['openid', 'profile', 'email', 'offline_access'] });
      if (url.startsWith(new URL(MCP).origin)) return new Response('not found', { status: 404 });
      return fetch(input, init);
    };
    const client = new MemoryClientProvider('http://127.0.0.1:33419/callback');
    expect(await auth(client, { serverUrl: MCP, fetchFn })).toBe('REDIRECT');
    expect(client.information?.client_id).toEqual(expect.any(String));
    const url = client.authorizationUrl!;
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ resource: MCP, code_challenge_method: 'S256', prompt: 'consent' });

    const { callback, consentShown } = await signInAt(url, { agent: new Agent(), login: 'bob', password: PASSWORD });
    expect(consentShown).toBe(true);
    const code = callback.searchParams.get('code')!;
    expect(await auth(client, { serverUrl: MCP, authorizationCode: code, iss: callback.searchParams.get('iss')!, fetchFn })).toBe('AUTHORIZED');
    const first = client.stored!;
    expect((await jwtVerify(first.access_token, jwks(), { issuer, audience: MCP })).payload).toMatchObject({ sub: 'bob', roles: ['manager'], region: 'EU' });
    expect(first.refresh_token).toEqual(expect.any(String));

    // An expired access token: auth() refreshes with the refresh token (and gets a new one).
    client.stored = { ...first, expires_in: 0 };
    expect(await auth(client, { serverUrl: MCP, fetchFn })).toBe('AUTHORIZED');
    expect(client.stored.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(client.stored.access_token).aud).toBe(MCP);
  });

  describe('dynamic client registration', () => {
    it.each([
      'https://chatgpt.com/connector_platform_oauth_redirect',
      'https://chatgpt.com/connector/oauth/abc_DEF-123',
      'https://claude.ai/api/mcp/auth_callback',
      'https://claude.com/api/mcp/auth_callback',
      'http://127.0.0.1:33418/oauth/callback',
      'http://localhost:6274/oauth/callback',
      'http://[::1]:8080/callback',
      'http://localhost/cb?x=1',
    ])('registers a public client for %s', async (uri) => {
      const before = idp.registeredClients;
      const res = await register({ client_name: 'x', redirect_uris: [uri], token_endpoint_auth_method: 'none' });
      expect(res.status).toBe(201);
      const client = (await res.json()) as Record<string, unknown>;
      expect(client).toMatchObject({ redirect_uris: [uri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] });
      expect(client.client_id).toEqual(expect.any(String));
      expect(client.client_secret).toBeUndefined();
      expect(idp.registeredClients).toBe(before + 1);
    });

    it('registers a confidential client with a secret (client_secret_basic when the method is not given, as RFC 7591 says)', async () => {
      const post = await register({ redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], token_endpoint_auth_method: 'client_secret_post' });
      expect(post.status).toBe(201);
      expect(await post.json()).toMatchObject({ client_secret: expect.any(String), token_endpoint_auth_method: 'client_secret_post' });
      const basic = await register({ redirect_uris: ['https://chatgpt.com/connector_platform_oauth_redirect'] });
      expect(basic.status).toBe(201);
      expect(await basic.json()).toMatchObject({ client_secret: expect.any(String), token_endpoint_auth_method: 'client_secret_basic' });
    });

    it('lets a confidential registered client sign in with its secret (and PKCE) and refresh', async () => {
      const redirectUri = 'https://chatgpt.com/connector/oauth/x1';
      const client = (await (await register({ client_name: 'ChatGPT connector', redirect_uris: [redirectUri] })).json()) as { client_id: string; client_secret: string };
      const flow = await authorize({ issuer, clientId: client.client_id, redirectUri, login: 'alice', password: PASSWORD, pkce: true, resource: MCP });
      const credentials = { id: client.client_id, secret: client.client_secret, method: 'basic' as const };
      const res = await tokenRequest(issuer, { grant_type: 'authorization_code', code: flow.code, code_verifier: flow.verifier!, redirect_uri: redirectUri }, credentials);
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token)).toMatchObject({ aud: MCP, sub: 'alice' });
      const refreshed = await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: res.body.refresh_token! }, credentials);
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.refresh_token).not.toBe(res.body.refresh_token);
      const wrong = await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token! }, { ...credentials, secret: 'wrong' });
      expect([wrong.status, wrong.body.error]).toEqual([401, 'invalid_client']);
    });

    it.each(
      [
        ['https://evil.example/cb'],
        ['http://10.0.0.1/cb'],
        ['javascript:alert(1)'],
        ['https://chatgpt.com.evil.example/connector_platform_oauth_redirect'],
        ['https://evilchatgpt.com/connector_platform_oauth_redirect'],
        ['http://chatgpt.com/connector_platform_oauth_redirect'],
        ['https://chatgpt.com/connector/oauth/a/b'],
        ['https://chatgpt.com/connector/oauth/../../evil'],
        ['https://chatgpt.com/aip/g-1/oauth/callback'],
        ['https://claude.ai/api/mcp/auth_callback?next=https://evil.example'],
        ['https://claude.ai:8443/api/mcp/auth_callback'],
        ['https://user@claude.ai/api/mcp/auth_callback'],
        ['http://127.0.0.1.evil.example/cb'],
        ['https://127.0.0.1/cb'],
        ['http://localhost:1/cb#frag'],
        ['myapp://callback'],
        ['http://localhost:6274/oauth/callback', 'https://evil.example/cb'],
        [],
      ].map((uris) => ({ uris, label: uris.join(' and ') || 'no redirect URI' })),
    )('refuses $label', async ({ uris }) => {
      const before = idp.registeredClients;
      const res = await register({ client_name: 'x', redirect_uris: uris, token_endpoint_auth_method: 'none' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: 'invalid_redirect_uri' });
      expect(idp.registeredClients).toBe(before);
    });

    it('refuses a registration without redirect URIs, or with a bad post-logout one', async () => {
      for (const body of [{ client_name: 'x' }, { redirect_uris: [LOOPBACK], post_logout_redirect_uris: ['https://evil.example/'] }]) {
        const res = await register(body);
        expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, 'invalid_redirect_uri']);
      }
    });

    it('refuses them however the registration path is spelled (the router ignores case and a trailing slash)', async () => {
      const before = idp.registeredClients;
      for (const path of ['/Register', '/REGISTER', '/register/']) {
        const res = await fetch(`${issuer}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: ['https://evil.example/cb'], token_endpoint_auth_method: 'none' }),
        });
        expect([path, res.status, ((await res.json()) as { error: string }).error]).toEqual([path, 400, 'invalid_redirect_uri']);
      }
      expect(idp.registeredClients).toBe(before);
    });

    it('can be called from a browser-based client (CORS)', async () => {
      const origin = 'http://localhost:6274';
      const preflight = await fetch(`${issuer}/register`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
      const res = await fetch(`${issuer}/register`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [`${origin}/oauth/callback`], token_endpoint_auth_method: 'none' }),
      });
      expect([res.status, res.headers.get('access-control-allow-origin')]).toEqual([201, '*']);
    });

    it('leaves requests that are not JSON to oidc-provider', async () => {
      const res = await fetch(`${issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    });

    it('matches the redirect URI policy exactly', () => {
      expect(isMcpRedirectUri('https://chatgpt.com/connector_platform_oauth_redirect')).toBe(true);
      expect(isMcpRedirectUri('https://chatgpt.com/connector_platform_oauth_redirect/')).toBe(false);
      expect(isMcpRedirectUri('https://CHATGPT.com/connector_platform_oauth_redirect')).toBe(false);
      expect(isMcpRedirectUri('https://chatgpt.com/connector/oauth/')).toBe(false);
      expect(isMcpRedirectUri('http://[::1]/')).toBe(true);
    });
  });

  describe('a registered public client', () => {
    it('signs in with PKCE for resource=<mcp>, gets a JWT for it with the role claims, and a refresh token that rotates', async () => {
      const client = await registerPublic([LOOPBACK]);
      const flow = await authorize({
        issuer,
        clientId: client.client_id,
        redirectUri: LOOPBACK,
        login: 'carol',
        password: PASSWORD,
        pkce: true,
        resource: MCP,
      });
      expect(flow.consentShown).toBe(true);
      expect(flow.callback.searchParams.get('iss')).toBe(issuer);
      const tokens = await exchangeAuthorization(issuer, {
        metadata,
        clientInformation: client,
        authorizationCode: flow.code,
        iss: flow.callback.searchParams.get('iss') ?? undefined,
        codeVerifier: flow.verifier!,
        redirectUri: LOOPBACK,
        resource: new URL(MCP),
      });
      expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
      const { payload } = await jwtVerify(tokens.access_token, jwks(), { issuer, audience: MCP });
      expect(payload).toMatchObject({
        aud: MCP,
        sub: 'carol',
        client_id: client.client_id,
        roles: ['sales'],
        region: 'EU',
        name: expect.any(String),
        email: expect.any(String),
      });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'offline_access']));

      const refreshed = await refreshAuthorization(issuer, { metadata, clientInformation: client, refreshToken: tokens.refresh_token!, resource: new URL(MCP) });
      expect(refreshed.refresh_token).toEqual(expect.any(String));
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      expect(refreshed.scope?.split(' ')).toContain('offline_access');
      expect((await jwtVerify(refreshed.access_token, jwks(), { issuer, audience: MCP })).payload).toMatchObject({ sub: 'carol', roles: ['sales'] });

      // Rotated: the old refresh token is spent; the new one works, also without resource= (the granted one).
      const reused = await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { id: client.client_id, method: 'none' });
      expect([reused.status, reused.body.error]).toEqual([400, 'invalid_grant']);
    });

    it('keeps refreshing without resource= for the granted resource (a second sign-in: no consent)', async () => {
      const client = await registerPublic([LOOPBACK]);
      const first = await authorize({ issuer, clientId: client.client_id, redirectUri: LOOPBACK, login: 'dan', password: PASSWORD, pkce: true, resource: MCP });
      const again = await authorize({ issuer, clientId: client.client_id, redirectUri: LOOPBACK, login: 'dan', password: PASSWORD, pkce: true, resource: MCP });
      expect([first.consentShown, again.consentShown, again.signedIn]).toEqual([true, false, true]);
      const code = await tokenRequest(
        issuer,
        { grant_type: 'authorization_code', code: again.code, code_verifier: again.verifier!, redirect_uri: LOOPBACK },
        { id: client.client_id, method: 'none' },
      );
      expect(code.status).toBe(200);
      expect(decodeJwt(code.body.access_token)).toMatchObject({ aud: MCP, sub: 'dan', roles: ['support'], region: 'NA' });
      const refresh = await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: code.body.refresh_token! }, { id: client.client_id, method: 'none' });
      expect(refresh.status).toBe(200);
      expect(decodeJwt(refresh.body.access_token).aud).toBe(MCP);
      expect(refresh.body.refresh_token).not.toBe(code.body.refresh_token);
    });

    it('requires PKCE', async () => {
      const client = await registerPublic([LOOPBACK]);
      await expect(
        authorize({ issuer, clientId: client.client_id, redirectUri: LOOPBACK, login: 'carol', password: PASSWORD, resource: MCP }),
      ).rejects.toThrow(/error=invalid_request.*PKCE/);
    });

    it('gets a token for rolegate’s API when it asks for that resource, and one without a scope still comes', async () => {
      const client = await registerPublic([LOOPBACK]);
      const flow = await authorize({
        issuer,
        clientId: client.client_id,
        redirectUri: LOOPBACK,
        login: 'bob',
        password: PASSWORD,
        pkce: true,
        resource: AUDIENCE,
        scope: 'rolegate:unknown offline_access',
      });
      const res = await tokenRequest(
        issuer,
        { grant_type: 'authorization_code', code: flow.code, code_verifier: flow.verifier!, redirect_uri: LOOPBACK, resource: AUDIENCE },
        { id: client.client_id, method: 'none' },
      );
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token)).toMatchObject({ aud: AUDIENCE, sub: 'bob', roles: ['manager'] });
    });

    it('refuses a resource that is not configured, at the authorization and at the token endpoint', async () => {
      const client = await registerPublic([LOOPBACK]);
      await expect(
        authorize({ issuer, clientId: client.client_id, redirectUri: LOOPBACK, login: 'carol', password: PASSWORD, pkce: true, resource: 'https://other.example/mcp' }),
      ).rejects.toThrow(/error=invalid_target/);

      const flow = await authorize({ issuer, clientId: client.client_id, redirectUri: LOOPBACK, login: 'carol', password: PASSWORD, pkce: true, resource: MCP });
      const params = { grant_type: 'authorization_code', code: flow.code, code_verifier: flow.verifier!, redirect_uri: LOOPBACK };
      const other = await tokenRequest(issuer, { ...params, resource: 'https://other.example/mcp' }, { id: client.client_id, method: 'none' });
      expect([other.status, other.body.error]).toEqual([400, 'invalid_target']);
      // (The refused exchange spent the code.) A refresh token asked for another resource:
      const again = await authorize({ issuer, clientId: client.client_id, redirectUri: LOOPBACK, login: 'carol', password: PASSWORD, pkce: true, resource: MCP });
      const tokens = await tokenRequest(
        issuer,
        { grant_type: 'authorization_code', code: again.code, code_verifier: again.verifier!, redirect_uri: LOOPBACK },
        { id: client.client_id, method: 'none' },
      );
      expect(tokens.status).toBe(200);
      const refresh = await tokenRequest(
        issuer,
        { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token!, resource: 'https://other.example/mcp' },
        { id: client.client_id, method: 'none' },
      );
      expect([refresh.status, refresh.body.error]).toEqual([400, 'invalid_target']);
      // Refused before oidc-provider saw it: the refresh token is not spent.
      const fine = await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token! }, { id: client.client_id, method: 'none' });
      expect(fine.status).toBe(200);
    });
  });

  describe('exposed beyond loopback', () => {
    it('refuses to start off loopback with the default password or GPT client secret', () => {
      expect(() => new DevIdp({ issuer: 'https://idp.example.net', audience: AUDIENCE })).toThrow(/not a loopback address: refusing to start with the default password/);
      expect(() => new DevIdp({ issuer: 'https://idp.example.net', audience: AUDIENCE, password: 'long-and-random', gptClient: { id: 'g', secret: DEFAULT_GPT_SECRET } })).toThrow(
        /refusing to start with the default GPT client secret/,
      );
      expect(() => new DevIdp({ issuer: 'https://idp.example.net', audience: AUDIENCE, password: 'long-and-random', gptClient: { id: 'g', secret: 'another-secret' } })).not.toThrow();
    });

    it('builds its endpoints from the issuer, whatever Host or X-Forwarded-Host a client sends', async () => {
      const doc = (await (await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } })).json()) as Record<string, string>;
      for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'registration_endpoint']) expect(doc[endpoint].startsWith(`${issuer}/`)).toBe(true);
    });
  });

  describe('the token endpoint, with whatever a client sends', () => {
    it('answers a Basic header that does not decode with 401 invalid_client as JSON, and an oversized body with 413', async () => {
      for (const credentials of ['rolegate-gpt:%', '%E0%A4%A:x', 'gpt-client:%zz']) {
        const res = await fetch(`${issuer}/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=refresh_token&refresh_token=x',
        });
        expect([res.status, res.headers.get('content-type'), ((await res.json()) as { error: string }).error]).toEqual([401, 'application/json', 'invalid_client']);
      }
      const big = await fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=x&pad=${'a'.repeat(70_000)}` });
      expect([big.status, ((await big.json()) as { error: string }).error]).toEqual([413, 'invalid_request']);
    });

    it('registers no client that would make it fetch keys (jwks_uri, private_key_jwt)', async () => {
      for (const extra of [{ jwks_uri: 'http://127.0.0.1:4310/jwks', token_endpoint_auth_method: 'private_key_jwt' }, { token_endpoint_auth_method: 'private_key_jwt' }, { jwks_uri: 'https://keys.example/jwks' }]) {
        const res = await fetch(`${issuer}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_name: 'keys', redirect_uris: [LOOPBACK], ...extra }),
        });
        expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, 'invalid_client_metadata']);
      }
    });
  });

  describe('consent', () => {
    const REDIRECTS = ['http://127.0.0.1:40001/cb', 'http://localhost:40002/cb'];

    it('is asked the first time, not the next sign-in, again for another redirect URI or user; Deny gives access_denied', async () => {
      const client = await registerPublic(REDIRECTS, 'Consent <b>test</b>');
      const flow = (redirectUri: string, login = 'erin', agent?: Agent) =>
        ({ issuer, clientId: client.client_id, redirectUri, login, password: PASSWORD, pkce: true, resource: MCP, agent });

      const denied = await authorize({ ...flow(REDIRECTS[0]), consent: 'deny' });
      expect([denied.consentShown, denied.error]).toEqual([true, 'access_denied']);

      const first = await authorize(flow(REDIRECTS[0]));
      expect(first.consentShown).toBe(true); // denying is not remembered
      const second = await authorize(flow(REDIRECTS[0]));
      expect([second.signedIn, second.consentShown]).toEqual([true, false]);
      // Same browser session, other redirect URI of the same client: asked again, no new sign-in.
      const other = await authorize(flow(REDIRECTS[1], 'erin', second.agent));
      expect([other.signedIn, other.consentShown]).toEqual([false, true]);
      const otherAgain = await authorize(flow(REDIRECTS[1]));
      expect(otherAgain.consentShown).toBe(false);
      // Another user through the same client and redirect URI: asked.
      expect((await authorize(flow(REDIRECTS[0], 'frank'))).consentShown).toBe(true);
    });

    it('names the client (escaped), where it sends the browser back, the scopes and the resource', async () => {
      const client = await registerPublic([REDIRECTS[0]], 'Consent <b>page</b> & co');
      const agent = new Agent();
      const params = new URLSearchParams({
        client_id: client.client_id,
        redirect_uri: REDIRECTS[0],
        response_type: 'code',
        scope: 'openid email offline_access',
        resource: MCP,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      const start = await agent.follow(`${issuer}/auth?${params}`, issuer);
      const loginAction = /<form method="post" action="([^"]+)"/.exec(await start.page!.text())![1];
      const consent = await agent.follow(new URL(loginAction, start.url).toString(), issuer, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'login=carol&password=secret-pass',
      });
      expect(consent.page!.status).toBe(200);
      expect(consent.page!.headers.get('x-frame-options')).toBe('DENY');
      const html = await consent.page!.text();
      expect(html).toContain('Consent &#60;b&#62;page&#60;/b&#62; &#38; co');
      expect(html).not.toContain('<b>page</b>');
      expect(html).toContain(client.client_id);
      expect(html).toContain('http://127.0.0.1:40001');
      expect(html).toContain(MCP);
      expect(html).toMatch(/\(email\)/);
      expect(html).toMatch(/\(offline_access\)/);
      expect(html).not.toMatch(/\(profile\)/);
      expect(html).toMatch(/<button type="submit" name="decision" value="allow"[^>]*>Allow<\/button>/);
      expect(html).toMatch(/<button type="submit" name="decision" value="deny">Deny<\/button>/);
    });

    it('is asked when the client sends prompt=consent, even if allowed before; Deny there forgets the approval', async () => {
      const client = await registerPublic([REDIRECTS[0]]);
      const base = { issuer, clientId: client.client_id, redirectUri: REDIRECTS[0], login: 'bob', password: PASSWORD, pkce: true, resource: MCP };
      expect((await authorize(base)).consentShown).toBe(true);
      expect((await authorize(base)).consentShown).toBe(false);
      expect((await authorize({ ...base, prompt: 'consent' })).consentShown).toBe(true);
      // Denying then takes the earlier approval back.
      expect((await authorize({ ...base, prompt: 'consent', consent: 'deny' })).error).toBe('access_denied');
      expect((await authorize(base)).consentShown).toBe(true);
    });
  });

  describe('the pre-registered GPT client', () => {
    it('still gets tokens for rolegate’s API when it sends no resource, and may use the MCP callbacks', async () => {
      const callback = 'https://chatgpt.com/aip/g-abc/oauth/callback';
      const { code } = await authorize({ issuer, clientId: GPT.id, redirectUri: callback, login: 'carol', password: PASSWORD });
      const res = await tokenRequest(issuer, { grant_type: 'authorization_code', code, redirect_uri: callback }, { ...GPT, method: 'post' });
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token)).toMatchObject({ aud: AUDIENCE, sub: 'carol', roles: ['sales'] });
      expect(res.body.scope?.split(' ')).toContain('offline_access');

      const connector = 'https://chatgpt.com/connector_platform_oauth_redirect';
      const mcp = await authorize({ issuer, clientId: GPT.id, redirectUri: connector, login: 'carol', password: PASSWORD, resource: MCP, pkce: true });
      const mcpTokens = await tokenRequest(
        issuer,
        { grant_type: 'authorization_code', code: mcp.code, redirect_uri: connector, code_verifier: mcp.verifier!, resource: MCP },
        { ...GPT, method: 'basic' },
      );
      expect(decodeJwt(mcpTokens.body.access_token).aud).toBe(MCP);
    });
  });

  describe('Client ID Metadata Documents', () => {
    it('signs in a public client whose id is the URL of its metadata document (client_id and redirect_uris are enough)', async () => {
      const redirectUri = 'http://localhost:6274/oauth/callback';
      const flow = await authorize({ issuer, clientId: CIMD_ID, redirectUri, login: 'carol', password: PASSWORD, pkce: true, resource: MCP });
      expect(flow.consentShown).toBe(true);
      expect(fetched).toContain(CIMD_ID);
      const res = await tokenRequest(
        issuer,
        { grant_type: 'authorization_code', code: flow.code, code_verifier: flow.verifier!, redirect_uri: redirectUri },
        { id: CIMD_ID, method: 'none' },
      );
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token)).toMatchObject({ aud: MCP, sub: 'carol', client_id: CIMD_ID });
      expect(res.body.refresh_token).toEqual(expect.any(String));
    });

    it('refuses a document whose redirect URIs are not allowed, and does not fetch from local addresses', async () => {
      const evil = await authorize({
        issuer,
        clientId: 'https://evil.example/client.json',
        redirectUri: 'https://evil.example/cb',
        login: 'carol',
        password: PASSWORD,
        pkce: true,
      }).catch((e: Error) => e.message);
      expect(evil).toMatch(/no sign-in page \(status 40\d\).*invalid_client/s);

      for (const clientId of [
        'https://localhost/client.json',
        'https://localhost.:4310/c',
        'https://foo.localhost./c',
        'https://10.1.2.3/client.json',
        'https://[::1]/client.json',
        'https://[::127.0.0.1]/c',
        'https://[2002:7f00:1::]/c',
        'https://127.0.0.1:8443/c.json',
        'https://intranet/c.json',
      ]) {
        const seen = fetched.length;
        const res = await fetch(`${issuer}/auth?${new URLSearchParams({ client_id: clientId, redirect_uri: 'http://localhost:1/cb', response_type: 'code', scope: 'openid' })}`);
        expect(res.status).toBe(400);
        expect(await res.text()).toContain('invalid_client');
        expect(fetched.length).toBe(seen);
      }
    });
  });
});
