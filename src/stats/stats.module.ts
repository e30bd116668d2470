import { Module } from '@nestjs/common';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

/** GET /admin/stats: the summary on the dashboard's first page. */
@Module({
  controllers: [StatsController],
  providers: [StatsService],
})
export class StatsModule {}
