/**
 * The OpenAPI text of BrandSettingsController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries, limits) document themselves and stay on
 * the controller.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { BrandSettingsDto } from './dto/brand-settings.dto';

export function ApiGetBrandSettings(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'GetBrandSettings',
      summary: "Your brand's name and enabled extension columns",
      description: 'The brand of the calling API user: its key, name and the extension columns the bulk API accepts (extensionColumns).',
    }),
    ApiOkResponse({ type: BrandSettingsDto }),
  );
}

export function ApiUpdateBrandSettings(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'UpdateBrandSettings',
      summary: "Change your brand's name or enabled extension columns",
      description:
        'Send only what changes. extensionColumns is the full set of enabled columns and must contain contact_key and address. ' +
        'The change applies from the next request on.',
    }),
    ApiOkResponse({ type: BrandSettingsDto, description: 'The brand after the change.' }),
    ApiBadRequestResponse({
      type: ErrorResponseDto,
      description: 'INVALID_REQUEST: an unknown property, a blank name, an unknown column, or contact_key/address missing.',
      example: {
        statusCode: 400,
        code: 'INVALID_REQUEST',
        message: 'extensionColumns must contain contact_key and address (they cannot be disabled)',
        details: ['extensionColumns must contain contact_key and address (they cannot be disabled)'],
      },
    }),
  );
}
