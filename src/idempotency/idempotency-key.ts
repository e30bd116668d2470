import { createHash } from 'node:crypto';
import { invalidRequest } from '../common/errors/domain.error';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** 1 to 255 visible ASCII characters (no space, no control character). */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The Idempotency-Key header of a request: undefined when absent, the key when valid. A header
 * that is present but empty, too long, not visible ASCII or sent twice (Node joins repeated headers
 * with ", ") is a 400: silently running the request without the protection the client asked for
 * would be worse.
 */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const raw = headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && VALID_KEY.test(raw)) return raw;
  const detail = `${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 visible ASCII characters`;
  throw invalidRequest(detail, [detail]);
}

/**
 * JSON with object keys sorted at every depth, so that two bodies that differ only in key order (or
 * whitespace) are the same request. Written out by hand rather than by rebuilding objects, so that
 * keys such as `__proto__` are kept as data.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** What makes two requests "the same request" for a key: method, path (with query) and body. */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}
