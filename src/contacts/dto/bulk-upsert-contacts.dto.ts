import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayContains, ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDefined, ValidateIf } from 'class-validator';
import { ColumnList } from '../../common/validation/column-list';
import { CONTACT_COLUMNS, CONTACT_STATUSES } from '../contact-columns';
import type { ContactColumn } from '../contact-columns';

export const MAX_CONTACT_RECORDS = 1000;

/** One entry of contactDatas, for the documentation: each record is validated on its own by the service. */
export class ContactRecordDto {
  @ApiProperty({ description: 'The contact (created when it does not exist).', minLength: 1, maxLength: 200, example: 'customer-1042' })
  contact_key: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, description: 'null clears it.', example: 'Jane' })
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Doe' })
  surname?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 320,
    description: 'Stored trimmed and lowercased.',
    example: 'Jane.Doe@Example.com',
  })
  email?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'A phone number in international form; stored as its digits (+90 535 123 45 67 is stored 905351234567).',
    example: '+90 535 123 45 67',
  })
  gsm?: string | null;

  @ApiPropertyOptional({ type: Boolean, example: true })
  email_permission?: boolean;

  @ApiPropertyOptional({ type: Boolean, example: false })
  gsm_permission?: boolean;

  @ApiPropertyOptional({ enum: CONTACT_STATUSES, description: 'A active, P passive.', example: 'A' })
  contact_status?: 'A' | 'P';
}

/**
 * The envelope of POST /rest/bulk/contacts, the sibling of BulkUpsertExtensions: checked by the
 * ValidationPipe (400 INVALID_REQUEST); the records are checked one by one by the service.
 */
export class BulkUpsertContactsDto {
  @ApiProperty({
    description:
      'The columns this request writes; must contain contact_key. Values of other columns are ignored; a record may leave a named column out (the stored value stays; a new contact gets the default).',
    enum: CONTACT_COLUMNS,
    isArray: true,
    minItems: 1,
    maxItems: CONTACT_COLUMNS.length,
    uniqueItems: true,
    example: ['contact_key', 'name', 'surname', 'email', 'gsm', 'email_permission', 'gsm_permission', 'contact_status'],
  })
  // runs after ColumnList's rules (class-validator runs the decorators bottom-up)
  @ArrayContains(['contact_key'], { message: 'columns must contain contact_key' })
  @ColumnList(CONTACT_COLUMNS)
  columns: ContactColumn[];

  @ApiProperty({
    description: `1 to ${MAX_CONTACT_RECORDS} contacts to insert or update. Several records with one contact_key: the last one wins, the earlier ones are skipped with a DUPLICATE_IN_REQUEST warning.`,
    type: [ContactRecordDto],
    minItems: 1,
    maxItems: MAX_CONTACT_RECORDS,
  })
  @ArrayMaxSize(MAX_CONTACT_RECORDS, { message: `contactDatas must hold at most ${MAX_CONTACT_RECORDS} records` })
  @ArrayMinSize(1, { message: 'contactDatas must hold at least 1 record' })
  @IsArray({ message: 'contactDatas must be an array' })
  @IsDefined({ message: 'contactDatas is required' })
  contactDatas: unknown[];

  @ApiPropertyOptional({
    description:
      'When true, any invalid record fails the whole request (400 VALIDATION_FAILED) and nothing is written. When false, valid records are written and invalid ones reported.',
    default: true,
    example: true,
  })
  @ValidateIf((o: BulkUpsertContactsDto) => o.throwOnError !== undefined)
  @IsBoolean({ message: 'throwOnError must be a boolean' })
  throwOnError?: boolean;
}

export class ContactRecordErrorDto {
  @ApiProperty({ description: "The record's 0-based position in contactDatas.", example: 3 })
  index: number;

  @ApiProperty({ type: String, nullable: true, description: 'As sent; null when it was not a string.', example: 'customer-1042' })
  contact_key: string | null;

  @ApiProperty({ enum: ['MISSING_FIELD', 'INVALID_FIELD', 'UNKNOWN_FIELD'], example: 'INVALID_FIELD' })
  code: string;

  @ApiPropertyOptional({ example: 'email' })
  field?: string;

  @ApiProperty({ example: 'email is not a valid email address' })
  message: string;
}

export class ContactRecordWarningDto {
  @ApiProperty({ example: 0 })
  index: number;

  @ApiProperty({ type: String, nullable: true, example: 'customer-1042' })
  contact_key: string | null;

  @ApiProperty({ enum: ['DUPLICATE_IN_REQUEST'], example: 'DUPLICATE_IN_REQUEST' })
  code: string;

  @ApiProperty({ example: 'a later record (index 4) has the same contact_key; this one is skipped' })
  message: string;
}

export class BulkUpsertContactsResultDto {
  @ApiProperty({ description: 'contactDatas.length = inserted + updated + unchanged + skipped + failed', example: 3 })
  total: number;

  @ApiProperty({ example: 1 })
  inserted: number;

  @ApiProperty({ example: 1 })
  updated: number;

  @ApiProperty({ description: 'Existing contacts the request did not change (updated_at kept).', example: 0 })
  unchanged: number;

  @ApiProperty({ description: 'Earlier records of a contact_key; see warnings.', example: 1 })
  skipped: number;

  @ApiProperty({ description: 'Records with at least one error (throwOnError false only).', example: 0 })
  failed: number;

  @ApiProperty({ type: [ContactRecordErrorDto] })
  errors: ContactRecordErrorDto[];

  @ApiProperty({ type: [ContactRecordWarningDto] })
  warnings: ContactRecordWarningDto[];
}

export class ContactsValidationFailedResponseDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ enum: ['VALIDATION_FAILED'], example: 'VALIDATION_FAILED' })
  code: string;

  @ApiProperty({ example: '1 of 2 records are invalid; nothing was written.' })
  message: string;

  @ApiProperty({ type: [ContactRecordErrorDto] })
  errors: ContactRecordErrorDto[];

  @ApiProperty({ type: [ContactRecordWarningDto] })
  warnings: ContactRecordWarningDto[];

  @ApiPropertyOptional({ example: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' })
  requestId?: string;
}
