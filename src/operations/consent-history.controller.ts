import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { pageOf } from '../common/pagination/page-query.dto';
import { ApiGetConsentHistory } from './consent-history.openapi';
import { ConsentHistoryPageDto, ConsentHistoryQueryDto } from './dto/consent-change.dto';
import { OperationsService } from './operations.service';

@ApiTags('Consent history')
@Controller('admin/consent-history')
export class ConsentHistoryController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiGetConsentHistory()
  history(@CurrentUser() user: AuthUser, @Query() query: ConsentHistoryQueryDto): Promise<ConsentHistoryPageDto> {
    const { limit, cursor } = pageOf(query);
    return this.operations.consentHistory(user.brandId, query.address, query.contact_key, limit, cursor);
  }
}
