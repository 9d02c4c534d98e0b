import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_PATH = 1024;

/**
 * The path alone: no query string, and no scheme, credentials or host from an
 * absolute-form request target (`GET http://user:secret@host/x`).
 */
function pathOf(target: string): string {
  let path: string;
  try {
    path = new URL(target, 'http://rolegate.invalid').pathname;
  } catch {
    path = '(unparsable)';
  }
  return path.slice(0, MAX_PATH);
}

/**
 * One JSON line per request, when it ends: its id (a well-formed `X-Request-Id`, or a new
 * UUID, echoed in the response), the user, the matched route, status and latency. Only
 * these fields are written, never headers, query strings or bodies, so tokens, cookies
 * and secrets cannot reach the logs. Nothing is built per request beyond the id unless
 * the line's level is enabled.
 */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    (req as Request & { id: string }).id = id;
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    const done = () => {
      res.off('finish', done);
      res.off('close', done);
      const aborted = !res.writableFinished; // the client left before the answer was delivered
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          requestId: id,
          userId: (req.user as Principal | undefined)?.id,
          route: (req.route as { path?: string } | undefined)?.path,
          req: { method: req.method, path: pathOf(req.originalUrl) },
          res: { statusCode: res.headersSent ? res.statusCode : null },
          latencyMs: Math.round((performance.now() - started) * 10) / 10,
        },
        aborted ? 'request aborted' : res.statusCode >= 500 ? 'request failed' : 'request completed',
      );
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
