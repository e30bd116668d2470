import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { StatsDto } from './dto/stats.dto';
import { ApiGetDashboardStats } from './stats.openapi';
import { StatsService } from './stats.service';

@ApiTags('Dashboard')
@Controller('admin/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @Authenticated({ permission: 'ContactExtensions.Read' })
  @ApiGetDashboardStats()
  get(@CurrentUser() user: AuthUser): Promise<StatsDto> {
    return this.stats.stats(user.brandId);
  }
}
