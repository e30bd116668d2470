import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { pageOf } from '../common/pagination/page-query.dto';
import { StorableKeyPipe } from '../common/pipes/storable-key.pipe';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { OperationCtx } from '../operations/operation-context.decorator';
import type { OperationContext } from '../operations/operations.recorder';
import { ApiDeleteContact, ApiGetContact, ApiListContacts } from './contacts-admin.openapi';
import { ContactsService } from './contacts.service';
import { ContactDetailDto, ContactPageDto, DeletedContactDto, ListContactsQueryDto } from './dto/contact.dto';

const CONTACT_KEY = new StorableKeyPipe('No such contact in your brand.');

@ApiTags('Contacts')
@Controller('admin/contacts')
export class ContactsAdminController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @Authenticated({ permission: 'Contacts.Read' })
  @ApiListContacts()
  list(@CurrentUser() user: AuthUser, @Query() query: ListContactsQueryDto): Promise<ContactPageDto> {
    const { limit, cursor } = pageOf(query);
    return this.contacts.list(user.brandId, { keyPrefix: query.key_prefix, email: query.email, gsm: query.gsm }, limit, cursor);
  }

  @Get(':contactKey')
  @Authenticated({ permission: 'Contacts.Read' })
  @ApiGetContact()
  get(@CurrentUser() user: AuthUser, @Param('contactKey', CONTACT_KEY) contactKey: string): Promise<ContactDetailDto> {
    return this.contacts.get(user.brandId, contactKey);
  }

  @Delete(':contactKey')
  @Authenticated({ permission: 'Contacts.Manage' })
  @Idempotent()
  @ApiDeleteContact()
  delete(@OperationCtx() ctx: OperationContext, @Param('contactKey', CONTACT_KEY) contactKey: string): Promise<DeletedContactDto> {
    return this.contacts.delete(ctx, contactKey);
  }
}
