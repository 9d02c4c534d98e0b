import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { DestinationStream, Logger } from 'pino';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { AppLogger, createRootLogger } from './logger.js';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** pino at LOG_LEVEL: the root logger (request lines, see request-log.ts) and Nest's logger on top of it. */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      providers: [
        {
          provide: ROOT_LOGGER,
          inject: [ConfigService],
          useFactory: (config: ConfigService<AppConfig, true>) => createRootLogger(config.get('app', { infer: true }).logLevel, destination),
        },
        { provide: AppLogger, inject: [ROOT_LOGGER], useFactory: (root: Logger) => new AppLogger(root) },
      ],
      exports: [ROOT_LOGGER, AppLogger],
    };
  }
}
