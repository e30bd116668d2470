/**
 * Decides what happens to every record of a bulk upsert, without touching the database: the pure
 * half of the engine (house rule 7). Input: the records grouped and validated by the bulk-record
 * kernel, the request options, and what the lookup found; output: per-record outcomes and the
 * set-based writes to run.
 */
import { ExtensionColumn } from '../addresses/extension-columns';
import {
  Candidate,
  Echo,
  groupAndValidate,
  GroupedRecords,
  RecordIssue,
  reportIssue,
  ReportedIssue,
} from '../common/bulk-records/bulk-records';
import { canonicalAddress, isValidAddress } from '../addresses/address';
import { Channel } from '../addresses/channel';
import { RecordErrorCode, RecordWarningCode } from './record-errors';
import { ParsedRecord, validateRecord } from './record-validator';

export interface ExistingExtension {
  id: string;
  contactKey: string;
  address: string;
  channel: Channel;
  name: string | null;
  permission: boolean;
}

export interface PlanOptions {
  columns: ReadonlySet<ExtensionColumn>;
  insertIfNotExists: boolean;
}

/** What the lookup statement returns: the rows and facts the records refer to. */
export interface LookupResult {
  /** by extensionKey(contact_key, address) */
  extensions: ReadonlyMap<string, ExistingExtension>;
  /** contact keys of the brand known to exist: those the extensions found belong to, and those found when asked */
  contacts: ReadonlySet<string>;
  /**
   * whether the database was asked which of LookupKeys.contactKeys exist. When not, the plan takes a
   * contact it does not know as existing, and the foreign key of master_contact_extensions checks it
   * as the rows are written: a missing one fails the write (foreign_key_violation)
   */
  contactsAsked: boolean;
  /** the names of the brand's extension types per channel, among those asked for */
  types: ReadonlyMap<Channel, ReadonlySet<string>>;
}

/** What the lookup must fetch for a set of records. */
export interface LookupKeys {
  /** `key` is extensionKey(contactKey, address), the key of LookupResult.extensions */
  extensionKeys: { contactKey: string; address: string; key: string }[];
  contactKeys: string[];
  typeNames: string[];
}

/** What a record's issues echo as sent: its contact_key and address. */
export type ExtensionEcho = 'contact_key' | 'address';
export const EXTENSION_ECHO: readonly ExtensionEcho[] = ['contact_key', 'address'];

/** An error or warning of the answer (contract section 4). */
export type ExtensionIssue<C extends string> = ReportedIssue<C, ExtensionEcho>;

export interface InsertRow {
  contactKey: string;
  address: string;
  channel: Channel;
  name: string | null;
  permission: boolean;
}

export interface UpdateRow {
  id: string;
  contactKey: string;
  address: string;
  /** false: keep the stored name */
  nameSet: boolean;
  name: string | null;
  /** the new permission, only when it changes (the consent history logs it); null: keep the stored one */
  permission: boolean | null;
  /** the key changes: written in two steps so that swaps and chains pass the unique constraint */
  moves: boolean;
}

export interface UpsertPlan {
  total: number;
  inserts: InsertRow[];
  updates: UpdateRow[];
  unchanged: number;
  skipped: number;
  failed: number;
  errors: ExtensionIssue<RecordErrorCode>[];
  warnings: ExtensionIssue<RecordWarningCode>[];
}

/** The answer's counts: inserted + updated + unchanged + skipped + failed = total. */
export function outcomeCounts(plan: UpsertPlan): Record<'total' | 'inserted' | 'updated' | 'unchanged' | 'skipped' | 'failed', number> {
  return {
    total: plan.total,
    inserted: plan.inserts.length,
    updated: plan.updates.length,
    unchanged: plan.unchanged,
    skipped: plan.skipped,
    failed: plan.failed,
  };
}

export const extensionKey = (contactKey: string, address: string): string => `${contactKey}\u0000${address}`;

/** The group of a record that failed its own rules: its contact_key and canonical address, as sent. */
export function extensionGroupOf(echo: Echo<ExtensionEcho>): string | undefined {
  return echo.contact_key !== null && echo.address !== null ? extensionKey(echo.contact_key, canonicalAddress(echo.address)) : undefined;
}

/**
 * The records after grouping and their own rules. A candidate's key is its extensionKey, computed
 * once: building and hashing these strings is a visible share of the planner's time on
 * 1000-record batches.
 */
export type PreparedRecords = GroupedRecords<ParsedRecord, RecordErrorCode, ExtensionEcho>;
type PreparedRecord = Candidate<ParsedRecord, ExtensionEcho>;

/**
 * Step 1 (no database): group records by (contact_key, canonical address), the last of a group wins
 * and the earlier ones are skipped with a warning, valid or not; then validate each processed record.
 */
