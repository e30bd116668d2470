import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { pageOf } from '../common/pagination/page-query.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { OperationCtx } from '../operations/operation-context.decorator';
import type { OperationContext } from '../operations/operations.recorder';
import {
  ApiAdminListContactExtensions,
  ApiBulkDeleteContactExtensions,
  ApiDeleteContactExtension,
} from './contact-extensions-admin.openapi';
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

@ApiTags('Contact extensions (dashboard)')
@ApiExtraModels(ErrorResponseDto, BulkDeleteValidationFailedDto)
@Controller('admin/contact-extensions')
export class ContactExtensionsAdminController {
  constructor(private readonly extensions: ContactExtensionsAdminService) {}

  @Get()
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiAdminListContactExtensions()
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
  @ApiDeleteContactExtension()
  delete(@OperationCtx() ctx: OperationContext, @Query() query: ExtensionKeyQueryDto): Promise<ContactExtensionDto> {
    return this.extensions.delete(ctx, query.contact_key, query.address);
  }

  @Post('bulk-delete')
  @HttpCode(200)
  @Authenticated({ permission: 'ContactExtensions.Manage' })
  @Idempotent()
  @ApiBulkDeleteContactExtensions()
  bulkDelete(@OperationCtx() ctx: OperationContext, @Body() body: BulkDeleteContactExtensionsDto): Promise<BulkDeleteResultDto> {
    return this.extensions.bulkDelete(ctx, body.contactDatas, body.throwOnError ?? true);
  }
}
