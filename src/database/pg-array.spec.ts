import { pgArray } from './pg-array';

// The round trip through a real database (every string comes back as it was sent) is in
// test/pg-array.e2e-spec.ts; these are the literal's rules, one by one.
describe('pgArray', () => {
  it('quotes every string, so that none is read as NULL, trimmed or split', () => {
    expect(pgArray(['a', 'NULL', '', ' x ', 'a,b', '{c}'])).toBe('{"a","NULL",""," x ","a,b","{c}"}');
  });

  it('escapes quotes and backslashes, and only those', () => {
    expect(pgArray(['say "hi"', 'C:\\dir', '\\"', "it's\n"])).toBe('{"say \\"hi\\"","C:\\\\dir","\\\\\\"","it\'s\n"}');
  });

  it('writes null and undefined as NULL, booleans as t and f', () => {
    expect(pgArray([null, undefined, true, false])).toBe('{NULL,NULL,t,f}');
  });

  it('writes an empty array as {}', () => {
    expect(pgArray([])).toBe('{}');
  });
});