export function prepareRecords(rawRecords: readonly unknown[], options: PlanOptions): PreparedRecords {
  return groupAndValidate(rawRecords, {
    echo: EXTENSION_ECHO,
    validate: (raw) => validateRecord(raw, options.columns),
    keyOf,
    groupOf: extensionGroupOf,
  });
}

/** Step 2: the keys the lookup statement must fetch for the processed records. */
export function lookupKeysOf(prepared: PreparedRecords): LookupKeys {
  const extensionKeys = new Map<string, { contactKey: string; address: string; key: string }>();
  const contactKeys = new Set<string>();
  const typeNames = new Set<string>();
  for (const { record, key } of prepared.candidates) {
    extensionKeys.set(key, { contactKey: record.contactKey, address: record.address, key });
    if (renames(record)) {
      const target = targetOf(record);
      const targetKey = keyOf(target);
      extensionKeys.set(targetKey, { ...target, key: targetKey });
    }
    contactKeys.add(record.contactKey);
    if (record.newContactKey !== undefined) contactKeys.add(record.newContactKey);
    if (typeof record.name === 'string') typeNames.add(record.name);
  }
  return { extensionKeys: [...extensionKeys.values()], contactKeys: [...contactKeys], typeNames: [...typeNames] };
}

function renames(record: ParsedRecord): boolean {
  return record.newContactKey !== undefined || record.newAddress !== undefined;
}

const keyOf = (at: { contactKey: string; address: string }): string => extensionKey(at.contactKey, at.address);

function targetOf(record: ParsedRecord): { contactKey: string; address: string } {
  return { contactKey: record.newContactKey ?? record.contactKey, address: record.newAddress ?? record.address };
}

/** A candidate and what the database rules found about it. */
interface Judged {
  candidate: PreparedRecord;
  existing?: ExistingExtension;
  /** its database rules broken (its own rules passed) */
  issues: RecordIssue<RecordErrorCode>[];
  /** where the extension ends, when the record succeeds */
  target: string;
  moves: boolean;
}

/**
 * Step 3: apply the database rules with what the lookup found, judge uniqueness on the state after
 * the request (so chains and swaps of renames pass), and produce the writes.
 */
export function planUpsert(prepared: PreparedRecords, lookup: LookupResult, options: PlanOptions): UpsertPlan {
  const judged = judgeRecords(prepared.candidates, lookup, options);
  const failing = judged.filter((j) => j.issues.length > 0);
  const errors: ExtensionIssue<RecordErrorCode>[] = [...prepared.errors];
  for (const { candidate, issues } of failing) {
    for (const issue of issues) errors.push(reportIssue(candidate.index, candidate.echo, issue));
  }
  errors.sort((a, b) => a.index - b.index);
  return {
    total: prepared.total,
    ...writesOf(judged.filter((j) => j.issues.length === 0)),
    skipped: prepared.warnings.length,
    failed: prepared.failed + failing.length,
    errors,
    warnings: prepared.warnings,
  };
}

/** The database rules of each candidate, then the uniqueness of where each one ends. */
function judgeRecords(candidates: readonly PreparedRecord[], lookup: LookupResult, options: PlanOptions): Judged[] {
  const judged = candidates.map((candidate): Judged => {
    const { record, key: sourceKey } = candidate;
    const existing = lookup.extensions.get(sourceKey);
    const target = renames(record) ? keyOf(targetOf(record)) : sourceKey;
    const issues = databaseIssues(record, existing, lookup, options);
    return { candidate, existing, issues, target, moves: existing !== undefined && target !== sourceKey };
  });
  failCollisions(judged, lookup);
  return judged;
}

