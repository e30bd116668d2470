import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator';
import { RateLimited } from '../rate-limit/rate-limited.decorator';
import { ApiLogin } from './auth.openapi';
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
  @ApiLogin()
  login(@Body() body: LoginDto): Promise<LoginResponseDto> {
    return this.auth.login(body.userKey, body.secret);
  }
}
