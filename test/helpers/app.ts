import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { Clock } from '../../src/common/clock.js';
import { pgliteDataDir } from './databases.js';
import { loadConfig } from '../../src/config/config.schema.js';

export type Env = Record<string, string | undefined>;

export interface TestApp {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * The real application for a given environment, on an embedded database of its own
 * (PGlite) unless the environment names one. Nothing is mocked: requests go through Express, the
 * guards, the Passport strategy and the database. Only the clock may be replaced.
 */
export async function createTestApp(env: Env, options: { logDestination?: DestinationStream; features?: Type[]; clock?: Clock } = {}): Promise<TestApp> {
  // An embedded database of its own unless the test names one.
  const own = env.DATA_DIR === undefined && env.DATABASE_URL === undefined ? pgliteDataDir() : undefined;
  // Demo data by default in every mode (only cookie mode seeds it by default): the suites read it.
  const config = loadConfig({ DATA_DIR: own?.dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_USER: '0', RATE_LIMIT_PER_ANONYMOUS: '0', SEED_DEMO_DATA: 'true', ...env });
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config, options)] });
  // A FakeClock (helpers/clock.ts) lets a test move past cooldowns and expiries without waiting.
  if (options.clock) builder.overrideProvider(Clock).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error'] });
  configureApp(app);
  await app.init();
  return {
    app,
    http: () => request(app.getHttpServer()),
    close: async () => {
      await app.close();
      own?.remove();
    },
  };
}
