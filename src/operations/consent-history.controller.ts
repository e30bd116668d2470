import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { pageOf } from '../common/pagination/page-query.dto';
import { ConsentHistoryPageDto, ConsentHistoryQueryDto } from './dto/consent-change.dto';
import { OperationsService } from './operations.service';

@ApiTags('Consent history')
@Controller('admin/consent-history')
export class ConsentHistoryController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiOperation({
    operationId: 'GetConsentHistory',
    summary: 'Who changed the consent (permission) of an address, and when',
    description:
      "Every change of an extension's permission: inserted (old_permission null), changed, deleted (new_permission null), " +
      'with the operation, request id and API user that made it. Newest first, keyset-paginated.',
  })
  @ApiOkResponse({ type: ConsentHistoryPageDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'INVALID_REQUEST: address missing, an unknown or malformed query parameter, or a cursor that is not one of ours.',
    example: { statusCode: 400, code: 'INVALID_REQUEST', message: 'address is required', details: ['address is required'] },
  })
  history(@CurrentUser() user: AuthUser, @Query() query: ConsentHistoryQueryDto): Promise<ConsentHistoryPageDto> {
    const { limit, cursor } = pageOf(query);
    return this.operations.consentHistory(user.brandId, query.address, query.contact_key, limit, cursor);
  }
}
