import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MasterContact } from './master-contact.entity';

/** master_contact: the contacts of a brand that extensions belong to. */
@Module({
  imports: [TypeOrmModule.forFeature([MasterContact])],
  exports: [TypeOrmModule],
})
export class ContactsModule {}
