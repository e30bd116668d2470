import { Module } from '@nestjs/common';
import { ContactExtensionsModule } from '../contact-extensions/contact-extensions.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { OperationsModule } from '../operations/operations.module';
import { BrandSettingsController } from './brand-settings.controller';
import { BrandSettingsService } from './brand-settings.service';
import { BrandsRepository } from './brands.repository';
import { ExtensionTypesController } from './extension-types.controller';
import { ExtensionTypesService } from './extension-types.service';

/**
 * The brand (account), its enabled extension columns and its extension types: the dashboard's brand
 * configuration (Brand.Read / Brand.Manage).
 */
@Module({
  imports: [ContactExtensionsModule, OperationsModule, IdempotencyModule],
  controllers: [BrandSettingsController, ExtensionTypesController],
  providers: [BrandsRepository, BrandSettingsService, ExtensionTypesService],
})
export class BrandsModule {}
