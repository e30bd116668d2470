/**
 * The pure half of the dashboard's bulk delete of extensions: each record's own rules, and grouping
 * by (contact_key, canonical address) where the last record of a key wins, as in the bulk upsert.
 */
import { isStorableText, isTextLength, storableTextMessage } from '../common/validation/storable-text';
import { canonicalAddress, MAX_ADDRESS_LENGTH } from './address';
import { extensionKey, ReportedIssue } from './upsert-planner';

export type DeleteErrorCode = 'MISSING_FIELD' | 'INVALID_FIELD' | 'UNKNOWN_FIELD' | 'EXTENSION_NOT_FOUND';
export type DeleteWarningCode = 'DUPLICATE_IN_REQUEST';

export interface DeleteKey {
  index: number;
  contactKey: string;
  /** canonical */
  address: string;
}

export interface BulkDeletePlan {
  total: number;
  keys: DeleteKey[];
  skipped: number;
  failed: number;
  errors: ReportedIssue<DeleteErrorCode>[];
  warnings: ReportedIssue<DeleteWarningCode>[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

function echo(raw: unknown, key: 'contact_key' | 'address'): string | null {
  return isRecord(raw) && hasOwn(raw, key) && typeof raw[key] === 'string' ? (raw[key] as string) : null;
}

export function reportIssue<C extends string>(index: number, raw: unknown, code: C, message: string, field?: string): ReportedIssue<C> {
  const out: ReportedIssue<C> = { index, contact_key: echo(raw, 'contact_key'), address: echo(raw, 'address'), code, message };
  if (field !== undefined) out.field = field;
  return out;
}

function validate(raw: unknown): {
  key?: { contactKey: string; address: string };
  issues: { code: DeleteErrorCode; field?: string; message: string }[];
} {
  if (!isRecord(raw)) return { issues: [{ code: 'INVALID_FIELD', message: 'the record must be a JSON object' }] };
  const issues: { code: DeleteErrorCode; field?: string; message: string }[] = [];
  for (const key of Object.keys(raw)) {
    if (key !== 'contact_key' && key !== 'address')
      issues.push({ code: 'UNKNOWN_FIELD', field: key, message: `${key} is not a property of an extension key` });
  }
  const contactKey = hasOwn(raw, 'contact_key') ? raw.contact_key : undefined;
  if (contactKey === undefined || contactKey === null || contactKey === '') {
    issues.push({ code: 'MISSING_FIELD', field: 'contact_key', message: 'contact_key is required' });
  } else if (typeof contactKey !== 'string' || !isTextLength(contactKey, 0, 200)) {
    issues.push({ code: 'INVALID_FIELD', field: 'contact_key', message: 'contact_key must be a string of 1 to 200 characters' });
  } else if (!isStorableText(contactKey)) {
    issues.push({ code: 'INVALID_FIELD', field: 'contact_key', message: storableTextMessage('contact_key') });
  }
  const address = hasOwn(raw, 'address') ? raw.address : undefined;
  if (address === undefined || address === null || (typeof address === 'string' && address.trim() === '')) {
    issues.push({ code: 'MISSING_FIELD', field: 'address', message: 'address is required' });
  } else if (typeof address !== 'string' || !isTextLength(address.trim(), 0, MAX_ADDRESS_LENGTH)) {
    issues.push({ code: 'INVALID_FIELD', field: 'address', message: `address must be a string of 1 to ${MAX_ADDRESS_LENGTH} characters` });
  } else if (!isStorableText(address)) {
    issues.push({ code: 'INVALID_FIELD', field: 'address', message: storableTextMessage('address') });
  }
  if (issues.length > 0) return { issues };
  return { key: { contactKey: contactKey as string, address: canonicalAddress(address as string) }, issues };
}

export function planBulkDelete(records: readonly unknown[]): BulkDeletePlan {
  const validations = records.map(validate);
  const groupOf = records.map((raw, i) => {
    const key = validations[i].key;
    if (key) return extensionKey(key.contactKey, key.address);
    const contactKey = echo(raw, 'contact_key');
    const address = echo(raw, 'address');
    return contactKey !== null && address !== null ? extensionKey(contactKey, canonicalAddress(address)) : undefined;
  });
  const lastOfGroup = new Map<string, number>();
  groupOf.forEach((group, index) => group !== undefined && lastOfGroup.set(group, index));

  const plan: BulkDeletePlan = { total: records.length, keys: [], skipped: 0, failed: 0, errors: [], warnings: [] };
  records.forEach((raw, index) => {
    const group = groupOf[index];
    if (group !== undefined && lastOfGroup.get(group) !== index) {
      plan.skipped++;
      plan.warnings.push(
        reportIssue(
          index,
          raw,
          'DUPLICATE_IN_REQUEST',
          `a later record (index ${lastOfGroup.get(group)}) has the same contact_key and address; this one is skipped`,
        ),
      );
      return;
    }
    const { key, issues } = validations[index];
    if (key) {
      plan.keys.push({ index, ...key });
      return;
    }
    plan.failed++;
    for (const issue of issues) plan.errors.push(reportIssue(index, raw, issue.code, issue.message, issue.field));
  });
  return plan;
}
