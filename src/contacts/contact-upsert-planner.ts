/**
 * The pure half of POST /rest/bulk/contacts (house rule 7): validates each record on its own, groups
 * records by contact_key (the last one of a key wins; earlier ones are skipped with a warning, valid
 * or not), and produces the rows of the one set-based upsert. No database: contacts have no rule
 * that needs one (a contact_key either exists and is updated, or is inserted).
 */
import { isBoolean, isEmail, isIn, isString } from 'class-validator';
import { groupAndValidate, RecordValidation, ReportedIssue } from '../common/bulk-records/bulk-records';
import { absent, atMost, blank, Check, fieldChecker, FieldIssueCode, FieldRule, storable } from '../common/bulk-records/field-rules';
import { canonicalAddress, isValidAddress } from '../addresses/address';
import {
  CONTACT_STATUSES,
  ContactColumn,
  ContactStatus,
  MAX_CONTACT_KEY_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
} from './contact-columns';

export type ContactRecordErrorCode = FieldIssueCode;
export type ContactRecordWarningCode = 'DUPLICATE_IN_REQUEST';

/** An error or warning of the answer: the record's contact_key as sent (null when it was not a string). */
export type ContactIssue<C extends string> = ReportedIssue<C, 'contact_key'>;

/** One row of the upsert: the values of the request's columns, canonical; absent columns are not written. */
export interface ContactRow {
  contact_key: string;
  name?: string | null;
  surname?: string | null;
  email?: string | null;
  gsm?: string | null;
  email_permission?: boolean;
  gsm_permission?: boolean;
  contact_status?: ContactStatus;
}

export interface ContactUpsertPlan {
  total: number;
  rows: ContactRow[];
  /** the index in contactDatas of each row */
  rowIndexes: number[];
  skipped: number;
  failed: number;
  errors: ContactIssue<ContactRecordErrorCode>[];
  warnings: ContactIssue<ContactRecordWarningCode>[];
}

const MAX_GSM_LENGTH = 64;

const canonicalEmail = (value: string): string => value.trim().toLowerCase();
function isPhoneNumber(value: string): boolean {
  const gsm = canonicalAddress(value);
  return !gsm.includes('@') && isValidAddress('S', gsm);
}

const text = (field: ContactColumn, max: number, ...more: Check[]): FieldRule<ContactColumn> => ({
  field,
  column: true,
  skip: absent,
  checks: [[isString, `${field} must be a string or null`], atMost(field, max), storable(field), ...more],
});
const flag = (field: ContactColumn): FieldRule<ContactColumn> => ({
  field,
  column: true,
  skip: (v) => v === undefined,
  checks: [[isBoolean, `${field} must be a boolean`]],
});

/** The rules of one record, field by field, in the order of the answer's issues (field-rules.ts). */
const FIELD_RULES: readonly FieldRule<ContactColumn>[] = [
  {
    field: 'contact_key',
    checks: [
      [(v) => !blank(v), 'contact_key is required'],
      [isString, 'contact_key must be a string'],
      atMost('contact_key', MAX_CONTACT_KEY_LENGTH),
      storable('contact_key'),
    ],
    missing: blank,
  },
  text('name', MAX_NAME_LENGTH),
  text('surname', MAX_NAME_LENGTH),
  text('email', MAX_EMAIL_LENGTH, [(v) => isEmail(canonicalEmail(v as string)), 'email is not a valid email address']),
  text('gsm', MAX_GSM_LENGTH, [(v) => isPhoneNumber(v as string), 'gsm is not a valid phone number in international form']),
  flag('email_permission'),
  flag('gsm_permission'),
  {
    field: 'contact_status',
    column: true,
    skip: (v) => v === undefined,
    checks: [[(v) => isIn(v, CONTACT_STATUSES), 'contact_status must be A or P']],
  },
];
const checkFields = fieldChecker('a contact', FIELD_RULES);

/** Validates one record; only the request's columns are read (other known columns are ignored). */
export function validateContactRecord(
  raw: unknown,
  columns: ReadonlySet<ContactColumn>,
): RecordValidation<ContactRow, ContactRecordErrorCode> {
  const checked = checkFields(raw, columns);
  if (!checked.ok) return checked;
  const v = checked.values as { [C in ContactColumn]?: unknown } & { contact_key: string };
  const row: ContactRow = { contact_key: v.contact_key };
  if (v.name !== undefined) row.name = v.name as string | null;
  if (v.surname !== undefined) row.surname = v.surname as string | null;
  if (v.email !== undefined) row.email = v.email === null ? null : canonicalEmail(v.email as string);
  if (v.gsm !== undefined) row.gsm = v.gsm === null ? null : canonicalAddress(v.gsm as string);
  if (v.email_permission !== undefined) row.email_permission = v.email_permission as boolean;
  if (v.gsm_permission !== undefined) row.gsm_permission = v.gsm_permission as boolean;
  if (v.contact_status !== undefined) row.contact_status = v.contact_status as ContactStatus;
  return { ok: true, record: row };
}

export function planContactUpsert(records: readonly unknown[], columns: ReadonlySet<ContactColumn>): ContactUpsertPlan {
  const grouped = groupAndValidate(records, {
    echo: ['contact_key'],
    validate: (raw) => validateContactRecord(raw, columns),
    keyOf: (row) => row.contact_key,
    groupOf: (echo) => echo.contact_key ?? undefined,
  });
  return {
    total: grouped.total,
    rows: grouped.candidates.map((c) => c.record),
    rowIndexes: grouped.candidates.map((c) => c.index),
    skipped: grouped.warnings.length,
    failed: grouped.failed,
    errors: grouped.errors,
    warnings: grouped.warnings,
  };
}
