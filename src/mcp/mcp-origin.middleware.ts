import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';

/**
 * Streamable HTTP servers must refuse browser requests from origins they do not serve
 * (DNS rebinding, cross-site requests riding a signed-in user's cookie): a request whose
 * `Origin` is neither PUBLIC_URL's nor listed in MCP_ALLOWED_ORIGINS gets 403 before
 * anything else runs. Requests without an `Origin` (MCP clients outside a browser) pass.
 * Listed origins get CORS headers, and their preflight is answered here (it carries no
 * credentials, so it never reaches the authentication guard).
 */
@Injectable()
export class McpOriginMiddleware implements NestMiddleware {
  private readonly allowed: Set<string>;

  constructor(config: ConfigService<AppConfig, true>) {
    const { publicUrl } = config.get('app', { infer: true });
    this.allowed = new Set([new URL(publicUrl).origin, ...config.get('mcp', { infer: true }).allowedOrigins]);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    if (!this.allowed.has(origin)) {
      res.status(403).json({ statusCode: 403, error: 'Forbidden', message: `Origin ${origin.slice(0, 200)} may not call /mcp; allow it with MCP_ALLOWED_ORIGINS` });
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, Mcp-Session-Id, X-Request-Id, Retry-After');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'POST, GET, DELETE');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  }
}
