import { DomainError } from '../errors/domain.error';
import { decodeCursor, encodeCursor, toPage } from './cursor';

describe('keyset cursor', () => {
  it('round-trips a sort key through an opaque base64url string', () => {
    const cursor = encodeCursor(['customer-1042', 'ä@b.com']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['string', 'string'] as const)).toEqual(['customer-1042', 'ä@b.com']);
  });

  it.each([
    ['not base64url', '***'],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    ['not an array', encodeCursor([]).replace(/.*/, Buffer.from('{"a":1}').toString('base64url'))],
    ['the wrong length', encodeCursor(['a', 'b'])],
    ['the wrong types', encodeCursor([1])],
    ['a NUL character', encodeCursor(['a\u0000'])],
  ])('refuses a cursor that is %s with INVALID_REQUEST', (_, cursor) => {
    expect(() => decodeCursor(cursor, ['string'] as const)).toThrow(DomainError);
    try {
      decodeCursor(cursor, ['string'] as const);
    } catch (err) {
      expect((err as DomainError).code).toBe('INVALID_REQUEST');
    }
  });

  it('gives a next cursor only when one row more than the limit came back', () => {
    const rows = [{ k: 'a' }, { k: 'b' }, { k: 'c' }];
    expect(
      toPage(
        rows,
        2,
        (r) => [r.k],
        (r) => r.k,
      ),
    ).toEqual({ items: ['a', 'b'], next_cursor: encodeCursor(['b']) });
    expect(
      toPage(
        rows,
        3,
        (r) => [r.k],
        (r) => r.k,
      ),
    ).toEqual({ items: ['a', 'b', 'c'], next_cursor: null });
  });
});
