/**
 * The OpenAPI text of ContactsController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiOkResponse, ApiOperation, getSchemaPath } from '@nestjs/swagger';
import { errorExample } from '../common/decorators/api-error-responses.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { BulkUpsertContactsDto, BulkUpsertContactsResultDto, ContactsValidationFailedResponseDto } from './dto/bulk-upsert-contacts.dto';

export function ApiBulkUpsertContacts(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'BulkUpsertContacts',
      summary: 'Insert and update contacts (master_contact) in bulk',
      description: [
        'The sibling of BulkUpsertExtensions for the contacts themselves: a contact that does not exist is inserted, one that exists is updated.',
        'Emails are stored trimmed and lowercased, gsm numbers as their international digits. Several records with one contact_key: the last one wins.',
        'Only the columns named in `columns` are written; a record that leaves one of them out keeps the stored value (a new contact gets the default).',
        'Set-based: one statement for the whole request, in one transaction with its entry in the operations log.',
      ].join('\n\n'),
    }),
    ApiBody({
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
    }),
    ApiOkResponse({ type: BulkUpsertContactsResultDto, description: 'inserted + updated + unchanged + skipped + failed = total.' }),
    ApiBadRequestResponse({
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
    }),
  );
}
