import { Channel, isChannel } from '../addresses/channel';
import { EXTENSION_COLUMNS, ExtensionColumn, REQUIRED_EXTENSION_COLUMNS } from '../addresses/extension-columns';
import { isPermission } from '../auth/permissions';
import { canonicalAddress, isValidAddress } from '../addresses/address';

/** The seed file of contract section 6, checked: every list optional but `key`. */
export interface SeedBrand {
  key: string;
  name?: string;
  extensionColumns?: ExtensionColumn[];
  extensionTypes: { name: string; channel: Channel; columnOrder: number }[];
  contacts: { contact_key: string }[];
  apiUsers: { userKey: string; secret: string; permissions: string[]; active: boolean }[];
  extensions: { contact_key: string; address: string; channel: Channel; name: string | null; permission: boolean }[];
}

export class SeedFileError extends Error {
  override name = 'SeedFileError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function list(where: string, value: unknown): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new SeedFileError(`${where}: must be a list`);
  return value;
}

function str(where: string, value: unknown, max: number, min = 1): string {
  if (typeof value !== 'string' || value.length < min || value.length > max || value.includes('\u0000')) {
    throw new SeedFileError(`${where}: must be a string of ${min} to ${max} characters`);
  }
  return value;
}

function onlyKeys(where: string, o: Obj, allowed: string[]): void {
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new SeedFileError(`${where}: unknown property ${unknown[0]}`);
}

/**
 * Parses and checks a whole seed file before anything is written, so that a file that breaks a
 * rule is refused with a message naming the entry (`brands[0].extensions[3]: ...`). Whether an
 * extension's contact and type exist is checked by SeedService against the file and the database
 * together, since a file may add extensions to contacts loaded before.
 */
export function parseSeedFile(content: unknown): SeedBrand[] {
  if (!isObj(content)) throw new SeedFileError('the seed file must be a JSON object with a "brands" list');
  onlyKeys('seed file', content, ['brands']);
  const brandKeys = new Set<string>();
  const userKeys = new Set<string>();
  return list('brands', content.brands).map((raw, b) => {
    const at = `brands[${b}]`;
    if (!isObj(raw)) throw new SeedFileError(`${at}: must be an object`);
    onlyKeys(at, raw, ['key', 'name', 'extensionColumns', 'extensionTypes', 'contacts', 'apiUsers', 'extensions']);
    const key = str(`${at}.key`, raw.key, 100);
    if (brandKeys.has(key)) throw new SeedFileError(`${at}.key: brand ${key} appears twice`);
    brandKeys.add(key);
    const brand: SeedBrand = { key, extensionTypes: [], contacts: [], apiUsers: [], extensions: [] };
    if (raw.name !== undefined) brand.name = str(`${at}.name`, raw.name, 200, 0);
    if (raw.extensionColumns !== undefined) {
      const columns = list(`${at}.extensionColumns`, raw.extensionColumns);
      for (const [i, c] of columns.entries()) {
        if (!(EXTENSION_COLUMNS as readonly unknown[]).includes(c)) {
          throw new SeedFileError(`${at}.extensionColumns[${i}]: ${JSON.stringify(c)} is not one of ${EXTENSION_COLUMNS.join(', ')}`);
        }
      }
      for (const required of REQUIRED_EXTENSION_COLUMNS) {
        if (!columns.includes(required)) throw new SeedFileError(`${at}.extensionColumns: must contain ${required}`);
      }
      brand.extensionColumns = [...new Set(columns as ExtensionColumn[])];
    }
    const types = new Set<string>();
    brand.extensionTypes = list(`${at}.extensionTypes`, raw.extensionTypes).map((t, i) => {
      const where = `${at}.extensionTypes[${i}]`;
      if (!isObj(t)) throw new SeedFileError(`${where}: must be an object`);
      onlyKeys(where, t, ['name', 'channel', 'columnOrder']);
      const name = str(`${where}.name`, t.name, 100);
      if (!isChannel(t.channel)) throw new SeedFileError(`${where}.channel: must be E, S or W`);
      const columnOrder = t.columnOrder ?? 0;
      if (!Number.isInteger(columnOrder)) throw new SeedFileError(`${where}.columnOrder: must be an integer`);
      if (types.has(`${t.channel}:${name}`)) throw new SeedFileError(`${where}: type ${name} for channel ${t.channel} appears twice`);
      types.add(`${t.channel}:${name}`);
      return { name, channel: t.channel, columnOrder: columnOrder as number };
    });
    brand.contacts = list(`${at}.contacts`, raw.contacts).map((c, i) => {
      const where = `${at}.contacts[${i}]`;
      if (!isObj(c)) throw new SeedFileError(`${where}: must be an object`);
      onlyKeys(where, c, ['contact_key']);
      return { contact_key: str(`${where}.contact_key`, c.contact_key, 200) };
    });
    brand.apiUsers = list(`${at}.apiUsers`, raw.apiUsers).map((u, i) => {
      const where = `${at}.apiUsers[${i}]`;
      if (!isObj(u)) throw new SeedFileError(`${where}: must be an object`);
      onlyKeys(where, u, ['userKey', 'secret', 'permissions', 'active']);
      const userKey = str(`${where}.userKey`, u.userKey, 100);
      if (userKeys.has(userKey)) throw new SeedFileError(`${where}.userKey: ${userKey} appears twice`);
      userKeys.add(userKey);
      const secret = str(`${where}.secret`, u.secret, 1024, 12);
      const permissions = list(`${where}.permissions`, u.permissions);
      for (const [p, permission] of permissions.entries()) {
        if (!isPermission(permission))
          throw new SeedFileError(`${where}.permissions[${p}]: ${JSON.stringify(permission)} is not a permission`);
      }
      if (u.active !== undefined && typeof u.active !== 'boolean') throw new SeedFileError(`${where}.active: must be true or false`);
      return { userKey, secret, permissions: permissions as string[], active: u.active ?? true };
    });
    const extensionKeys = new Set<string>();
    brand.extensions = list(`${at}.extensions`, raw.extensions).map((e, i) => {
      const where = `${at}.extensions[${i}]`;
      if (!isObj(e)) throw new SeedFileError(`${where}: must be an object`);
      onlyKeys(where, e, ['contact_key', 'address', 'channel', 'name', 'permission']);
      const contactKey = str(`${where}.contact_key`, e.contact_key, 200);
      if (!isChannel(e.channel)) throw new SeedFileError(`${where}.channel: must be E, S or W`);
      const address = canonicalAddress(str(`${where}.address`, e.address, 2048));
      if (!isValidAddress(e.channel, address)) throw new SeedFileError(`${where}.address: not a valid address for channel ${e.channel}`);
      const name = e.name === undefined || e.name === null ? null : str(`${where}.name`, e.name, 100);
      if (e.permission !== undefined && typeof e.permission !== 'boolean')
        throw new SeedFileError(`${where}.permission: must be true or false`);
      if (extensionKeys.has(`${contactKey}\u0000${address}`))
        throw new SeedFileError(`${where}: extension ${contactKey} ${address} appears twice`);
      extensionKeys.add(`${contactKey}\u0000${address}`);
      return { contact_key: contactKey, address, channel: e.channel, name, permission: e.permission ?? false };
    });
    return brand;
  });
}
