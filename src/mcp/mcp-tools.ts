import { STATUS_CODES } from 'node:http';
import { Injectable } from '@nestjs/common';
import { McpServer, type CallToolResult } from '@modelcontextprotocol/server';
import { auditCalls, labelCall, recordIdsOf } from '../audit/audit-call.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { refusalOf } from '../auth/guards/roles.guard.js';
import { asHttpException } from '../common/http-answer.js';
import type { Principal } from '../auth/principal.js';
import { isUuid } from '../common/params.js';
import { InvalidArguments, OperationTools, type OperationTool } from './operation-tools.js';

const INSTRUCTIONS =
  "rolegate serves a CRM (customers, deals, support tickets) filtered for the signed-in person: each tool returns only the rows and fields their roles allow, exactly as the REST API does. Call whoAmI to learn the caller's roles and region. Lists are paginated: pass a page's `next` value as `cursor` to get the next page.";

/**
 * The MCP server one request is answered by, built for its caller: every REST operation
 * as a tool (operation-tools.ts) that runs the same handler with the same principal.
 * Each tool call is one audit event (`client: mcp`); a refusal is a tool error saying
 * why (`isError`), never data.
 */
@Injectable()
export class McpTools {
  constructor(
    private readonly operations: OperationTools,
    private readonly trail: AuditTrail,
  ) {}

  serverFor(user: Principal, requestId: string): McpServer {
    // The tool list never changes while rolegate runs: no list-changed stream to hold open (it would keep shutdown waiting).
    const server = new McpServer({ name: 'rolegate', version: '0.1.0' }, { instructions: INSTRUCTIONS, capabilities: { tools: { listChanged: false } } });
    for (const tool of this.operations.tools) {
      server.registerTool(
        tool.name,
        { title: tool.title, description: tool.description, inputSchema: tool.inputSchema, outputSchema: tool.outputSchema, annotations: tool.annotations },
        (args: unknown) => this.call(tool, user, args, requestId),
      );
    }
    return server;
  }

  /** Runs one tool as its REST operation would run, and records the call. */
  async call(tool: OperationTool, user: Principal, args: unknown, requestId: string): Promise<CallToolResult> {
    const call = this.trail.begin(requestId, 'mcp', user.authType);
    const id = (args as { id?: unknown } | null)?.id;
    labelCall(call, { id: tool.name, resource: tool.resource, status: tool.status }, id);
    let status: number = tool.status;
    try {
      const refusal = refusalOf(tool.rule, user);
      if (refusal) {
        status = 403;
        return failure(`403 ${STATUS_CODES[403]}: ${refusal}`);
      }
      const parsed = await tool.parse(args);
      const result = await auditCalls.run(call, () => tool.invoke(user, parsed));
      call.recordIds = recordIdsOf(result) ?? call.recordIds;
      if (result === undefined) return { content: [{ type: 'text', text: `Done: ${tool.name}${isUuid(id) ? ` ${id}` : ''}` }] };
      const text: CallToolResult = { content: [{ type: 'text', text: JSON.stringify(result) }] };
      return isPlainObject(result) ? { ...text, structuredContent: result } : text;
    } catch (err) {
      if (err instanceof InvalidArguments) {
        status = 400;
        return failure(`400 ${STATUS_CODES[400]}: ${err.message}`);
      }
      const answer = asHttpException(err);
      status = answer.getStatus();
      return failure(`${status} ${STATUS_CODES[status] ?? 'Error'}: ${messageOf(answer.getResponse())}`);
    } finally {
      this.trail.end(call, user, status);
    }
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

const failure = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });

function messageOf(response: string | object): string {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? 'refused');
}
