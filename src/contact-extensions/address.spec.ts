import { canonicalAddress, isValidAddress } from './address';

describe('canonicalAddress', () => {
  it.each([
    ['  A@B.COM ', 'a@b.com'],
    ['Mixed.Case@Example.Org', 'mixed.case@example.org'],
    ['+90 535 123 45 67', '905351234567'],
    ['0090 535 123 45 67', '905351234567'],
    ['905351234567', '905351234567'],
    ['+1 (415) 555-2671', '14155552671'],
    ['  not an address ', 'not an address'],
  ])('stores %j as %j', (raw, canonical) => {
    expect(canonicalAddress(raw)).toBe(canonical);
  });
});

describe('isValidAddress', () => {
  it('accepts a well-formed email for channel E and refuses one without a domain', () => {
    expect(isValidAddress('E', 'a@b.com')).toBe(true);
    expect(isValidAddress('E', 'a@b')).toBe(false);
    expect(isValidAddress('E', '905351234567')).toBe(false);
  });

  it('accepts an international mobile number for S and W', () => {
    expect(isValidAddress('S', '905351234567')).toBe(true);
    expect(isValidAddress('W', '14155552671')).toBe(true);
  });

  it('refuses national numbers, too short or too long numbers and emails for S and W', () => {
    expect(isValidAddress('S', '05351234567')).toBe(false);
    expect(isValidAddress('S', '90535')).toBe(false);
    expect(isValidAddress('S', '9053512345671234')).toBe(false);
    expect(isValidAddress('W', 'a@b.com')).toBe(false);
  });

  it('refuses an address longer than 320 characters', () => {
    expect(isValidAddress('E', `${'a'.repeat(310)}@example.com`)).toBe(false);
  });

  it('refuses, without throwing, an address with an unpaired surrogate (found by test/fuzz.e2e-spec.ts)', () => {
    for (const address of ['\ud800', 'a@x\udc00.com', 'a\udbff@x.com']) {
      expect(isValidAddress('E', address)).toBe(false);
      expect(isValidAddress('S', address)).toBe(false);
    }
    expect(isValidAddress('E', 'emoji\ud83d\ude00@example.com')).toBe(isValidAddress('E', 'emoji😀@example.com'));
  });
});
