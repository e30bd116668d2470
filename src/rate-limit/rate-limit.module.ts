import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import reliabilityConfig, { ReliabilityConfig } from '../config/reliability.config';
import { LimitStore } from './limit-store';
import { PostgresLimitStore } from './postgres-limit-store';
import { RateLimitInterceptor } from './rate-limit.interceptor';
import { RedisLimitStore } from './redis-limit-store';

/**
 * Rate, concurrency and login limits shared by all instances: in PostgreSQL, or in Redis when
 * REDIS_URL is set. Import it in the module of a controller whose routes use @RateLimited().
 */
@Module({
  imports: [ConfigModule.forFeature(reliabilityConfig)],
  providers: [
    PostgresLimitStore,
    {
      provide: LimitStore,
      inject: [ConfigService, PostgresLimitStore],
      useFactory: (config: ConfigService, postgres: PostgresLimitStore): LimitStore => {
        const { redisUrl, redisKeyPrefix } = config.getOrThrow<ReliabilityConfig>('reliability');
        return redisUrl ? new RedisLimitStore(redisUrl, redisKeyPrefix) : postgres;
      },
    },
    RateLimitInterceptor,
  ],
  exports: [LimitStore, RateLimitInterceptor],
})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(@Inject(LimitStore) private readonly store: LimitStore) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.store instanceof RedisLimitStore) await this.store.close();
  }
}
