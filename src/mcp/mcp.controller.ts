import { All, Controller, Inject, Req, Res, type OnApplicationShutdown } from '@nestjs/common';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Authenticated } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { McpTools } from './mcp-tools.js';

type WithCaller = Request & { id: string; auth?: { token: string; clientId: string; scopes: string[]; extra: { caller: Principal; requestId: string } } };

/**
 * `/mcp`, Streamable HTTP. The request passes the same guards as every API route first
 * (the mode's Passport strategy, rate limits), so only a signed-in caller reaches the MCP
 * handler, which answers both protocol generations statelessly: a fresh server per
 * request, built for that caller, and nothing kept between requests, so any instance
 * answers any request. The caller travels as `authInfo`; the token itself does not.
 */
@ApiExcludeController()
@Controller('mcp')
export class McpController implements OnApplicationShutdown {
  private readonly handler: McpHttpHandler;
  private readonly node;

  constructor(@Inject(McpTools) tools: McpTools) {
    this.handler = createMcpHandler(({ authInfo }) => {
      const { caller, requestId } = authInfo!.extra as { caller: Principal; requestId: string };
      return tools.serverFor(caller, requestId);
    });
    this.node = toNodeHandler(this.handler);
  }

  @All()
  @Authenticated()
  async handle(@CurrentUser() user: Principal, @Req() req: WithCaller, @Res() res: Response): Promise<void> {
    req.auth = { token: '', clientId: user.clientId ?? '', scopes: [], extra: { caller: user, requestId: req.id } };
    await this.node(req, res, req.body);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handler.close();
  }
}
