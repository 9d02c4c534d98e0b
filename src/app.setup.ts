import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from './config/config.schema.js';
import { ConfigService } from './config/typed-config.js';
import { setupOpenApi } from './openapi/openapi.setup.js';

/** HTTP settings shared by main.ts and the test app factory. */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.set('trust proxy', app.get<ConfigService<AppConfig, true>>(ConfigService).get('app', { infer: true }).trustProxy);
  express.set('query parser', 'simple');
  express.useBodyParser('json', { limit: '100kb' });
  app.enableShutdownHooks();
  setupOpenApi(app);
}
