import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { FORBIDDEN_MESSAGE, UNAUTHENTICATED_MESSAGE } from '../errors/error-codes';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { Permission } from '../../auth/permissions';

export const PERMISSION_KEY = 'requiredPermission';

/**
 * Declares the permission a route needs and documents it in Swagger (bearer security, 401, 403)
 * in one place, so the check and its documentation cannot drift apart.
 */
export function Authenticated(options: { permission: Permission }): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(PERMISSION_KEY, options.permission),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: 'Missing, malformed, forged or expired token, or a disabled API user.',
      example: { statusCode: 401, code: 'UNAUTHENTICATED', message: UNAUTHENTICATED_MESSAGE },
    }),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: `The API user lacks the permission ${options.permission}.`,
      example: { statusCode: 403, code: 'FORBIDDEN', message: FORBIDDEN_MESSAGE },
    }),
  );
}
