import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';
import { RATE_LIMIT_STORE, RateLimitGuard, RateLimiter } from './rate-limit.guard.js';
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit.store.js';

@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORE,
      inject: [ConfigService, Clock],
      useFactory: (config: ConfigService<AppConfig, true>, clock: Clock): RateLimitStore => {
        const { redisUrl } = config.get('rateLimit', { infer: true });
        return redisUrl ? new RedisRateLimitStore(redisUrl) : new MemoryRateLimitStore(100_000, clock);
      },
    },
    RateLimiter,
    RateLimitGuard,
  ],
  exports: [RateLimiter, RateLimitGuard, RATE_LIMIT_STORE],
})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(@Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
