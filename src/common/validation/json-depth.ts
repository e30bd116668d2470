import type { NextFunction, Request, Response } from 'express';
import { invalidRequest } from '../errors/domain.error';

/**
 * How deeply a JSON body may nest objects and arrays. A bulk body needs 3 levels (envelope,
 * contactDatas, record); every route's body fits in a few. Deeper bodies are refused before any
 * code walks them recursively (the validation pipe's copy, the idempotency hash, class-transformer),
 * which would overflow the stack a few thousand levels down.
 */
export const MAX_JSON_DEPTH = 32;

export const JSON_TOO_DEEP_MESSAGE = `The request body is nested deeper than ${MAX_JSON_DEPTH} levels of objects and arrays.`;

/**
 * Whether a parsed JSON value nests objects and arrays more than `max` levels deep (`{}` and `[]`
 * are one level, a scalar none). Walks with a stack of its own, never by recursion, and stops at
 * the first value too deep. JSON.parse itself does not recurse, so a body of any depth parses.
 */
export function jsonDepthExceeds(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // two stacks in step (a node and its depth), so that no pair and no array of values is allocated per object
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > max) return true;
    if (Array.isArray(node)) {
      for (const child of node) {
        if (typeof child === 'object' && child !== null) {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in node) {
        const child = Object.hasOwn(node, key) ? node[key] : undefined;
        if (typeof child === 'object' && child !== null) {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** Middleware after the JSON body parser: a body nested too deeply is 400 INVALID_REQUEST. */
export function jsonDepthLimit(req: Request, _res: Response, next: NextFunction): void {
  if (jsonDepthExceeds(req.body)) return next(invalidRequest(JSON_TOO_DEEP_MESSAGE, [JSON_TOO_DEEP_MESSAGE]));
  next();
}
