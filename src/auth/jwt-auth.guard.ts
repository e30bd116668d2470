import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainError } from '../common/errors/domain.error';
import { UNAUTHENTICATED_MESSAGE } from '../common/errors/error-codes';
import { IS_PUBLIC_KEY } from '../common/decorators/public.decorator';

/** The global guard: every route needs a valid bearer token unless it is marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<TUser>(err: unknown, user: TUser): TUser {
    // a database failure while loading the user is not the client's fault: let the filter answer 503
    if (err && !(err instanceof DomainError)) throw err;
    if (err || !user) throw new DomainError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE);
    return user;
  }
}
