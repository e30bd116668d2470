import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ApiUserAdminModule } from './auth/api-user-admin.module';
import { AuthModule } from './auth/auth.module';
import { BrandsModule } from './brands/brands.module';
import { JsonBodyModule } from './common/middleware/json-body.module';
import { ContactExtensionsModule } from './contact-extensions/contact-extensions.module';
import { ContactsModule } from './contacts/contacts.module';
import appConfig from './config/app.config';
import authConfig from './config/auth.config';
import databaseConfig from './config/database.config';
import { DatabaseModule } from './database/database.module';
import { ENTITIES } from './entities';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { OperationsModule } from './operations/operations.module';
import { SeedModule } from './seed/seed.module';
import { StatsModule } from './stats/stats.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, load: [appConfig, databaseConfig, authConfig] }),
    LoggingModule,
    DatabaseModule.forRoot(ENTITIES),
    MetricsModule,
    // after the logger's and the metrics' middleware (see the module)
    JsonBodyModule,
    HealthModule,
    AuthModule,
    ContactsModule,
    ContactExtensionsModule,
    JobsModule,
    // the admin dashboard
    BrandsModule,
    ApiUserAdminModule,
    OperationsModule,
    StatsModule,
    SeedModule,
  ],
})
export class AppModule {}
