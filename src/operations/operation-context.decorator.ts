import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user';
import { requestIdOf } from '../common/decorators/request-id.decorator';
import type { OperationContext } from './operations.recorder';

/** The caller, the request id and the start time of a writing request, for the operations log. */
export const OperationCtx = createParamDecorator((_: unknown, ctx: ExecutionContext): OperationContext => {
  const req = ctx.switchToHttp().getRequest<{ user: AuthUser; id?: unknown; headers: Record<string, string | string[] | undefined> }>();
  return { user: req.user, requestId: requestIdOf(req), startedAt: new Date() };
});
