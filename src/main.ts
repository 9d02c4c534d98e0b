import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, loadConfig, type AppConfig } from './config/config.schema.js';
import { readEnvironment } from './config/environment.js';

/** The settings, checked before anything else loads: a mistake is reported at once. */
function settings(): AppConfig {
  try {
    return loadConfig(readEnvironment());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

async function bootstrap(): Promise<void> {
  const config = settings();
  const [{ Logger }, { NestFactory }, { AppModule }, { configureApp }, { AppLogger }] = await Promise.all([
    import('@nestjs/common'),
    import('@nestjs/core'),
    import('./app.module.js'),
    import('./app.setup.js'),
    import('./logging/logger.js'),
  ]);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  configureApp(app);
  for (const warning of config.warnings) new Logger('Config').warn(warning);
  await app.listen(config.app.port, config.app.host);
  new Logger('rolegate').log(`Listening on ${await app.getUrl()} (AUTH_TYPE=${config.auth.type})`);
}

void bootstrap();
