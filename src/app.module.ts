import { Module, StandardSchemaValidationPipe, type DynamicModule, type Type } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import type { DestinationStream } from 'pino';
import { AccessModule } from './access/access.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { McpModule } from './mcp/mcp.module.js';
import { BenchModule } from './bench/bench.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { AppConfigModule } from './config/config.module.js';
import type { AppConfig } from './config/config.schema.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { UsersModule } from './users/users.module.js';
import { CustomersModule } from './customers/customers.module.js';
import { DealsModule } from './deals/deals.module.js';
import { TicketsModule } from './tickets/tickets.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { PrivacyModule } from './privacy/privacy.module.js';

@Module({})
export class AppModule {
  /**
   * The whole application for one validated configuration (see config/config.schema.ts).
   * `features` adds resource modules of your own (see "Bring your own data" in the README).
   */
  static forRoot(config: AppConfig, options: { logDestination?: DestinationStream; features?: Type[] } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot(options.logDestination),
        DatabaseModule,
        AccessModule,
        AuditModule,
        AuthModule.forRoot(config.auth.type),
        UsersModule,
        CustomersModule,
        DealsModule,
        TicketsModule,
        ...(options.features ?? []),
        McpModule,
        HealthModule,
        OpenApiModule,
        PrivacyModule,
        ...(config.app.benchRoutes ? [BenchModule] : []),
      ],
      providers: [{ provide: APP_PIPE, useValue: new StandardSchemaValidationPipe({ maxErrorMessagesLength: 2000 }) }],
    };
  }
}
