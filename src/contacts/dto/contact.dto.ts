import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { IsStorableText, TextLength } from '../../common/validation/storable-text';
import { ContactExtensionDto } from '../../contact-extensions/dto/list-contact-extensions.dto';
import { CONTACT_STATUSES } from '../contact-columns';

export class ListContactsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only contacts whose contact_key starts with this (case-sensitive).', example: 'customer-10' })
  @IsOptional()
  @IsString({ message: 'key_prefix must be given once, as a string' })
  @TextLength('key_prefix', 1, 200)
  @IsStorableText('key_prefix')
  key_prefix?: string;

  @ApiPropertyOptional({ description: 'Only contacts with this email (compared lowercased).', example: 'jane.doe@example.com' })
  @IsOptional()
  @IsString({ message: 'email must be given once, as a string' })
  @TextLength('email', 1, 320)
  @IsStorableText('email')
  email?: string;

  @ApiPropertyOptional({
    description: 'Only contacts with this gsm number (any international spelling: +90 535 123 45 67).',
    example: '+905351234567',
  })
  @IsOptional()
  @IsString({ message: 'gsm must be given once, as a string' })
  @TextLength('gsm', 1, 64)
  @IsStorableText('gsm')
  gsm?: string;
}

export class ContactDto {
  @ApiProperty({ example: 'customer-1042' })
  contact_key: string;

  @ApiProperty({ type: String, nullable: true, example: 'Jane' })
  name: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Doe' })
  surname: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'jane.doe@example.com' })
  email: string | null;

  @ApiProperty({ type: String, nullable: true, example: '905351234567' })
  gsm: string | null;

  @ApiProperty({ example: true })
  email_permission: boolean;

  @ApiProperty({ example: false })
  gsm_permission: boolean;

  @ApiProperty({ enum: CONTACT_STATUSES, example: 'A' })
  contact_status: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  created_at: Date;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  updated_at: Date;
}

export class ContactPageDto {
  @ApiProperty({ type: [ContactDto], description: 'By contact_key in byte order.' })
  items: ContactDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page.',
    example: 'WyJjdXN0b21lci0xMDQyIl0',
  })
  next_cursor: string | null;
}

export class ContactDetailDto extends ContactDto {
  @ApiProperty({
    type: [ContactExtensionDto],
    description: "The contact's extensions, by their type's columnOrder (untyped last), then channel and address.",
  })
  extensions: ContactExtensionDto[];
}

export class DeletedContactDto {
  @ApiProperty({ example: 'customer-1042' })
  contact_key: string;

  @ApiProperty({ description: 'Extensions deleted with the contact.', example: 3 })
  deleted_extensions: number;
}