/** The rules of contract section 4 that need what the lookup found, in the order of the answer's issues. */
function databaseIssues(
  record: ParsedRecord,
  existing: ExistingExtension | undefined,
  lookup: LookupResult,
  options: PlanOptions,
): RecordIssue<RecordErrorCode>[] {
  const channelInColumns = options.columns.has('channel');
  const issues: RecordIssue<RecordErrorCode>[] = [];
  const channel = record.channel ?? existing?.channel;
  if (!existing) {
    if (!options.insertIfNotExists) {
      issues.push({ code: 'EXTENSION_NOT_FOUND', message: 'no extension with this contact_key and address exists' });
    } else {
      if (!channelInColumns || record.channel === undefined) {
        issues.push({ code: 'MISSING_FIELD', field: 'channel', message: 'channel is required to insert an extension' });
      }
      if (!contactExists(lookup, record.contactKey)) {
        issues.push({ code: 'CONTACT_NOT_FOUND', field: 'contact_key', message: 'contact_key is not a contact of the brand' });
      }
      if (record.channel !== undefined && !isValidAddress(record.channel, record.address)) {
        issues.push({ code: 'INVALID_ADDRESS', field: 'address', message: invalidAddressMessage(record.channel, 'address') });
      }
    }
  } else if (record.channel !== undefined && record.channel !== existing.channel) {
    issues.push({
      code: 'CHANNEL_IMMUTABLE',
      field: 'channel',
      message: `the channel of an extension cannot change (it is ${existing.channel})`,
    });
  }
  if (typeof record.name === 'string' && channel !== undefined && !lookup.types.get(channel)?.has(record.name)) {
    issues.push({
      code: 'UNKNOWN_EXTENSION_TYPE',
      field: 'name',
      message: `name is not an extension type of the brand for channel ${channel}`,
    });
  }
  if (record.newAddress !== undefined) {
    if (!channelInColumns || record.channel === undefined) {
      issues.push({ code: 'MISSING_FIELD', field: 'channel', message: 'channel is required with new_address' });
    } else if (!isValidAddress(record.channel, record.newAddress)) {
      issues.push({ code: 'INVALID_ADDRESS', field: 'new_address', message: invalidAddressMessage(record.channel, 'new_address') });
    }
  }
  if (record.newContactKey !== undefined && !contactExists(lookup, record.newContactKey)) {
    issues.push({ code: 'CONTACT_NOT_FOUND', field: 'new_contact_key', message: 'new_contact_key is not a contact of the brand' });
  }
  return issues;
}

const contactExists = (lookup: LookupResult, contactKey: string): boolean => lookup.contacts.has(contactKey) || !lookup.contactsAsked;

/** The writes of the records that passed every rule: an insert, an update, or nothing to change. */
function writesOf(passed: readonly Judged[]): Pick<UpsertPlan, 'inserts' | 'updates' | 'unchanged'> {
  const writes: Pick<UpsertPlan, 'inserts' | 'updates' | 'unchanged'> = { inserts: [], updates: [], unchanged: 0 };
  for (const { candidate, existing, moves } of passed) {
    const { record } = candidate;
    if (!existing) {
      writes.inserts.push({
        contactKey: record.contactKey,
        address: record.address,
        channel: record.channel as Channel,
        name: record.name ?? null,
        permission: record.permission ?? false,
      });
      continue;
    }
    const nameChanges = record.name !== undefined && record.name !== existing.name;
    const permissionChanges = record.permission !== undefined && record.permission !== existing.permission;
    if (!moves && !nameChanges && !permissionChanges) {
      writes.unchanged++;
      continue;
    }
    const target = targetOf(record);
    writes.updates.push({
      id: existing.id,
      contactKey: target.contactKey,
      address: target.address,
      nameSet: nameChanges,
      name: nameChanges ? (record.name ?? null) : null,
      permission: permissionChanges ? (record.permission as boolean) : null,
      moves,
    });
  }
  return writes;
}

/**
 * DUPLICATE_EXTENSION, judged on the state after the request. Rows that no succeeding record moves
 * stay where they are; every moving record lands on its target. Records that land on a taken key all
 * fail and keep their old key, which can take the key another rename wanted: repeat until stable.
 */
function failCollisions(judged: Judged[], lookup: LookupResult): void {
  let movers = judged.filter((j) => j.moves && j.issues.length === 0);
  // nothing moves: every key is either an existing row's own or an insert's, and inserts only
  // happen where the lookup found nothing (and in-request duplicates were grouped before)
  if (movers.length === 0) return;
  for (;;) {
    const movedAway = new Set(movers.map((j) => j.existing!.id));
    const occupancy = new Map<string, number>();
    for (const [key, row] of lookup.extensions) {
      if (!movedAway.has(row.id)) occupancy.set(key, (occupancy.get(key) ?? 0) + 1);
    }
    for (const j of judged) {
      // inserts land on their own key; failed records stay where they were (counted above as rows)
      if (j.issues.length === 0 && !j.existing) occupancy.set(j.target, (occupancy.get(j.target) ?? 0) + 1);
    }
    for (const j of movers) occupancy.set(j.target, (occupancy.get(j.target) ?? 0) + 1);
    const colliding = movers.filter((j) => (occupancy.get(j.target) ?? 0) > 1);
    if (colliding.length === 0) return;
    for (const j of colliding) {
      j.issues.push({
        code: 'DUPLICATE_EXTENSION',
        message: 'another extension would have the same contact_key and address after this request',
      });
    }
    movers = movers.filter((j) => j.issues.length === 0);
  }
}

function invalidAddressMessage(channel: Channel, field: string): string {
  return channel === 'E' ? `${field} is not a valid email address` : `${field} is not a valid phone number in international form`;
}
