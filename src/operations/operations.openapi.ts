/**
 * The OpenAPI text of OperationsController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { OperationDetailDto, OperationPageDto } from './dto/operation.dto';

const INVALID_QUERY = {
  type: ErrorResponseDto,
  description: 'INVALID_REQUEST: an unknown or malformed query parameter, or a cursor that is not one of ours.',
  example: { statusCode: 400, code: 'INVALID_REQUEST', message: 'limit must be at most 500', details: ['limit must be at most 500'] },
};

export function ApiListOperations(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'ListOperations',
      summary: 'List the bulk writes of your brand',
      description:
        'Every bulk write (extension and contact upserts, deletes, extension type renames and deletions) is recorded in the same transaction as its writes. ' +
        'Newest first, keyset-paginated: pass next_cursor back as cursor. Filter by API user, kind and start time (from inclusive, to exclusive).',
    }),
    ApiOkResponse({ type: OperationPageDto }),
    ApiBadRequestResponse(INVALID_QUERY),
  );
}

export function ApiGetOperation(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'GetOperation',
      summary: 'Show one operation with its per-record errors',
      description:
        'One bulk write of your brand with its counts, its per-record errors and how many consent changes it made; 404 for an operation of another brand.',
    }),
    ApiParam({ name: 'id', description: 'The operation id.', example: '1042' }),
    ApiOkResponse({ type: OperationDetailDto }),
    ApiNotFoundResponse({
      type: ErrorResponseDto,
      description: 'NOT_FOUND: no such operation in your brand.',
      example: { statusCode: 404, code: 'NOT_FOUND', message: 'No such operation in your brand.' },
    }),
  );
}
