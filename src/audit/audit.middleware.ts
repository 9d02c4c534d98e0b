import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../auth/principal.js';
import type { AppConfig, AuthType } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { auditCalls, eventOf, newAuditCall } from './audit-call.js';
import { AuditTrail } from './audit-trail.js';

/** What a client that left before the answer was sent gets recorded with (nginx's "client closed request"). */
export const CLIENT_CLOSED = 499;

/**
 * Opens an audit call for every request under /api and records its event when the answer
 * is sent, whatever the status: 401, 403, 404 and 429 refusals included. The guards name
 * the operation (audit-label.guard.ts); a request that reached none (an unknown path, a
 * body that is not JSON) touched no data and leaves no event. A write's event is already
 * stored with the write.
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
    const call = newAuditCall((req as Request & { id: string }).id, 'rest', this.authType);
    const done = () => {
      res.off('finish', done);
      res.off('close', done);
      if (call.recorded || !call.operation) return;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
      this.trail.record(eventOf(call, req.user as Principal | undefined, status));
    };
    res.on('finish', done);
    res.on('close', done);
    auditCalls.run(call, next);
  }
}
