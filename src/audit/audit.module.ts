import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { AuditMiddleware } from './audit.middleware.js';
import { AuditReader } from './audit-reader.js';
import { AuditRetention } from './audit-retention.js';
import { AuditTrail } from './audit-trail.js';

/**
 * The audit trail: an event for every call under /api (audit.middleware.ts) and every MCP
 * tool call (mcp/mcp-tools.ts), a write's event in the write's transaction
 * (audit-store.ts), other events batched (audit-trail.ts), retention (audit-retention.ts)
 * and GET /api/audit (audit-reader.ts). The guard that names each REST call's operation
 * runs first in AuthModule's guard chain.
 */
@Module({
  controllers: [AuditController],
  providers: [AuditTrail, AuditRetention, AuditReader],
  exports: [AuditTrail],
})
export class AuditModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Also with AUDIT_TRAIL=false: writes refuse to run outside a call (audit-store.ts).
    consumer.apply(AuditMiddleware).forRoutes('api/{*path}');
  }
}
