import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * The input rules for text, one for every string the API stores or looks up (path, query, headers,
 * JSON bodies, bulk records), so that every route and the bulk APIs agree:
 *
 * - storable: no NUL character and no unpaired UTF-16 surrogate. PostgreSQL refuses a NUL in text,
 *   and a lone surrogate (JSON can carry one as `"\ud800"`) is no text: the server would store
 *   U+FFFD instead, and the embedded database's parameters break on it.
 * - lengths in code points, the unit of PostgreSQL's `varchar(n)`: an emoji is one character, and
 *   so is each U+FE0F variation selector (class-validator's `Length` skips those, `String.length`
 *   counts an emoji twice; neither is what the column counts).
 *
 * The decorators pass anything that is not a string: `IsString` (or the record validator's own type
 * check) reports those, so a number reads "must be a string" whatever the order of the decorators.
 */

export function isStorableText(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}

export function storableTextMessage(field: string): string {
  return `${field} must not contain a NUL character or an unpaired surrogate`;
}

/** The number of Unicode code points of a string (an unpaired surrogate counts as one). */
export function codePointLength(value: string): number {
  let n = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Whether a string is `min` to `max` code points long. */
export function isTextLength(value: string, min: number, max: number): boolean {
  // a string of more than 2 * max code units is more than max code points; no need to count them
  if (value.length < min || value.length > 2 * max) return false;
  const n = codePointLength(value);
  return n >= min && n <= max;
}

export function textLengthMessage(field: string, min: number, max: number): string {
  return min > 0 ? `${field} must be ${min} to ${max} characters` : `${field} must be at most ${max} characters`;
}

/** The class-validator form of isStorableText, for DTOs. */
export function IsStorableText(field: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      validator: { validate: (value: unknown) => typeof value !== 'string' || isStorableText(value) },
    },
    { message: storableTextMessage(field), ...options },
  );
}

/** `min` to `max` code points; the class-validator form of isTextLength, for DTOs. */
export function TextLength(field: string, min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'textLength',
      constraints: [min, max],
      validator: { validate: (value: unknown) => typeof value !== 'string' || isTextLength(value, min, max) },
    },
    { message: textLengthMessage(field, min, max), ...options },
  );
}

/** At least one character that is not white space; the class-validator form, for DTOs. */
export function IsNotBlank(message: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotBlank',
      validator: { validate: (value: unknown) => typeof value !== 'string' || /\S/.test(value) },
    },
    { message, ...options },
  );
}
