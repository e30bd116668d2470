/**
 * Canonical addresses (contract section 3), the one place that decides, for every feature, how an
 * address is stored, grouped and looked up and whether it is valid.
 *
 * Phone numbers (channels S and W, and contacts' `gsm`) are what libphonenumber-js makes of them:
 * the input is read as international (a leading `+`, a leading `00`, or bare digits that start with
 * the country code), the whole input must be a phone number (`extract: false`), and the canonical
 * form is the E.164 number the library parsed, without `+`. So every spelling the library reads as
 * one number (`+90 535 123 45 67`, `+90 (0)535 123 45 67`, `0090-535-123-45-67`, dashes U+2010 to
 * U+2015, full-width digits) is one address. Validity is the library's `isValid()` with its `max`
 * metadata, which checks the digits against each country's number patterns (the `min` metadata
 * checks lengths only, and would take `+90 235 123 45 67`, a number no Turkish range holds).
 */
import { isEmail } from 'class-validator';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { Channel } from './channel';

export const MAX_ADDRESS_LENGTH = 320;

/** The longest E.164 number: a country code and a national number of 15 digits in all. */
const MAX_E164_DIGITS = 15;

/** ASCII punctuation of a phone number: what a number the library does not find valid may be spelled with. */
const ASCII_PHONE_LIKE = /^\+?[\d\s().\-/]+$/;
/**
 * An unpaired UTF-16 surrogate (JSON can carry one as `"\ud800"`): not text, so never a valid address.
 * validator's isEmail throws on it (URIError), and PostgreSQL would store U+FFFD instead.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Parsing is the costly part of canonicalizing (about 10 µs a number); one bulk request asks for the
 * same spelling several times (grouping, validation, lookup) and a retried request asks again.
 * Bounded by two generations of PHONE_MEMO_SIZE / 2 entries: when the recent one is full it becomes
 * the older one and the older one is dropped, and an entry found in the older one moves back to the
 * recent one. (Dropping the oldest entry of one Map instead costs a walk over the holes that the
 * deleted entries leave at its start, and a 1000-record batch of new numbers made that walk a tenth
 * of its validation.)
 */
const PHONE_MEMO_SIZE = 4096;
let recentPhones = new Map<string, string | null>();
let olderPhones = new Map<string, string | null>();

/**
 * The E.164 digits (no `+`) of the valid phone number the whole of `trimmed` spells, read as
 * international; null when the library finds no valid number in it.
 */
export function canonicalPhone(trimmed: string): string | null {
  const recent = recentPhones.get(trimmed);
  if (recent !== undefined) return recent;
  const older = olderPhones.get(trimmed);
  if (older !== undefined) {
    remember(trimmed, older);
    return older;
  }
  const international = /^[+\uFF0B]/.test(trimmed) ? trimmed : trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : `+${trimmed}`;
  const number = parsePhoneNumberFromString(international, { extract: false });
  const digits = number?.isValid() ? number.number.slice(1) : null;
  remember(trimmed, digits);
  // the canonical form is asked for next (isValidAddress), and is its own canonical form
  if (digits !== null && digits !== trimmed) remember(digits, digits);
  return digits;
}

function remember(trimmed: string, digits: string | null): void {
  if (recentPhones.size >= PHONE_MEMO_SIZE / 2) {
    olderPhones = recentPhones;
    recentPhones = new Map();
  }
  recentPhones.set(trimmed, digits);
}

/**
 * The stored form of an address: an email (anything with `@`) trimmed and lowercased; a valid phone
 * number as its E.164 digits. A string of ASCII phone punctuation that is no valid number keeps its
 * international digits (no `+` or leading `00`), the form a stored row of such a string has, so
 * that the row stays reachable. Anything else is only trimmed, so that a lookup of it simply finds
 * nothing.
 */
export function canonicalAddress(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.includes('@')) return trimmed.toLowerCase();
  if (trimmed.length === 0 || trimmed.length > MAX_ADDRESS_LENGTH) return trimmed;
  const phone = canonicalPhone(trimmed);
  if (phone !== null) return phone;
  if (ASCII_PHONE_LIKE.test(trimmed) && /\d/.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '');
    return !trimmed.startsWith('+') && digits.startsWith('00') ? digits.slice(2) : digits;
  }
  return trimmed;
}

/** Phone punctuation the library reads, the dashes U+2010 to U+2015 and U+2212 included. */
const PHONE_PUNCTUATION = /[\s().\-/\u2010-\u2015\u2212]/g;

/**
 * What a search for addresses containing `raw` looks for in stored addresses: a whole valid phone
 * number its E.164 digits; part of a number (digits and phone punctuation) its digits; anything else
 * lowercased, as emails are stored.
 */
export function addressSearchText(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.includes('@') || trimmed.length === 0 || trimmed.length > MAX_ADDRESS_LENGTH) return trimmed.toLowerCase();
  const phone = canonicalPhone(trimmed);
  if (phone !== null) return phone;
  const digits = trimmed.replace(/^\+/, '').replace(PHONE_PUNCTUATION, '');
  return /^\d+$/.test(digits) ? digits : trimmed.toLowerCase();
}

/**
 * The plainest spelling of an email: ASCII letters, digits and the local part's specials, dot-separated
 * parts that are never empty, host labels of at most 63 letters, digits and inner hyphens, and an
 * alphabetic top-level label. validator's isEmail (class-validator's, default options) takes every
 * string this matches that is at most 254 characters long with a local part of at most 64: each of
 * its checks holds for such a string (it finds no display name, no quotes, no IP host, no byte
 * longer than its character). Most addresses are spelled so, and this one test takes under 0.1 µs
 * an address against about 2 µs for isEmail's split, option merge, byte-length and host checks; any
 * other spelling is isEmail's to judge.
 */
const PLAIN_EMAIL = /^[a-z\d!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z\d!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?\.)+[a-z]{2,63}$/;
const MAX_EMAIL_LENGTH = 254;
const MAX_EMAIL_LOCAL_LENGTH = 64;

/** Whether `address` is an email by validator's isEmail; its plainest (lowercase) spelling is recognized without calling it. */
export function isEmailAddress(address: string): boolean {
  const plain = address.length <= MAX_EMAIL_LENGTH && address.indexOf('@') <= MAX_EMAIL_LOCAL_LENGTH && PLAIN_EMAIL.test(address);
  return plain || isEmail(address);
}

/** Whether a canonical address is a valid email (E) or phone number (S, W). */
export function isValidAddress(channel: Channel, canonical: string): boolean {
  if (canonical.length === 0 || canonical.length > MAX_ADDRESS_LENGTH || LONE_SURROGATE.test(canonical)) return false;
  if (channel === 'E') return isEmailAddress(canonical);
  return canonical.length <= MAX_E164_DIGITS && /^\d+$/.test(canonical) && canonicalPhone(canonical) === canonical;
}
