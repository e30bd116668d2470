import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator';
import { UNAUTHENTICATED_MESSAGE } from '../common/errors/error-codes';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { AuthService } from './auth.service';
import { LoginDto, LoginResponseDto } from './dto/login.dto';

@ApiTags('Authentication')
@Controller('rest')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in as an API user',
    description: 'Exchanges an API user key and secret for a bearer token (JWT, HS256). Send it as `Authorization: Bearer <access_token>`.',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The body is not `{userKey: string, secret: string}`.' })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'Unknown user, wrong secret or disabled user (the same answer for all three).',
    example: { statusCode: 401, code: 'UNAUTHENTICATED', message: UNAUTHENTICATED_MESSAGE },
  })
  login(@Body() body: LoginDto): Promise<LoginResponseDto> {
    return this.auth.login(body.userKey, body.secret);
  }
}
