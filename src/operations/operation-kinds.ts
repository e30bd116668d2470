/** What a logged operation did. Every bulk write of the service is one of these. */
export const OPERATION_KINDS = [
  'contact_extensions.bulk_upsert',
  'contact_extensions.bulk_delete',
  'contact_extensions.delete',
  'contacts.bulk_upsert',
  'contacts.delete',
  'extension_types.rename',
  'extension_types.delete',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];
