/**
 * The OpenAPI text of ExtensionTypesController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import type { OwnConflict } from '../idempotency/idempotent.decorator';
import { DeletedExtensionTypeDto, ExtensionTypeDto, ExtensionTypeInUseResponseDto, ExtensionTypeListDto } from './dto/extension-type.dto';

const NOT_FOUND = {
  type: ErrorResponseDto,
  description: 'NOT_FOUND: no extension type with this id in your brand.',
  example: { statusCode: 404, code: 'NOT_FOUND', message: 'No such extension type in your brand.' },
};
const INVALID = (message: string) => ({
  type: ErrorResponseDto,
  description: 'INVALID_REQUEST: the body breaks a rule (see details).',
  example: { statusCode: 400, code: 'INVALID_REQUEST', message, details: [message] },
});

const ID_PARAM = {
  name: 'id',
  description: 'The extension type id.',
  schema: { type: 'integer' as const, format: 'int32', minimum: 1, example: 12 },
};

const EXISTS_EXAMPLE = {
  statusCode: 409,
  code: 'EXTENSION_TYPE_EXISTS',
  message: 'Your brand already has an extension type "Work Email" for channel E.',
};

/** The routes' own 409s, documented by @Idempotent together with IDEMPOTENCY_KEY_IN_USE. */
export const TYPE_EXISTS_ON_CREATE: OwnConflict = {
  description: 'EXTENSION_TYPE_EXISTS: the brand has a type of that name for the channel.',
  example: EXISTS_EXAMPLE,
};
export const TYPE_EXISTS_ON_RENAME: OwnConflict = {
  description: 'EXTENSION_TYPE_EXISTS: the new name is taken for the channel.',
  example: EXISTS_EXAMPLE,
};
export const TYPE_IN_USE: OwnConflict = {
  description: 'EXTENSION_TYPE_IN_USE: extensions carry the type (count says how many).',
  type: ExtensionTypeInUseResponseDto,
  example: {
    statusCode: 409,
    code: 'EXTENSION_TYPE_IN_USE',
    message: '20412 extensions carry this type; delete with clearExtensions=true to clear it from them.',
    count: 20412,
  },
};

export function ApiListExtensionTypes(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'ListExtensionTypes',
      summary: "Your brand's extension types, with how many extensions carry each",
      description:
        'Every extension type of your brand (the allowed `name` of an extension per channel), ordered by columnOrder, ' +
        'each with extensionCount, the number of extensions that carry it.',
    }),
    ApiOkResponse({ type: ExtensionTypeListDto }),
  );
}

export function ApiGetExtensionType(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'GetExtensionType',
      summary: 'One extension type',
      description: 'One extension type of your brand, with extensionCount; 404 for a type of another brand.',
    }),
    ApiParam(ID_PARAM),
    ApiOkResponse({ type: ExtensionTypeDto }),
    ApiNotFoundResponse(NOT_FOUND),
  );
}

export function ApiCreateExtensionType(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'CreateExtensionType',
      summary: 'Create an extension type',
      description: '(channel, name) is unique in a brand.',
    }),
    ApiCreatedResponse({ type: ExtensionTypeDto }),
    ApiBadRequestResponse(INVALID('channel must be one of E, S, W')),
  );
}

export function ApiUpdateExtensionType(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'UpdateExtensionType',
      summary: 'Rename an extension type or change its columnOrder',
      description:
        'A rename renames the type on every extension that carries it, in the same transaction, and is recorded in the operations log. ' +
        'The channel of a type cannot change.',
    }),
    ApiParam(ID_PARAM),
    ApiOkResponse({ type: ExtensionTypeDto, description: 'The type after the change.' }),
    ApiBadRequestResponse(INVALID('name must be 1 to 100 characters')),
    ApiNotFoundResponse(NOT_FOUND),
  );
}

export function ApiDeleteExtensionType(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'DeleteExtensionType',
      summary: 'Delete an extension type',
      description:
        'Refused with 409 EXTENSION_TYPE_IN_USE (and the count) while extensions carry the type, unless clearExtensions=true: ' +
        'then their name is cleared and the type deleted, in one transaction, recorded in the operations log.',
    }),
    ApiParam(ID_PARAM),
    ApiOkResponse({ type: DeletedExtensionTypeDto }),
    ApiBadRequestResponse(INVALID('clearExtensions must be true or false')),
    ApiNotFoundResponse(NOT_FOUND),
  );
}
