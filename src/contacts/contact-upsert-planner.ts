/**
 * The pure half of POST /rest/bulk/contacts (house rule 7): validates each record on its own, groups
 * records by contact_key (the last one of a key wins; earlier ones are skipped with a warning, valid
 * or not), and produces the rows of the one set-based upsert. No database: contacts have no rule
 * that needs one (a contact_key either exists and is updated, or is inserted).
 */
import { isEmail } from 'class-validator';
import { isStorableText, isTextLength, storableTextMessage, textLengthMessage } from '../common/validation/storable-text';
import { canonicalAddress, isValidAddress } from '../contact-extensions/address';
import {
  CONTACT_COLUMNS,
  CONTACT_STATUSES,
  ContactColumn,
  ContactStatus,
  MAX_CONTACT_KEY_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
} from './contact-columns';

export type ContactRecordErrorCode = 'MISSING_FIELD' | 'INVALID_FIELD' | 'UNKNOWN_FIELD';
export type ContactRecordWarningCode = 'DUPLICATE_IN_REQUEST';

export interface ContactIssue<C extends string> {
  index: number;
  /** as sent; null when it was not a string */
  contact_key: string | null;
  code: C;
  field?: string;
  message: string;
}

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

type Issue = { code: ContactRecordErrorCode; field?: string; message: string };
const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const KNOWN = new Set<string>(CONTACT_COLUMNS);

function text(field: string, value: unknown, max: number, issues: Issue[]): string | null | undefined {
  if (value === null) return null;
  if (typeof value !== 'string') {
    issues.push({ code: 'INVALID_FIELD', field, message: `${field} must be a string or null` });
    return undefined;
  }
  if (!isTextLength(value, 0, max)) issues.push({ code: 'INVALID_FIELD', field, message: textLengthMessage(field, 0, max) });
  else if (!isStorableText(value)) issues.push({ code: 'INVALID_FIELD', field, message: storableTextMessage(field) });
  else return value;
  return undefined;
}

function flag(field: string, value: unknown, issues: Issue[]): boolean | undefined {
  if (typeof value === 'boolean') return value;
  issues.push({ code: 'INVALID_FIELD', field, message: `${field} must be a boolean` });
  return undefined;
}

/** Validates one record; only the request's columns are read (other known columns are ignored). */
export function validateContactRecord(
  raw: unknown,
  columns: ReadonlySet<ContactColumn>,
): { ok: true; row: ContactRow } | { ok: false; issues: Issue[] } {
  if (!isRecord(raw)) return { ok: false, issues: [{ code: 'INVALID_FIELD', message: 'the record must be a JSON object' }] };
  const issues: Issue[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN.has(key)) issues.push({ code: 'UNKNOWN_FIELD', field: key, message: `${key} is not a property of a contact` });
  }
  const key = hasOwn(raw, 'contact_key') ? raw.contact_key : undefined;
  if (key === undefined || key === null || (typeof key === 'string' && key.trim() === '')) {
    issues.push({ code: 'MISSING_FIELD', field: 'contact_key', message: 'contact_key is required' });
  } else if (typeof key !== 'string') {
    issues.push({ code: 'INVALID_FIELD', field: 'contact_key', message: 'contact_key must be a string' });
  } else if (!isTextLength(key, 0, MAX_CONTACT_KEY_LENGTH)) {
    issues.push({ code: 'INVALID_FIELD', field: 'contact_key', message: textLengthMessage('contact_key', 0, MAX_CONTACT_KEY_LENGTH) });
  } else if (!isStorableText(key)) {
    issues.push({ code: 'INVALID_FIELD', field: 'contact_key', message: storableTextMessage('contact_key') });
  }
  const row: ContactRow = { contact_key: key as string };
  const given = (column: ContactColumn): boolean => columns.has(column) && hasOwn(raw, column);

  for (const field of ['name', 'surname'] as const) {
    if (given(field)) {
      const value = text(field, raw[field], MAX_NAME_LENGTH, issues);
      if (value !== undefined) row[field] = value;
    }
  }
  if (given('email')) {
    const value = text('email', raw.email, MAX_EMAIL_LENGTH, issues);
    if (value === null) row.email = null;
    else if (value !== undefined) {
      const email = value.trim().toLowerCase();
      if (isEmail(email)) row.email = email;
      else issues.push({ code: 'INVALID_FIELD', field: 'email', message: 'email is not a valid email address' });
    }
  }
  if (given('gsm')) {
    const value = text('gsm', raw.gsm, 64, issues);
    if (value === null) row.gsm = null;
    else if (value !== undefined) {
      const gsm = canonicalAddress(value);
      if (!gsm.includes('@') && isValidAddress('S', gsm)) row.gsm = gsm;
      else issues.push({ code: 'INVALID_FIELD', field: 'gsm', message: 'gsm is not a valid phone number in international form' });
    }
  }
  for (const field of ['email_permission', 'gsm_permission'] as const) {
    if (given(field)) {
      const value = flag(field, raw[field], issues);
      if (value !== undefined) row[field] = value;
    }
  }
  if (given('contact_status')) {
    const value = raw.contact_status;
    if ((CONTACT_STATUSES as readonly unknown[]).includes(value)) row.contact_status = value as ContactStatus;
    else issues.push({ code: 'INVALID_FIELD', field: 'contact_status', message: 'contact_status must be A or P' });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, row };
}

function echoKey(raw: unknown): string | null {
  return isRecord(raw) && hasOwn(raw, 'contact_key') && typeof raw.contact_key === 'string' ? raw.contact_key : null;
}

export function planContactUpsert(records: readonly unknown[], columns: ReadonlySet<ContactColumn>): ContactUpsertPlan {
  const lastOfKey = new Map<string, number>();
  records.forEach((raw, index) => {
    const key = echoKey(raw);
    if (key !== null) lastOfKey.set(key, index);
  });
  const plan: ContactUpsertPlan = { total: records.length, rows: [], rowIndexes: [], skipped: 0, failed: 0, errors: [], warnings: [] };
  records.forEach((raw, index) => {
    const key = echoKey(raw);
    if (key !== null && lastOfKey.get(key) !== index) {
      plan.skipped++;
      plan.warnings.push({
        index,
        contact_key: key,
        code: 'DUPLICATE_IN_REQUEST',
        message: `a later record (index ${lastOfKey.get(key)}) has the same contact_key; this one is skipped`,
      });
      return;
    }
    const validation = validateContactRecord(raw, columns);
    if (validation.ok) {
      plan.rows.push(validation.row);
      plan.rowIndexes.push(index);
      return;
    }
    plan.failed++;
    for (const issue of validation.issues) {
      const reported: ContactIssue<ContactRecordErrorCode> = { index, contact_key: key, code: issue.code, message: issue.message };
      if (issue.field !== undefined) reported.field = issue.field;
      plan.errors.push(reported);
    }
  });
  return plan;
}
