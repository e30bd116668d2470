import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/** What a client may send as X-Request-Id: short, printable, no spaces (it ends up in logs and the operations log). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,200}$/;

interface RequestWithId {
  id?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The request's id: the one a logging middleware already gave it (`req.id`, as pino-http does),
 * else a well-formed `X-Request-Id` from the client, else a new UUID; kept on the request so that
 * everything after sees the same id.
 */
export function requestIdOf(req: RequestWithId): string {
  if ((typeof req.id === 'string' && req.id.length > 0) || typeof req.id === 'number') return String(req.id).slice(0, 200);
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : randomUUID();
  req.id = id;
  return id;
}

export const RequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string =>
  requestIdOf(ctx.switchToHttp().getRequest<RequestWithId>()),
);
