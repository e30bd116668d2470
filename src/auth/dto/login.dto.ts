import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'demo-integrator', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  userKey: string;

  @ApiProperty({ example: 'the-secret-printed-at-first-start', maxLength: 1024 })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
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
