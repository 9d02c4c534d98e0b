import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { StandardSchemaV1 } from '@standard-schema/spec';

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
  status?: 200 | 204;
}

/** How an operation appears in the OpenAPI document that GPT builders import. */
export const Operation = (op: OperationSpec) =>
  applyDecorators(
    ApiOperation({ operationId: op.id, summary: op.summary, description: op.description }),
    ApiResponse({
      status: op.status ?? 200,
      description: op.status === 204 ? 'Done' : 'OK',
      ...(op.returns ? { standardSchema: op.returns } : {}),
    }),
  );
