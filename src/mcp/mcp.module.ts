import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module.js';
import { MCP_PATH } from '../auth/protected-resource.controller.js';
import { McpController } from './mcp.controller.js';
import { McpOriginMiddleware } from './mcp-origin.middleware.js';
import { McpTools } from './mcp-tools.js';
import { OperationTools } from './operation-tools.js';

/** rolegate as an MCP server at /mcp: the REST operations as tools, same gate, same policies, same audit trail. */
@Module({
  imports: [DiscoveryModule, AuditModule],
  controllers: [McpController],
  providers: [OperationTools, McpTools],
})
export class McpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(McpOriginMiddleware).forRoutes(MCP_PATH);
  }
}
