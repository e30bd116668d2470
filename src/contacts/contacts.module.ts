import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { OperationsModule } from '../operations/operations.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { ContactsAdminController } from './contacts-admin.controller';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';
import { MasterContact } from './master-contact.entity';

/** master_contact: the contacts of a brand that extensions belong to; their bulk upsert and the dashboard's list. */
@Module({
  imports: [TypeOrmModule.forFeature([MasterContact]), OperationsModule, IdempotencyModule, RateLimitModule],
  controllers: [ContactsController, ContactsAdminController],
  providers: [ContactsService, ContactsRepository],
  exports: [TypeOrmModule],
})
export class ContactsModule {}
