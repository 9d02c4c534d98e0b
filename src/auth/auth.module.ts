import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import cookieParser from 'cookie-parser';
import { Clock } from '../common/clock.js';
import type { AppConfig, AuthType } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { UsersModule } from '../users/users.module.js';
import { DevLoginController } from './dev-login.controller.js';
import { AuditLabelGuard } from '../audit/audit-label.guard.js';
import { AUTH_STRATEGY, AuthenticationGuard } from './guards/authentication.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { ProtectedResourceController } from './protected-resource.controller.js';
import { OidcDiscovery } from './jwt/oidc-discovery.js';
import { CookieStrategy } from './strategies/cookie.strategy.js';
import { JwtLocalStrategy } from './strategies/jwt-local.strategy.js';
import { JwtOidcStrategy } from './strategies/jwt-oidc.strategy.js';

const STRATEGIES: Record<AuthType, Type> = {
  cookie: CookieStrategy,
  jwt_local: JwtLocalStrategy,
  jwt_oidc: JwtOidcStrategy,
};

/**
 * Registers exactly one Passport strategy, the one AUTH_TYPE names, plus the global
 * guards that make every route closed unless it says otherwise.
 */
@Module({})
export class AuthModule implements NestModule {
  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  static forRoot(authType: AuthType): DynamicModule {
    const strategy = STRATEGIES[authType];
    return {
      module: AuthModule,
      global: true,
      imports: [PassportModule, UsersModule, RateLimitModule],
      controllers: authType === 'cookie' ? [DevLoginController] : [ProtectedResourceController],
      providers: [
        strategy,
        { provide: AUTH_STRATEGY, useExisting: strategy },
        {
          provide: OidcDiscovery,
          inject: [ConfigService, Clock],
          useFactory: (config: ConfigService<AppConfig, true>, clock: Clock) => {
            const auth = config.get('auth', { infer: true });
            return auth.type === 'jwt_oidc'
              ? new OidcDiscovery(auth.jwt.issuer, auth.oidc.timeoutMs, auth.oidc.jwksCooldownMs, auth.oidc.keyHosts, clock)
              : null;
          },
        },
        // The global guard chain, in this order: what is called (for the audit trail), who is calling, how often, may they.
        { provide: APP_GUARD, useClass: AuditLabelGuard },
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
      exports: [AUTH_STRATEGY, OidcDiscovery],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    const auth = this.config.get('auth', { infer: true });
    if (auth.type === 'cookie') consumer.apply(cookieParser(auth.cookieSecret)).forRoutes('{*path}');
  }
}
