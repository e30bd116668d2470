import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { OperationsModule } from '../operations/operations.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { ContactExtensionsAdminController } from './contact-extensions-admin.controller';
import { ContactExtensionsAdminService } from './contact-extensions-admin.service';
import { ContactExtensionsController } from './contact-extensions.controller';
import { ContactExtensionsRepository } from './contact-extensions.repository';
import { ContactExtensionsService } from './contact-extensions.service';
import { ExtensionsUpsert } from './upsert-transaction';

@Module({
  imports: [OperationsModule, IdempotencyModule, RateLimitModule],
  controllers: [ContactExtensionsController, ContactExtensionsAdminController],
  providers: [ContactExtensionsService, ContactExtensionsRepository, ContactExtensionsAdminService, ExtensionsUpsert],
  exports: [ExtensionsUpsert, ContactExtensionsService],
})
export class ContactExtensionsModule {}
