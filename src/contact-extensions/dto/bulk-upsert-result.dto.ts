import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RECORD_ERROR_CODES, RECORD_WARNING_CODES } from '../record-errors';

export class RecordErrorDto {
  @ApiProperty({ description: "The record's 0-based position in contactDatas.", example: 3 })
  index: number;

  @ApiProperty({ type: String, nullable: true, description: 'As sent; null when it was not a string.', example: 'c1' })
  contact_key: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'As sent; null when it was not a string.', example: 'a@b' })
  address: string | null;

  @ApiProperty({ enum: RECORD_ERROR_CODES, example: 'INVALID_ADDRESS' })
  code: string;

  @ApiPropertyOptional({ example: 'address' })
  field?: string;

  @ApiProperty({ example: 'address is not a valid email address' })
  message: string;
}

export class RecordWarningDto {
  @ApiProperty({ example: 0 })
  index: number;

  @ApiProperty({ type: String, nullable: true, example: 'c1' })
  contact_key: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'a@b.com' })
  address: string | null;

  @ApiProperty({ enum: RECORD_WARNING_CODES, example: 'DUPLICATE_IN_REQUEST' })
  code: string;

  @ApiProperty({ example: 'a later record (index 4) has the same contact_key and address; this one is skipped' })
  message: string;
}

export class BulkUpsertResultDto {
  @ApiProperty({ description: 'contactDatas.length = inserted + updated + unchanged + skipped + failed', example: 2 })
  total: number;

  @ApiProperty({ example: 1 })
  inserted: number;

  @ApiProperty({ example: 1 })
  updated: number;

  @ApiProperty({ description: 'Existing extensions the request did not change (updated_at kept).', example: 0 })
  unchanged: number;

  @ApiProperty({ description: 'Earlier records of a (contact_key, address) group; see warnings.', example: 0 })
  skipped: number;

  @ApiProperty({ description: 'Records with at least one error (throwOnError false only).', example: 0 })
  failed: number;

  @ApiProperty({ type: [RecordErrorDto] })
  errors: RecordErrorDto[];

  @ApiProperty({ type: [RecordWarningDto] })
  warnings: RecordWarningDto[];
}

export class ValidationFailedResponseDto {
  @ApiProperty({ enum: [400], example: 400 })
  statusCode: number;

  @ApiProperty({ enum: ['VALIDATION_FAILED'], example: 'VALIDATION_FAILED' })
  code: string;

  @ApiProperty({ example: '1 of 2 records are invalid; nothing was written.' })
  message: string;

  @ApiProperty({ type: [RecordErrorDto] })
  errors: RecordErrorDto[];

  @ApiProperty({ type: [RecordWarningDto] })
  warnings: RecordWarningDto[];

  @ApiPropertyOptional({
    description: 'The id of the request (also sent as the X-Request-Id header).',
    example: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  })
  requestId?: string;
}
