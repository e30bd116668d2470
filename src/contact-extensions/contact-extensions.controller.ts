import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { RateLimited } from '../rate-limit/rate-limited.decorator';
import { RequestId } from '../common/decorators/request-id.decorator';
import { InvalidRequestResponseDto } from '../common/errors/error-response.dto';
import { ApiBulkUpsertExtensions, ApiListContactExtensions } from './contact-extensions.openapi';
import { ContactExtensionsService } from './contact-extensions.service';
import { BulkUpsertContactExtensionsDto } from './dto/bulk-upsert-contact-extensions.dto';
import { BulkUpsertResultDto, ValidationFailedResponseDto } from './dto/bulk-upsert-result.dto';
import { ContactExtensionListDto, ListContactExtensionsQueryDto } from './dto/list-contact-extensions.dto';

@ApiTags('Contact extensions')
@ApiExtraModels(InvalidRequestResponseDto, ValidationFailedResponseDto)
@Controller('rest')
export class ContactExtensionsController {
  constructor(private readonly service: ContactExtensionsService) {}

  @Post('bulk/contact_extensions')
  @HttpCode(200)
  @Authenticated({ permission: 'ContactExtensions.Manage' })
  // the limit first, then the key (see @Idempotent)
  @Idempotent()
  @RateLimited('bulk')
  @ApiBulkUpsertExtensions()
  bulkUpsert(
    @CurrentUser() user: AuthUser,
    @Body() body: BulkUpsertContactExtensionsDto,
    @RequestId() requestId: string,
  ): Promise<BulkUpsertResultDto> {
    return this.service.bulkUpsert(user, body, requestId);
  }

  @Get('contact_extensions')
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiListContactExtensions()
  async list(@CurrentUser() user: AuthUser, @Query() query: ListContactExtensionsQueryDto): Promise<ContactExtensionListDto> {
    return { items: await this.service.listByContact(user, query.contact_key) };
  }
}
