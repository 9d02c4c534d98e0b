import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../auth/principal.js';
import type { AppConfig, AuthType } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { auditCalls } from './audit-call.js';
import { AuditTrail } from './audit-trail.js';

/** What a client that left before the answer was sent gets recorded with (nginx's "client closed request"). */
export const CLIENT_CLOSED = 499;

/**
 * Opens an audit call for every request under /api and records its event when the answer
 * is sent, whatever the status: 401, 403, 404 and 429 refusals included. The guards name
 * the operation (audit-label.guard.ts); a request that reached none (an unknown path, a
 * body that is not JSON) touched no data and leaves no event. A write's event is already
 * stored with the write. A client that leaves while its handler runs is recorded (499)
 * once the handler settles, and not at all if its write committed.
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
      if (!answered && call.handler === 'running') call.afterHandler = end;
      else end();
    };
    res.on('finish', done);
    res.on('close', done);
    auditCalls.run(call, next);
  }
}
