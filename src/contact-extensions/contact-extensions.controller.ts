import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ContactExtensionsService } from './contact-extensions.service';
import { BulkUpsertContactExtensionsDto } from './dto/bulk-upsert-contact-extensions.dto';
import { BulkUpsertResultDto, ValidationFailedResponseDto } from './dto/bulk-upsert-result.dto';
import { ContactExtensionListDto, ListContactExtensionsQueryDto } from './dto/list-contact-extensions.dto';

@ApiTags('Contact extensions')
@ApiExtraModels(ErrorResponseDto, ValidationFailedResponseDto)
@Controller('rest')
export class ContactExtensionsController {
  constructor(private readonly service: ContactExtensionsService) {}

  @Post('bulk/contact_extensions')
  @HttpCode(200)
  @Authenticated({ permission: 'ContactExtensions.Manage' })
  @ApiOperation({
    operationId: 'BulkUpsertExtensions',
    summary: 'Insert and update contact extensions in bulk',
    description: [
      'Inserts new and updates existing extensions (email addresses, phone and WhatsApp numbers) of the contacts of your brand.',
      'All records are validated, against the database too, before anything is written; then all valid records are written in one transaction.',
      'Records with the same contact_key and address: the last one is processed, the earlier ones are skipped with a DUPLICATE_IN_REQUEST warning.',
      'Renames (new_contact_key, new_address) are judged on the state after the request, so chains and swaps work. They cannot be combined with insertIfNotExists.',
      'The channel of an extension never changes. name must be an extension type of your brand for the channel.',
    ].join('\n\n'),
  })
  @ApiOkResponse({ type: BulkUpsertResultDto, description: 'Counts, and per-record errors (throwOnError false) and warnings.' })
  @ApiBadRequestResponse({
    description: 'INVALID_REQUEST: the envelope is wrong (nothing written). VALIDATION_FAILED: throwOnError is true and a record is invalid (nothing written).',
    schema: { oneOf: [{ $ref: getSchemaPath(ErrorResponseDto) }, { $ref: getSchemaPath(ValidationFailedResponseDto) }] },
    examples: {
      INVALID_REQUEST: {
        summary: 'A request-level error',
        value: { statusCode: 400, code: 'INVALID_REQUEST', message: 'columns must contain address', details: ['columns must contain address'] },
      },
      VALIDATION_FAILED: {
        summary: 'An invalid record with throwOnError true',
        value: {
          statusCode: 400,
          code: 'VALIDATION_FAILED',
          message: '1 of 1 records are invalid; nothing was written.',
          errors: [{ index: 0, contact_key: 'c1', address: 'a@b', code: 'INVALID_ADDRESS', field: 'address', message: 'address is not a valid email address' }],
          warnings: [],
        },
      },
    },
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The body is over BODY_LIMIT (default 5mb).' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'DATABASE_UNAVAILABLE: nothing was written; retry later.' })
  bulkUpsert(@CurrentUser() user: AuthUser, @Body() body: BulkUpsertContactExtensionsDto): Promise<BulkUpsertResultDto> {
    return this.service.bulkUpsert(user, body);
  }

  @Get('contact_extensions')
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiOperation({
    operationId: 'ListContactExtensions',
    summary: "List one contact's extensions",
    description: 'The extensions of one contact of your brand, ordered by address in byte order. An unknown contact gives an empty list.',
  })
  @ApiOkResponse({ type: ContactExtensionListDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'INVALID_REQUEST: contact_key is missing.' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'DATABASE_UNAVAILABLE' })
  async list(@CurrentUser() user: AuthUser, @Query() query: ListContactExtensionsQueryDto): Promise<ContactExtensionListDto> {
    return { items: await this.service.listByContact(user, query.contact_key) };
  }
}
