import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { Public } from './decorators/access.decorator.js';

export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

/**
 * RFC 9728 protected resource metadata (JWT modes): tells OAuth clients which
 * authorization server issues tokens for this API. 401 responses point here.
 */
@ApiExcludeController()
@Controller('.well-known')
export class ProtectedResourceController {
  private readonly metadata: Record<string, unknown>;

  constructor(config: ConfigService<AppConfig, true>) {
    const { publicUrl } = config.get('app', { infer: true });
    const auth = config.get('auth', { infer: true });
    this.metadata = {
      resource: publicUrl,
      authorization_servers: auth.type === 'cookie' ? [] : [auth.jwt.issuer],
      scopes_supported: config.get('openapi', { infer: true }).scopes,
      bearer_methods_supported: ['header'],
      resource_name: 'rolegate',
      resource_documentation: `${publicUrl}/docs`,
    };
  }

  @Get('oauth-protected-resource')
  @Public()
  get() {
    return this.metadata;
  }
}
