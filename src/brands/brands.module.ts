import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Brand } from './brand.entity';
import { ExtensionType } from './extension-type.entity';

/** The brand (account), its enabled extension columns and its extension types. */
@Module({
  imports: [TypeOrmModule.forFeature([Brand, ExtensionType])],
  exports: [TypeOrmModule],
})
export class BrandsModule {}
