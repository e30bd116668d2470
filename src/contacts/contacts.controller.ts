import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { errorExample } from '../common/decorators/api-error-responses.decorator';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { OperationCtx } from '../operations/operation-context.decorator';
import type { OperationContext } from '../operations/operations.recorder';
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
  @Idempotent()
  @ApiOperation({
    operationId: 'BulkUpsertContacts',
    summary: 'Insert and update contacts (master_contact) in bulk',
    description: [
      'The sibling of BulkUpsertExtensions for the contacts themselves: a contact that does not exist is inserted, one that exists is updated.',
      'Emails are stored trimmed and lowercased, gsm numbers as their international digits. Several records with one contact_key: the last one wins.',
      'Only the columns named in `columns` are written; a record that leaves one of them out keeps the stored value (a new contact gets the default).',
      'Set-based: one statement for the whole request, in one transaction with its entry in the operations log.',
    ].join('\n\n'),
  })
  @ApiBody({
    type: BulkUpsertContactsDto,
    examples: {
      upsert: {
        summary: 'Two contacts, one with every column',
        value: {
          columns: ['contact_key', 'name', 'surname', 'email', 'gsm', 'email_permission', 'gsm_permission', 'contact_status'],
          contactDatas: [
            {
              contact_key: 'customer-1042',
              name: 'Jane',
              surname: 'Doe',
              email: 'Jane.Doe@Example.com',
              gsm: '+90 535 123 45 67',
              email_permission: true,
              gsm_permission: false,
              contact_status: 'A',
            },
            { contact_key: 'customer-1043', name: 'John' },
          ],
          throwOnError: false,
        },
      },
    },
  })
  @ApiOkResponse({ type: BulkUpsertContactsResultDto, description: 'inserted + updated + unchanged + skipped + failed = total.' })
  @ApiBadRequestResponse({
    description:
      'INVALID_REQUEST: the envelope is wrong. VALIDATION_FAILED: throwOnError is true and a record is invalid. Nothing was written.',
    schema: { oneOf: [{ $ref: getSchemaPath(ErrorResponseDto) }, { $ref: getSchemaPath(ContactsValidationFailedResponseDto) }] },
    examples: {
      INVALID_REQUEST: {
        summary: 'A request-level error',
        value: errorExample('INVALID_REQUEST', 'columns must contain contact_key', { details: ['columns must contain contact_key'] }),
      },
      VALIDATION_FAILED: {
        summary: 'An invalid record with throwOnError true',
        value: errorExample('VALIDATION_FAILED', '1 of 1 records are invalid; nothing was written.', {
          errors: [
            {
              index: 0,
              contact_key: 'customer-1042',
              code: 'INVALID_FIELD',
              field: 'email',
              message: 'email is not a valid email address',
            },
          ],
          warnings: [],
        }),
      },
    },
  })
  bulkUpsert(@OperationCtx() ctx: OperationContext, @Body() body: BulkUpsertContactsDto): Promise<BulkUpsertContactsResultDto> {
    return this.contacts.bulkUpsert(ctx, body);
  }
}
