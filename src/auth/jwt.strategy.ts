import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthConfig } from '../config/auth.config';
import { DomainError } from '../common/errors/domain.error';
import { UNAUTHENTICATED_MESSAGE } from '../common/errors/error-codes';
import { AuthUser, JwtPayload } from './auth-user';
import { ApiUsersRepository } from './api-users.repository';
import { MAX_INT4 } from '../common/validation/pg-integer';

/**
 * Verifies the bearer token (HS256 only, signature and expiry by passport-jwt; `exp` must be present),
 * then loads the API user: a token of a user since disabled, deleted or rotated is refused at once.
 * The claims must be of the form the service issues (`sub` the user's id in decimal, `ver` an
 * integer), each within its column's range: a signed token with other claims names no user (401),
 * and never reaches the database as a value PostgreSQL cannot read as an integer.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: ConfigService,
    private readonly users: ApiUsersRepository,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, not the string: given a string or a Buffer, jsonwebtoken first tries to read it
      // as a public key, and that failed attempt (a thrown error) cost about 0.4 ms of CPU per
      // request. jsonwebtoken takes a KeyObject as it is; passport-jwt passes it through, only its
      // type declarations do not name it.
      secretOrKey: createSecretKey(Buffer.from(config.getOrThrow<AuthConfig>('auth').jwtSecret, 'utf8')) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(payload: JwtPayload): Promise<AuthUser> {
    const id = typeof payload.sub === 'string' && /^[1-9]\d{0,9}$/.test(payload.sub) ? Number(payload.sub) : NaN;
    const ver = payload.ver;
    if (typeof payload.exp !== 'number' || !(id <= MAX_INT4) || !(Number.isInteger(ver) && ver >= 0 && ver <= MAX_INT4)) {
      throw new DomainError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE);
    }
    const user = await this.users.findActiveForToken(id, ver);
    if (!user) throw new DomainError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE);
    return user;
  }
}
