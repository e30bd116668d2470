/** The per-record error and warning codes of contract section 4. */
export const RECORD_ERROR_CODES = [
  'MISSING_FIELD',
  'INVALID_FIELD',
  'UNKNOWN_FIELD',
  'EXTENSION_NOT_FOUND',
  'CONTACT_NOT_FOUND',
  'INVALID_ADDRESS',
  'CHANNEL_IMMUTABLE',
  'UNKNOWN_EXTENSION_TYPE',
  'DUPLICATE_EXTENSION',
] as const;
export type RecordErrorCode = (typeof RECORD_ERROR_CODES)[number];

export const RECORD_WARNING_CODES = ['DUPLICATE_IN_REQUEST'] as const;
export type RecordWarningCode = (typeof RECORD_WARNING_CODES)[number];
