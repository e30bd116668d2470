/**
 * Classifies driver errors. PostgreSQL reports a SQLSTATE in `code`; a socket that cannot reach the
 * server reports a Node error code instead, or only a message (pg's "Connection terminated ...").
 */
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** SQLSTATEs after which the same transaction, run again, may succeed. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '23505', // unique_violation: another request took the key first
  '23503', // foreign_key_violation: a contact vanished under us
]);

function driverError(err: unknown): { code?: string; message?: string } {
  if (!err || typeof err !== 'object') return {};
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown };
  // TypeORM wraps the driver's error in QueryFailedError.driverError
  const inner = (e.driverError && typeof e.driverError === 'object' ? e.driverError : e) as {
    code?: unknown;
    message?: unknown;
  };
  return {
    code: typeof inner.code === 'string' ? inner.code : typeof e.code === 'string' ? e.code : undefined,
    message: typeof inner.message === 'string' ? inner.message : typeof e.message === 'string' ? e.message : undefined,
  };
}

export function sqlStateOf(err: unknown): string | undefined {
  return driverError(err).code;
}

export function isDatabaseUnavailable(err: unknown): boolean {
  const { code, message } = driverError(err);
  if (code && UNAVAILABLE_NODE_CODES.has(code)) return true;
  // class 08: connection exception; 57P01..57P03: admin/crash shutdown, cannot connect now
  if (code && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')) return true;
  // TypeORM before the first successful connection
  const name = err && typeof err === 'object' ? (err as { name?: unknown }).name : undefined;
  if (name === 'CannotExecuteNotConnectedError' || name === 'ConnectionIsNotSetError') return true;
  if (!message) return false;
  return /Driver not Connected|Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|terminating connection/i.test(
    message,
  );
}

/** The server cancelled a statement that ran past statement_timeout (or the client cancelled it). */
export function isStatementTimeout(err: unknown): boolean {
  return sqlStateOf(err) === '57014';
}

export function isRetryableConflict(err: unknown): boolean {
  const code = sqlStateOf(err);
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}
