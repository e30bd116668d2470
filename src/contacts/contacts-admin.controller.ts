import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { errorExample } from '../common/decorators/api-error-responses.decorator';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { pageOf } from '../common/pagination/page-query.dto';
import { StorableKeyPipe } from '../common/pipes/storable-key.pipe';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { OperationCtx } from '../operations/operation-context.decorator';
import type { OperationContext } from '../operations/operations.recorder';
import { ContactsService } from './contacts.service';
import { ContactDetailDto, ContactPageDto, DeletedContactDto, ListContactsQueryDto } from './dto/contact.dto';

const NOT_FOUND = {
  type: ErrorResponseDto,
  description: 'NOT_FOUND: no contact with this key in your brand.',
  example: errorExample('NOT_FOUND', 'No such contact in your brand.'),
};
const KEY_PARAM = { name: 'contactKey', description: 'The contact_key, URL-encoded.', example: 'customer-1042' };
const CONTACT_KEY = new StorableKeyPipe('No such contact in your brand.');

@ApiTags('Contacts')
@Controller('admin/contacts')
export class ContactsAdminController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @Authenticated({ permission: 'Contacts.Read' })
  @ApiOperation({
    operationId: 'ListContacts',
    summary: "List your brand's contacts",
    description:
      'By contact_key in byte order, keyset-paginated (pass next_cursor back as cursor). Search by key prefix, email or gsm (combined: all must match).',
  })
  @ApiOkResponse({ type: ContactPageDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'INVALID_REQUEST: an unknown or malformed query parameter, or a cursor that is not one of ours.',
    example: errorExample('INVALID_REQUEST', 'limit must be at most 500', { details: ['limit must be at most 500'] }),
  })
  list(@CurrentUser() user: AuthUser, @Query() query: ListContactsQueryDto): Promise<ContactPageDto> {
    const { limit, cursor } = pageOf(query);
    return this.contacts.list(user.brandId, { keyPrefix: query.key_prefix, email: query.email, gsm: query.gsm }, limit, cursor);
  }

  @Get(':contactKey')
  @Authenticated({ permission: 'Contacts.Read' })
  @ApiOperation({
    operationId: 'GetContact',
    summary: 'One contact with its extensions',
    description: "Extensions by their type's columnOrder (untyped last).",
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: ContactDetailDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@CurrentUser() user: AuthUser, @Param('contactKey', CONTACT_KEY) contactKey: string): Promise<ContactDetailDto> {
    return this.contacts.get(user.brandId, contactKey);
  }

  @Delete(':contactKey')
  @Authenticated({ permission: 'Contacts.Manage' })
  @Idempotent()
  @ApiOperation({
    operationId: 'DeleteContact',
    summary: 'Delete a contact with its extensions',
    description:
      'In one transaction with its entry in the operations log; the deleted extensions appear in the consent history (new_permission null).',
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: DeletedContactDto })
  @ApiNotFoundResponse(NOT_FOUND)
  delete(@OperationCtx() ctx: OperationContext, @Param('contactKey', CONTACT_KEY) contactKey: string): Promise<DeletedContactDto> {
    return this.contacts.delete(ctx, contactKey);
  }
}
