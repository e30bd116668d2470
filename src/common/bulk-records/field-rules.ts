/**
 * The one style of a bulk record's own rules: a table of its fields, each with its checks in reading
 * order, where the first check a value fails is that field's one issue. Checks are plain functions
 * (class-validator's validator functions, storable-text) rather than decorators run through
 * validateSync, which cost a third of the service's CPU on 1000-record batches. A property that no
 * rule names is UNKNOWN_FIELD; only own properties are read, so nothing comes from a prototype.
 */
import { isStorableText, isTextLength, storableTextMessage, textLengthMessage } from '../validation/storable-text';
import { hasOwn, isPlainRecord, RecordIssue } from './bulk-records';

/** A rule as it holds for a value, and the message when it does not. */
export type Check = readonly [holds: (value: unknown) => boolean, message: string];

export interface FieldRule<F extends string = string> {
  field: F;
  /** checked and read only when its column is named in the request's columns */
  column?: true;
  /** the value counts as absent: no check applies */
  skip?: (value: unknown) => boolean;
  /** the first check that fails is the field's one issue */
  checks: readonly Check[];
  /** whether a failure is MISSING_FIELD rather than INVALID_FIELD */
  missing?: (value: unknown) => boolean;
}

export type FieldIssueCode = 'MISSING_FIELD' | 'INVALID_FIELD' | 'UNKNOWN_FIELD';

/** The values of the fields in use (undefined: not sent), or the record's issues. */
export type FieldsCheck<F extends string> =
  { ok: true; values: Partial<Record<F, unknown>> } | { ok: false; issues: RecordIssue<FieldIssueCode>[] };

export const absent = (value: unknown): boolean => value === undefined || value === null;
export const blank = (value: unknown): boolean => absent(value) || (typeof value === 'string' && value.trim() === '');
/** The value (a string: check isString first) is text PostgreSQL can store. */
export const storable = (field: string): Check => [(v) => isStorableText(v as string), storableTextMessage(field)];
/** The value (a string: check isString first) is at most `max` code points, the unit of PostgreSQL's varchar. */
export const atMost = (field: string, max: number): Check => [(v) => isTextLength(v as string, 0, max), textLengthMessage(field, 0, max)];

/**
 * The checker of one kind of record. `noun` names the kind in UNKNOWN_FIELD messages ("a contact");
 * `columns`, when the kind has column fields, are the request's columns.
 */
export function fieldChecker<F extends string>(
  noun: string,
  rules: readonly FieldRule<F>[],
): (raw: unknown, columns?: ReadonlySet<string>) => FieldsCheck<F> {
  const known: ReadonlySet<string> = new Set(rules.map((rule) => rule.field));
  return (raw, columns) => {
    if (!isPlainRecord(raw)) return { ok: false, issues: [{ code: 'INVALID_FIELD', message: 'the record must be a JSON object' }] };
    const issues: RecordIssue<FieldIssueCode>[] = [];
    for (const key of Object.keys(raw)) {
      if (!known.has(key)) issues.push({ code: 'UNKNOWN_FIELD', field: key, message: `${key} is not a property of ${noun}` });
    }
    const values: Partial<Record<F, unknown>> = {};
    for (const rule of rules) {
      const { field } = rule;
      if (rule.column && !columns?.has(field)) continue;
      const value = hasOwn(raw, field) ? raw[field] : undefined;
      values[field] = value;
      if (rule.skip?.(value)) continue;
      const broken = firstBroken(rule.checks, value);
      if (broken) issues.push({ code: rule.missing?.(value) ? 'MISSING_FIELD' : 'INVALID_FIELD', field, message: broken[1] });
    }
    return issues.length > 0 ? { ok: false, issues } : { ok: true, values };
  };
}

/** The first check `value` fails (a loop rather than `find`: no closure per field of every record). */
function firstBroken(checks: readonly Check[], value: unknown): Check | undefined {
  for (let i = 0; i < checks.length; i++) if (!checks[i][0](value)) return checks[i];
  return undefined;
}
