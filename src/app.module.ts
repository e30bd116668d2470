import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuthModule } from './auth/auth.module';
import { BrandsModule } from './brands/brands.module';
import { ContactExtensionsModule } from './contact-extensions/contact-extensions.module';
import { ContactsModule } from './contacts/contacts.module';
import appConfig from './config/app.config';
import authConfig from './config/auth.config';
import databaseConfig from './config/database.config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { SeedModule } from './seed/seed.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, load: [appConfig, databaseConfig, authConfig] }),
    LoggingModule,
    DatabaseModule,
    MetricsModule,
    HealthModule,
    AuthModule,
    BrandsModule,
    ContactsModule,
    ContactExtensionsModule,
    SeedModule,
  ],
})
export class AppModule {}
