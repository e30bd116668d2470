import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { FORBIDDEN_MESSAGE, UNAUTHENTICATED_MESSAGE } from '../common/errors/error-codes';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { errorExample } from '../common/decorators/api-error-responses.decorator';
import { Permission } from './permissions';

export const PERMISSION_KEY = 'requiredPermission';

/**
 * Declares the permission a route needs and documents it in Swagger (bearer security, 401, 403)
 * in one place, so the check and its documentation cannot drift apart. The permission is also
 * named in the document as the operation's `x-permission`, for clients and tools to read.
 */
export function Authenticated(options: { permission: Permission }): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(PERMISSION_KEY, options.permission),
    ApiBearerAuth(),
    ApiExtension('x-permission', options.permission),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description:
        'UNAUTHENTICATED: missing, malformed, forged or expired token, or an API user that was disabled or deleted. Log in again.',
      example: errorExample('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE),
    }),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: `FORBIDDEN: the API user lacks the permission ${options.permission}.`,
      example: errorExample('FORBIDDEN', FORBIDDEN_MESSAGE),
    }),
  );
}
