import { validateSync } from 'class-validator';
import { codePointLength, isStorableText, isTextLength, IsStorableText, TextLength } from './storable-text';

describe('isStorableText', () => {
  it.each([[''], ['plain'], ['\u{1F600} emoji'], ['e\u0301'], ['x\uFE0F'], ['\uFFFD'], ['tab\tand\u007f']])('takes %j', (value) => {
    expect(isStorableText(value)).toBe(true);
  });

  it.each([['c1\u0000'], ['\u0000'], ['\uD800'], ['a\uDFFF'], ['\uDBFF\uDBFF\uDC00'], ['\uDC00\uD800']])('refuses %j', (value) => {
    expect(isStorableText(value)).toBe(false);
  });
});

describe('lengths in code points', () => {
  it('counts an astral character once, each variation selector and combining mark once, a lone surrogate once', () => {
    expect(codePointLength('\u{1F600}'.repeat(200))).toBe(200);
    expect(codePointLength('n'.repeat(90) + '\uFE0F'.repeat(11))).toBe(101);
    expect(codePointLength('e\u0301')).toBe(2);
    expect(codePointLength('\uD800x\uDC00')).toBe(3);
    expect(codePointLength('')).toBe(0);
  });

  it('isTextLength bounds both ends', () => {
    expect(isTextLength('', 1, 5)).toBe(false);
    expect(isTextLength('\u{1F600}', 2, 5)).toBe(false);
    expect(isTextLength('\u{1F600}'.repeat(5), 1, 5)).toBe(true);
    expect(isTextLength('\u{1F600}'.repeat(6), 1, 5)).toBe(false);
    expect(isTextLength('x'.repeat(11), 0, 5)).toBe(false);
  });
});

describe('the decorators', () => {
  class Dto {
    @TextLength('name', 1, 100)
    @IsStorableText('name')
    name: unknown;
  }
  const messagesOf = (name: unknown): string[] =>
    validateSync(Object.assign(new Dto(), { name })).flatMap((e) => Object.values(e.constraints ?? {}));

  it('refuse 101 code points that class-validator Length counts as 90', () => {
    expect(messagesOf('n'.repeat(90) + '\uFE0F'.repeat(11))).toEqual(['name must be 1 to 100 characters']);
  });

  it('take 100 emoji (200 UTF-16 code units)', () => {
    expect(messagesOf('\u{1F600}'.repeat(100))).toEqual([]);
  });

  it('refuse a NUL and a lone surrogate', () => {
    expect(messagesOf('a\u0000')).toEqual(['name must not contain a NUL character or an unpaired surrogate']);
    expect(messagesOf('a\uD800')).toEqual(['name must not contain a NUL character or an unpaired surrogate']);
  });

  it('leave values that are not strings to IsString', () => {
    expect(messagesOf(42)).toEqual([]);
    expect(messagesOf(['a'])).toEqual([]);
  });
});
