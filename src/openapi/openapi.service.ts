import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { OpenAPIObject, OperationObject, SecuritySchemeObject } from '@nestjs/swagger';
import { z } from 'zod';
import { ACCESS_EXTENSION, type AccessRule } from '../auth/decorators/access.decorator.js';
import { OidcDiscovery } from '../auth/jwt/oidc-discovery.js';
import { SESSION_COOKIE } from '../auth/strategies/cookie.strategy.js';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { ErrorSchema } from './schemas.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const errorRef = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });

/**
 * The OpenAPI document GPT builders import and Swagger UI shows. The operations come
 * from the controllers; this adds what depends on configuration: the server URL, the
 * security scheme of AUTH_TYPE (for jwt_oidc, OAuth2 endpoints from discovery), empty
 * security on public operations, the error responses, and `x-openai-isConsequential`.
 */
@Injectable()
export class OpenApiService {
  private base: OpenAPIObject | undefined;
  private built: Promise<OpenAPIObject> | undefined;
  private readonly config: Pick<AppConfig, 'app' | 'auth' | 'openapi'>;

  constructor(
    config: ConfigService<AppConfig, true>,
    @Inject(OidcDiscovery) private readonly discovery: OidcDiscovery | null,
  ) {
    this.config = { app: config.get('app'), auth: config.get('auth'), openapi: config.get('openapi') };
  }

  /** Receives the controllers' document once, at start-up. */
  setBase(document: OpenAPIObject): void {
    this.base = document;
  }

  /**
   * The document with `serverUrl` as its server (PUBLIC_URL by default). It is built once;
   * only a failed discovery (jwt_oidc) makes the next call try again.
   */
  async document(serverUrl = this.config.app.publicUrl): Promise<OpenAPIObject> {
    this.built ??= this.build().catch((err: unknown) => {
      this.built = undefined;
      throw err;
    });
    const doc = await this.built;
    return serverUrl === this.config.app.publicUrl ? doc : { ...doc, servers: [{ url: serverUrl }] };
  }

  private async build(): Promise<OpenAPIObject> {
    if (!this.base) throw new Error('OpenApiService.setBase() was not called');
    const doc = structuredClone(this.base);
    const [name, scheme] = await this.securityScheme();
    doc.servers = [{ url: this.config.app.publicUrl }];
    doc.components = {
      ...doc.components,
      schemas: { ...doc.components?.schemas, Error: z.toJSONSchema(ErrorSchema, { target: 'openapi-3.0' }) as never },
      securitySchemes: { [name]: scheme },
    };
    doc.security = [{ [name]: scheme.type === 'oauth2' ? this.config.openapi.scopes : [] }];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (op) describeOperation(path, method, op);
      }
    }
    return doc;
  }

  private async securityScheme(): Promise<[string, SecuritySchemeObject]> {
    const auth = this.config.auth;
    if (auth.type === 'cookie') {
      return [
        'cookie',
        {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'Sign in with devLogin (POST /auth/dev-login); the browser then sends the session cookie.',
        },
      ];
    }
    if (auth.type === 'jwt_local') {
      return ['bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (JWT) for this API' }];
    }
    let discovered;
    try {
      discovered = await this.discovery!.get();
    } catch {
      throw new ServiceUnavailableException('The identity provider is unreachable, so the sign-in endpoints are unknown; try again shortly');
    }
    if (!discovered.authorization_endpoint || !discovered.token_endpoint) {
      throw new ServiceUnavailableException('The identity provider does not publish authorization and token endpoints');
    }
    return [
      'oauth2',
      {
        type: 'oauth2',
        description: `Sign in at ${auth.jwt.issuer}`,
        flows: {
          authorizationCode: {
            authorizationUrl: discovered.authorization_endpoint,
            tokenUrl: discovered.token_endpoint,
            scopes: Object.fromEntries(this.config.openapi.scopes.map((s) => [s, SCOPE_TEXT[s] ?? s])),
          },
        },
      },
    ];
  }
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Sign in with OpenID Connect',
  profile: 'Your name',
  email: 'Your email address',
  offline_access: 'Stay signed in (refresh tokens)',
};

function describeOperation(path: string, method: string, op: OperationObject): void {
  const extensions = op as unknown as Record<string, unknown>;
  const rule = extensions[ACCESS_EXTENSION] as AccessRule | undefined;
  delete extensions[ACCESS_EXTENSION];
  extensions['x-openai-isConsequential'] = method !== 'get';
  const responses = op.responses;
  if (rule?.kind === 'public') op.security = [];
  if ((op.parameters?.length ?? 0) > 0 || op.requestBody) {
    responses['400'] ??= errorResponse('Bad input: the message names each wrong parameter or field');
  }
  if (rule?.kind !== 'public') responses['401'] ??= errorResponse('Not signed in, or the credential is invalid or expired');
  if (rule?.kind === 'roles') {
    responses['403'] ??= errorResponse(`Signed in, but without one of the roles: ${rule.roles.join(', ')}`);
  }
  if (path.includes('{id}')) responses['404'] ??= errorResponse('No such item, or it is outside what you may see');
}
