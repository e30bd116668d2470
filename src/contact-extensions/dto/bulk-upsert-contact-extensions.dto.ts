import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDefined, ValidateIf } from 'class-validator';
import { ColumnList } from '../../common/validation/column-list';
import { EXTENSION_COLUMNS, ExtensionColumn } from '../../addresses/extension-columns';
import { ContactExtensionRecordDto } from './contact-extension-record.dto';

export const MAX_RECORDS = 1000;

/**
 * The envelope of BulkUpsertExtensions. The ValidationPipe checks it (400 INVALID_REQUEST); the
 * records inside `contactDatas` are checked one by one by the service, so that one bad record is
 * an error of that record only.
 */
export class BulkUpsertContactExtensionsDto {
  @ApiProperty({
    description:
      'The columns this request uses; must contain contact_key and address, and be enabled for the brand. Values of other columns are ignored.',
    enum: EXTENSION_COLUMNS,
    isArray: true,
    minItems: 1,
    maxItems: EXTENSION_COLUMNS.length,
    uniqueItems: true,
    example: ['contact_key', 'address', 'channel', 'name', 'permission'],
  })
  @ColumnList(EXTENSION_COLUMNS)
  columns: ExtensionColumn[];

  @ApiProperty({
    description: `1 to ${MAX_RECORDS} records to insert or update.`,
    type: [ContactExtensionRecordDto],
    minItems: 1,
    maxItems: MAX_RECORDS,
    example: [
      { contact_key: 'demo-contact-1', address: 'Jane.Doe@Example.com', channel: 'E', name: 'Work Email', permission: true },
      { contact_key: 'demo-contact-1', address: '+90 535 123 45 67', channel: 'S', name: 'Mobile', permission: false },
    ],
  })
  @ArrayMaxSize(MAX_RECORDS, { message: `contactDatas must hold at most ${MAX_RECORDS} records` })
  @ArrayMinSize(1, { message: 'contactDatas must hold at least 1 record' })
  @IsArray({ message: 'contactDatas must be an array' })
  @IsDefined({ message: 'contactDatas is required' })
  contactDatas: unknown[];

  @ApiPropertyOptional({
    description: 'When true, records that do not exist are inserted. Not with new_contact_key or new_address.',
    default: false,
    example: true,
  })
  @ValidateIf((o: BulkUpsertContactExtensionsDto) => o.insertIfNotExists !== undefined)
  @IsBoolean({ message: 'insertIfNotExists must be a boolean' })
  insertIfNotExists?: boolean;

  @ApiPropertyOptional({
    description:
      'When true, any invalid record fails the whole request (400 VALIDATION_FAILED) and nothing is written. When false, valid records are written and invalid ones reported.',
    default: true,
    example: true,
  })
  @ValidateIf((o: BulkUpsertContactExtensionsDto) => o.throwOnError !== undefined)
  @IsBoolean({ message: 'throwOnError must be a boolean' })
  throwOnError?: boolean;

  @ApiPropertyOptional({
    description:
      'When true, the request is validated in full, against the database too, and answered with the counts of what would happen ' +
      '(or 400 VALIDATION_FAILED with throwOnError true), but nothing is written.',
    default: false,
    example: false,
  })
  @ValidateIf((o: BulkUpsertContactExtensionsDto) => o.validateOnly !== undefined)
  @IsBoolean({ message: 'validateOnly must be a boolean' })
  validateOnly?: boolean;
}
