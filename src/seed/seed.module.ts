import { Module } from '@nestjs/common';
import { DemoSeeder } from './demo-seeder';
import { SeedService } from './seed.service';

/** Loading seed files (the CLI) and the demo brand of the embedded default. */
@Module({
  providers: [SeedService, DemoSeeder],
  exports: [SeedService, DemoSeeder],
})
export class SeedModule {}
