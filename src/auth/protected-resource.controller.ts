import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { isHttpUrl } from '../config/urls.js';
import { Public } from './decorators/access.decorator.js';

export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';
/** The MCP endpoint: a resource of its own for OAuth clients (its URL is the audience MCP clients ask tokens for). */
export const MCP_PATH = '/mcp';

/**
 * `authorization_servers` lists issuer identifiers, which are URLs (RFC 9728 §2, RFC 8414 §2).
 * In jwt_local mode JWT_ISS may be any string (`npm run keys` writes `rolegate-dev`): no
 * client could find a server there, so the field is left out rather than name a non-URL.
 */
function authorizationServers(issuer: string | undefined): { authorization_servers?: string[] } {
  return issuer !== undefined && isHttpUrl(issuer) ? { authorization_servers: [issuer] } : {};
}

/**
 * RFC 9728 protected resource metadata (JWT modes): tells OAuth clients which
 * authorization server issues tokens for this API, and for the MCP endpoint (at the
 * metadata path with `/mcp` appended, §3.1). 401 responses point to the one they were for.
 */
@ApiExcludeController()
@Controller('.well-known')
export class ProtectedResourceController {
  private readonly metadata: Record<string, unknown>;
  private readonly mcpMetadata: Record<string, unknown>;

  constructor(config: ConfigService<AppConfig, true>) {
    const { publicUrl } = config.get('app', { infer: true });
    const auth = config.get('auth', { infer: true });
    this.metadata = {
      resource: publicUrl,
      ...authorizationServers(auth.type === 'cookie' ? undefined : auth.jwt.issuer),
      scopes_supported: config.get('openapi', { infer: true }).scopes,
      bearer_methods_supported: ['header'],
      resource_name: 'rolegate',
      resource_documentation: `${publicUrl}/docs`,
    };
    this.mcpMetadata = { ...this.metadata, resource: `${publicUrl}${MCP_PATH}`, resource_name: 'rolegate (MCP)' };
  }

  // Public documents without credentials: any origin may read them (browser-based MCP clients discover OAuth from here).
  @Get('oauth-protected-resource')
  @Public()
  @Header('Access-Control-Allow-Origin', '*')
  get() {
    return this.metadata;
  }

  @Get(`oauth-protected-resource${MCP_PATH}`)
  @Public()
  @Header('Access-Control-Allow-Origin', '*')
  mcp() {
    return this.mcpMetadata;
  }
}
