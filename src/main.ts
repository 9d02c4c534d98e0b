import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { ConfigError, loadConfig } from './config/config.schema.js';
import { readEnvironment } from './config/environment.js';
import { AppLogger } from './logging/logger.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(readEnvironment());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  configureApp(app);
  for (const warning of config.warnings) new Logger('Config').warn(warning);
  await app.listen(config.app.port, config.app.host);
  new Logger('rolegate').log(`Listening on ${await app.getUrl()} (AUTH_TYPE=${config.auth.type})`);
}

void bootstrap();
