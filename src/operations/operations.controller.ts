import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { pageOf } from '../common/pagination/page-query.dto';
import { utcInstantOf } from '../common/validation/date-time';
import { ListOperationsQueryDto, OperationDetailDto, OperationPageDto } from './dto/operation.dto';
import { ApiGetOperation, ApiListOperations } from './operations.openapi';
import { OperationsService } from './operations.service';

@ApiTags('Operations log')
@Controller('admin/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiListOperations()
  async list(@CurrentUser() user: AuthUser, @Query() query: ListOperationsQueryDto): Promise<OperationPageDto> {
    const { limit, cursor } = pageOf(query);
    return this.operations.list(
      user.brandId,
      {
        apiUserId: query.api_user_id === undefined ? undefined : Number(query.api_user_id),
        from: query.from ? utcInstantOf(query.from) : undefined,
        to: query.to ? utcInstantOf(query.to) : undefined,
        kind: query.kind,
      },
      limit,
      cursor,
    );
  }

  @Get(':id')
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiGetOperation()
  get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<OperationDetailDto> {
    return this.operations.get(user.brandId, id);
  }
}
