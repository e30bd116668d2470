import { validateSync, ValidationError } from 'class-validator';
import { ExtensionColumn } from '../brands/brand.entity';
import { canonicalAddress, MAX_ADDRESS_LENGTH } from './address';
import { Channel } from './channel';
import { ContactExtensionRecordDto } from './dto/contact-extension-record.dto';
import { RecordIssue } from './record-errors';

/** Every property a record may carry. Anything else (`__proto__` and `constructor` included) is UNKNOWN_FIELD. */
const RECORD_PROPERTIES = new Set([
  'contact_key',
  'address',
  'channel',
  'name',
  'permission',
  'new_contact_key',
  'new_address',
]);
/** Properties validated and applied only when their column is named in `columns`. */
const COLUMN_PROPERTIES = ['channel', 'name', 'permission'] as const;

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
  const dto = new ContactExtensionRecordDto();
  for (const key of Object.keys(raw)) {
    if (!RECORD_PROPERTIES.has(key)) {
      issues.push({ code: 'UNKNOWN_FIELD', field: key, message: `${key} is not a property of a contact extension` });
    }
  }
  // Copy only what applies; own properties only, so nothing is read from a prototype.
  dto.contact_key = hasOwn(raw, 'contact_key') ? (raw.contact_key as string) : (undefined as unknown as string);
  dto.address = hasOwn(raw, 'address') ? (raw.address as string) : (undefined as unknown as string);
  for (const property of COLUMN_PROPERTIES) {
    if (columns.has(property) && hasOwn(raw, property)) (dto as unknown as Record<string, unknown>)[property] = raw[property];
  }
  if (hasOwn(raw, 'new_contact_key')) dto.new_contact_key = raw.new_contact_key as string | null;
  if (hasOwn(raw, 'new_address')) dto.new_address = raw.new_address as string | null;

  for (const error of validateSync(dto, { forbidUnknownValues: false, stopAtFirstError: true })) {
    issues.push(toIssue(error));
  }
  if (
    typeof dto.address === 'string' &&
    !issues.some((i) => i.field === 'address') &&
    dto.address.trim().length > MAX_ADDRESS_LENGTH
  ) {
    issues.push({ code: 'INVALID_FIELD', field: 'address', message: `address must be at most ${MAX_ADDRESS_LENGTH} characters` });
  }
  if (issues.length > 0) return { ok: false, issues };

  const record: ParsedRecord = { contactKey: dto.contact_key, address: canonicalAddress(dto.address) };
  if (dto.channel != null) record.channel = dto.channel;
  if (dto.name !== undefined) record.name = dto.name;
  if (dto.permission !== undefined) record.permission = dto.permission;
  if (dto.new_contact_key != null) record.newContactKey = dto.new_contact_key;
  if (dto.new_address != null) record.newAddress = canonicalAddress(dto.new_address);
  return { ok: true, record };
}

function toIssue(error: ValidationError): RecordIssue {
  const field = error.property;
  const message = Object.values(error.constraints ?? {})[0] ?? `${field} is not valid`;
  const value = error.value as unknown;
  const missing =
    (field === 'contact_key' || field === 'address') &&
    (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''));
  return { code: missing ? 'MISSING_FIELD' : 'INVALID_FIELD', field, message };
}
