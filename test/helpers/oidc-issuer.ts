import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JWK } from 'jose';

export type IssuerMode = 'up' | 'error' | 'hang' | 'stall';

/**
 * A minimal OpenID issuer on loopback: a discovery document and a JWKS served over real
 * HTTP, with counters so tests can see exactly how often rolegate asks for keys.
 */
export class TestIssuer {
  readonly hits = { discovery: 0, jwks: 0, other: 0 };
  keys: JWK[] = [];
  mode: IssuerMode = 'up';
  /** Overrides the `issuer` the discovery document names (to test the mismatch check). */
  claimedIssuer: string | undefined;
  /** Overrides the `jwks_uri` the discovery document names (to test where keys may come from). */
  jwksUri: string | undefined;
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  url = '';

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The issuer identifier rolegate is configured with (JWT_ISS). */
  get issuer(): string {
    return `${this.url}/`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (path === '/.well-known/openid-configuration') this.hits.discovery++;
    else if (path === '/jwks') this.hits.jwks++;
    else this.hits.other++;
    if (this.mode === 'hang') return; // accept and never answer
    if (this.mode === 'stall') {
      // headers, then a body that never ends
      res.writeHead(200, { 'content-type': 'application/json' }).write('{"keys": [');
      return;
    }
    if (this.mode === 'error') {
      res.writeHead(503).end();
      return;
    }
    if (path === '/.well-known/openid-configuration') {
      this.json(res, {
        issuer: this.claimedIssuer ?? this.issuer,
        jwks_uri: this.jwksUri ?? `${this.url}/jwks`,
        authorization_endpoint: `${this.url}/authorize`,
        token_endpoint: `${this.url}/token`,
      });
    } else if (path === '/jwks') {
      this.json(res, { keys: this.keys });
    } else {
      this.json(res, { keys: [] });
    }
  }

  private json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
