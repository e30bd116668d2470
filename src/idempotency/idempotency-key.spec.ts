import { canonicalJson, idempotencyKeyOf, requestHash } from './idempotency-key';

describe('idempotencyKeyOf', () => {
  it('is undefined without the header', () => {
    expect(idempotencyKeyOf({})).toBeUndefined();
  });

  it('takes 1 to 255 visible ASCII characters', () => {
    expect(idempotencyKeyOf({ 'idempotency-key': 'a' })).toBe('a');
    expect(idempotencyKeyOf({ 'idempotency-key': '~'.repeat(255) })).toBe('~'.repeat(255));
    expect(idempotencyKeyOf({ 'idempotency-key': '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~' })).toBeDefined();
  });

  it.each([[''], ['a b'], ['x'.repeat(256)], ['clé'], ['tab\there'], ['a, b']])('refuses %j with INVALID_REQUEST', (value) => {
    expect(() => idempotencyKeyOf({ 'idempotency-key': value })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });

  it('refuses the header sent twice', () => {
    expect(() => idempotencyKeyOf({ 'idempotency-key': ['a', 'b'] })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });
});

describe('canonicalJson and requestHash', () => {
  it('ignore key order at every depth, but not array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(requestHash('POST', '/p', { a: 1, b: [1, 2] })).toBe(requestHash('post', '/p', { b: [1, 2], a: 1 }));
    expect(requestHash('POST', '/p', { b: [1, 2] })).not.toBe(requestHash('POST', '/p', { b: [2, 1] }));
  });

  it('tell method, path and body apart', () => {
    const hash = requestHash('POST', '/p', { a: 1 });
    expect(requestHash('PUT', '/p', { a: 1 })).not.toBe(hash);
    expect(requestHash('POST', '/q', { a: 1 })).not.toBe(hash);
    expect(requestHash('POST', '/p', { a: '1' })).not.toBe(hash);
  });

  it('keep __proto__ and constructor keys as data', () => {
    const body = JSON.parse('{"__proto__":{"x":1},"constructor":2}');
    expect(canonicalJson(body)).toBe('{"__proto__":{"x":1},"constructor":2}');
  });
});
