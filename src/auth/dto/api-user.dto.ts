import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsBoolean, IsDefined, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { TextLength } from '../../common/validation/storable-text';
import { PERMISSIONS } from '../permissions';
import type { Permission } from '../permissions';

export class ApiUserDto {
  @ApiProperty({ example: 7 })
  id: number;

  @ApiProperty({ description: 'The login name (unique across the service).', example: 'crm-sync' })
  userKey: string;

  @ApiProperty({ enum: PERMISSIONS, isArray: true, example: ['ContactExtensions.Manage', 'ContactExtensions.Read'] })
  permissions: Permission[];

  @ApiProperty({ description: 'A disabled user cannot log in, and its tokens are refused.', example: true })
  active: boolean;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  updatedAt: Date;
}

export class ApiUserWithSecretDto extends ApiUserDto {
  @ApiProperty({
    description: 'The secret to log in with. Shown only in this answer: it is stored hashed and cannot be shown again.',
    example: 'q3V1c2VjcmV0LXRoYXQtaXMtc2hvd24tb25jZS1vbmx5LWhlcmU',
  })
  secret: string;
}

export class ApiUserListDto {
  @ApiProperty({ type: [ApiUserDto], description: 'By id.' })
  items: ApiUserDto[];
}

export class CreateApiUserDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 100,
    description: 'Printable ASCII without spaces; unique across the service.',
    example: 'crm-sync',
  })
  @IsDefined({ message: 'userKey is required' })
  @Matches(/^[\x21-\x7e]+$/, { message: 'userKey must be printable ASCII without spaces' })
  @TextLength('userKey', 1, 100)
  // decorators run bottom-up: the type first, so that a value of another type is reported as such
  @IsString({ message: 'userKey must be a string' })
  userKey: string;

  @ApiProperty({ enum: PERMISSIONS, isArray: true, uniqueItems: true, example: ['ContactExtensions.Manage', 'ContactExtensions.Read'] })
  @IsDefined({ message: 'permissions is required' })
  @IsIn(PERMISSIONS, { each: true, message: `each permission must be one of ${PERMISSIONS.join(', ')}` })
  @ArrayUnique({ message: 'permissions must not name a permission twice' })
  // decorators run bottom-up: the type first, so that a value of another type is reported as such
  @IsArray({ message: 'permissions must be an array' })
  permissions: Permission[];

  @ApiPropertyOptional({ default: true, example: true })
  @IsOptional()
  @IsBoolean({ message: 'active must be a boolean' })
  active?: boolean;
}

export class UpdateApiUserDto {
  @ApiProperty({
    enum: PERMISSIONS,
    isArray: true,
    uniqueItems: true,
    description: 'The full set of permissions.',
    example: ['ContactExtensions.Read'],
  })
  @IsDefined({ message: 'permissions is required' })
  @IsIn(PERMISSIONS, { each: true, message: `each permission must be one of ${PERMISSIONS.join(', ')}` })
  @ArrayUnique({ message: 'permissions must not name a permission twice' })
  // decorators run bottom-up: the type first, so that a value of another type is reported as such
  @IsArray({ message: 'permissions must be an array' })
  permissions: Permission[];
}
