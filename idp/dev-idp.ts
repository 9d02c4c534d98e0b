import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BlockList, isIP, type AddressInfo } from 'node:net';
import Provider, {
  errors,
  interactionPolicy,
  type ClientMetadata,
  type Configuration,
  type Grant,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { ACCOUNTS, checkPassword, findAccountBySub, roleClaims } from './accounts.ts';
import { MemoryStore } from './memory-store.ts';
import { consentPage, errorPage, loginPage } from './pages.ts';

export interface DevIdpOptions {
  /** Issuer identifier, e.g. http://localhost:4000 (what rolegate's JWT_ISS must be). */
  issuer: string;
  host?: string;
  port?: number;
  /** rolegate's audience (JWT_AUD): access tokens are JWTs for this resource unless a client asks for another. */
  audience: string;
  /**
   * A second resource, rolegate's MCP endpoint (`<rolegate>/mcp`): a token requested with
   * `resource=<this URL>` (RFC 8707) is a JWT with it as audience, with the same claims.
   */
  mcpResource?: string;
  rolesClaim?: string;
  regionClaim?: string;
  /** Password of every demo user. */
  password?: string;
  gptClient?: { id: string; secret: string; extraRedirectUris?: string[] };
  swaggerClient?: { id: string; redirectUri: string };
  /** How long a rotated-out signing key stays published. */
  keyGraceSeconds?: number;
  /** What time it is (milliseconds): tests move it past the grace period instead of waiting. */
  clock?: { now(): number };
  accessTokenTtlSeconds?: number;
  /** Bearer token for POST /admin/rotate-keys. */
  adminToken?: string;
  /** Resolve https client ids from their Client ID Metadata Documents (default true). */
  clientIdMetadataDocuments?: boolean;
  /**
   * How the provider fetches Client ID Metadata Documents. The default is fetch with
   * oidc-provider's guard, which refuses loopback, private and other special-use
   * addresses; tests replace it to serve documents without the network.
   */
  fetch?: typeof globalThis.fetch;
}

type OptionalSettings = 'gptClient' | 'swaggerClient' | 'mcpResource' | 'fetch';

/** What `npm run idp` uses on loopback; refused anywhere else (see the constructor). */
export const DEFAULT_PASSWORD = 'demo';
export const DEFAULT_GPT_SECRET = 'rolegate-gpt-secret';

export const isLoopbackUrl = (url: string) => /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(new URL(url).hostname);

/** ChatGPT's callback URLs: `g-<id>` changes per GPT and when an Action is edited. */
export const GPT_REDIRECT_PATTERNS = [
  'https://chat.openai.com/aip/g-*/oauth/callback',
  'https://chatgpt.com/aip/g-*/oauth/callback',
];

/** The redirect URIs that dynamically registered clients and Client ID Metadata Documents may use. */
export const MCP_REDIRECT_URIS = [
  'https://chatgpt.com/connector_platform_oauth_redirect',
  'https://chatgpt.com/connector/oauth/<id>',
  'https://claude.ai/api/mcp/auth_callback',
  'https://claude.com/api/mcp/auth_callback',
  'http://127.0.0.1:<port>/<path>',
  'http://localhost:<port>/<path>',
  'http://[::1]:<port>/<path>',
];

const SCOPES = ['openid', 'profile', 'email', 'offline_access'];
/** What a client that asks for none of these gets (see the middleware in buildProvider). */
const DEFAULT_SCOPES = ['openid', 'profile', 'email'];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether a redirect URI is one of the known MCP clients' callbacks (ChatGPT, Claude) or
 * a loopback address (MCP Inspector, Claude Code, desktop clients, the SDK's examples).
 * The URI must be in its normal form: no user info, no fragment, no dot segments.
 */
export function isMcpRedirectUri(uri: string): boolean {
  const url = URL.parse(uri);
  if (!url || url.href !== uri || uri.includes('#') || url.username || url.password) return false;
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' || url.port || url.search) return false;
  switch (url.hostname) {
    case 'chatgpt.com':
      return url.pathname === '/connector_platform_oauth_redirect' || /^\/connector\/oauth\/[A-Za-z0-9_-]+$/.test(url.pathname);
    case 'claude.ai':
    case 'claude.com':
      return url.pathname === '/api/mcp/auth_callback';
    default:
      return false;
  }
}

/**
 * A registration request's metadata: the redirect URIs (and post-logout ones) must be MCP
 * redirect URIs, or it is refused with invalid_redirect_uri and nothing is registered.
 * Without a token_endpoint_auth_method the client gets RFC 7591's default, client_secret_basic.
 */
function checkRegistration(metadata: Record<string, unknown>): void {
  const { redirect_uris: redirectUris, post_logout_redirect_uris: logoutUris = [] } = metadata;
  const allowed = (uris: unknown) => Array.isArray(uris) && uris.every((u) => typeof u === 'string' && isMcpRedirectUri(u));
  if (!Array.isArray(redirectUris) || redirectUris.length === 0 || !allowed(redirectUris) || !allowed(logoutUris)) {
    // A description starting with redirect_uris makes oidc-provider's error invalid_redirect_uri.
    throw new errors.InvalidClientMetadata(`redirect_uris must be callbacks of known MCP clients or loopback: ${MCP_REDIRECT_URIS.join(', ')}`);
  }
  metadata.token_endpoint_auth_method ??= 'client_secret_basic';
  // No client keys to fetch: a registered jwks_uri would have the provider connect wherever a stranger says.
  if (!['none', 'client_secret_basic', 'client_secret_post'].includes(String(metadata.token_endpoint_auth_method))) {
    throw new errors.InvalidClientMetadata('token_endpoint_auth_method must be none, client_secret_basic or client_secret_post');
  }
  if (metadata.jwks_uri !== undefined || metadata.jwks !== undefined) throw new errors.InvalidClientMetadata('jwks and jwks_uri are not accepted');
}

/** Address ranges a Client ID Metadata Document is never fetched from. */
const SPECIAL_USE = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 3]] as const) {
  SPECIAL_USE.addSubnet(net, prefix, 'ipv4');
}
// ::/96 also covers IPv4-compatible forms ([::127.0.0.1]); 2002::/16 (6to4) embeds IPv4 addresses.
for (const [net, prefix] of [['::', 96], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  SPECIAL_USE.addSubnet(net, prefix, 'ipv6');
}

/** Whether a client id URL may be fetched: https (oidc-provider checks) to a public name or address. */
export function metadataDocumentFetchAllowed(clientId: string): boolean {
  const url = URL.parse(clientId);
  if (url?.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '').toLowerCase(); // localhost. is localhost
  if (host === 'localhost' || host.endsWith('.localhost') || (!host.includes('.') && !host.includes(':'))) return false;
  const family = isIP(host);
  return family === 0 || !SPECIAL_USE.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

interface SigningKey {
  jwk: Record<string, unknown>;
  retireAt?: number;
}

/** What a user allowed a client to have, for one redirect URI. */
interface Approval {
  openid?: { scope?: string; claims?: string[] };
  resources?: Record<string, string>;
}

const patternToRegExp = (pattern: string) =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('[A-Za-z0-9_-]+')}$`);

function newSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { jwk: { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' } };
}

const approvalKey = (accountId: string, clientId: string, redirectUri: string) => JSON.stringify([accountId, clientId, redirectUri]);

/**
 * A development OpenID provider built on oidc-provider (OpenID Certified): the demo users
 * sign in with a password and, the first time a client asks through a redirect URI, allow
 * or deny it; access tokens are RS256 JWTs for rolegate's audience (or its MCP endpoint,
 * with resource=) carrying roles and region; refresh tokens are issued. One confidential
 * client for GPT Actions, one public PKCE client for Swagger UI, and MCP clients that
 * register themselves (RFC 7591) or bring a Client ID Metadata Document. Signing keys can
 * be rotated while it runs, with the old key kept in the JWKS for a grace period.
 */
export class DevIdp {
  readonly options: Required<Omit<DevIdpOptions, OptionalSettings>> & Pick<DevIdpOptions, OptionalSettings>;
  private keys: SigningKey[] = [newSigningKey()];
  private provider: Provider;
  private readonly cookieKeys = [randomBytes(32).toString('base64url')];
  private readonly store = new MemoryStore();
  /** Consent given, per user, client and redirect URI (kept across key rotations). */
  private readonly approvals = new Map<string, Approval>();
  private server: Server | undefined;
  /** JWKS documents served, so tests can see how often relying parties fetch keys. */
  jwksRequests = 0;
  /** Clients registered at the registration endpoint. */
  registeredClients = 0;

  constructor(options: DevIdpOptions) {
    this.options = {
      host: '127.0.0.1',
      port: 4000,
      rolesClaim: 'roles',
      regionClaim: 'region',
      password: DEFAULT_PASSWORD,
      keyGraceSeconds: 3600,
      clock: { now: () => Date.now() },
      accessTokenTtlSeconds: 3600,
      adminToken: randomBytes(24).toString('base64url'),
      clientIdMetadataDocuments: true,
      ...options,
      issuer: options.issuer.replace(/\/+$/, ''),
    };
    // Reachable from elsewhere (a tunnel, a public host), the documented defaults would let
    // anyone sign in as a demo user, or act as the GPT client.
    if (!isLoopbackUrl(this.options.issuer)) {
      const defaults = [
        this.options.password === DEFAULT_PASSWORD && 'the default password (set IDP_PASSWORD)',
        this.options.gptClient?.secret === DEFAULT_GPT_SECRET && 'the default GPT client secret (set IDP_GPT_CLIENT_SECRET)',
      ].filter(Boolean);
      if (defaults.length > 0) throw new Error(`The issuer ${this.options.issuer} is not a loopback address: refusing to start with ${defaults.join(' and ')}`);
    }
    this.provider = this.buildProvider();
  }

  /** Public keys currently published (for tests and the admin endpoint). */
  get publishedKids(): string[] {
    this.retireKeys();
    return this.keys.map((k) => k.jwk.kid as string);
  }

  /** Where MCP clients register themselves (RFC 7591; POST, no initial access token). */
  get registrationEndpoint(): string {
    return `${this.options.issuer}/register`;
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        console.error('development provider: request failed', err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' }).end(errorPage('Something went wrong. Try again from the application.'));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.options.port, this.options.host, resolve));
    return `http://${this.options.host}:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Starts signing with a new key; the previous keys stay in the JWKS until the grace
   * period ends, so tokens they signed keep verifying meanwhile. Grants, sessions,
   * registered clients and refresh tokens survive (they live in a store shared by every
   * provider instance), and so do the users' consents.
   */
  rotateKeys(): { kid: string; published: string[] } {
    const retireAt = this.options.clock.now() + this.options.keyGraceSeconds * 1000;
    this.keys = [newSigningKey(), ...this.keys.map((k) => ({ ...k, retireAt: k.retireAt ?? retireAt }))];
    this.provider = this.buildProvider();
    return { kid: this.keys[0].jwk.kid as string, published: this.publishedKids };
  }

  /** Stops publishing keys whose grace period has ended; checked on every request, so no timer runs. */
  private retireKeys(): void {
    const now = this.options.clock.now();
    if (this.keys.every((k) => (k.retireAt ?? Infinity) > now)) return;
    this.keys = this.keys.filter((k) => (k.retireAt ?? Infinity) > now);
    this.provider = this.buildProvider();
  }

  private buildProvider(): Provider {
    const o = this.options;
    const clients: ClientMetadata[] = [];
    if (o.gptClient) {
      clients.push({
        client_id: o.gptClient.id,
        client_secret: o.gptClient.secret,
        client_name: 'ChatGPT',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [...GPT_REDIRECT_PATTERNS, ...(o.gptClient.extraRedirectUris ?? [])],
        token_endpoint_auth_method: 'client_secret_post',
      });
    }
    if (o.swaggerClient) {
      clients.push({
        client_id: o.swaggerClient.id,
        client_name: 'rolegate Swagger UI',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [o.swaggerClient.redirectUri],
        token_endpoint_auth_method: 'none',
      });
    }
    const staticIds = new Set(clients.map((c) => c.client_id));
    const resources = new Set([o.audience, ...(o.mcpResource ? [o.mcpResource] : [])]);
    const redirectUriOf = (ctx: KoaContextWithOIDC) => String(ctx.oidc.params?.redirect_uri ?? '');

    // The consent prompt also asks when this user has not yet allowed this client through
    // this redirect URI (even when no scope is asked for), and remembered consent covers
    // native clients too (oidc-provider asks them every time by default).
    const policy = interactionPolicy.base();
    const consent = policy.get('consent')!;
    consent.checks.remove('native_client_prompt');
    consent.checks.add(
      new interactionPolicy.Check('client_not_approved', 'the End-User has not yet allowed this client and redirect URI', (ctx) => {
        const { oidc } = ctx;
        if (oidc.result?.consent || !oidc.session?.accountId || !oidc.client) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        return !this.approvals.has(approvalKey(oidc.session.accountId, oidc.client.clientId, redirectUriOf(ctx)));
      }),
      1,
    );

    const provider = new Provider(o.issuer, {
      adapter: this.store.adapter,
      clients,
      // For Client ID Metadata Documents, which may hold no more than client_id and
      // redirect_uris (registration requests get RFC 7591's client_secret_basic: checkRegistration).
      clientDefaults: {
        grant_types: ['authorization_code', 'refresh_token'],
        id_token_signed_response_alg: 'RS256',
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
      responseTypes: ['code'],
      jwks: { keys: this.keys.map((k) => k.jwk) } as Configuration['jwks'],
      cookies: { keys: this.cookieKeys },
      claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
      scopes: SCOPES,
      routes: { registration: '/register' },
      findAccount: (_ctx, sub) => {
        const account = findAccountBySub(sub);
        return account && {
          accountId: account.sub,
          claims: () => ({ sub: account.sub, name: account.name, email: account.email, email_verified: true }),
        };
      },
      features: {
        devInteractions: { enabled: false },
        revocation: { enabled: true },
        // RFC 7591, open to anyone, for the redirect URIs of known MCP clients and loopback only.
        // oidc-provider has no hook before an open registration is stored (its policies need
        // initial access tokens), but idFactory is the first thing the request calls, with its metadata.
        registration: {
          enabled: true,
          initialAccessToken: false,
          idFactory: (ctx) => {
            checkRegistration(ctx.oidc.body ?? {});
            return randomBytes(24).toString('base64url');
          },
        },
        clientIdMetadataDocument: {
          enabled: o.clientIdMetadataDocuments,
          ack: 'draft-02',
          allowFetch: (_ctx, clientId) => metadataDocumentFetchAllowed(clientId),
          allowClient: (_ctx, client) =>
            client.redirectUris!.every(isMcpRedirectUri) && (client.postLogoutRedirectUris ?? []).every(isMcpRedirectUri),
          cacheDuration: { min: 10, max: 300 },
        },
        resourceIndicators: {
          enabled: true,
          // GPT editors cannot add resource= to requests: without one, a token is for rolegate's API.
          defaultResource: (_ctx, _client, oneOf) => (oneOf ? (oneOf.includes(o.audience) ? o.audience : oneOf) : o.audience),
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            if (!resources.has(resource)) throw new errors.InvalidTarget();
            return {
              scope: SCOPES.join(' '),
              audience: resource,
              accessTokenTTL: o.accessTokenTtlSeconds,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
      extraTokenClaims: (_ctx, token) => {
        const account = token.kind === 'AccessToken' && token.accountId ? findAccountBySub(token.accountId) : undefined;
        return account ? { ...roleClaims(account, o.rolesClaim, o.regionClaim), name: account.name, email: account.email } : undefined;
      },
      issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      // Refresh tokens outlive the sign-in session (which ends after 8 hours).
      expiresWithSession: (ctx) => !ctx.oidc.client?.grantTypeAllowed('refresh_token'),
      // Every client gets a new refresh token at every use, and the used one is spent (RFC 9700
      // §4.14): a stolen one that comes back after its owner used it is refused, and
      // oidc-provider then revokes the whole grant, so the thief's newer tokens die with it.
      rotateRefreshToken: true,
      pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' || !staticIds.has(client.clientId) },
      loadExistingGrant: async (ctx) => {
        const { oidc } = ctx;
        if (oidc.result?.consent?.grantId) return oidc.provider.Grant.find(oidc.result.consent.grantId);
        const accountId = oidc.session?.accountId;
        const clientId = oidc.client?.clientId;
        const approval = accountId && clientId ? this.approvals.get(approvalKey(accountId, clientId, redirectUriOf(ctx))) : undefined;
        if (!approval) return undefined;
        // A grant of its own for each authorization, with what the user allowed before.
        const grant = new oidc.provider.Grant({ accountId, clientId });
        if (approval.openid?.scope) grant.addOIDCScope(approval.openid.scope);
        if (approval.openid?.claims?.length) grant.addOIDCClaims(approval.openid.claims);
        for (const [resource, scope] of Object.entries(approval.resources ?? {})) grant.addResourceScope(resource, scope);
        await grant.save();
        return grant;
      },
      interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      ttl: {
        AccessToken: o.accessTokenTtlSeconds,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 600,
        Session: 8 * 3600,
        Grant: 14 * 24 * 3600,
        RefreshToken: 14 * 24 * 3600,
      },
      ...(o.fetch ? { fetch: o.fetch } : {}),
      renderError: (ctx: KoaContextWithOIDC, out) => {
        ctx.type = 'html';
        ctx.body = errorPage(`${out.error}: ${out.error_description ?? ''}`);
      },
    });
    provider.proxy = true;
    provider.on('registration_create.success', () => this.registeredClients++);
    // oidc-provider refuses an authorization in which no scope is granted: a client that asks
    // for none of the default scopes (plain OAuth, only scopes of another provider, or only
    // offline_access, which is dropped without prompt=consent) gets them, so that its token
    // for rolegate still comes.
    provider.use(async (ctx, next) => {
      const { scope, request, request_uri: requestUri } = ctx.query;
      if (ctx.path === '/auth' && ctx.method === 'GET' && !Array.isArray(scope) && request === undefined && requestUri === undefined) {
        const requested = (scope ?? '').split(' ').filter(Boolean);
        if (!requested.some((s) => DEFAULT_SCOPES.includes(s))) ctx.query = { ...ctx.query, scope: [...requested, ...DEFAULT_SCOPES].join(' ') };
      }
      await next();
    });
    // Browser-based MCP clients (MCP Inspector) register from their own origin: registration
    // is open and takes no cookies, so any origin may call it (oidc-provider sets no CORS
    // there; its token endpoint allows a public client's redirect URI origins).
    provider.use(async (ctx, next) => {
      if (ctx.method === 'OPTIONS' && ctx.path.toLowerCase().replace(/\/+$/, '') === '/register') {
        ctx.status = 204;
        ctx.set({ 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
        return;
      }
      await next();
      if (ctx.oidc?.route === 'registration') ctx.set('access-control-allow-origin', '*');
    });
    // A token response with a refresh token says so in its scope, as OpenID Connect's offline_access does.
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { refresh_token?: unknown; scope?: string } | undefined;
      if (ctx.oidc?.route !== 'token' || ctx.status !== 200 || !body?.refresh_token) return;
      const scopes = new Set((body.scope ?? '').split(' ').filter(Boolean));
      if (!scopes.has('offline_access')) body.scope = [...scopes, 'offline_access'].join(' ');
    });
    // Accept any ChatGPT callback of the registered shape (g-<id> varies per GPT), and the
    // MCP clients' callbacks, for the GPT client (ChatGPT apps and Claude accept a client id and secret).
    const patterns = GPT_REDIRECT_PATTERNS.map(patternToRegExp);
    const exact = provider.Client.prototype.redirectUriAllowed;
    provider.Client.prototype.redirectUriAllowed = function (this: { clientId: string }, uri: string) {
      const gpt = o.gptClient?.id === this.clientId && (patterns.some((p) => p.test(uri)) || isMcpRedirectUri(uri));
      return gpt || exact.call(this, uri);
    };
    return provider;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.retireKeys();
    // Endpoint URLs always come from the issuer, never from what a client sends: oidc-provider
    // builds them from Host and X-Forwarded-*, which are set here (behind a tunnel too).
    const issuer = new URL(this.options.issuer);
    req.headers.host = issuer.host;
    req.headers['x-forwarded-host'] = issuer.host;
    req.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
    const url = new URL(req.url ?? '/', this.options.issuer);
    if (url.pathname.startsWith('/interaction/')) return this.interaction(req, res, url);
    if (url.pathname === '/admin/rotate-keys' && req.method === 'POST') return this.adminRotate(req, res);
    if (url.pathname === '/token' && req.method === 'POST' && !(await this.tokenRequest(req, res))) return;
    if (url.pathname === '/jwks') this.jwksRequests++;
    return this.provider.callback()(req, res);
  }

  /**
   * What the token endpoint needs before oidc-provider sees the request; false when it has
   * answered already.
   * - A body over 64 KiB: 413. A Basic header that does not decode: 401 invalid_client
   *   (not a 500 page).
   * - A resource that is neither rolegate's audience nor its MCP resource: 400
   *   invalid_target here, before oidc-provider would spend the refresh token on it.
   * - The GPT client is registered for client_secret_post; ChatGPT's "Basic authorization
   *   header" option sends the same credentials in a header. Both are accepted, as most
   *   identity providers do, by moving Basic credentials of that client into the body.
   */
  private async tokenRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const answer = (status: number, error: string, description: string) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ error, error_description: description }));
      return false;
    };
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return answer(413, 'invalid_request', 'the request body is larger than 64 KiB');
    }
    const body = new URLSearchParams(raw);
    const known = [this.options.audience, ...(this.options.mcpResource ? [this.options.mcpResource] : [])];
    if (body.getAll('resource').some((r) => !known.includes(r))) return answer(400, 'invalid_target', `resource must be ${known.join(' or ')}`);
    const header = req.headers.authorization;
    const gpt = this.options.gptClient;
    if (header?.toLowerCase().startsWith('basic ')) {
      let id: string;
      let secret: string | undefined;
      try {
        // RFC 7617: the user id ends at the first colon; the password is everything after it.
        const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString();
        const colon = decoded.indexOf(':');
        id = decodeURIComponent(colon < 0 ? decoded : decoded.slice(0, colon));
        secret = colon < 0 ? undefined : decodeURIComponent(decoded.slice(colon + 1));
      } catch {
        res.setHeader('www-authenticate', 'Basic realm="rolegate development provider"');
        return answer(401, 'invalid_client', 'the Basic authorization header does not decode');
      }
      const alone = !body.has('client_secret') && (!body.has('client_id') || body.get('client_id') === id);
      if (gpt && id === gpt.id && alone) {
        body.set('client_id', id);
        body.set('client_secret', secret ?? '');
        delete req.headers.authorization;
      }
    }
    // Parsed once here; a repeated parameter (resource=, RFC 8707) stays a list.
    (req as IncomingMessage & { body?: unknown }).body = Object.fromEntries([...new Set(body.keys())].map((k) => [k, body.getAll(k).length > 1 ? body.getAll(k) : body.get(k)]));
    return true;
  }

  private async adminRotate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!checkPassword(`Bearer ${this.options.adminToken}`, req.headers.authorization ?? '')) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end('{"error":"unauthorized"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.rotateKeys()));
  }

  private async interaction(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const html = (status: number, body: string) =>
      res
        .writeHead(status, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'x-frame-options': 'DENY',
          // No form-action: browsers apply it to the redirects that follow a form, to the client.
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        })
        .end(body);
    let details;
    try {
      details = await this.provider.interactionDetails(req, res);
    } catch {
      html(400, errorPage('This sign-in has expired or is unknown. Start again from the application.'));
      return;
    }
    const { uid, prompt, params, session } = details;
    const clientId = String(params.client_id);
    const client = await this.provider.Client.find(clientId);
    const clientName = client?.clientName ?? clientId;
    const users = ACCOUNTS.map((a) => a.sub);

    if (prompt.name === 'login') {
      const action = `/interaction/${uid}/login`;
      if (req.method === 'POST' && url.pathname === action) {
        const form = new URLSearchParams(await readBody(req));
        const login = form.get('login') ?? '';
        const account = findAccountBySub(login);
        if (!account || !checkPassword(this.options.password, form.get('password') ?? '')) {
          html(401, loginPage({ action, clientName, users, login, error: 'Unknown user or wrong password.' }));
          return;
        }
        await this.provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
        return;
      }
      html(200, loginPage({ action, clientName, users }));
      return;
    }

    if (prompt.name === 'consent' && session?.accountId) {
      const action = `/interaction/${uid}/consent`;
      const redirectUri = String(params.redirect_uri ?? '');
      if (req.method === 'POST' && url.pathname === action) {
        const decision = new URLSearchParams(await readBody(req)).get('decision');
        if (decision === 'deny') {
          this.approvals.delete(approvalKey(session.accountId, clientId, redirectUri));
          const denied = { error: 'access_denied', error_description: 'The user did not allow access.' };
          await this.provider.interactionFinished(req, res, denied, { mergeWithLastSubmission: false });
          return;
        }
        if (decision !== 'allow') {
          html(400, errorPage('Choose Allow or Deny.'));
          return;
        }
        const grant = await this.grantFor(details.grantId, session.accountId, clientId, prompt.details);
        const grantId = await grant.save();
        this.approvals.set(approvalKey(session.accountId, clientId, redirectUri), {
          openid: structuredClone(grant.openid),
          resources: structuredClone(grant.resources),
        });
        await this.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      const account = findAccountBySub(session.accountId);
      const resource = params.resource ?? this.options.audience;
      html(
        200,
        consentPage({
          action,
          clientName,
          clientId,
          redirectOrigin: URL.parse(redirectUri)?.origin ?? redirectUri,
          user: account ? `${account.name} (${account.sub})` : session.accountId,
          scopes: this.shownScopes(String(params.scope ?? ''), client?.grantTypeAllowed('refresh_token') ?? false),
          resources: (Array.isArray(resource) ? resource : [resource]).map(String),
        }),
      );
      return;
    }
    html(400, errorPage(`Unsupported step: ${prompt.name}`));
  }

  /**
   * The scopes to name on the consent page: those asked for that this provider knows, and
   * offline_access whenever the client will get a refresh token (oidc-provider drops that
   * scope from requests without prompt=consent, as OpenID Connect says, but refresh tokens
   * are issued to every client allowed the refresh_token grant).
   */
  private shownScopes(scope: string, refreshes: boolean): string[] {
    const asked = new Set(scope.split(' ').filter((s) => SCOPES.includes(s)));
    if (refreshes) asked.add('offline_access');
    return SCOPES.filter((s) => asked.has(s));
  }

  /** The grant the user allows: the one being built for this authorization, with what was missing added. */
  private async grantFor(grantId: string | undefined, accountId: string, clientId: string, missing: Record<string, unknown>): Promise<Grant> {
    const grant = (grantId ? await this.provider.Grant.find(grantId) : undefined) ?? new this.provider.Grant({ accountId, clientId });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = missing as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    return grant;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
