import { All, Controller, Inject, Logger, Req, Res, type OnApplicationShutdown } from '@nestjs/common';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Authenticated } from '../auth/decorators/access.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { MCP_PATH } from '../auth/protected-resource.controller.js';
import { McpTools } from './mcp-tools.js';

type WithCaller = Request & { id: string; auth?: { token: string; clientId: string; scopes: string[]; extra: { caller: Principal; requestId: string } } };

/**
 * `/mcp`, Streamable HTTP. The request passes the same guards as every API route first
 * (the mode's Passport strategy, rate limits: one message per request, so one tool call
 * per count), so only a signed-in caller reaches the MCP
 * handler, which answers both protocol generations statelessly: a fresh server per
 * request, built for that caller, and nothing kept between requests, so any instance
 * answers any request. The caller travels as `authInfo`; the token itself does not.
 */
@ApiExcludeController()
@Controller(MCP_PATH.slice(1))
export class McpController implements OnApplicationShutdown {
  private readonly handler: McpHttpHandler;
  private readonly node;

  private readonly logger = new Logger('Mcp');

  constructor(@Inject(McpTools) tools: McpTools) {
    this.handler = createMcpHandler(
      ({ authInfo }) => {
        const { caller, requestId } = authInfo!.extra as { caller: Principal; requestId: string };
        return tools.serverFor(caller, requestId);
      },
      // Requests the SDK refuses (malformed JSON-RPC, unknown versions) are the client's: debug level, so no client can flood the logs.
      { onerror: (err) => this.logger.debug(`MCP request refused: ${err.message.slice(0, 300)}`) },
    );
    this.node = toNodeHandler(this.handler, { onerror: (err) => this.logger.error(`MCP handler failed: ${err.message.slice(0, 300)}`) });
  }

  @All()
  @Authenticated()
  async handle(@CurrentUser() user: Principal, @Req() req: WithCaller, @Res() res: Response): Promise<void> {
    // One message per request (JSON-RPC batches left MCP in 2025-06-18): each tool call then
    // passes the rate limiter on its own, and is one request in the logs.
    const refusal = refusedMessage(req.body);
    if (refusal) {
      res.status(400).json({ jsonrpc: '2.0', id: null, error: refusal });
      return;
    }
    req.auth = { token: '', clientId: user.clientId ?? '', scopes: [], extra: { caller: user, requestId: req.id } };
    await this.node(req, res, req.body);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handler.close();
  }
}

/** The deepest JSON a message may nest (the SDK re-serialises the body, and a much deeper one overflows the stack). */
const MAX_DEPTH = 64;

/**
 * Messages refused before the MCP handler: batches (one message per request, so each tool
 * call passes the rate limiter on its own; MCP dropped them in 2025-06-18), subscription
 * streams (the tools never change, and an open stream would hold a connection and keep
 * shutdown waiting), and JSON nested deeper than any MCP message is.
 */
function refusedMessage(body: unknown): { code: number; message: string } | undefined {
  if (Array.isArray(body)) return { code: -32600, message: 'JSON-RPC batches are not accepted: send one message per request' };
  if ((body as { method?: unknown } | null)?.method === 'subscriptions/listen') return { code: -32601, message: 'subscriptions/listen is not offered: the tools never change' };
  if (depthOf(body) > MAX_DEPTH) return { code: -32600, message: `the message nests deeper than ${MAX_DEPTH} levels` };
  return undefined;
}

function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_DEPTH) return depth;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
