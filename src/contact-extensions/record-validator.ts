import { isBoolean, isIn, isNotEmpty, isString, matches } from 'class-validator';
import { ExtensionColumn } from '../brands/brand.entity';
import { isStorableText, isTextLength, storableTextMessage, textLengthMessage } from '../common/validation/storable-text';
import { canonicalAddress, MAX_ADDRESS_LENGTH } from './address';
import { Channel, CHANNELS } from './channel';
import { RecordIssue } from './record-errors';

type RecordProperty = 'contact_key' | 'address' | 'channel' | 'name' | 'permission' | 'new_contact_key' | 'new_address';

/** The values of a record that passed its rules, as sent (addresses not yet canonical). */
interface RecordValues {
  contact_key: string;
  address: string;
  channel?: Channel | null;
  name?: string | null;
  permission?: boolean;
  new_contact_key?: string | null;
  new_address?: string | null;
}

/** A rule as it holds for a value, and the message when it does not. */
type Check = [holds: (value: unknown) => boolean, message: string];

interface FieldRule {
  field: RecordProperty;
  /** validated and applied only when its column is named in `columns` */
  column?: true;
  /** the value counts as absent: no check applies */
  skip?: (value: unknown) => boolean;
  /** the first check that fails is the field's one issue */
  checks: Check[];
  /** whether a failure is MISSING_FIELD rather than INVALID_FIELD */
  missing?: (value: unknown) => boolean;
}

const absent = (value: unknown): boolean => value === undefined || value === null;
const blank = (value: unknown): boolean => absent(value) || (typeof value === 'string' && value.trim() === '');
const storable: (field: string) => Check = (field) => [(v) => isStorableText(v as string), storableTextMessage(field)];
/** At most `max` code points (the unit of PostgreSQL's varchar), as every DTO counts. */
const atMost: (field: string, max: number) => Check = (field, max) => [
  (v) => isTextLength(v as string, 0, max),
  textLengthMessage(field, 0, max),
];
const NOT_BLANK = /\S/;

/**
 * The rules of one record, field by field, in the order of the answer's issues. They are the rules
 * ContactExtensionRecordDto declares with class-validator decorators (which document the record in
 * Swagger), written out as plain checks built on class-validator's own validator functions: running
 * the decorators through validateSync was a third of the service's CPU time on a 1000-record batch
 * (issue 3). record-validator.spec.ts checks that both agree on every generated record. Within a
 * field the checks run in reading order, so the message names the first rule broken (a number is
 * "must be a string", where validateSync, which runs decorators bottom-up, said "must not contain a
 * NUL character").
 */
const FIELD_RULES: readonly FieldRule[] = [
  {
    field: 'contact_key',
    checks: [
      [(v) => !absent(v), 'contact_key is required'],
      [isString, 'contact_key must be a string'],
      [isNotEmpty, 'contact_key must not be empty'],
      atMost('contact_key', 200),
      storable('contact_key'),
    ],
    missing: blank,
  },
  {
    field: 'address',
    checks: [
      [(v) => !absent(v), 'address is required'],
      [isString, 'address must be a string'],
      [(v) => matches(v as string, NOT_BLANK), 'address must not be empty'],
      storable('address'),
      [(v) => isTextLength((v as string).trim(), 0, MAX_ADDRESS_LENGTH), textLengthMessage('address', 0, MAX_ADDRESS_LENGTH)],
    ],
    missing: blank,
  },
  {
    field: 'channel',
    column: true,
    skip: absent,
    checks: [[(v) => isIn(v, CHANNELS), 'channel must be one of E, S, W']],
  },
  {
    field: 'name',
    column: true,
    skip: absent,
    checks: [[isString, 'name must be a string or null'], atMost('name', 100), storable('name')],
  },
  {
    field: 'permission',
    column: true,
    skip: (v) => v === undefined,
    checks: [[isBoolean, 'permission must be a boolean']],
  },
  {
    field: 'new_contact_key',
    skip: absent,
    checks: [
      [isString, 'new_contact_key must be a string'],
      [isNotEmpty, 'new_contact_key must not be empty'],
      atMost('new_contact_key', 200),
      storable('new_contact_key'),
    ],
  },
  {
    field: 'new_address',
    skip: absent,
    checks: [
      [isString, 'new_address must be a string'],
      [(v) => matches(v as string, NOT_BLANK), 'new_address must not be empty'],
      storable('new_address'),
    ],
  },
];
const RECORD_PROPERTIES: ReadonlySet<string> = new Set(FIELD_RULES.map((r) => r.field));

/** A record that passed its own rules, with addresses canonical and absent values left undefined. */
export interface ParsedRecord {
  contactKey: string;
  /** canonical */
  address: string;
  /** given and in columns */
  channel?: Channel;
  /** given and in columns; null clears */
  name?: string | null;
  /** given and in columns */
  permission?: boolean;
  newContactKey?: string;
  /** canonical */
  newAddress?: string;
}

export type RecordValidation = { ok: true; record: ParsedRecord } | { ok: false; issues: RecordIssue[] };

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates one record on its own (no database): its shape, the types and lengths of the columns in
 * use, and unknown properties. Database rules are the planner's.
 */
export function validateRecord(raw: unknown, columns: ReadonlySet<ExtensionColumn>): RecordValidation {
  if (!isPlainRecord(raw)) {
    return { ok: false, issues: [{ code: 'INVALID_FIELD', message: 'the record must be a JSON object' }] };
  }
  const issues: RecordIssue[] = [];
  for (const key of Object.keys(raw)) {
    if (!RECORD_PROPERTIES.has(key)) {
      issues.push({ code: 'UNKNOWN_FIELD', field: key, message: `${key} is not a property of a contact extension` });
    }
  }
  // Own properties only, so nothing is read from a prototype; column properties only when their
  // column is in use (otherwise neither validated nor applied).
  const values: Partial<Record<RecordProperty, unknown>> = {};
  for (const rule of FIELD_RULES) {
    const { field } = rule;
    if (rule.column && !columns.has(field as ExtensionColumn)) continue;
    const value = hasOwn(raw, field) ? raw[field] : undefined;
    values[field] = value;
    if (rule.skip?.(value)) continue;
    const broken = rule.checks.find(([holds]) => !holds(value));
    if (broken) issues.push({ code: rule.missing?.(value) ? 'MISSING_FIELD' : 'INVALID_FIELD', field, message: broken[1] });
  }
  if (issues.length > 0) return { ok: false, issues };

  const v = values as RecordValues;
  const record: ParsedRecord = { contactKey: v.contact_key, address: canonicalAddress(v.address) };
  if (v.channel != null) record.channel = v.channel;
  if (v.name !== undefined) record.name = v.name;
  if (v.permission !== undefined) record.permission = v.permission;
  if (v.new_contact_key != null) record.newContactKey = v.new_contact_key;
  if (v.new_address != null) record.newAddress = canonicalAddress(v.new_address);
  return { ok: true, record };
}
