import { createHash, randomBytes } from 'node:crypto';

/** A cookie jar and redirect walker: enough of a browser to sign in through HTML forms. */
export class Agent {
  private cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
    return res;
  }

  /** Follows redirects until one leaves `origin` (returned as its Location) or a page is reached. */
  async follow(url: string, origin: string, init?: RequestInit): Promise<{ page?: Response; location?: string; url: string }> {
    let res = await this.fetch(url, init);
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { page: res, url: current };
      const next = new URL(location, current).toString();
      if (new URL(next).origin !== origin) return { location: next, url: current };
      current = next;
      res = await this.fetch(next);
    }
    throw new Error('too many redirects');
  }
}

export interface FlowOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  login: string;
  password: string;
  scope?: string;
  pkce?: boolean;
  /** RFC 8707 resource indicator. */
  resource?: string;
  /** OpenID Connect prompt parameter (e.g. consent). */
  prompt?: string;
  /** The answer on the consent page, if one is shown (default allow). */
  consent?: 'allow' | 'deny';
  /** Continue in this browser (its provider session) instead of a new one. */
  agent?: Agent;
}

interface FlowResult {
  verifier?: string;
  agent: Agent;
  /** Whether the consent page was shown (and answered). */
  consentShown: boolean;
  /** Whether the sign-in page was shown (a new agent always signs in). */
  signedIn: boolean;
  /** Where the provider sent the browser back to, with its query. */
  callback: URL;
}
export interface Authorized extends FlowResult {
  code: string;
}
export interface Denied extends FlowResult {
  error: string;
  errorDescription?: string;
}

const unescapeHtml = (s: string) => s.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c))).replace(/&amp;/g, '&');

/**
 * The authorization code flow as a person would do it: open the authorization URL, get
 * the sign-in page, submit the form, allow (or deny) on the consent page when it is shown,
 * and come back to the redirect URI with a code (or, denied, with an error).
 */
export async function authorize(opts: FlowOptions & { consent?: 'allow' }): Promise<Authorized>;
export async function authorize(opts: FlowOptions & { consent: 'deny' }): Promise<Denied>;
export async function authorize(opts: FlowOptions): Promise<Authorized | Denied> {
  const agent = opts.agent ?? new Agent();
  const verifier = opts.pkce ? randomBytes(32).toString('base64url') : undefined;
  const state = randomBytes(8).toString('hex');
  const params = new URLSearchParams({
    client_id: opts.clientId,
    redirect_uri: opts.redirectUri,
    response_type: 'code',
    scope: opts.scope ?? 'openid profile email offline_access',
    state,
    ...(verifier ? { code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' } : {}),
    ...(opts.resource ? { resource: opts.resource } : {}),
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
  });
  const walked = await signInAt(new URL(`${opts.issuer}/auth?${params}`), { ...opts, agent });
  const { callback } = walked;
  const expected = new URL(opts.redirectUri);
  if (callback.origin !== expected.origin || callback.pathname !== expected.pathname) throw new Error(`redirected to ${callback}`);
  if (callback.searchParams.get('state') !== state) throw new Error('state mismatch');
  const result = { verifier, agent, ...walked };
  const error = callback.searchParams.get('error');
  if (opts.consent === 'deny') {
    if (!error) throw new Error(`not denied: ${callback}`);
    return { ...result, error, errorDescription: callback.searchParams.get('error_description') ?? undefined };
  }
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code: ${callback}`);
  return { ...result, code };
}

/**
 * Opens an authorization URL (built here or by a client library) in `agent` and answers
 * what the provider shows: the sign-in page, then the consent page if one comes, until
 * the browser is sent back to the client. Returns where it was sent.
 */
export async function signInAt(
  url: URL,
  opts: { agent: Agent; login: string; password: string; consent?: 'allow' | 'deny' },
): Promise<{ callback: URL; signedIn: boolean; consentShown: boolean }> {
  const { agent } = opts;
  const origin = url.origin;
  let step = await agent.follow(url.toString(), origin);
  if (step.page && step.page.status !== 200) throw new Error(`no sign-in page (status ${step.page.status}): ${await step.page.text()}`);
  let signedIn = false;
  let consentShown = false;
  while (step.page) {
    const html = await step.page.text();
    if (step.page.status !== 200) throw new Error(`sign-in did not redirect back (status ${step.page.status}): ${html}`);
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    let form: Record<string, string>;
    if (action && /name="login"/.test(html) && !signedIn) {
      signedIn = true;
      form = { login: opts.login, password: opts.password };
    } else if (action && /name="decision"/.test(html) && !consentShown) {
      consentShown = true;
      form = { decision: opts.consent ?? 'allow' };
    } else {
      throw new Error(`sign-in did not redirect back (unexpected page):\n${html}`);
    }
    step = await agent.follow(new URL(unescapeHtml(action), step.url).toString(), origin, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }
  return { callback: new URL(step.location!), signedIn, consentShown };
}

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

/** POST to the token endpoint with the client's credentials in the body or in a Basic header. */
export async function tokenRequest(
  issuer: string,
  params: Record<string, string>,
  client: { id: string; secret?: string; method: 'post' | 'basic' | 'none' },
): Promise<{ status: number; body: TokenResponse & { error?: string } }> {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.method === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret ?? '')}`).toString('base64')}`;
  } else {
    body.set('client_id', client.id);
    if (client.method === 'post') body.set('client_secret', client.secret ?? '');
  }
  const res = await fetch(`${issuer}/token`, { method: 'POST', headers, body: body.toString() });
  return { status: res.status, body: (await res.json()) as TokenResponse & { error?: string } };
}
