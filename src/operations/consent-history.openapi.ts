/**
 * The OpenAPI text of ConsentHistoryController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ConsentHistoryPageDto } from './dto/consent-change.dto';

export function ApiGetConsentHistory(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'GetConsentHistory',
      summary: 'Who changed the consent (permission) of an address, and when',
      description:
        "Every change of an extension's permission: inserted (old_permission null), changed, deleted (new_permission null), " +
        'with the operation, request id and API user that made it. Newest first, keyset-paginated.',
    }),
    ApiOkResponse({ type: ConsentHistoryPageDto }),
    ApiBadRequestResponse({
      type: ErrorResponseDto,
      description: 'INVALID_REQUEST: address missing, an unknown or malformed query parameter, or a cursor that is not one of ours.',
      example: { statusCode: 400, code: 'INVALID_REQUEST', message: 'address is required', details: ['address is required'] },
    }),
  );
}
