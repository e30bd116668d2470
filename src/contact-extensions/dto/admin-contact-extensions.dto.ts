import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsDefined, IsArray, IsIn, IsOptional, IsString, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { IsNotBlank, IsStorableText, TextLength } from '../../common/validation/storable-text';
import { CHANNELS } from '../../addresses/channel';
import { ContactExtensionDto } from './list-contact-extensions.dto';

export const MAX_DELETE_RECORDS = 1000;

export class AdminListContactExtensionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only the extensions of this contact.', example: 'customer-1042' })
  @IsOptional()
  @IsString({ message: 'contact_key must be given once, as a string' })
  @TextLength('contact_key', 1, 200)
  @IsStorableText('contact_key')
  contact_key?: string;

  @ApiPropertyOptional({
    description:
      'Only addresses containing this text (emails compared lowercased; a phone number given as +90 535 ... matches its digits).',
    example: 'example.com',
  })
  @IsOptional()
  @IsString({ message: 'address must be given once, as a string' })
  @TextLength('address', 1, 320)
  @IsNotBlank('address must not be blank')
  @IsStorableText('address')
  address?: string;

  @ApiPropertyOptional({ enum: CHANNELS, description: 'Only extensions of this channel: E email, S gsm, W WhatsApp.', example: 'E' })
  @IsOptional()
  @IsIn(CHANNELS, { message: 'channel must be one of E, S, W' })
  channel?: string;

  @ApiPropertyOptional({ description: 'Only extensions of this type (its exact name).', example: 'Work Email' })
  @IsOptional()
  @IsString({ message: 'name must be given once, as a string' })
  @TextLength('name', 1, 100)
  @IsStorableText('name')
  name?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only opted-in (true) or opted-out (false) extensions.' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'permission must be true or false' })
  permission?: 'true' | 'false';
}

export class ContactExtensionPageDto {
  @ApiProperty({
    type: [ContactExtensionDto],
    description: 'By contact_key, then address (the order of the unique key, stable across pages).',
  })
  items: ContactExtensionDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page.',
    example: 'WyJjdXN0b21lci0xMDQyIiwiamFuZUBleGFtcGxlLmNvbSJd',
  })
  next_cursor: string | null;
}

export class ExtensionKeyQueryDto {
  @ApiProperty({ description: 'The contact of the extension.', example: 'customer-1042' })
  @IsDefined({ message: 'contact_key is required' })
  @IsString({ message: 'contact_key must be given once, as a string' })
  @TextLength('contact_key', 1, 200)
  @IsStorableText('contact_key')
  contact_key: string;

  @ApiProperty({ description: 'Canonicalized like the bulk API: A@B.COM finds a@b.com.', example: 'jane.doe@example.com' })
  @IsDefined({ message: 'address is required' })
  @IsString({ message: 'address must be given once, as a string' })
  @TextLength('address', 1, 400)
  @IsNotBlank('address must not be blank')
  @IsStorableText('address')
  address: string;
}

export class ExtensionKeyDto {
  @ApiProperty({ example: 'customer-1042' })
  contact_key: string;

  @ApiProperty({ example: 'Jane.Doe@Example.com' })
  address: string;
}

export class BulkDeleteContactExtensionsDto {
  @ApiProperty({
    type: [ExtensionKeyDto],
    minItems: 1,
    maxItems: MAX_DELETE_RECORDS,
    description: `1 to ${MAX_DELETE_RECORDS} extensions to delete, by (contact_key, address). Each record is checked on its own; a key given twice: the last one counts.`,
  })
  @ArrayMaxSize(MAX_DELETE_RECORDS, { message: `contactDatas must hold at most ${MAX_DELETE_RECORDS} records` })
  @ArrayMinSize(1, { message: 'contactDatas must hold at least 1 record' })
  // decorators run bottom-up: the type first, so that a value of another type is reported as such
  @IsArray({ message: 'contactDatas must be an array' })
  contactDatas: unknown[];

  @ApiPropertyOptional({
    default: true,
    description:
      'When true, any invalid or unknown record fails the whole request (400 VALIDATION_FAILED) and nothing is deleted. When false, the others are deleted and those reported.',
    example: true,
  })
  @ValidateIf((o: BulkDeleteContactExtensionsDto) => o.throwOnError !== undefined)
  @IsBoolean({ message: 'throwOnError must be a boolean' })
  throwOnError?: boolean;
}

export class DeleteRecordErrorDto {
  @ApiProperty({ example: 1 })
  index: number;

  @ApiProperty({ type: String, nullable: true, example: 'customer-1042' })
  contact_key: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'old@example.com' })
  address: string | null;

  @ApiProperty({ enum: ['MISSING_FIELD', 'INVALID_FIELD', 'UNKNOWN_FIELD', 'EXTENSION_NOT_FOUND'], example: 'EXTENSION_NOT_FOUND' })
  code: string;

  @ApiPropertyOptional({ example: 'address' })
  field?: string;

  @ApiProperty({ example: 'no extension with this contact_key and address' })
  message: string;
}

export class DeleteRecordWarningDto {
  @ApiProperty({ example: 0 })
  index: number;

  @ApiProperty({ type: String, nullable: true, example: 'customer-1042' })
  contact_key: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'old@example.com' })
  address: string | null;

  @ApiProperty({ enum: ['DUPLICATE_IN_REQUEST'], example: 'DUPLICATE_IN_REQUEST' })
  code: string;

  @ApiProperty({ example: 'a later record (index 2) has the same contact_key and address; this one is skipped' })
  message: string;
}

export class BulkDeleteResultDto {
  @ApiProperty({ description: 'contactDatas.length = deleted + skipped + failed', example: 3 })
  total: number;

  @ApiProperty({ example: 2 })
  deleted: number;

  @ApiProperty({ example: 0 })
  skipped: number;

  @ApiProperty({ example: 1 })
  failed: number;

  @ApiProperty({ type: [DeleteRecordErrorDto] })
  errors: DeleteRecordErrorDto[];

  @ApiProperty({ type: [DeleteRecordWarningDto], description: 'DUPLICATE_IN_REQUEST for the earlier records of a key.' })
  warnings: DeleteRecordWarningDto[];
}

export class BulkDeleteValidationFailedDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ enum: ['VALIDATION_FAILED'], example: 'VALIDATION_FAILED' })
  code: string;

  @ApiProperty({ example: '1 of 3 records are invalid; nothing was deleted.' })
  message: string;

  @ApiProperty({ type: [DeleteRecordErrorDto] })
  errors: DeleteRecordErrorDto[];

  @ApiProperty({ type: [DeleteRecordWarningDto] })
  warnings: DeleteRecordWarningDto[];

  @ApiPropertyOptional({ example: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' })
  requestId?: string;
}
