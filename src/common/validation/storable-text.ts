import { Matches } from 'class-validator';

/**
 * Strings that PostgreSQL cannot store as sent are refused as a field error: a NUL character, and an
 * unpaired UTF-16 surrogate (JSON can carry one as `"\ud800"`, a URL as `%ED%A0%80`; it is no text: the
 * server would store U+FFFD instead, and the embedded database's parameters break on it, a 500).
 * One rule for every string the API writes or looks up, so the bulk APIs and the dashboard agree.
 */
// eslint-disable-next-line no-control-regex -- NUL is the character refused
export const STORABLE_TEXT = /^(?:[^\u0000\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

export function isStorableText(value: string): boolean {
  return STORABLE_TEXT.test(value);
}

export function storableTextMessage(field: string): string {
  return `${field} must not contain a NUL character or an unpaired surrogate`;
}

/** The class-validator form of the rule, for DTOs. */
export function IsStorableText(field: string): PropertyDecorator {
  return Matches(STORABLE_TEXT, { message: storableTextMessage(field) });
}
