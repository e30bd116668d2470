import { Module } from '@nestjs/common';
import { ContactExtensionsModule } from '../contact-extensions/contact-extensions.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { OperationsModule } from '../operations/operations.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { ContactsAdminController } from './contacts-admin.controller';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';

/** master_contact: the contacts of a brand that extensions belong to; their bulk upsert and the dashboard's list. */
@Module({
  imports: [OperationsModule, ContactExtensionsModule, IdempotencyModule, RateLimitModule],
  controllers: [ContactsController, ContactsAdminController],
  providers: [ContactsService, ContactsRepository],
})
export class ContactsModule {}
