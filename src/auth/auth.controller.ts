import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import {
  ApiDatabaseUnavailableResponse,
  ApiInvalidRequestResponse,
  ApiPayloadTooLargeErrorResponse,
  errorExample,
} from '../common/decorators/api-error-responses.decorator';
import { Public } from '../common/decorators/public.decorator';
import { RateLimited } from '../rate-limit/rate-limited.decorator';
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
  @RateLimited('login')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'Login',
    summary: 'Log in as an API user',
    description:
      'Exchanges an API user key and secret for a bearer token (JWT, HS256). Send it as `Authorization: Bearer <access_token>` ' +
      'on every other request, and log in again when it expires (`expires_in` seconds) or when a request answers 401.',
    // the one operation that needs no token
    security: [],
  })
  @ApiBody({
    type: LoginDto,
    examples: {
      demo: {
        summary: 'The demo user of the embedded database',
        description: '`npm start` prints the demo secret (and keeps it in DATA_DIR/demo-credentials.json).',
        value: { userKey: 'demo-integrator', secret: 'the-secret-printed-at-first-start' },
      },
    },
  })
  @ApiOkResponse({
    type: LoginResponseDto,
    description: 'A bearer token.',
    example: { access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', token_type: 'Bearer', expires_in: 3600 },
  })
  @ApiInvalidRequestResponse('the body is not `{userKey: string, secret: string}`.', {
    missingSecret: { summary: 'secret missing', details: ['secret must be a string'] },
  })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'UNAUTHENTICATED: unknown user, wrong secret or disabled user (the same answer for all three).',
    example: errorExample('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE),
  })
  @ApiPayloadTooLargeErrorResponse()
  @ApiDatabaseUnavailableResponse()
  login(@Body() body: LoginDto): Promise<LoginResponseDto> {
    return this.auth.login(body.userKey, body.secret);
  }
}
