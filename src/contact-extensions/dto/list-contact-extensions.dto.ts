import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString } from 'class-validator';
import { IsStorableText, TextLength } from '../../common/validation/storable-text';
import { CHANNELS } from '../../addresses/channel';

export class ListContactExtensionsQueryDto {
  @ApiProperty({ description: 'The contact whose extensions to list.', example: 'demo-contact-1', minLength: 1, maxLength: 200 })
  @IsDefined({ message: 'contact_key is required' })
  @IsString({ message: 'contact_key must be given once, as a string' })
  @TextLength('contact_key', 1, 200)
  @IsStorableText('contact_key')
  contact_key: string;
}

export class ContactExtensionDto {
  @ApiProperty({ example: 'demo-contact-1' })
  contact_key: string;

  @ApiProperty({ description: 'Canonical: emails lowercased, phone numbers as international digits.', example: 'jane.doe@example.com' })
  address: string;

  @ApiProperty({ enum: CHANNELS, example: 'E' })
  channel: string;

  @ApiProperty({ type: String, nullable: true, example: 'Work Email' })
  name: string | null;

  @ApiProperty({ example: true })
  permission: boolean;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  created_at: Date;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  updated_at: Date;
}

export class ContactExtensionListDto {
  @ApiProperty({ type: [ContactExtensionDto], description: 'Ordered by address, in byte order.' })
  items: ContactExtensionDto[];
}
