import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { errorExample } from '../common/decorators/api-error-responses.decorator';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { pageOf } from '../common/pagination/page-query.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { OperationCtx } from '../operations/operation-context.decorator';
import type { OperationContext } from '../operations/operations.recorder';
import { ContactExtensionsAdminService } from './contact-extensions-admin.service';
import {
  AdminListContactExtensionsQueryDto,
  BulkDeleteContactExtensionsDto,
  BulkDeleteResultDto,
  BulkDeleteValidationFailedDto,
  ContactExtensionPageDto,
  ExtensionKeyQueryDto,
} from './dto/admin-contact-extensions.dto';
import { ContactExtensionDto } from './dto/list-contact-extensions.dto';

const INVALID_QUERY = {
  type: ErrorResponseDto,
  description: 'INVALID_REQUEST: an unknown or malformed query parameter, or a cursor that is not one of ours.',
  example: errorExample('INVALID_REQUEST', 'channel must be one of E, S, W', { details: ['channel must be one of E, S, W'] }),
};

@ApiTags('Contact extensions (dashboard)')
@ApiExtraModels(ErrorResponseDto, BulkDeleteValidationFailedDto)
@Controller('admin/contact-extensions')
export class ContactExtensionsAdminController {
  constructor(private readonly extensions: ContactExtensionsAdminService) {}

  @Get()
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiOperation({
    operationId: 'AdminListContactExtensions',
    summary: "List your brand's extensions with filters",
    description:
      'Filter by contact, address substring, channel, type name and permission (all given filters must match). ' +
      'Ordered by contact_key then address, keyset-paginated: pass next_cursor back as cursor.',
  })
  @ApiOkResponse({ type: ContactExtensionPageDto })
  @ApiBadRequestResponse(INVALID_QUERY)
  list(@CurrentUser() user: AuthUser, @Query() query: AdminListContactExtensionsQueryDto): Promise<ContactExtensionPageDto> {
    const { limit, cursor } = pageOf(query);
    return this.extensions.list(
      user.brandId,
      {
        contactKey: query.contact_key,
        addressContains: query.address,
        channel: query.channel,
        name: query.name,
        permission: query.permission === undefined ? undefined : query.permission === 'true',
      },
      limit,
      cursor,
    );
  }

  @Delete()
  @Authenticated({ permission: 'ContactExtensions.Manage' })
  @Idempotent()
  @ApiOperation({
    operationId: 'DeleteContactExtension',
    summary: 'Delete one extension',
    description:
      'By contact_key and address (canonicalized). Recorded in the operations log and the consent history, in the same transaction.',
  })
  @ApiOkResponse({ type: ContactExtensionDto, description: 'The extension as it was.' })
  @ApiBadRequestResponse({
    ...INVALID_QUERY,
    example: errorExample('INVALID_REQUEST', 'address is required', { details: ['address is required'] }),
  })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'NOT_FOUND: no such extension in your brand.',
    example: errorExample('NOT_FOUND', 'No extension with this contact_key and address in your brand.'),
  })
  delete(@OperationCtx() ctx: OperationContext, @Query() query: ExtensionKeyQueryDto): Promise<ContactExtensionDto> {
    return this.extensions.delete(ctx, query.contact_key, query.address);
  }

  @Post('bulk-delete')
  @HttpCode(200)
  @Authenticated({ permission: 'ContactExtensions.Manage' })
  @Idempotent()
  @ApiOperation({
    operationId: 'BulkDeleteContactExtensions',
    summary: 'Delete up to 1000 extensions by (contact_key, address)',
    description:
      'Per-record errors as in the bulk upsert (MISSING_FIELD, INVALID_FIELD, UNKNOWN_FIELD, EXTENSION_NOT_FOUND; DUPLICATE_IN_REQUEST warnings). ' +
      'One statement for all keys, in one transaction with the operations log and the consent history.',
  })
  @ApiOkResponse({ type: BulkDeleteResultDto })
  @ApiBadRequestResponse({
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
  })
  bulkDelete(@OperationCtx() ctx: OperationContext, @Body() body: BulkDeleteContactExtensionsDto): Promise<BulkDeleteResultDto> {
    return this.extensions.bulkDelete(ctx, body.contactDatas, body.throwOnError ?? true);
  }
}
