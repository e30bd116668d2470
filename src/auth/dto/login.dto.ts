import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { IsStorableText, TextLength } from '../../common/validation/storable-text';

export class LoginDto {
  @ApiProperty({ example: 'demo-integrator', minLength: 1, maxLength: 100 })
  @IsString({ message: 'userKey must be a string' })
  @TextLength('userKey', 1, 100)
  @IsStorableText('userKey')
  userKey: string;

  @ApiProperty({ example: 'the-secret-printed-at-first-start', minLength: 1, maxLength: 1024 })
  @IsString({ message: 'secret must be a string' })
  @TextLength('secret', 1, 1024)
  @IsStorableText('secret')
  secret: string;
}

export class LoginResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' })
  access_token: string;

  @ApiProperty({ example: 'Bearer', enum: ['Bearer'] })
  token_type: 'Bearer';

  @ApiProperty({ example: 3600, description: 'Seconds until the token expires.' })
  expires_in: number;
}
