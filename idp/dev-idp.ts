import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { ACCOUNTS, checkPassword, findAccountBySub, roleClaims } from './accounts.ts';
import { MemoryStore } from './memory-store.ts';
import { errorPage, loginPage } from './pages.ts';

export interface DevIdpOptions {
  /** Issuer identifier, e.g. http://localhost:4000 (what rolegate's JWT_ISS must be). */
  issuer: string;
  host?: string;
  port?: number;
  /** rolegate's audience (JWT_AUD): access tokens are JWTs for this resource. */
  audience: string;
  rolesClaim?: string;
  regionClaim?: string;
  /** Password of every demo user. */
  password?: string;
  gptClient?: { id: string; secret: string; extraRedirectUris?: string[] };
  swaggerClient?: { id: string; redirectUri: string };
  /** How long a rotated-out signing key stays published. */
  keyGraceSeconds?: number;
  accessTokenTtlSeconds?: number;
  /** Bearer token for POST /admin/rotate-keys. */
  adminToken?: string;
}

/** ChatGPT's callback URLs: `g-<id>` changes per GPT and when an Action is edited. */
export const GPT_REDIRECT_PATTERNS = [
  'https://chat.openai.com/aip/g-*/oauth/callback',
  'https://chatgpt.com/aip/g-*/oauth/callback',
];

interface SigningKey {
  jwk: Record<string, unknown>;
  retireAt?: number;
}

