import { isBoolean, isIn, isNotEmpty, isString, matches } from 'class-validator';
import { ExtensionColumn } from '../addresses/extension-columns';
import { RecordValidation } from '../common/bulk-records/bulk-records';
import { absent, atMost, blank, fieldChecker, FieldRule, storable } from '../common/bulk-records/field-rules';
import { isTextLength, textLengthMessage } from '../common/validation/storable-text';
import { canonicalAddress, MAX_ADDRESS_LENGTH } from '../addresses/address';
import { Channel, CHANNELS } from '../addresses/channel';
import { RecordErrorCode } from './record-errors';

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

const NOT_BLANK = /\S/;

/** The identity of an extension in a record: the rules the bulk delete's records follow too. */
export const CONTACT_KEY_RULE: FieldRule<'contact_key'> = {
  field: 'contact_key',
  checks: [
    [(v) => !absent(v), 'contact_key is required'],
    [isString, 'contact_key must be a string'],
    [isNotEmpty, 'contact_key must not be empty'],
    atMost('contact_key', 200),
    storable('contact_key'),
  ],
  missing: blank,
};

export const ADDRESS_RULE: FieldRule<'address'> = {
  field: 'address',
  checks: [
    [(v) => !absent(v), 'address is required'],
    [isString, 'address must be a string'],
    [(v) => matches(v as string, NOT_BLANK), 'address must not be empty'],
    storable('address'),
    [(v) => isTextLength((v as string).trim(), 0, MAX_ADDRESS_LENGTH), textLengthMessage('address', 0, MAX_ADDRESS_LENGTH)],
  ],
  missing: blank,
};

/**
 * The rules of one record, field by field, in the order of the answer's issues. They are the rules
 * ContactExtensionRecordDto declares with class-validator decorators (which document the record in
 * Swagger), written as field rules (field-rules.ts); record-validator.spec.ts checks that both agree
 * on every generated record. Within a field the checks run in reading order, so the message names the
 * first rule broken (a number is "must be a string", not "must not contain a NUL character").
 */
const FIELD_RULES: readonly FieldRule<RecordProperty>[] = [
  CONTACT_KEY_RULE,
  ADDRESS_RULE,
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
const checkFields = fieldChecker('a contact extension', FIELD_RULES);

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

/**
 * Validates one record on its own (no database): its shape, the types and lengths of the columns in
 * use, and unknown properties. Database rules are the planner's.
 */
export function validateRecord(raw: unknown, columns: ReadonlySet<ExtensionColumn>): RecordValidation<ParsedRecord, RecordErrorCode> {
  const checked = checkFields(raw, columns);
  if (!checked.ok) return checked;
  const v = checked.values as RecordValues;
  const record: ParsedRecord = { contactKey: v.contact_key, address: canonicalAddress(v.address) };
  if (v.channel != null) record.channel = v.channel;
  if (v.name !== undefined) record.name = v.name;
  if (v.permission !== undefined) record.permission = v.permission;
  if (v.new_contact_key != null) record.newContactKey = v.new_contact_key;
  if (v.new_address != null) record.newAddress = canonicalAddress(v.new_address);
  return { ok: true, record };
}
