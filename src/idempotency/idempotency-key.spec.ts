import { createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { canonicalJson, digestBody, idempotencyKeyOf, requestHash, streamedBodyFingerprint, tapBody } from './idempotency-key';

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

describe('streamed bodies', () => {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });

  it('tapBody fingerprints the bytes the reader takes, once it has taken them all, and loses none of them', async () => {
    const body = new PassThrough();
    body.end('a,b\nc,d\n');
    const digest = tapBody(body);
    await new Promise((resolve) => setImmediate(resolve));
    expect(digest()).toBeNull();
    let read = '';
    await pipeline(
      body,
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          read += chunk.toString();
          done();
        },
      }),
    );
    expect(read).toBe('a,b\nc,d\n');
    expect(digest()).toBe(sha256('a,b\nc,d\n'));
  });

  it('tapBody answers null for a body read before it, or not to its end', async () => {
    const before = Readable.from([Buffer.from('x')]);
    await pipeline(before, sink());
    expect(tapBody(before)()).toBeNull();
    const cut = new PassThrough();
    cut.write('part');
    const digest = tapBody(cut);
    cut.resume();
    await new Promise((resolve) => setImmediate(resolve));
    expect(digest()).toBeNull();
  });

  it('digestBody reads a whole body; the fingerprint tells media type, encoding and bytes apart', async () => {
    expect(await digestBody(Readable.from([Buffer.from('a'), Buffer.from('b')]))).toBe(sha256('ab'));
    const csv = { 'content-type': 'text/csv' };
    const hash = (headers: Record<string, string>, bytes: string) =>
      requestHash('PUT', '/p', streamedBodyFingerprint(headers, sha256(bytes)));
    expect(hash(csv, 'ab')).toBe(hash({ 'content-type': ' TEXT/CSV ' }, 'ab'));
    expect(hash(csv, 'ab')).not.toBe(hash(csv, 'ba'));
    expect(hash(csv, 'ab')).not.toBe(hash({ 'content-type': 'application/x-ndjson' }, 'ab'));
    expect(hash(csv, 'ab')).not.toBe(hash({ ...csv, 'content-encoding': 'gzip' }, 'ab'));
    expect(requestHash('PUT', '/p', streamedBodyFingerprint(csv, null))).not.toBe(hash(csv, ''));
  });
});
