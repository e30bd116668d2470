import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { pageOf } from '../common/pagination/page-query.dto';
import { ListOperationsQueryDto, OperationDetailDto, OperationPageDto } from './dto/operation.dto';
import { OperationsService } from './operations.service';

const INVALID_QUERY = {
  type: ErrorResponseDto,
  description: 'INVALID_REQUEST: an unknown or malformed query parameter, or a cursor that is not one of ours.',
  example: { statusCode: 400, code: 'INVALID_REQUEST', message: 'limit must be at most 500', details: ['limit must be at most 500'] },
};

@ApiTags('Operations log')
@Controller('admin/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiOperation({
    operationId: 'ListOperations',
    summary: 'List the bulk writes of your brand',
    description:
      'Every bulk write (extension and contact upserts, deletes, extension type renames and deletions) is recorded in the same transaction as its writes. ' +
      'Newest first, keyset-paginated: pass next_cursor back as cursor. Filter by API user, kind and start time (from inclusive, to exclusive).',
  })
  @ApiOkResponse({ type: OperationPageDto })
  @ApiBadRequestResponse(INVALID_QUERY)
  async list(@CurrentUser() user: AuthUser, @Query() query: ListOperationsQueryDto): Promise<OperationPageDto> {
    const { limit, cursor } = pageOf(query);
    return this.operations.list(
      user.brandId,
      {
        apiUserId: query.api_user_id === undefined ? undefined : Number(query.api_user_id),
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        kind: query.kind,
      },
      limit,
      cursor,
    );
  }

  @Get(':id')
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiOperation({
    operationId: 'GetOperation',
    summary: 'Show one operation with its per-record errors',
    description:
      'One bulk write of your brand with its counts, its per-record errors and how many consent changes it made; 404 for an operation of another brand.',
  })
  @ApiParam({ name: 'id', description: 'The operation id.', example: '1042' })
  @ApiOkResponse({ type: OperationDetailDto })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'NOT_FOUND: no such operation in your brand.',
    example: { statusCode: 404, code: 'NOT_FOUND', message: 'No such operation in your brand.' },
  })
  get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<OperationDetailDto> {
    return this.operations.get(user.brandId, id);
  }
}
