/** What a logged operation did. Every bulk write of the service, and every migration that rewrites data, is one of these. */
export const OPERATION_KINDS = [
  'contact_extensions.bulk_upsert',
  'contact_extensions.import_job',
  'contact_extensions.bulk_delete',
  'contact_extensions.delete',
  'contacts.bulk_upsert',
  'contacts.delete',
  'extension_types.rename',
  'extension_types.delete',
  'contact_extensions.canonicalize_phones',
  'contacts.canonicalize_phones',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];
