import { isEmail } from 'class-validator';
import * as fc from 'fast-check';
import { addressSearchText, canonicalAddress, isEmailAddress, isValidAddress } from './address';

describe('canonicalAddress', () => {
  it.each([
    ['  A@B.COM ', 'a@b.com'],
    ['Mixed.Case@Example.Org', 'mixed.case@example.org'],
    ['+90 535 123 45 67', '905351234567'],
    ['0090 535 123 45 67', '905351234567'],
    ['905351234567', '905351234567'],
    ['+1 (415) 555-2671', '14155552671'],
    ['+90 (0)535 123 45 67', '905351234567'],
    ['+44 (0)20 7031 3000', '442070313000'],
    ['+44 20 7031 3000', '442070313000'],
    ['(90) 535 123 45 67', '905351234567'],
    ['+90\u2010535\u2011123\u201245\u201367', '905351234567'],
    ['+90 535\u2013123\u201445\u201567', '905351234567'],
    ['+\uff19\uff10 \uff15\uff13\uff15 \uff11\uff12\uff13 \uff14\uff15 \uff16\uff17', '905351234567'],
    ['  not an address ', 'not an address'],
  ])('stores %j as %j', (raw, canonical) => {
    expect(canonicalAddress(raw)).toBe(canonical);
  });

  it('gives every spelling of one number one form, and that form is its own canonical form', () => {
    const spellings = ['+90 535 123 45 67', '+90 (0)535 123 45 67', '0090 535 123 45 67', '+90-535-123-45-67', '+90.535.123.45.67'];
    expect(new Set(spellings.map(canonicalAddress))).toEqual(new Set(['905351234567']));
    expect(canonicalAddress('905351234567')).toBe('905351234567');
  });

  it('gives the same forms when more numbers than its memo holds were read since (the memo drops and refills its entries)', () => {
    const spelled = (n: number): string => `+90 535 ${String(10000000 + n).slice(1, 4)} ${String(10000000 + n).slice(4)}`;
    const first = Array.from({ length: 50 }, (_, n) => canonicalAddress(spelled(n)));
    for (let n = 0; n < 5000; n++) canonicalAddress(spelled(n));
    expect(Array.from({ length: 50 }, (_, n) => canonicalAddress(spelled(n)))).toEqual(first);
    expect(first[7]).toBe('905350000007');
    expect(isValidAddress('S', first[7])).toBe(true);
    expect(canonicalAddress('+90 235 123 45 67')).toBe('902351234567');
    expect(isValidAddress('S', '902351234567')).toBe(false);
  });

  it('keeps the international digits of ASCII phone punctuation that is no valid number, so a row stored so is found', () => {
    expect(canonicalAddress('+1 555 555 5555')).toBe('15555555555');
    expect(canonicalAddress('0090 235 123 45 67')).toBe('902351234567');
  });

  it('reads only a whole phone number: text around it leaves the input as it is', () => {
    expect(canonicalAddress('call +90 535 123 45 67')).toBe('call +90 535 123 45 67');
    expect(canonicalAddress('+1-800-FLOWERS')).toBe('+1-800-FLOWERS');
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

  it('accepts every spelling libphonenumber-js reads as a valid number, non-ASCII dashes included', () => {
    for (const raw of [
      '+90 (0)535 123 45 67',
      '+90\u2011535\u2011123\u201145\u201167',
      '+90\u2015535\u2012123 45 67',
      '+44 (0)20 7031 3000',
    ]) {
      expect(isValidAddress('S', canonicalAddress(raw))).toBe(true);
      expect(isValidAddress('W', canonicalAddress(raw))).toBe(true);
    }
  });

  it('judges numbers by the max metadata: digits outside every range of the country are refused, not only wrong lengths', () => {
    // the min metadata checks lengths only and would take this one
    expect(isValidAddress('S', canonicalAddress('+90 235 123 45 67'))).toBe(false);
    expect(isValidAddress('S', canonicalAddress('+1 555 555 5555'))).toBe(false);
  });

  it('refuses a non-canonical spelling of a valid number: only the canonical form is stored', () => {
    expect(isValidAddress('S', '9005351234567')).toBe(false);
    expect(isValidAddress('W', '4402070313000')).toBe(false);
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

describe('isEmailAddress', () => {
  // the plain spelling's alphabet, the characters next to it that isEmail judges otherwise, and the separators
  const near = fc.constantFrom(...'ab09-_.+!~@"\\ é\uff21A'.split(''), 'xn--', '..', '.-', '-.');
  const nearEmail = fc.array(near, { maxLength: 30 }).map((parts) => parts.join(''));
  const plainLabel = fc.stringMatching(/^[a-z\d](?:[a-z\d-]{0,70}[a-z\d])?$/);
  const plainLike = fc
    .tuple(
      fc.array(fc.stringMatching(/^[a-z\d!#$%&'*+/=?^_`{|}~-]{1,40}$/), { minLength: 1, maxLength: 3 }),
      fc.array(plainLabel, { minLength: 0, maxLength: 5 }),
      fc.stringMatching(/^[a-z\d]{1,70}$/),
    )
    .map(([local, labels, top]) => `${local.join('.')}@${[...labels, top].join('.')}`);

  it('answers as validator isEmail does, for plain spellings near every limit and for strings near them', () => {
    fc.assert(
      fc.property(fc.oneof(plainLike, nearEmail, fc.emailAddress(), fc.string({ maxLength: 300 })), (address) => {
        expect(isEmailAddress(address)).toBe(isEmail(address));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    [`${'a'.repeat(64)}@example.com`, true],
    [`${'a'.repeat(65)}@example.com`, false],
    [`a@${'b'.repeat(63)}.com`, true],
    [`a@${'b'.repeat(64)}.com`, false],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, true],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false],
    ['a@b.c', false],
    ['a@b.co1', false],
    ['a@-b.com', false],
    ['a@b-.com', false],
    ['a..b@c.com', false],
    ['.a@c.com', false],
    ['a_b+c@d-e.example.com', true],
    ['a@b_c.com', false],
    ['a@xn--bcher-kva.xn--p1ai', true],
  ])('%s: %s, as isEmail', (address, valid) => {
    expect(isEmail(address)).toBe(valid);
    expect(isEmailAddress(address)).toBe(valid);
  });
});

describe('addressSearchText', () => {
  it.each([
    ['+90 535 98', '9053598'],
    ['+90 (0)535 123 45 67', '905351234567'],
    ['535\u2011123', '535123'],
    ['Shop.COM', 'shop.com'],
    ['a@B.com', 'a@b.com'],
  ])('searches %j as %j', (raw, text) => {
    expect(addressSearchText(raw)).toBe(text);
  });
});
