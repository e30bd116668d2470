import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, ValidateIf } from 'class-validator';
import { ColumnList } from '../../common/validation/column-list';
import { EXTENSION_COLUMNS, ExtensionColumn } from '../../addresses/extension-columns';
import { JOB_STATES } from '../import-jobs.repository';
import type { JobFormat, JobState } from '../import-jobs.repository';

export class CreateImportJobDto {
  @ApiProperty({
    description:
      'The columns the upload uses; must contain contact_key and address, and be enabled for the brand. Values of other columns are ignored.',
    enum: EXTENSION_COLUMNS,
    isArray: true,
    minItems: 1,
    maxItems: EXTENSION_COLUMNS.length,
    uniqueItems: true,
    example: ['contact_key', 'address', 'channel', 'name', 'permission'],
  })
  @ColumnList(EXTENSION_COLUMNS)
  columns: ExtensionColumn[];

  @ApiPropertyOptional({
    description:
      'When true, records that do not exist are inserted. A record with new_contact_key or new_address is then an error of that record.',
    default: false,
    example: true,
  })
  @ValidateIf((o: CreateImportJobDto) => o.insertIfNotExists !== undefined)
  @IsBoolean({ message: 'insertIfNotExists must be a boolean' })
  insertIfNotExists?: boolean;

  @ApiPropertyOptional({
    description: 'When true, the whole file is judged, against the database too, and nothing is written but the report.',
    default: false,
    example: false,
  })
  @ValidateIf((o: CreateImportJobDto) => o.validateOnly !== undefined)
  @IsBoolean({ message: 'validateOnly must be a boolean' })
  validateOnly?: boolean;
}

export class ImportJobDto {
  @ApiProperty({ format: 'uuid', example: '7d5b7a8e-5f43-4a55-9a7e-3c1f1c6d2b90' })
  id: string;

  @ApiProperty({
    enum: JOB_STATES,
    description:
      'open: waiting for its upload; queued: uploaded, waiting for a worker; processing; completed; failed; cancelled (committed chunks stay).',
    example: 'processing',
  })
  state: JobState;

  @ApiProperty({ enum: EXTENSION_COLUMNS, isArray: true, example: ['contact_key', 'address', 'channel', 'permission'] })
  columns: ExtensionColumn[];

  @ApiProperty({ example: true })
  insertIfNotExists: boolean;

  @ApiProperty({ example: false })
  validateOnly: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'How the records came; null before the upload.',
    example: 'csv',
  })
  format: JobFormat | null;

  @ApiProperty({ description: 'Records in the upload (0 before it).', example: 1000000 })
  total: number;

  @ApiProperty({ example: 400000 })
  inserted: number;

  @ApiProperty({ example: 350000 })
  updated: number;

  @ApiProperty({ example: 49000 })
  unchanged: number;

  @ApiProperty({ example: 500 })
  skipped: number;

  @ApiProperty({ example: 500 })
  failed: number;

  @ApiProperty({ description: 'Records judged so far: inserted + updated + unchanged + skipped + failed.', example: 800000 })
  processed: number;

  @ApiProperty({ description: 'processed out of total, 0 to 100.', example: 80 })
  percent: number;

  @ApiProperty({ description: 'Records per second since processing started.', example: 40000 })
  records_per_second: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Estimated seconds until the job completes; null when not processing.',
    example: 5,
  })
  seconds_left: number | null;

  @ApiProperty({ description: 'Whether a cancel was asked for (the job stops at its next chunk).', example: false })
  cancel_requested: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'Why the job failed.', example: null })
  message: string | null;

  @ApiProperty({
    description: 'Where to PUT the records.',
    example: '/rest/bulk/contact_extensions/jobs/7d5b7a8e-5f43-4a55-9a7e-3c1f1c6d2b90/data',
  })
  upload_url: string;

  @ApiProperty({
    description: 'The paged report of errors and warnings.',
    example: '/rest/bulk/contact_extensions/jobs/7d5b7a8e-5f43-4a55-9a7e-3c1f1c6d2b90/errors',
  })
  errors_url: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-26T13:35:40.001Z' })
  queued_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-26T13:35:40.512Z' })
  started_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  finished_at: string | null;
}

export class ImportJobListDto {
  @ApiProperty({ type: [ImportJobDto] })
  items: ImportJobDto[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next page; null on the last page.', example: null })
  next_cursor: string | null;
}

export class ImportJobIssueDto {
  @ApiProperty({ description: "The record's 0-based position in the upload.", example: 41 })
  index: number;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The line of the file where the record starts (null for records sent as JSON).',
    example: 43,
  })
  line: number | null;

  @ApiProperty({ enum: ['error', 'warning'], example: 'error' })
  severity: 'error' | 'warning';

  @ApiProperty({
    description:
      'A record error or warning code of the sync endpoint, or UNREADABLE_RECORD for a row or line that cannot be read as a record.',
    example: 'INVALID_ADDRESS',
  })
  code: string;

  @ApiProperty({ nullable: true, type: String, example: 'address' })
  field: string | null;

  @ApiProperty({ example: 'address is not a valid email address' })
  message: string;

  @ApiProperty({
    nullable: true,
    description: 'The record as sent (null for an unreadable one).',
    type: 'object',
    additionalProperties: true,
    example: { contact_key: 'c1', address: 'a@b', channel: 'E' },
  })
  values: unknown;

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The text of a row or line that cannot be read (null otherwise).',
    example: null,
  })
  raw: string | null;
}

export class ImportJobIssuePageDto {
  @ApiProperty({ type: [ImportJobIssueDto] })
  items: ImportJobIssueDto[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next page; null on the last page.', example: null })
  next_cursor: string | null;
}
