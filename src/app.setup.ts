import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from './config/config.schema.js';
import { ConfigService } from './config/typed-config.js';
import { ROOT_LOGGER } from './logging/logging.module.js';
import { requestLog } from './logging/request-log.js';
import { setupOpenApi } from './openapi/openapi.setup.js';

/** HTTP settings shared by main.ts and the test app factory. */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.use(requestLog(app.get(ROOT_LOGGER)));
  express.disable('x-powered-by');
  express.set('etag', false); // API answers are per user and rarely repeated; hashing every body costs more than it saves
  express.set('trust proxy', app.get<ConfigService<AppConfig, true>>(ConfigService).get('app', { infer: true }).trustProxy);
  express.set('query parser', 'simple');
  express.useBodyParser('json', { limit: '100kb' });
  app.enableShutdownHooks();
  setupOpenApi(app);
}
