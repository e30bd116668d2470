/**
 * The OpenAPI text of ApiUserAdminController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import type { OwnConflict } from '../idempotency/idempotent.decorator';
import { ApiUserDto, ApiUserListDto, ApiUserWithSecretDto } from './dto/api-user.dto';

const NOT_FOUND = {
  type: ErrorResponseDto,
  description: 'NOT_FOUND: no API user with this id in your brand.',
  example: { statusCode: 404, code: 'NOT_FOUND', message: 'No such API user in your brand.' },
};
const ID_PARAM = {
  name: 'id',
  description: 'The API user id.',
  schema: { type: 'integer' as const, format: 'int32', minimum: 1, example: 7 },
};

/** The route's own 409, documented by @Idempotent together with IDEMPOTENCY_KEY_IN_USE. */
export const SELF_LOCKOUT_CONFLICT: OwnConflict = {
  description: 'API_USER_SELF_LOCKOUT: you may not disable or delete the user you call with, nor take Brand.Manage from it.',
  example: {
    statusCode: 409,
    code: 'API_USER_SELF_LOCKOUT',
    message: 'You cannot disable the API user you are calling with; use another user with Brand.Manage.',
  },
};

export function ApiListApiUsers(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'ListApiUsers',
      summary: "Your brand's API users (never their secrets)",
      description:
        'Every API user of your brand with its userKey, permissions and whether it is active. Secrets are never shown after they are created or rotated.',
    }),
    ApiOkResponse({ type: ApiUserListDto }),
  );
}

export function ApiGetApiUser(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'GetApiUser',
      summary: 'One API user',
      description: 'One API user of your brand (never its secret); 404 for a user of another brand.',
    }),
    ApiParam(ID_PARAM),
    ApiOkResponse({ type: ApiUserDto }),
    ApiNotFoundResponse(NOT_FOUND),
  );
}

export function ApiCreateApiUser(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'CreateApiUser',
      summary: 'Create an API user',
      description:
        'The service generates the secret and shows it in this answer only; it is stored hashed and never shown again (rotate it to get a new one). ' +
        'No Idempotency-Key: a kept answer would store the secret. A retry after a lost answer gets 409 API_USER_EXISTS for its own userKey; then rotate the secret.',
    }),
    ApiCreatedResponse({ type: ApiUserWithSecretDto }),
    ApiBadRequestResponse({
      type: ErrorResponseDto,
      description: 'INVALID_REQUEST: a missing or malformed userKey, an unknown or repeated permission, an unknown property.',
      example: {
        statusCode: 400,
        code: 'INVALID_REQUEST',
        message:
          'each permission must be one of ContactExtensions.Manage, ContactExtensions.Read, Contacts.Manage, Contacts.Read, Brand.Manage, Brand.Read',
        details: [
          'each permission must be one of ContactExtensions.Manage, ContactExtensions.Read, Contacts.Manage, Contacts.Read, Brand.Manage, Brand.Read',
        ],
      },
    }),
    ApiConflictResponse({
      type: ErrorResponseDto,
      description: 'API_USER_EXISTS: the userKey is taken (user keys are unique across the service).',
      example: { statusCode: 409, code: 'API_USER_EXISTS', message: 'The userKey "crm-sync" is taken; choose another.' },
    }),
  );
}

export function ApiUpdateApiUserPermissions(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'UpdateApiUserPermissions',
      summary: "Change an API user's permissions",
      description: 'permissions is the full set. Permissions are read on every request, so the change applies to tokens already issued.',
    }),
    ApiParam(ID_PARAM),
    ApiOkResponse({ type: ApiUserDto }),
    ApiBadRequestResponse({
      type: ErrorResponseDto,
      description: 'INVALID_REQUEST: permissions missing, unknown or repeated.',
      example: { statusCode: 400, code: 'INVALID_REQUEST', message: 'permissions is required', details: ['permissions is required'] },
    }),
    ApiNotFoundResponse(NOT_FOUND),
  );
}

export function ApiDisableApiUser(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'DisableApiUser',
      summary: 'Disable an API user',
      description: 'It can no longer log in, and its tokens stop working at once (enabling it again does not revive them).',
    }),
    ApiParam(ID_PARAM),
    ApiOkResponse({ type: ApiUserDto }),
    ApiNotFoundResponse(NOT_FOUND),
  );
}

export function ApiEnableApiUser(): MethodDecorator {
  return applyDecorators(
    ApiOperation({ operationId: 'EnableApiUser', summary: 'Enable an API user again', description: 'It logs in with its current secret.' }),
    ApiParam(ID_PARAM),
    ApiOkResponse({ type: ApiUserDto }),
    ApiNotFoundResponse(NOT_FOUND),
  );
}

export function ApiRotateApiUserSecret(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'RotateApiUserSecret',
      summary: "Replace an API user's secret",
      description:
        'The new secret is shown in this answer only. The old secret and every token issued so far stop working at once. ' +
        'No Idempotency-Key: a kept answer would store the secret. A retry rotates again and answers the newer secret.',
    }),
    ApiParam(ID_PARAM),
    ApiOkResponse({ type: ApiUserWithSecretDto }),
    ApiNotFoundResponse(NOT_FOUND),
  );
}

export function ApiDeleteApiUser(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'DeleteApiUser',
      summary: 'Delete an API user',
      description: 'Its tokens stop working at once. The operations log keeps its userKey.',
    }),
    ApiParam(ID_PARAM),
    ApiNoContentResponse({ description: 'Deleted.' }),
    ApiNotFoundResponse(NOT_FOUND),
  );
}
