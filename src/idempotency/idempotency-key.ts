import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { invalidRequest } from '../common/errors/domain.error';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** Route metadata: the handler streams the request body itself (no parsed body to hash). */
export const STREAMED_BODY = 'idempotency:streamed-body';

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

/**
 * A streamed body's part of the request hash: its media type, its encoding and the SHA-256 of its
 * bytes as sent. `sha256` null stands for a body not read yet: the claim of a request whose body is
 * still streaming in.
 */
export function streamedBodyFingerprint(
  headers: Record<string, string | string[] | undefined>,
  sha256: string | null,
): { contentType: string | null; contentEncoding: string | null; sha256: string } | { streaming: true } {
  if (sha256 === null) return { streaming: true };
  const header = (name: string): string | null => {
    const value = headers[name];
    return typeof value === 'string' ? value.trim().toLowerCase() : null;
  };
  return { contentType: header('content-type'), contentEncoding: header('content-encoding'), sha256 };
}

/**
 * Fingerprints a body as the route reads it, without reading it: the hash sees each chunk the
 * route's own reader takes. The stream is left paused, as it was (a 'data' listener alone would set
 * it flowing), so nothing is lost before the route pipes it. Answers the SHA-256 once the body has
 * been read to its end, else null (the route answered before reading all of it).
 */
export function tapBody(body: Readable): () => string | null {
  if (body.readableEnded) return () => null;
  const hash = createHash('sha256');
  let ended = false;
  let digest: string | undefined;
  body.on('data', (chunk: Buffer) => hash.update(chunk));
  body.once('end', () => {
    ended = true;
  });
  body.pause();
  return () => {
    if (!ended) return null;
    digest ??= hash.digest('hex');
    return digest;
  };
}

/** Reads a whole body only to fingerprint it (SHA-256); the bytes are not kept. */
export async function digestBody(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