const patternToRegExp = (pattern: string) =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('[A-Za-z0-9_-]+')}$`);

function newSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { jwk: { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' } };
}

/**
 * A development OpenID provider built on oidc-provider (OpenID Certified): the demo users
 * sign in with a password; access tokens are RS256 JWTs for rolegate's audience carrying
 * roles and region; refresh tokens are issued. One confidential client for GPT Actions,
 * one public PKCE client for Swagger UI. Signing keys can be rotated while it runs, with
 * the old key kept in the JWKS for a grace period.
 */
export class DevIdp {
  readonly options: Required<Omit<DevIdpOptions, 'gptClient' | 'swaggerClient'>> & Pick<DevIdpOptions, 'gptClient' | 'swaggerClient'>;
  private keys: SigningKey[] = [newSigningKey()];
  private provider: Provider;
  private readonly cookieKeys = [randomBytes(32).toString('base64url')];
  private readonly store = new MemoryStore();
  private server: Server | undefined;
  private retireTimer: NodeJS.Timeout | undefined;
  /** JWKS documents served, so tests can see how often relying parties fetch keys. */
  jwksRequests = 0;

  constructor(options: DevIdpOptions) {
    this.options = {
      host: '127.0.0.1',
      port: 4000,
      rolesClaim: 'roles',
      regionClaim: 'region',
      password: 'demo',
      keyGraceSeconds: 3600,
      accessTokenTtlSeconds: 3600,
      adminToken: randomBytes(24).toString('base64url'),
      ...options,
      issuer: options.issuer.replace(/\/+$/, ''),
    };
    this.provider = this.buildProvider();
  }

  /** Public keys currently published (for tests and the admin endpoint). */
  get publishedKids(): string[] {
    return this.keys.map((k) => k.jwk.kid as string);
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/html' }).end(errorPage(String(err)));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.options.port, this.options.host, resolve));
    return `http://${this.options.host}:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    clearTimeout(this.retireTimer);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Starts signing with a new key; the previous keys stay in the JWKS until the grace
   * period ends, so tokens they signed keep verifying meanwhile. Grants, sessions and
   * refresh tokens survive (they live in a store shared by every provider instance).
   */
  rotateKeys(): { kid: string; published: string[] } {
    const retireAt = Date.now() + this.options.keyGraceSeconds * 1000;
    this.keys = [newSigningKey(), ...this.keys.map((k) => ({ ...k, retireAt: k.retireAt ?? retireAt }))];
    this.provider = this.buildProvider();
    this.scheduleRetirement();
    return { kid: this.keys[0].jwk.kid as string, published: this.publishedKids };
  }

  private scheduleRetirement(): void {
    clearTimeout(this.retireTimer);
    const next = Math.min(...this.keys.map((k) => k.retireAt ?? Infinity));
    if (!Number.isFinite(next)) return;
    this.retireTimer = setTimeout(() => {
      this.keys = this.keys.filter((k) => (k.retireAt ?? Infinity) > Date.now());
      this.provider = this.buildProvider();
      this.scheduleRetirement();
    }, Math.max(0, next - Date.now()));
    this.retireTimer.unref();
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
    const provider = new Provider(o.issuer, {
      adapter: this.store.adapter,
      clients,
      responseTypes: ['code'],
      jwks: { keys: this.keys.map((k) => k.jwk) } as Configuration['jwks'],
      cookies: { keys: this.cookieKeys },
      claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
      scopes: ['openid', 'profile', 'email', 'offline_access'],
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
        resourceIndicators: {
          enabled: true,
          // GPT editors cannot add resource= to requests: every token is for rolegate.
          defaultResource: () => o.audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            if (resource !== o.audience) throw new errors.InvalidTarget();
            return {
              scope: 'openid profile email offline_access',
              audience: o.audience,
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
      pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      ttl: {
        AccessToken: o.accessTokenTtlSeconds,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 600,
        Session: 8 * 3600,
        Grant: 14 * 24 * 3600,
        RefreshToken: 14 * 24 * 3600,
      },
      renderError: (ctx: KoaContextWithOIDC, out) => {
        ctx.type = 'html';
        ctx.body = errorPage(`${out.error}: ${out.error_description ?? ''}`);
      },
    });
    provider.proxy = true;
    // Accept any ChatGPT callback of the registered shape (g-<id> varies per GPT).
    const patterns = GPT_REDIRECT_PATTERNS.map(patternToRegExp);
    const exact = provider.Client.prototype.redirectUriAllowed;
    provider.Client.prototype.redirectUriAllowed = function (this: { clientId: string }, uri: string) {
      return (o.gptClient?.id === this.clientId && patterns.some((p) => p.test(uri))) || exact.call(this, uri);
    };
    return provider;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.options.issuer);
    if (url.pathname.startsWith('/interaction/')) return this.interaction(req, res, url);
    if (url.pathname === '/admin/rotate-keys' && req.method === 'POST') return this.adminRotate(req, res);
    if (url.pathname === '/token' && req.method === 'POST') await this.basicToPost(req);
    if (url.pathname === '/jwks') this.jwksRequests++;
    return this.provider.callback()(req, res);
  }

  /**
   * The GPT client is registered for client_secret_post; ChatGPT's "Basic authorization
   * header" option sends the same credentials in a header. Both are accepted, as most
   * identity providers do, by moving Basic credentials of that client into the body.
   */
  private async basicToPost(req: IncomingMessage): Promise<void> {
    const header = req.headers.authorization;
    const gpt = this.options.gptClient;
    if (!gpt || !header?.toLowerCase().startsWith('basic ')) return;
    const [id, secret] = Buffer.from(header.slice(6).trim(), 'base64').toString().split(':').map(decodeURIComponent);
    if (id !== gpt.id) return;
    const body = new URLSearchParams(await readBody(req));
    if (body.has('client_secret') || (body.has('client_id') && body.get('client_id') !== id)) return;
    body.set('client_id', id);
    body.set('client_secret', secret ?? '');
    delete req.headers.authorization;
    (req as IncomingMessage & { body?: unknown }).body = Object.fromEntries(body);
  }

  private async adminRotate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!checkPassword(`Bearer ${this.options.adminToken}`, req.headers.authorization ?? '')) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end('{"error":"unauthorized"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.rotateKeys()));
  }

  private async interaction(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const html = (status: number, body: string) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    let details;
    try {
      details = await this.provider.interactionDetails(req, res);
    } catch {
      html(400, errorPage('This sign-in has expired or is unknown. Start again from the application.'));
      return;
    }
    const { uid, prompt, params, session } = details;
    const client = await this.provider.Client.find(String(params.client_id));
    const clientName = client?.clientName ?? String(params.client_id);
    const action = `/interaction/${uid}/login`;
    const users = ACCOUNTS.map((a) => a.sub);

    if (prompt.name === 'login') {
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

    if (prompt.name === 'consent') {
      // A development tool for demo users: consent is granted without asking.
      const grant = details.grantId
        ? (await this.provider.Grant.find(details.grantId))!
        : new this.provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
      const missing = prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(resource, scopes.join(' '));
      }
      const grantId = await grant.save();
      await this.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    html(400, errorPage(`Unsupported step: ${prompt.name}`));
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
