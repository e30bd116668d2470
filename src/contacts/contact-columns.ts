/** The columns of master_contact that POST /rest/bulk/contacts reads and writes. */
export const CONTACT_COLUMNS = [
  'contact_key',
  'name',
  'surname',
  'email',
  'gsm',
  'email_permission',
  'gsm_permission',
  'contact_status',
] as const;
export type ContactColumn = (typeof CONTACT_COLUMNS)[number];

/** A: active, P: passive. */
export const CONTACT_STATUSES = ['A', 'P'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

export const MAX_CONTACT_KEY_LENGTH = 200;
export const MAX_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 320;
