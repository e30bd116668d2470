/**
 * The OpenAPI text of ContactExtensionsController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiOkResponse, ApiOperation, getSchemaPath } from '@nestjs/swagger';
import {
  ApiDatabaseUnavailableResponse,
  ApiInvalidRequestResponse,
  ApiPayloadTooLargeErrorResponse,
  errorExample,
  invalidRequestExamples,
} from '../common/decorators/api-error-responses.decorator';
import { EXTENSION_COLUMNS } from '../addresses/extension-columns';
import { InvalidRequestResponseDto } from '../common/errors/error-response.dto';
import { BulkUpsertContactExtensionsDto } from './dto/bulk-upsert-contact-extensions.dto';
import { BulkUpsertResultDto, ValidationFailedResponseDto } from './dto/bulk-upsert-result.dto';
import { ContactExtensionListDto } from './dto/list-contact-extensions.dto';

export function ApiBulkUpsertExtensions(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'BulkUpsertExtensions',
      summary: 'Insert and update contact extensions in bulk',
      description: [
        'Inserts new and updates existing extensions (email addresses, phone and WhatsApp numbers) of the contacts of your brand.',
        'All records are validated, against the database too, before anything is written; then all valid records are written in one transaction.',
        'Records with the same contact_key and address: the last one is processed, the earlier ones are skipped with a DUPLICATE_IN_REQUEST warning.',
        'Renames (new_contact_key, new_address) are judged on the state after the request, so chains and swaps work. They cannot be combined with insertIfNotExists.',
        'The channel of an extension never changes. name must be an extension type of your brand for the channel.',
        'Needs the permission `ContactExtensions.Manage`.',
      ].join('\n\n'),
    }),
    ApiBody({
      type: BulkUpsertContactExtensionsDto,
      examples: {
        upsert: {
          summary: 'Insert or update two extensions of a contact',
          description: 'Works as is on the demo brand of the embedded database (`npm start`).',
          value: {
            columns: [...EXTENSION_COLUMNS],
            contactDatas: [
              { contact_key: 'demo-contact-1', address: 'Jane.Doe@Example.com', channel: 'E', name: 'Work Email', permission: true },
              { contact_key: 'demo-contact-1', address: '+90 535 123 45 67', channel: 'S', name: 'Mobile', permission: false },
            ],
            insertIfNotExists: true,
            throwOnError: true,
          },
        },
        rename: {
          summary: 'Change the address of an existing extension, reporting invalid records instead of failing',
          value: {
            columns: ['contact_key', 'address', 'channel'],
            contactDatas: [
              { contact_key: 'demo-contact-1', address: 'jane.doe@example.com', channel: 'E', new_address: 'jane@example.org' },
            ],
            throwOnError: false,
          },
        },
      },
    }),
    ApiOkResponse({
      type: BulkUpsertResultDto,
      description:
        'Counts, per-record errors (throwOnError false) and warnings. inserted + updated + unchanged + skipped + failed = total.',
      headers: {
        'Idempotent-Replayed': {
          description: '`true` on the kept answer to a repeated Idempotency-Key (nothing was run).',
          schema: { type: 'string', enum: ['true'] },
        },
      },
      examples: {
        written: {
          summary: 'One inserted, one already as sent',
          value: { total: 2, inserted: 1, updated: 0, unchanged: 1, skipped: 0, failed: 0, errors: [], warnings: [] },
        },
        partlyFailed: {
          summary: 'throwOnError false: a record failed, one was skipped',
          value: {
            total: 3,
            inserted: 0,
            updated: 1,
            unchanged: 0,
            skipped: 1,
            failed: 1,
            errors: [
              {
                index: 2,
                contact_key: 'c1',
                address: 'a@b',
                code: 'INVALID_ADDRESS',
                field: 'address',
                message: 'address is not a valid email address',
              },
            ],
            warnings: [
              {
                index: 0,
                contact_key: 'c1',
                address: 'jane.doe@example.com',
                code: 'DUPLICATE_IN_REQUEST',
                message: 'a later record (index 1) has the same contact_key and address; this one is skipped',
              },
            ],
          },
        },
      },
    }),
    ApiBadRequestResponse({
      description:
        'INVALID_REQUEST: the envelope is wrong (nothing written). VALIDATION_FAILED: throwOnError is true and at least one record is invalid ' +
        '(nothing written; every record error is listed). The two are told apart by `code`.',
      schema: { oneOf: [{ $ref: getSchemaPath(InvalidRequestResponseDto) }, { $ref: getSchemaPath(ValidationFailedResponseDto) }] },
      examples: {
        ...invalidRequestExamples({
          INVALID_REQUEST: { summary: 'A request-level error', details: ['columns must contain address'] },
        }),
        VALIDATION_FAILED: {
          summary: 'An invalid record with throwOnError true',
          value: errorExample('VALIDATION_FAILED', '1 of 1 records are invalid; nothing was written.', {
            errors: [
              {
                index: 0,
                contact_key: 'c1',
                address: 'a@b',
                code: 'INVALID_ADDRESS',
                field: 'address',
                message: 'address is not a valid email address',
              },
            ],
            warnings: [],
          }),
        },
      },
    }),
    ApiPayloadTooLargeErrorResponse(),
    ApiDatabaseUnavailableResponse(),
  );
}

export function ApiListContactExtensions(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'ListContactExtensions',
      summary: "List one contact's extensions",
      description:
        'The extensions of one contact of your brand, ordered by address in byte order. An unknown contact gives an empty list. ' +
        'Addresses are canonical: emails lowercased, phone numbers as international digits. Needs the permission `ContactExtensions.Read`.',
    }),
    ApiOkResponse({
      type: ContactExtensionListDto,
      description: "The contact's extensions; empty for an unknown contact.",
      example: {
        items: [
          {
            contact_key: 'demo-contact-1',
            address: '905351234567',
            channel: 'S',
            name: 'Mobile',
            permission: false,
            created_at: '2026-11-26T13:35:09.123Z',
            updated_at: '2026-11-26T13:35:09.123Z',
          },
          {
            contact_key: 'demo-contact-1',
            address: 'jane.doe@example.com',
            channel: 'E',
            name: 'Work Email',
            permission: true,
            created_at: '2026-11-26T13:35:09.123Z',
            updated_at: '2026-11-26T13:40:12.456Z',
          },
        ],
      },
    }),
    ApiInvalidRequestResponse('contact_key is missing, empty, longer than 200 characters or given more than once.', {
      missing: { summary: 'contact_key missing', details: ['contact_key is required'] },
    }),
    ApiDatabaseUnavailableResponse(),
  );
}
