import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser } from './auth-user';
import { DomainError } from '../common/errors/domain.error';
import { FORBIDDEN_MESSAGE } from '../common/errors/error-codes';
import { PERMISSION_KEY } from './authenticated.decorator';

/** Runs after the JWT guard: the caller must hold the permission its route declares with @Authenticated. */
@Injectable()
export class PermissionGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string | undefined>(PERMISSION_KEY, [context.getHandler(), context.getClass()]);
    if (!required) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user || !user.permissions.includes(required)) {
      throw new DomainError('FORBIDDEN', FORBIDDEN_MESSAGE);
    }
    return true;
  }
}
