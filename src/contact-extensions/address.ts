import { isEmail } from 'class-validator';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { Channel } from './channel';

export const MAX_ADDRESS_LENGTH = 320;

const PHONE_LIKE = /^\+?[\d\s().\-/]+$/;
/**
 * An unpaired UTF-16 surrogate (JSON can carry one as `"\ud800"`): not text, so never a valid address.
 * validator's isEmail throws on it (URIError), and PostgreSQL would store U+FFFD instead.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The stored form of an address (contract section 3): an email (anything with `@`) trimmed and
 * lowercased; a phone number as its international digits only, without `+` or a leading `00`.
 * Anything else is only trimmed, so that a lookup of it simply finds nothing.
 */
export function canonicalAddress(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.includes('@')) return trimmed.toLowerCase();
  if (PHONE_LIKE.test(trimmed) && /\d/.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '');
    return !trimmed.startsWith('+') && digits.startsWith('00') ? digits.slice(2) : digits;
  }
  return trimmed;
}

/** Whether a canonical address is a valid email (E) or an international phone number (S, W). */
export function isValidAddress(channel: Channel, canonical: string): boolean {
  if (canonical.length === 0 || canonical.length > MAX_ADDRESS_LENGTH || LONE_SURROGATE.test(canonical)) return false;
  if (channel === 'E') return isEmail(canonical);
  if (!/^\d{4,15}$/.test(canonical)) return false;
  return parsePhoneNumberFromString(`+${canonical}`)?.isValid() ?? false;
}
