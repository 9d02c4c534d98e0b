import { applyDecorators, HttpCode, SetMetadata, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';

/** GPT Actions cut longer text; the document test holds every operation to these limits. */
export const MAX_SUMMARY = 300;
export const MAX_PARAMETER_DESCRIPTION = 700;

export interface OperationSpec {
  /** Unique, readable operationId, e.g. `listDeals`. */
  id: string;
  /** One line for humans and models (at most 300 characters). */
  summary: string;
  /** What it returns and for whom (at most 300 characters). */
  description: string;
  /** The success response's schema; omit for 204. */
  returns?: StandardSchemaV1;
  /** 201: a create, answered with a Location header naming the new item. */
  status?: 200 | 201 | 204;
  /** The resource the audit trail files the call under (`deal`, `user`, `audit`); operations under /api name one. */
  resource?: string;
}

export const OPERATION_KEY = 'rolegate:operation';

/** What the audit trail and the MCP tools learn about a route from its decorator. */
export interface OperationLabel {
  id: string;
  resource: string | undefined;
  status: 200 | 201 | 204;
  summary: string;
  description: string;
  returns: StandardSchemaV1 | undefined;
}

const DESCRIPTIONS = { 200: 'OK', 201: 'Created; the Location header names the new item', 204: 'Done' } as const;

/** How an operation appears in the OpenAPI document that GPT builders import, and its success status. */
export const Operation = (op: OperationSpec) => {
  const status = op.status ?? 200;
  return applyDecorators(
    ApiOperation({ operationId: op.id, summary: op.summary, description: op.description }),
    ApiResponse({ status, description: DESCRIPTIONS[status], ...(op.returns ? { standardSchema: op.returns } : {}) }),
    HttpCode(status),
    SetMetadata(OPERATION_KEY, { id: op.id, resource: op.resource, status, summary: op.summary, description: op.description, returns: op.returns } satisfies OperationLabel),
    ...(status === 201 ? [UseInterceptors(CreatedLocation)] : []),
  );
};

/** Sets `Location: <collection path>/<id>` on a 201 answer from the created item's id. */
export class CreatedLocation implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const path = http.getRequest<Request>().path.replace(/\/+$/, '');
    return next.handle().pipe(
      map((item: { id?: unknown }) => {
        if (typeof item?.id === 'string') http.getResponse<Response>().setHeader('Location', `${path}/${encodeURIComponent(item.id)}`);
        return item;
      }),
    );
  }
}
