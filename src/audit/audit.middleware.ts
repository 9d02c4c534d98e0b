import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../auth/principal.js';
import type { AppConfig, AuthType } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { auditCalls, recordIdsOf } from './audit-call.js';
import { AuditTrail } from './audit-trail.js';

/** What a client that left before the answer was sent gets recorded with (nginx's "client closed request"). */
export const CLIENT_CLOSED = 499;

/**
 * Opens an audit call for every request under /api and records its event when the answer
 * is sent, whatever the status: 401, 403, 404 and 429 refusals included. The guards name
 * the operation (audit-label.guard.ts); a request that reached none (an unknown path, a
 * body that is not JSON) touched no data and leaves no event. A write's event is already
 * stored with the write. A client that leaves is recorded with 499, once its write has
 * settled if one was under way (and not at all if the write committed); a write that had
 * not started by then does not happen (audit-store.ts).
 */
@Injectable()
export class AuditMiddleware implements NestMiddleware {
  private readonly authType: AuthType;

  constructor(
    private readonly trail: AuditTrail,
    config: ConfigService<AppConfig, true>,
  ) {
    this.authType = config.get('auth', { infer: true }).type;
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const call = this.trail.begin((req as Request & { id: string }).id, 'rest', this.authType);
    const done = () => {
      res.off('finish', done);
      res.off('close', done);
      const answered = res.writableFinished;
      const end = () => this.trail.end(call, req.user as Principal | undefined, answered ? res.statusCode : CLIENT_CLOSED);
      if (!answered && call.writing) call.afterWrite = end;
      else end();
    };
    // The records an answer carries, read from what is sent (cheaper than an interceptor on every route).
    const json = res.json.bind(res);
    res.json = (body?: unknown) => {
      const ids = recordIdsOf(body);
      if (ids) call.recordIds = ids;
      return json(body);
    };
    res.on('finish', done);
    res.on('close', done);
    auditCalls.run(call, next);
  }
}
