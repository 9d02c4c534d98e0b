import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { TypedConfig } from '../config/typed-config.js';
import { ConfigService } from '../config/typed-config.js';
import { openDatabase, type DatabaseHandle } from './database.client.js';

export const DATABASE = Symbol('DATABASE');
export const DATABASE_HANDLE = Symbol('DATABASE_HANDLE');

/** Inject the Drizzle database: `constructor(@InjectDb() db: Database)`. */
export const InjectDb = () => Inject(DATABASE);

@Global()
@Module({
  providers: [
    {
      provide: DATABASE_HANDLE,
      inject: [ConfigService],
      useFactory: (config: TypedConfig) => openDatabase(config.get('database', { infer: true })),
    },
    { provide: DATABASE, inject: [DATABASE_HANDLE], useFactory: (handle: DatabaseHandle) => handle.db },
  ],
  exports: [DATABASE, DATABASE_HANDLE],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle) {}

  /** Runs after the HTTP server has finished the requests in flight. */
  async onApplicationShutdown(): Promise<void> {
    await this.handle.close();
    new Logger(DatabaseModule.name).log(`Database closed (${this.handle.kind})`);
  }
}
