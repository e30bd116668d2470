import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayContains, ArrayUnique, IsArray, IsIn, IsOptional, IsString } from 'class-validator';
import { EXTENSION_COLUMNS, ExtensionColumn } from '../../addresses/extension-columns';
import { IsNotBlank, IsStorableText, TextLength } from '../../common/validation/storable-text';

export class BrandSettingsDto {
  @ApiProperty({ description: 'The brand key (fixed).', example: 'acme' })
  key: string;

  @ApiProperty({ example: 'Acme Inc.' })
  name: string;

  @ApiProperty({
    enum: EXTENSION_COLUMNS,
    isArray: true,
    description: 'The extension columns integrators may use in POST /rest/bulk/contact_extensions; contact_key and address always.',
    example: ['contact_key', 'address', 'channel', 'name', 'permission'],
  })
  extensionColumns: ExtensionColumn[];

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  updatedAt: Date;
}

export class UpdateBrandSettingsDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Acme Europe' })
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  @TextLength('name', 1, 200)
  @IsNotBlank('name must not be blank')
  @IsStorableText('name')
  name?: string;

  @ApiPropertyOptional({
    enum: EXTENSION_COLUMNS,
    isArray: true,
    uniqueItems: true,
    description: 'The full set of enabled columns; must contain contact_key and address.',
    example: ['contact_key', 'address', 'channel', 'permission'],
  })
  @IsOptional()
  @ArrayContains(['contact_key', 'address'], { message: 'extensionColumns must contain contact_key and address (they cannot be disabled)' })
  @IsIn(EXTENSION_COLUMNS, { each: true, message: `each of extensionColumns must be one of ${EXTENSION_COLUMNS.join(', ')}` })
  @ArrayUnique({ message: 'extensionColumns must not name a column twice' })
  // decorators run bottom-up: the type first, so that a value of another type is reported as such
  @IsArray({ message: 'extensionColumns must be an array' })
  extensionColumns?: ExtensionColumn[];
}
