import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Clock, systemClock } from '../common/clock.js';
import type { AppConfig } from './config.schema.js';

/** Makes the validated settings available through ConfigService, and the Clock everything time-bound reads. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, skipProcessEnv: true, load: [() => ({ ...config })], isGlobal: true }),
      ],
      providers: [{ provide: Clock, useValue: systemClock }],
      exports: [Clock],
    };
  }
}
