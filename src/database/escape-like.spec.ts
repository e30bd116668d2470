import { escapeLike } from './escape-like';

describe('escapeLike', () => {
  it.each([
    ['plain text', 'shop-1', 'shop-1'],
    ['a percent sign', 'sh%p', 'sh\\%p'],
    ['an underscore', 'sh_p', 'sh\\_p'],
    ['a backslash', 'a\\b', 'a\\\\b'],
    ['all of them, each one', '%_\\%', '\\%\\_\\\\\\%'],
    ['nothing', '', ''],
  ])('escapes %s', (_, value, pattern) => {
    expect(escapeLike(value)).toBe(pattern);
  });
});
