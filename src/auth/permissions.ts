/** The permission strings of contract section 2, as stored on an API user. */
export const PERMISSIONS = [
  'ContactExtensions.Manage',
  'ContactExtensions.Read',
  'Contacts.Manage',
  'Contacts.Read',
  'Brand.Manage',
  'Brand.Read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}
