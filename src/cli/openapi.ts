import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { configureApp } from '../app.setup.js';
import { ConfigError, loadConfig } from '../config/config.schema.js';
import { readEnvironment } from '../config/environment.js';
import { OpenApiService } from '../openapi/openapi.service.js';

/**
 * `npm run openapi [-- --out openapi.json]`: writes the document GET /openapi.json serves,
 * for the current configuration (AUTH_TYPE, PUBLIC_URL, ...), without starting a server.
 * `--out -` prints it.
 */
const { values } = parseArgs({ options: { out: { type: 'string', default: 'openapi.json' } } });

let config;
try {
  // The document does not depend on data: use a throw-away in-memory database.
  config = loadConfig({ ...readEnvironment(), DATABASE_URL: undefined, DATA_DIR: 'memory://', SEED_DEMO_DATA: 'false' });
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
const app = await NestFactory.create(AppModule.forRoot(config), { logger: ['error'], bodyParser: false });
try {
  configureApp(app);
  await app.init();
  const json = `${JSON.stringify(await app.get(OpenApiService).document(), null, 2)}\n`;
  if (values.out === '-') process.stdout.write(json);
  else {
    writeFileSync(values.out, json);
    console.error(`Wrote ${values.out} (AUTH_TYPE=${config.auth.type}, server ${config.app.publicUrl})`);
  }
} finally {
  await app.close();
}
