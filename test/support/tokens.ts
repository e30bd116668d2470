import { createHmac } from 'node:crypto';
import { TEST_JWT_SECRET } from './test-app';

/**
 * For the authentication, permission and brand-isolation tests: the fixed 401/403 answers of
 * contract section 2, and hand-made JWTs (forged, expired, `alg: none`, HS512 ...). The tokens are
 * built with node:crypto rather than a JWT library, so that no library refuses to make the bad
 * tokens we need and the tests do not depend on what the app itself uses to sign and verify.
 */

export const UNAUTHENTICATED_BODY = {
  statusCode: 401,
  code: 'UNAUTHENTICATED',
  message: 'Not-authenticated. Please re-login.',
} as const;

export const FORBIDDEN_BODY = {
  statusCode: 403,
  code: 'FORBIDDEN',
  message: 'The operation is not allowed. Your API user is not authorized to use this API.',
} as const;

/**
 * Checks an error answer against the fixed body of contract section 2. The service also names the
 * request's id in error bodies (`requestId`, for support); it is checked to be a string and
 * otherwise left out, so that everything else must match exactly.
 */
export function expectErrorAnswer(
  res: { status: number; body: unknown },
  expected: typeof UNAUTHENTICATED_BODY | typeof FORBIDDEN_BODY,
  context: Record<string, unknown> = {},
): void {
  const { requestId, ...body } = (res.body ?? {}) as Record<string, unknown>;
  if (requestId !== undefined) expect(typeof requestId).toBe('string');
  expect({ ...context, status: res.status, body }).toEqual({ ...context, status: expected.statusCode, body: expected });
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export type JwtClaims = Record<string, unknown>;

/** The claims the app issues (auth.service.ts), valid for an hour from now unless overridden. */
export function claimsFor(user: { id: number; brandId: number }, overrides: JwtClaims = {}): JwtClaims {
  const iat = nowSeconds();
  return { sub: String(user.id), brand: user.brandId, ver: 0, iat, exp: iat + 3600, ...overrides };
}

/** Signs `claims` with HMAC (HS256 by default) and the given secret (the tests' JWT_SECRET by default). */
export function signJwt(
  claims: JwtClaims,
  options: { alg?: 'HS256' | 'HS384' | 'HS512'; secret?: string; header?: Record<string, unknown> } = {},
): string {
  const alg = options.alg ?? 'HS256';
  const input = `${b64url({ alg, typ: 'JWT', ...options.header })}.${b64url(claims)}`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  const signature = createHmac(hash, options.secret ?? TEST_JWT_SECRET)
    .update(input)
    .digest('base64url');
  return `${input}.${signature}`;
}

/** An unsecured JWT (RFC 7519 section 6): `alg: none` and an empty signature. */
export function unsignedJwt(claims: JwtClaims): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

/** The header and claims of a JWT, without checking anything. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>,
    signature,
  };
}

/** Whether `token` carries a valid HS256 signature made with `secret`. */
export function hasHs256Signature(token: string, secret = TEST_JWT_SECRET): boolean {
  const [header, payload, signature] = token.split('.');
  return createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url') === signature;
}

export const bearer = (token: string): string => `Bearer ${token}`;
