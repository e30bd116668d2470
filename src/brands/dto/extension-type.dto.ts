import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsNotBlank, IsStorableText, TextLength } from '../../common/validation/storable-text';
import { CHANNELS } from '../../addresses/channel';
import type { Channel } from '../../addresses/channel';

export class ExtensionTypeDto {
  @ApiProperty({ example: 12 })
  id: number;

  @ApiProperty({ maxLength: 100, example: 'Work Email' })
  name: string;

  @ApiProperty({ enum: CHANNELS, example: 'E' })
  channel: Channel;

  @ApiProperty({ description: "Where the type shows among a contact's extensions (ascending).", example: 1 })
  columnOrder: number;

  @ApiProperty({ description: 'How many extensions of your brand carry the type.', example: 20412 })
  extensionCount: number;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  updatedAt: Date;
}

export class ExtensionTypeListDto {
  @ApiProperty({ type: [ExtensionTypeDto], description: 'By columnOrder, then channel and name.' })
  items: ExtensionTypeDto[];
}

export class CreateExtensionTypeDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Work Email' })
  @IsDefined({ message: 'name is required' })
  @IsString({ message: 'name must be a string' })
  @TextLength('name', 1, 100)
  @IsNotBlank('name must not be blank')
  @IsStorableText('name')
  name: string;

  @ApiProperty({ enum: CHANNELS, example: 'E' })
  @IsDefined({ message: 'channel is required' })
  @IsIn(CHANNELS, { message: 'channel must be one of E, S, W' })
  channel: Channel;

  @ApiPropertyOptional({ description: 'Default: after the last type of the brand.', example: 1 })
  @IsOptional()
  @Min(-1_000_000, { message: 'columnOrder must be between -1000000 and 1000000' })
  @Max(1_000_000, { message: 'columnOrder must be between -1000000 and 1000000' })
  // decorators run bottom-up: the type first, so that "2" is not reported as out of range
  @IsInt({ message: 'columnOrder must be an integer' })
  columnOrder?: number;
}

export class UpdateExtensionTypeDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    description:
      'Renames the type, and with it every extension that carries it, in the same transaction. The channel of a type never changes.',
    example: 'Business Email',
  })
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  @TextLength('name', 1, 100)
  @IsNotBlank('name must not be blank')
  @IsStorableText('name')
  name?: string;

  @ApiPropertyOptional({ example: 2 })
  @IsOptional()
  @Min(-1_000_000, { message: 'columnOrder must be between -1000000 and 1000000' })
  @Max(1_000_000, { message: 'columnOrder must be between -1000000 and 1000000' })
  // decorators run bottom-up: the type first, so that "2" is not reported as out of range
  @IsInt({ message: 'columnOrder must be an integer' })
  columnOrder?: number;
}

export class DeleteExtensionTypeQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'false',
    description:
      'true: clear the type from the extensions that carry it (their name becomes null), then delete it. false: refuse (409) while any extension carries it.',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'clearExtensions must be true or false' })
  clearExtensions?: 'true' | 'false';
}

export class DeletedExtensionTypeDto {
  @ApiProperty({ example: 12 })
  id: number;

  @ApiProperty({ example: 'Work Email' })
  name: string;

  @ApiProperty({ enum: CHANNELS, example: 'E' })
  channel: Channel;

  @ApiProperty({ description: 'Extensions whose name was cleared (clearExtensions=true).', example: 0 })
  clearedExtensions: number;
}

export class ExtensionTypeInUseResponseDto {
  @ApiProperty({ example: 409 })
  statusCode: number;

  @ApiProperty({ enum: ['EXTENSION_TYPE_IN_USE'], example: 'EXTENSION_TYPE_IN_USE' })
  code: string;

  @ApiProperty({ example: '20412 extensions carry this type; delete with clearExtensions=true to clear it from them.' })
  message: string;

  @ApiProperty({ description: 'How many extensions carry the type.', example: 20412 })
  count: number;

  @ApiPropertyOptional({
    description: 'The id of the request (also sent as the X-Request-Id header).',
    example: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  })
  requestId?: string;
}
