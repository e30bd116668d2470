import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { AuthConfig } from '../config/auth.config';
import { DomainError } from '../common/errors/domain.error';
import { UNAUTHENTICATED_MESSAGE } from '../common/errors/error-codes';
import { ApiUsersRepository } from './api-users.repository';
import { JwtPayload } from './auth-user';
import { LoginResponseDto } from './dto/login.dto';
import { dummySecretHash, verifySecret } from './secret-hasher';

@Injectable()
export class AuthService {
  private readonly expiresIn: number;

  constructor(
    private readonly users: ApiUsersRepository,
    private readonly jwt: JwtService,
    config: ConfigService,
  ) {
    this.expiresIn = config.getOrThrow<AuthConfig>('auth').jwtExpiresIn;
  }

  /** Unknown user, wrong secret and disabled user answer alike, and take alike long (a hash is always checked). */
  async login(userKey: string, secret: string): Promise<LoginResponseDto> {
    const user = await this.users.findByUserKey(userKey);
    const ok = await verifySecret(secret, user?.secretHash ?? (await dummySecretHash()));
    if (!user || !ok || !user.active) throw new DomainError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE);
    const payload: JwtPayload = { sub: String(user.id), brand: user.brandId, ver: user.tokenVersion };
    const access_token = await this.jwt.signAsync(payload, { algorithm: 'HS256', expiresIn: this.expiresIn });
    return { access_token, token_type: 'Bearer', expires_in: this.expiresIn };
  }
}
