import { invalidRequest } from '../errors/domain.error';
import { isStorableText } from '../validation/storable-text';

/**
 * Keyset pagination's opaque cursor: the base64url of the JSON array of the last item's sort key.
 * Opaque to clients (they pass it back as they got it); never trusted for scoping, since every
 * query also filters by the caller's brand, so a forged cursor can only move within that brand.
 */
export function encodeCursor(sortKey: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(sortKey), 'utf8').toString('base64url');
}

/**
 * The sort key of a cursor, checked against the shape the list expects (one type per position).
 * Anything else is 400 INVALID_REQUEST: a cursor from another list, truncated or made up.
 */
export function decodeCursor<T extends readonly ('string' | 'number')[]>(
  cursor: string,
  shape: T,
): { [K in keyof T]: T[K] extends 'number' ? number : string } {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(value) || value.length !== shape.length) throw invalidCursor();
  shape.forEach((type, i) => {
    const item: unknown = value[i];
    const ok =
      type === 'number' ? typeof item === 'number' && Number.isSafeInteger(item) : typeof item === 'string' && isStorableText(item);
    if (!ok) throw invalidCursor();
  });
  return value as { [K in keyof T]: T[K] extends 'number' ? number : string };
}

function invalidCursor() {
  return invalidRequest('cursor is not valid; pass back the next_cursor of the previous page', ['cursor is not valid']);
}

/** Items of one page and the cursor of the next (null on the last page). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Lists ask for one row more than the limit: if it comes, there is a next page, and its cursor is
 * the sort key of the last item shown.
 */
export function toPage<R, T>(rows: R[], limit: number, sortKeyOf: (row: R) => (string | number)[], toItem: (row: R) => T): Page<T> {
  const shown = rows.slice(0, limit);
  const next = rows.length > limit && shown.length > 0 ? encodeCursor(sortKeyOf(shown[shown.length - 1])) : null;
  return { items: shown.map(toItem), next_cursor: next };
}
