import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsIn, IsNotEmpty, IsOptional, IsString, Matches, ValidateIf } from 'class-validator';
import { IsStorableText, TextLength } from '../../common/validation/storable-text';
import { CHANNELS, Channel } from '../../addresses/channel';
import { MAX_ADDRESS_LENGTH } from '../../addresses/address';

/**
 * One entry of `contactDatas`. Each record is validated on its own with these rules, so that a bad
 * record becomes an error of that record and never of the request. Only the columns named in
 * `columns` are copied onto the instance before validation (see record-validator.ts).
 */
export class ContactExtensionRecordDto {
  @ApiProperty({ description: 'The contact the extension belongs to (a key of master_contact).', maxLength: 200, example: 'c1' })
  @IsDefined({ message: 'contact_key is required' })
  @IsString({ message: 'contact_key must be a string' })
  @IsNotEmpty({ message: 'contact_key must not be empty' })
  @TextLength('contact_key', 0, 200)
  @IsStorableText('contact_key')
  contact_key: string;

  @ApiProperty({
    description:
      'Email address (channel E) or phone number in international form (S, W). Stored canonical: emails trimmed and lowercased, phone numbers as digits only.',
    maxLength: MAX_ADDRESS_LENGTH,
    example: 'jane.doe@example.com',
  })
  @IsDefined({ message: 'address is required' })
  @IsString({ message: 'address must be a string' })
  @Matches(/\S/, { message: 'address must not be empty' })
  @IsStorableText('address')
  address: string;

  @ApiPropertyOptional({
    enum: CHANNELS,
    description: 'E email, S gsm, W WhatsApp. Required to insert and with new_address; can never change once set.',
    example: 'E',
  })
  @IsOptional()
  @IsIn(CHANNELS, { message: 'channel must be one of E, S, W' })
  channel?: Channel | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 100,
    description: 'An extension type of the brand for the channel; null clears it.',
    example: 'Work Email',
  })
  @ValidateIf((o: ContactExtensionRecordDto) => o.name !== null && o.name !== undefined)
  @IsString({ message: 'name must be a string or null' })
  @TextLength('name', 0, 100)
  @IsStorableText('name')
  name?: string | null;

  @ApiPropertyOptional({ type: Boolean, description: 'Opt-in of the address. New extensions get false unless given.', example: true })
  @ValidateIf((o: ContactExtensionRecordDto) => o.permission !== undefined)
  @IsBoolean({ message: 'permission must be a boolean' })
  permission?: boolean;

  @ApiPropertyOptional({
    type: String,
    maxLength: 200,
    description: 'Moves the extension to this contact (must exist). Not with insertIfNotExists.',
    example: 'c2',
  })
  @IsOptional()
  @IsString({ message: 'new_contact_key must be a string' })
  @IsNotEmpty({ message: 'new_contact_key must not be empty' })
  @TextLength('new_contact_key', 0, 200)
  @IsStorableText('new_contact_key')
  new_contact_key?: string | null;

  @ApiPropertyOptional({
    type: String,
    maxLength: MAX_ADDRESS_LENGTH,
    description: 'Changes the address; the record must then carry channel (and channel be in columns). Not with insertIfNotExists.',
    example: 'jane@example.org',
  })
  @IsOptional()
  @IsString({ message: 'new_address must be a string' })
  @Matches(/\S/, { message: 'new_address must not be empty' })
  @IsStorableText('new_address')
  new_address?: string | null;
}
