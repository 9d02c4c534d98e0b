import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { OPERATION_KEY, type OperationLabel } from '../openapi/operation.decorator.js';
import { auditCalls, labelCall } from './audit-call.js';

/**
 * First in the global guard chain, and it never refuses: it names the call's operation,
 * resource and the record asked for by id before any other guard may refuse the call, so
 * that refusals (401, 403, 429) are recorded against what was asked for. AuthModule lists
 * it with the other global guards, because their order across modules would otherwise
 * depend on the order Nest scans the modules in.
 */
@Injectable()
export class AuditLabelGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): true {
    const call = auditCalls.current();
    const label = call && this.reflector.get<OperationLabel | undefined>(OPERATION_KEY, context.getHandler());
    if (!call || !label) return true;
    labelCall(call, label, context.switchToHttp().getRequest<Request>().params?.id);
    return true;
  }
}
