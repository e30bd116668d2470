/**
 * The OpenAPI text of ContactsAdminController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { errorExample } from '../common/decorators/api-error-responses.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ContactDetailDto, ContactPageDto, DeletedContactDto } from './dto/contact.dto';

const NOT_FOUND = {
  type: ErrorResponseDto,
  description: 'NOT_FOUND: no contact with this key in your brand.',
  example: errorExample('NOT_FOUND', 'No such contact in your brand.'),
};
const KEY_PARAM = { name: 'contactKey', description: 'The contact_key, URL-encoded.', example: 'customer-1042' };

export function ApiListContacts(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'ListContacts',
      summary: "List your brand's contacts",
      description:
        'By contact_key in byte order, keyset-paginated (pass next_cursor back as cursor). Search by key prefix, email or gsm (combined: all must match).',
    }),
    ApiOkResponse({ type: ContactPageDto }),
    ApiBadRequestResponse({
      type: ErrorResponseDto,
      description: 'INVALID_REQUEST: an unknown or malformed query parameter, or a cursor that is not one of ours.',
      example: errorExample('INVALID_REQUEST', 'limit must be at most 500', { details: ['limit must be at most 500'] }),
    }),
  );
}

export function ApiGetContact(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'GetContact',
      summary: 'One contact with its extensions',
      description: "Extensions by their type's columnOrder (untyped last).",
    }),
    ApiParam(KEY_PARAM),
    ApiOkResponse({ type: ContactDetailDto }),
    ApiNotFoundResponse(NOT_FOUND),
  );
}

export function ApiDeleteContact(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'DeleteContact',
      summary: 'Delete a contact with its extensions',
      description:
        'In one transaction with its entry in the operations log; the deleted extensions appear in the consent history (new_permission null).',
    }),
    ApiParam(KEY_PARAM),
    ApiOkResponse({ type: DeletedContactDto }),
    ApiNotFoundResponse(NOT_FOUND),
  );
}
