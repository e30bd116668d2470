import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** Checked with stopAtFirstError, last decorator first: IsString is last so a missing value reads "must be a string". */
export class LoginDto {
  @ApiProperty({ example: 'demo-integrator', maxLength: 100 })
  @MinLength(1)
  @MaxLength(100)
  @IsString()
  userKey: string;

  @ApiProperty({ example: 'the-secret-printed-at-first-start', maxLength: 1024 })
  @MinLength(1)
  @MaxLength(1024)
  @IsString()
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
