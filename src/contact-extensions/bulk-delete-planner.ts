/**
 * The pure half of the dashboard's bulk delete of extensions: records are extension keys
 * (contact_key and address, with the bulk upsert's rules), grouped by (contact_key, canonical
 * address) where the last record of a key wins, as in the bulk upsert.
 */
import { Candidate, groupAndValidate } from '../common/bulk-records/bulk-records';
import { fieldChecker } from '../common/bulk-records/field-rules';
import { canonicalAddress } from '../addresses/address';
import { ADDRESS_RULE, CONTACT_KEY_RULE } from './record-validator';
import { EXTENSION_ECHO, ExtensionEcho, extensionGroupOf, ExtensionIssue, extensionKey } from './upsert-planner';

export type DeleteErrorCode = 'MISSING_FIELD' | 'INVALID_FIELD' | 'UNKNOWN_FIELD' | 'EXTENSION_NOT_FOUND';
export type DeleteWarningCode = 'DUPLICATE_IN_REQUEST';

export interface ExtensionKey {
  contactKey: string;
  /** canonical */
  address: string;
}

/** A record to delete; its `key` is the extensionKey of its record. */
export type DeleteKey = Candidate<ExtensionKey, ExtensionEcho>;

export interface BulkDeletePlan {
  total: number;
  keys: DeleteKey[];
  skipped: number;
  failed: number;
  errors: ExtensionIssue<DeleteErrorCode>[];
  warnings: ExtensionIssue<DeleteWarningCode>[];
}

const checkKey = fieldChecker('an extension key', [CONTACT_KEY_RULE, ADDRESS_RULE]);

export function planBulkDelete(records: readonly unknown[]): BulkDeletePlan {
  const grouped = groupAndValidate<ExtensionKey, DeleteErrorCode, ExtensionEcho>(records, {
    echo: EXTENSION_ECHO,
    validate: (raw) => {
      const checked = checkKey(raw);
      if (!checked.ok) return checked;
      const { contact_key, address } = checked.values as { contact_key: string; address: string };
      return { ok: true, record: { contactKey: contact_key, address: canonicalAddress(address) } };
    },
    keyOf: (record) => extensionKey(record.contactKey, record.address),
    groupOf: extensionGroupOf,
  });
  return {
    total: grouped.total,
    keys: grouped.candidates,
    skipped: grouped.warnings.length,
    failed: grouped.failed,
    errors: grouped.errors,
    warnings: grouped.warnings,
  };
}
