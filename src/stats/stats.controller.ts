import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../common/decorators/authenticated.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { StatsDto } from './dto/stats.dto';
import { StatsService } from './stats.service';

@ApiTags('Dashboard')
@Controller('admin/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiOperation({
    operationId: 'GetDashboardStats',
    summary: "The dashboard's first page: extensions by channel and type, opt-in rates, operations per day",
    description:
      'Extension counts come from counters kept by the database in the same transaction as every write, so they are exact ' +
      'and the answer does not slow down with the number of extensions (well under 100 ms for a brand with 1M).',
  })
  @ApiOkResponse({ type: StatsDto })
  get(@CurrentUser() user: AuthUser): Promise<StatsDto> {
    return this.stats.stats(user.brandId);
  }
}
