import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A client's id is kept when it is short and plain; anything else is replaced, never echoed. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type RequestWithId = Request & { id?: string };

/**
 * Registered before the body parser, so that every answer, even to a body that does not parse,
 * carries X-Request-Id, and error bodies can name it as `requestId`.
 */
export function requestIdMiddleware(req: RequestWithId, res: Response, next: NextFunction): void {
  const sent = req.headers['x-request-id'];
  const id = typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
  req.id = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}
