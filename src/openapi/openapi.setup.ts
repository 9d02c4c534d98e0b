import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { OpenApiService } from './openapi.service.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Builds the operations part of the document from the controllers, and serves Swagger UI
 * at /docs. Swagger UI gets the document with the page's own origin as the server, so
 * "Try it out" always calls the rolegate that served the page.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = app.get<ConfigService<AppConfig, true>>(ConfigService);
  const auth = config.get('auth', { infer: true });
  const settings = config.get('openapi', { infer: true });
  const openapi = app.get(OpenApiService);
  const info = new DocumentBuilder()
    .setTitle('rolegate')
    .setVersion(version)
    .setDescription(
      'Customers, deals and support tickets of a sales CRM, filtered for the signed-in user: each person sees only the rows and fields their roles allow.',
    )
    .build();
  openapi.setBase(SwaggerModule.createDocument(app, info, { operationIdFactory: (_controller, method) => method }));

  // The page embeds the document with the request's own origin: never let a shared cache keep it.
  (app as NestExpressApplication).use('/docs', (_req: Request, res: Response, next: () => void) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  SwaggerModule.setup('docs', app, () => ({ openapi: '3.0.0', info: info.info, paths: {} }), {
    raw: false,
    customSiteTitle: 'rolegate API',
    swaggerOptions: {
      persistAuthorization: true,
      displayOperationId: true,
      tryItOutEnabled: true,
      ...(auth.type === 'jwt_oidc'
        ? {
            oauth2RedirectUrl: `${config.get('app', { infer: true }).publicUrl}/docs/oauth2-redirect.html`,
            initOAuth: {
              clientId: settings.swaggerClientId ?? '',
              usePkceWithAuthorizationCodeGrant: true,
              scopes: settings.scopes,
            },
          }
        : {}),
    },
    patchDocumentOnRequest: async (req, _res, fallback) => {
      const request = req as unknown as Request;
      try {
        return await openapi.document(`${request.protocol}://${request.get('host')}`);
      } catch {
        return fallback;
      }
    },
  });
}
