import type { Server } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ErrorCode, httpStatusOf } from '../errors/error-codes';

const DEADLINE = Symbol('request deadline');
type WithDeadline = Request & { [DEADLINE]?: NodeJS.Timeout };

/**
 * How long a request may take to arrive whole: Node's own `requestTimeout` (300 s) replaced by a
 * deadline that a route streaming a large body can lift. Node's applies to every request on the
 * server and cannot be lifted for one route, so a job's upload of a few GB over a slow link would be
 * cut off after 300 s; Node's `headersTimeout` (60 s for the headers) stays as it is.
 *
 * A request whose body has not fully arrived when its deadline passes is answered
 * `408 REQUEST_TIMEOUT` and its connection closed; nothing it sent is used.
 */
export function requestDeadline(server: Server, timeoutMs: number): RequestHandler {
  server.requestTimeout = 0;
  return (req: Request, res: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (req.complete) return;
      if (res.headersSent) {
        req.socket.destroy();
        return;
      }
      res.setHeader('Connection', 'close');
      const requestId = (req as Request & { id?: string }).id;
      const code: ErrorCode = 'REQUEST_TIMEOUT';
      res.status(httpStatusOf(code)).json({
        statusCode: httpStatusOf(code),
        code,
        message: `The request did not arrive whole within ${timeoutMs / 1000} s; nothing of it was used.`,
        ...(requestId ? { requestId } : {}),
      });
    }, timeoutMs);
    timer.unref();
    (req as WithDeadline)[DEADLINE] = timer;
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

/** Lifts the request's deadline: for a route that bounds its body's arrival itself (a job's upload). */
export function liftRequestDeadline(req: Request): void {
  clearTimeout((req as WithDeadline)[DEADLINE]);
}
