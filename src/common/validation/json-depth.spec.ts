import { jsonDepthExceeds } from './json-depth';

/** `{"a":{"a":...1...}}` with `levels` objects, or arrays when `array`. */
function nested(levels: number, array = false): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = array ? [value] : { a: value };
  return value;
}

describe('jsonDepthExceeds', () => {
  it('counts objects and arrays as levels, scalars as none', () => {
    expect(jsonDepthExceeds(1, 0)).toBe(false);
    expect(jsonDepthExceeds(null, 0)).toBe(false);
    expect(jsonDepthExceeds('text', 0)).toBe(false);
    expect(jsonDepthExceeds({}, 0)).toBe(true);
    expect(jsonDepthExceeds({}, 1)).toBe(false);
    expect(jsonDepthExceeds([[]], 1)).toBe(true);
    expect(jsonDepthExceeds([[]], 2)).toBe(false);
  });

  it('allows exactly max levels and refuses one more, in objects, arrays and both', () => {
    for (const array of [false, true]) {
      expect(jsonDepthExceeds(nested(32, array), 32)).toBe(false);
      expect(jsonDepthExceeds(nested(33, array), 32)).toBe(true);
    }
    expect(jsonDepthExceeds({ records: [{ a: [{ b: {} }] }] }, 6)).toBe(false);
    expect(jsonDepthExceeds({ records: [{ a: [{ b: { c: [] } }] }] }, 6)).toBe(true);
  });

  it('finds the deep branch among shallow siblings, and walks own keys such as __proto__', () => {
    const wide = { contactDatas: Array.from({ length: 1000 }, (_, i) => ({ contact_key: `c${i}`, permission: true })) };
    expect(jsonDepthExceeds(wide, 3)).toBe(false);
    (wide.contactDatas[500] as Record<string, unknown>).deep = nested(2);
    expect(jsonDepthExceeds(wide, 4)).toBe(true);
    expect(jsonDepthExceeds(JSON.parse('{"__proto__":{"x":{"y":{}}}}'), 3)).toBe(true);
    expect(jsonDepthExceeds(JSON.parse('{"__proto__":{"x":{"y":{}}}}'), 4)).toBe(false);
  });

  it('walks a body 100,000 levels deep without recursion', () => {
    expect(jsonDepthExceeds(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toBe(true);
  });
});
