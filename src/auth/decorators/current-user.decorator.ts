import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from '../principal.js';

/** Reads the principal off the request; also how MCP tools recognise the caller's parameter (mcp/operation-tools.ts). */
export const currentUserOf = (_data: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<Request>().user as Principal;

/** The authenticated principal of this request. */
export const CurrentUser = createParamDecorator(currentUserOf);
