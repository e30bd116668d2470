/**
 * The columns of master_contact_extensions a bulk request may name, and so a brand may enable:
 * the one list that the DTOs, the brand settings, the seed file, the planner and the tests share.
 */
export const EXTENSION_COLUMNS = ['contact_key', 'address', 'channel', 'name', 'permission'] as const;
export type ExtensionColumn = (typeof EXTENSION_COLUMNS)[number];
/** Columns a brand cannot switch off. */
export const REQUIRED_EXTENSION_COLUMNS: readonly ExtensionColumn[] = ['contact_key', 'address'];
