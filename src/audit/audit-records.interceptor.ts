import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { finalize, tap, type Observable } from 'rxjs';
import { auditCalls } from './audit-call.js';

/**
 * Records which records an answer carries: the ids of a page's items, or the id of one
 * item. Whatever the handler returned is what the caller saw, so this is exact for every
 * operation, including those of resources added later. It also tells the call when its
 * handler runs, so that a client leaving mid-write is recorded after the write settles.
 */
@Injectable()
export class AuditRecordsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const call = auditCalls.current();
    if (!call) return next.handle();
    call.handler = 'running';
    return next.handle().pipe(
      tap((result) => {
        const ids = recordIdsOf(result);
        if (ids) call.recordIds = ids;
      }),
      finalize(() => {
        call.handler = 'settled';
        call.afterHandler?.();
      }),
    );
  }
}

export function recordIdsOf(result: unknown): string[] | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const { items, id } = result as { items?: unknown; id?: unknown };
  if (Array.isArray(items)) return items.flatMap((item) => (typeof item?.id === 'string' ? [item.id as string] : []));
  return typeof id === 'string' ? [id] : undefined;
}
