import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { IsDateTime } from '../../common/validation/date-time';
import { DecimalInteger } from '../../common/validation/decimal-integer';
import { MAX_INT4 } from '../../common/validation/pg-integer';
import { OPERATION_KINDS } from '../operation-kinds';

export class ListOperationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only the operations of this API user (its id).',
    type: 'integer',
    minimum: 1,
    maximum: MAX_INT4,
    example: 7,
  })
  @IsOptional()
  @DecimalInteger()
  // API user ids are 32-bit (an integer column): a larger one would fail in the database, not match nothing.
  // (checked last: decorators run bottom-up)
  @Max(MAX_INT4, { message: `api_user_id must be at most ${MAX_INT4}` })
  @IsInt({ message: 'api_user_id must be an integer' })
  @Min(1, { message: 'api_user_id must be an integer' })
  api_user_id?: number;

  @ApiPropertyOptional({
    description: 'Only operations started at or after this time (ISO 8601; a time without an offset is UTC).',
    example: '2026-11-01T00:00:00.000Z',
  })
  @IsOptional()
  @IsDateTime('from')
  from?: string;

  @ApiPropertyOptional({
    description: 'Only operations started before this time (ISO 8601; a time without an offset is UTC).',
    example: '2026-12-01T00:00:00.000Z',
  })
  @IsOptional()
  @IsDateTime('to')
  to?: string;

  @ApiPropertyOptional({ enum: OPERATION_KINDS, description: 'Only operations of this kind.' })
  @IsOptional()
  @IsIn(OPERATION_KINDS, { message: `kind must be one of ${OPERATION_KINDS.join(', ')}` })
  kind?: string;
}

export class OperationDto {
  @ApiProperty({ description: 'The operation id (a 64-bit integer, as a string).', example: '1042' })
  id: string;

  @ApiProperty({ enum: OPERATION_KINDS, example: 'contact_extensions.bulk_upsert' })
  kind: string;

  @ApiProperty({
    description: 'The X-Request-Id of the request (or the one the service gave it).',
    example: '3f1c2a4e-8b7d-4a51-9d0e-2c6f1b7a9e10',
  })
  request_id: string;

  @ApiProperty({ type: Number, nullable: true, description: 'The API user that made the request.', example: 7 })
  api_user_id: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Its userKey at the time (kept after the user is deleted).',
    example: 'crm-sync',
  })
  user_key: string | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  started_at: Date;

  @ApiProperty({ example: 84 })
  duration_ms: number;

  @ApiProperty({ description: 'Records in the request.', example: 1000 })
  total: number;

  @ApiProperty({ example: 640 })
  inserted: number;

  @ApiProperty({ example: 350 })
  updated: number;

  @ApiProperty({ example: 6 })
  unchanged: number;

  @ApiProperty({ example: 1 })
  skipped: number;

  @ApiProperty({ example: 3 })
  failed: number;

  @ApiProperty({ example: 0 })
  deleted: number;

  @ApiProperty({ description: 'How many per-record errors the operation reported.', example: 3 })
  error_count: number;
}

export class OperationErrorDto {
  @ApiProperty({ example: 17 })
  index: number;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'c1' })
  contact_key?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'a@b' })
  address?: string | null;

  @ApiProperty({ example: 'INVALID_ADDRESS' })
  code: string;

  @ApiPropertyOptional({ example: 'address' })
  field?: string;

  @ApiProperty({ example: 'address is not a valid email address' })
  message: string;
}

export class OperationDetailDto extends OperationDto {
  @ApiProperty({ type: [OperationErrorDto], description: 'The per-record errors, as the request answered them.' })
  errors: OperationErrorDto[];

  @ApiProperty({ description: 'How many permission changes the operation recorded in the consent history.', example: 12 })
  consent_changes: number;
}

export class OperationPageDto {
  @ApiProperty({ type: [OperationDto], description: 'Newest first.' })
  items: OperationDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page.',
    example: 'WyIyMDI2LTExLTI2VDEzOjM1OjA5LjEyMzAwMFoiLCIxMDQyIl0',
  })
  next_cursor: string | null;
}
