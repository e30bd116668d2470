import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import reliabilityConfig from '../config/reliability.config';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyService } from './idempotency.service';

/** Retry safety: import it in the module of a controller whose routes use @Idempotent(). */
@Module({
  imports: [ConfigModule.forFeature(reliabilityConfig)],
  providers: [IdempotencyService, IdempotencyInterceptor],
  exports: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule {}
