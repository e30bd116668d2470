import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { IsNotBlank, IsStorableText, TextLength } from '../../common/validation/storable-text';
import { CHANNELS } from '../../addresses/channel';
import { OPERATION_KINDS } from '../operation-kinds';

export class ConsentHistoryQueryDto extends PageQueryDto {
  @ApiProperty({
    description: 'The address whose history to show; canonicalized like the bulk API (A@B.COM finds a@b.com, +90 535 ... finds 90535...).',
    example: 'jane.doe@example.com',
  })
  @IsDefined({ message: 'address is required' })
  @IsString({ message: 'address must be given once, as a string' })
  @TextLength('address', 1, 400)
  @IsNotBlank('address must not be empty')
  @IsStorableText('address')
  address: string;

  @ApiPropertyOptional({ description: "Only the history of this contact's extension at that address.", example: 'customer-1042' })
  @IsOptional()
  @IsString({ message: 'contact_key must be given once, as a string' })
  @TextLength('contact_key', 1, 200)
  @IsStorableText('contact_key')
  contact_key?: string;
}

export class ConsentChangeDto {
  @ApiProperty({ example: '88121' })
  id: string;

  @ApiProperty({ example: 'customer-1042' })
  contact_key: string;

  @ApiProperty({ example: 'jane.doe@example.com' })
  address: string;

  @ApiProperty({ enum: CHANNELS, example: 'E' })
  channel: string;

  @ApiProperty({ type: Boolean, nullable: true, description: 'null: the extension was inserted by this change.', example: false })
  old_permission: boolean | null;

  @ApiProperty({ type: Boolean, nullable: true, description: 'null: the extension was deleted by this change.', example: true })
  new_permission: boolean | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  changed_at: Date;

  @ApiProperty({ description: 'The operation that made the change (GET /admin/operations/{id}).', example: '1042' })
  operation_id: string;

  @ApiProperty({ enum: OPERATION_KINDS, example: 'contact_extensions.bulk_upsert' })
  operation_kind: string;

  @ApiProperty({ example: '3f1c2a4e-8b7d-4a51-9d0e-2c6f1b7a9e10' })
  request_id: string;

  @ApiProperty({ type: Number, nullable: true, example: 7 })
  api_user_id: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'crm-sync' })
  user_key: string | null;
}

export class ConsentHistoryPageDto {
  @ApiProperty({ type: [ConsentChangeDto], description: 'Newest first.' })
  items: ConsentChangeDto[];

  @ApiProperty({ type: String, nullable: true, example: null })
  next_cursor: string | null;
}
