import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExtraModels, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { OperationCtx } from '../operations/operation-context.decorator';
import type { OperationContext } from '../operations/operations.recorder';
import { RateLimited } from '../rate-limit/rate-limited.decorator';
import { ApiBulkUpsertContacts } from './contacts.openapi';
import { ContactsService } from './contacts.service';
import { BulkUpsertContactsDto, BulkUpsertContactsResultDto, ContactsValidationFailedResponseDto } from './dto/bulk-upsert-contacts.dto';

@ApiTags('Contacts')
@ApiExtraModels(ErrorResponseDto, ContactsValidationFailedResponseDto)
@Controller('rest')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Post('bulk/contacts')
  @HttpCode(200)
  @Authenticated({ permission: 'Contacts.Manage' })
  // the limit first, then the key (see @Idempotent)
  @Idempotent()
  @RateLimited('bulk')
  @ApiBulkUpsertContacts()
  bulkUpsert(@OperationCtx() ctx: OperationContext, @Body() body: BulkUpsertContactsDto): Promise<BulkUpsertContactsResultDto> {
    return this.contacts.bulkUpsert(ctx, body);
  }
}
