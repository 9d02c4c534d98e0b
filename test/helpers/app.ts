import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { loadConfig } from '../../src/config/config.schema.js';

export type Env = Record<string, string | undefined>;

export interface TestApp {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * The real application for a given environment, on an in-memory PGlite unless the
 * environment names a database. Nothing is mocked: requests go through Express, the
 * guards, the Passport strategy and the database.
 */
export async function createTestApp(env: Env, options: { logDestination?: DestinationStream; features?: Type[] } = {}): Promise<TestApp> {
  // Demo data by default in every mode (only cookie mode seeds it by default): the suites read it.
  const config = loadConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent', RATE_LIMIT_PER_USER: '0', RATE_LIMIT_PER_ANONYMOUS: '0', SEED_DEMO_DATA: 'true', ...env });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, options)] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error'] });
  configureApp(app);
  await app.init();
  return {
    app,
    http: () => request(app.getHttpServer()),
    close: () => app.close(),
  };
}
