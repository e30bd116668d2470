import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ApiUserAdminController } from './api-user-admin.controller';
import { AuthModule } from './auth.module';
import { ApiUserAdminService } from './api-user-admin.service';

/**
 * The dashboard's management of a brand's API users (Brand.Manage). Authentication itself is AuthModule's.
 * Every write takes an Idempotency-Key but the two whose answer carries a new secret (create and
 * rotate-secret): a kept answer would store that secret for a day. A retried create meets its own
 * userKey (409); a retried rotation rotates again and answers the newer secret.
 */
@Module({
  imports: [AuthModule, IdempotencyModule],
  controllers: [ApiUserAdminController],
  providers: [ApiUserAdminService],
})
export class ApiUserAdminModule {}
