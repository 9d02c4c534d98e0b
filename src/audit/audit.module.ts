import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { AuditController } from './audit.controller.js';
import { AuditMiddleware } from './audit.middleware.js';
import { AuditReader } from './audit-reader.js';
import { AuditRecordsInterceptor } from './audit-records.interceptor.js';
import { AuditRetention } from './audit-retention.js';
import { AuditTrail } from './audit-trail.js';

/**
 * The audit trail: an event for every call under /api (audit.middleware.ts), a write's
 * event in the write's transaction (audit-store.ts), read events batched (audit-trail.ts),
 * retention (audit-retention.ts) and GET /api/audit (audit-reader.ts). The guard that
 * names each call's operation runs first in AuthModule's guard chain.
 */
@Module({
  controllers: [AuditController],
  providers: [AuditTrail, AuditRetention, AuditReader, { provide: APP_INTERCEPTOR, useClass: AuditRecordsInterceptor }],
  exports: [AuditTrail],
})
export class AuditModule implements NestModule {
  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  configure(consumer: MiddlewareConsumer): void {
    if (this.config.get('audit', { infer: true }).enabled) consumer.apply(AuditMiddleware).forRoutes('api/{*path}');
  }
}
