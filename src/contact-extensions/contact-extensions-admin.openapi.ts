/**
 * The OpenAPI text of ContactExtensionsAdminController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, getSchemaPath } from '@nestjs/swagger';
import { errorExample } from '../common/decorators/api-error-responses.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { BulkDeleteResultDto, BulkDeleteValidationFailedDto, ContactExtensionPageDto } from './dto/admin-contact-extensions.dto';
import { ContactExtensionDto } from './dto/list-contact-extensions.dto';

const INVALID_QUERY = {
  type: ErrorResponseDto,
  description: 'INVALID_REQUEST: an unknown or malformed query parameter, or a cursor that is not one of ours.',
  example: errorExample('INVALID_REQUEST', 'channel must be one of E, S, W', { details: ['channel must be one of E, S, W'] }),
};

export function ApiAdminListContactExtensions(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'AdminListContactExtensions',
      summary: "List your brand's extensions with filters",
      description:
        'Filter by contact, address substring, channel, type name and permission (all given filters must match). ' +
        'Ordered by contact_key then address, keyset-paginated: pass next_cursor back as cursor.',
    }),
    ApiOkResponse({ type: ContactExtensionPageDto }),
    ApiBadRequestResponse(INVALID_QUERY),
  );
}

export function ApiDeleteContactExtension(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'DeleteContactExtension',
      summary: 'Delete one extension',
      description:
        'By contact_key and address (canonicalized). Recorded in the operations log and the consent history, in the same transaction.',
    }),
    ApiOkResponse({ type: ContactExtensionDto, description: 'The extension as it was.' }),
    ApiBadRequestResponse({
      ...INVALID_QUERY,
      example: errorExample('INVALID_REQUEST', 'address is required', { details: ['address is required'] }),
    }),
    ApiNotFoundResponse({
      type: ErrorResponseDto,
      description: 'NOT_FOUND: no such extension in your brand.',
      example: errorExample('NOT_FOUND', 'No extension with this contact_key and address in your brand.'),
    }),
  );
}

export function ApiBulkDeleteContactExtensions(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'BulkDeleteContactExtensions',
      summary: 'Delete up to 1000 extensions by (contact_key, address)',
      description:
        'Per-record errors as in the bulk upsert (MISSING_FIELD, INVALID_FIELD, UNKNOWN_FIELD, EXTENSION_NOT_FOUND; DUPLICATE_IN_REQUEST warnings). ' +
        'One statement for all keys, in one transaction with the operations log and the consent history.',
    }),
    ApiOkResponse({ type: BulkDeleteResultDto }),
    ApiBadRequestResponse({
      description:
        'INVALID_REQUEST: the envelope is wrong. VALIDATION_FAILED: throwOnError is true and a record is invalid or unknown. Nothing was deleted.',
      schema: { oneOf: [{ $ref: getSchemaPath(ErrorResponseDto) }, { $ref: getSchemaPath(BulkDeleteValidationFailedDto) }] },
      examples: {
        INVALID_REQUEST: {
          summary: 'A request-level error',
          value: errorExample('INVALID_REQUEST', 'contactDatas must hold at most 1000 records', {
            details: ['contactDatas must hold at most 1000 records'],
          }),
        },
        VALIDATION_FAILED: {
          summary: 'An unknown extension with throwOnError true',
          value: errorExample('VALIDATION_FAILED', '1 of 1 records are invalid; nothing was deleted.', {
            errors: [
              {
                index: 0,
                contact_key: 'customer-1042',
                address: 'old@example.com',
                code: 'EXTENSION_NOT_FOUND',
                message: 'no extension with this contact_key and address',
              },
            ],
            warnings: [],
          }),
        },
      },
    }),
  );
}
