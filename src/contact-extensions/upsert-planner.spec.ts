import { EXTENSION_COLUMNS, ExtensionColumn } from '../addresses/extension-columns';
import { Channel } from '../addresses/channel';
import {
  ExistingExtension,
  extensionKey,
  LookupResult,
  lookupKeysOf,
  PlanOptions,
  planUpsert,
  prepareRecords,
  UpsertPlan,
} from './upsert-planner';

/*
 * The pure half of the bulk upsert: the lookup result is built by hand here, as the repository's
 * one lookup statement would return it.
 */

const ALL_COLUMNS: ReadonlySet<ExtensionColumn> = new Set(EXTENSION_COLUMNS);

interface World {
  extensions?: ExistingExtension[];
  /** the contacts that exist; left out: c1, c2 and c3 */
  contacts?: string[];
  /** false: the lookup did not ask which contacts exist (UpsertInput.askContacts) */
  contactsAsked?: boolean;
  types?: [Channel, string][];
}

let nextId = 1;
function ext(contactKey: string, address: string, over: Partial<ExistingExtension> = {}): ExistingExtension {
  return {
    id: String(nextId++),
    contactKey,
    address,
    channel: address.includes('@') ? 'E' : 'S',
    name: null,
    permission: false,
    ...over,
  };
}

function typesByChannel(types: [Channel, string][]): Map<Channel, Set<string>> {
  const byChannel = new Map<Channel, Set<string>>();
  for (const [channel, name] of types) byChannel.set(channel, new Set([...(byChannel.get(channel) ?? []), name]));
  return byChannel;
}

function lookupOf(world: World): LookupResult {
  return {
    extensions: new Map((world.extensions ?? []).map((e) => [extensionKey(e.contactKey, e.address), e])),
    contacts: new Set(world.contacts ?? ['c1', 'c2', 'c3']),
    contactsAsked: world.contactsAsked ?? true,
    types: typesByChannel(
      world.types ?? [
        ['E', 'Work Email'],
        ['E', 'Personal Email'],
        ['S', 'Mobile'],
      ],
    ),
  };
}

function run(
  records: unknown[],
  world: World = {},
  options: { columns?: ReadonlySet<ExtensionColumn>; insertIfNotExists?: boolean } = {},
): UpsertPlan {
  const planOptions: PlanOptions = { columns: options.columns ?? ALL_COLUMNS, insertIfNotExists: options.insertIfNotExists ?? false };
  const prepared = prepareRecords(records, planOptions);
  return planUpsert(prepared, lookupOf(world), planOptions);
}

/** The codes (and fields) reported for each index. */
function errorsByIndex(plan: UpsertPlan): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const e of plan.errors) (out[e.index] ??= []).push(e.field ? `${e.code}:${e.field}` : e.code);
  return out;
}

function expectCountsAddUp(plan: UpsertPlan): void {
  expect(plan.inserts.length + plan.updates.length + plan.unchanged + plan.skipped + plan.failed).toBe(plan.total);
}

/** A rename of an email extension of c1 from `from` to `to`. */
const rename = (from: string, to: string, extra: Record<string, unknown> = {}) => ({
  contact_key: 'c1',
  address: from,
  channel: 'E',
  new_address: to,
  ...extra,
});

describe('prepareRecords: grouping by (contact_key, canonical address)', () => {
  const options: PlanOptions = { columns: ALL_COLUMNS, insertIfNotExists: true };

  it('processes the last record of a group and warns DUPLICATE_IN_REQUEST for each earlier one', () => {
    const records = [
      { contact_key: 'c1', address: 'A@B.com', channel: 'E' },
      { contact_key: 'c1', address: 'x@y.com', channel: 'E' },
      { contact_key: 'c1', address: '  a@b.COM ', channel: 'E', permission: true },
      { contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email' },
    ];
    const prepared = prepareRecords(records, options);
    expect(prepared.candidates.map((c) => c.index)).toEqual([1, 3]);
    expect(prepared.warnings).toEqual([
      expect.objectContaining({ index: 0, code: 'DUPLICATE_IN_REQUEST', contact_key: 'c1', address: 'A@B.com' }),
      expect.objectContaining({ index: 2, code: 'DUPLICATE_IN_REQUEST', contact_key: 'c1', address: '  a@b.COM ' }),
    ]);
    expect(prepared.errors).toEqual([]);
  });

  it('groups phone numbers by their canonical digits', () => {
    const prepared = prepareRecords(
      [
        { contact_key: 'c1', address: '+90 535 123 45 67', channel: 'S' },
        { contact_key: 'c1', address: '0090 5351234567', channel: 'S' },
        { contact_key: 'c1', address: '905351234567', channel: 'S' },
      ],
      options,
    );
    expect(prepared.candidates.map((c) => c.index)).toEqual([2]);
    expect(prepared.warnings.map((w) => w.index)).toEqual([0, 1]);
  });

  it('does not group the same address of different contacts', () => {
    const prepared = prepareRecords(
      [
        { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
        { contact_key: 'c2', address: 'a@b.com', channel: 'E' },
      ],
      options,
    );
    expect(prepared.candidates.map((c) => c.index)).toEqual([0, 1]);
    expect(prepared.warnings).toEqual([]);
  });

  it('skips an earlier invalid record of a group with a warning and no error', () => {
    const records = [
      { contact_key: 'c1', address: 'a@b.com', channel: 'nope', extra: true },
      { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
    ];
    const plan = run(records, {}, { insertIfNotExists: true });
    expect(plan.warnings).toEqual([expect.objectContaining({ index: 0, code: 'DUPLICATE_IN_REQUEST' })]);
    expect(plan.errors).toEqual([]);
    expect(plan).toMatchObject({ total: 2, skipped: 1, failed: 0 });
    expect(plan.inserts).toHaveLength(1);
  });

  it('skips an earlier valid record when the last of its group is invalid, and the last one fails', () => {
    const records = [
      { contact_key: 'c1', address: 'a@b.com', channel: 'E' },
      { contact_key: 'c1', address: 'A@B.COM', channel: 'E', permission: 'yes' },
    ];
    const plan = run(records, {}, { insertIfNotExists: true });
    expect(plan.warnings.map((w) => [w.index, w.code])).toEqual([[0, 'DUPLICATE_IN_REQUEST']]);
    expect(errorsByIndex(plan)).toEqual({ 1: ['INVALID_FIELD:permission'] });
    expect(plan).toMatchObject({ skipped: 1, failed: 1, unchanged: 0 });
    expect(plan.inserts).toEqual([]);
    expectCountsAddUp(plan);
  });

  it('judges a record whose key cannot be read on its own, never as a duplicate', () => {
    const records = [{ address: 'a@b.com' }, { address: 'a@b.com' }, 'not an object', 'not an object'];
    const plan = run(records);
    expect(plan.warnings).toEqual([]);
    expect(errorsByIndex(plan)).toEqual({
      0: ['MISSING_FIELD:contact_key'],
      1: ['MISSING_FIELD:contact_key'],
      2: ['INVALID_FIELD'],
      3: ['INVALID_FIELD'],
    });
    expect(plan.failed).toBe(4);
    expectCountsAddUp(plan);
  });

  it('echoes contact_key and address as sent, and null when they were not strings', () => {
    const plan = run([{ contact_key: 5, address: ' A@B.com ' }, 'x', { contact_key: 'c1', address: ' A@B.com ' }]);
    expect(plan.errors).toEqual([
      expect.objectContaining({ index: 0, contact_key: null, address: ' A@B.com ', code: 'INVALID_FIELD', field: 'contact_key' }),
      expect.objectContaining({ index: 1, contact_key: null, address: null, code: 'INVALID_FIELD' }),
      expect.objectContaining({ index: 2, contact_key: 'c1', address: ' A@B.com ', code: 'EXTENSION_NOT_FOUND' }),
    ]);
    expect(plan.errors[2]).not.toHaveProperty('field');
  });
});

describe('lookupKeysOf', () => {
  it('asks for the source and target keys, the contacts (new_contact_key too) and the type names', () => {
    const prepared = prepareRecords(
      [
        { contact_key: 'c1', address: 'A@B.com', channel: 'E', name: 'Work Email', new_address: 'x@y.com' },
        { contact_key: 'c2', address: '+90 535 123 45 67', new_contact_key: 'c3', name: null },
        { contact_key: 'bad', address: 'bad@b.com', extra: 1 },
      ],
      { columns: ALL_COLUMNS, insertIfNotExists: false },
    );
    const keys = lookupKeysOf(prepared);
    expect(keys.extensionKeys).toEqual(
      expect.arrayContaining([
        { contactKey: 'c1', address: 'a@b.com', key: extensionKey('c1', 'a@b.com') },
        { contactKey: 'c1', address: 'x@y.com', key: extensionKey('c1', 'x@y.com') },
        { contactKey: 'c2', address: '905351234567', key: extensionKey('c2', '905351234567') },
        { contactKey: 'c3', address: '905351234567', key: extensionKey('c3', '905351234567') },
      ]),
    );
    expect(keys.extensionKeys).toHaveLength(4);
    expect(keys.contactKeys.sort()).toEqual(['c1', 'c2', 'c3']);
    expect(keys.typeNames).toEqual(['Work Email']);
  });
});

describe('planUpsert: record rules that need the database', () => {
  it('an extension that does not exist without insertIfNotExists is EXTENSION_NOT_FOUND', () => {
    const plan = run([{ contact_key: 'c1', address: 'a@b.com', permission: true }]);
    expect(errorsByIndex(plan)).toEqual({ 0: ['EXTENSION_NOT_FOUND'] });
    expect(plan.failed).toBe(1);
  });

  it('inserting without channel in columns or on the record is MISSING_FIELD (channel)', () => {
    const keyColumns = new Set<ExtensionColumn>(['contact_key', 'address']);
    const withoutColumn = run(
      [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }],
      {},
      { columns: keyColumns, insertIfNotExists: true },
    );
    expect(errorsByIndex(withoutColumn)).toEqual({ 0: ['MISSING_FIELD:channel'] });
    const withoutValue = run([{ contact_key: 'c1', address: 'a@b.com' }], {}, { insertIfNotExists: true });
    expect(errorsByIndex(withoutValue)).toEqual({ 0: ['MISSING_FIELD:channel'] });
  });

  it('inserting for a contact_key that is not a contact of the brand is CONTACT_NOT_FOUND (contact_key)', () => {
    const plan = run([{ contact_key: 'ghost', address: 'a@b.com', channel: 'E' }], {}, { insertIfNotExists: true });
    expect(errorsByIndex(plan)).toEqual({ 0: ['CONTACT_NOT_FOUND:contact_key'] });
  });

  it.each([
    ['E', 'not-an-email'],
    ['E', '905351234567'],
    ['S', 'a@b.com'],
    ['S', '05351234567'],
    ['W', '12'],
  ])('inserting channel %s with address %j is INVALID_ADDRESS (address)', (channel, address) => {
    const plan = run([{ contact_key: 'c1', address, channel }], {}, { insertIfNotExists: true });
    expect(errorsByIndex(plan)).toEqual({ 0: ['INVALID_ADDRESS:address'] });
  });

  it('updating with a channel different from the stored one is CHANNEL_IMMUTABLE (channel)', () => {
    const plan = run([{ contact_key: 'c1', address: '905351234567', channel: 'W' }], { extensions: [ext('c1', '905351234567')] });
    expect(errorsByIndex(plan)).toEqual({ 0: ['CHANNEL_IMMUTABLE:channel'] });
  });

  it('updating with the stored channel is allowed', () => {
    const plan = run([{ contact_key: 'c1', address: '905351234567', channel: 'S', permission: true }], {
      extensions: [ext('c1', '905351234567')],
    });
    expect(plan.errors).toEqual([]);
    expect(plan.updates).toHaveLength(1);
  });

  it('a name that is not an extension type of the brand for the channel is UNKNOWN_EXTENSION_TYPE (name)', () => {
    // 'Mobile' exists, but for channel S; the stored extension is an email
    const update = run([{ contact_key: 'c1', address: 'a@b.com', name: 'Mobile' }], { extensions: [ext('c1', 'a@b.com')] });
    expect(errorsByIndex(update)).toEqual({ 0: ['UNKNOWN_EXTENSION_TYPE:name'] });
    const insert = run([{ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Nope' }], {}, { insertIfNotExists: true });
    expect(errorsByIndex(insert)).toEqual({ 0: ['UNKNOWN_EXTENSION_TYPE:name'] });
  });

  it('new_address without channel in columns or on the record is MISSING_FIELD (channel)', () => {
    const world = { extensions: [ext('c1', 'a@b.com')] };
    const withoutValue = run([{ contact_key: 'c1', address: 'a@b.com', new_address: 'x@b.com' }], world);
    expect(errorsByIndex(withoutValue)).toEqual({ 0: ['MISSING_FIELD:channel'] });
    const withoutColumn = run([{ contact_key: 'c1', address: 'a@b.com', channel: 'E', new_address: 'x@b.com' }], world, {
      columns: new Set<ExtensionColumn>(['contact_key', 'address', 'permission']),
    });
    expect(errorsByIndex(withoutColumn)).toEqual({ 0: ['MISSING_FIELD:channel'] });
  });

  it('new_address that is not valid for the channel is INVALID_ADDRESS (new_address)', () => {
    const plan = run([rename('a@b.com', 'nope')], { extensions: [ext('c1', 'a@b.com')] });
    expect(errorsByIndex(plan)).toEqual({ 0: ['INVALID_ADDRESS:new_address'] });
  });

  it('new_contact_key that is not a contact of the brand is CONTACT_NOT_FOUND (new_contact_key)', () => {
    const plan = run([{ contact_key: 'c1', address: 'a@b.com', new_contact_key: 'ghost' }], { extensions: [ext('c1', 'a@b.com')] });
    expect(errorsByIndex(plan)).toEqual({ 0: ['CONTACT_NOT_FOUND:new_contact_key'] });
  });

  it('takes a contact it does not know as existing when the lookup did not ask (the foreign key checks it on write)', () => {
    const unasked = { contacts: ['c1'], contactsAsked: false };
    const insert = run([{ contact_key: 'ghost', address: 'a@b.com', channel: 'E' }], unasked, { insertIfNotExists: true });
    expect(insert.errors).toEqual([]);
    expect(insert.inserts).toEqual([expect.objectContaining({ contactKey: 'ghost', address: 'a@b.com' })]);
    const move = run([{ contact_key: 'c1', address: 'a@b.com', new_contact_key: 'ghost' }], {
      ...unasked,
      extensions: [ext('c1', 'a@b.com')],
    });
    expect(move.errors).toEqual([]);
    expect(move.updates).toEqual([expect.objectContaining({ contactKey: 'ghost', moves: true })]);
  });

  it('reports every broken rule of a record and counts the record once in failed', () => {
    const plan = run([{ contact_key: 'ghost', address: 'nope', channel: 'E', name: 'Unknown' }], {}, { insertIfNotExists: true });
    expect(errorsByIndex(plan)).toEqual({ 0: ['CONTACT_NOT_FOUND:contact_key', 'INVALID_ADDRESS:address', 'UNKNOWN_EXTENSION_TYPE:name'] });
    expect(plan.failed).toBe(1);
    expectCountsAddUp(plan);
  });

  it('sorts errors by index, mixing own-rule and database-rule failures', () => {
    const plan = run([{ contact_key: 'c1', address: 'none@b.com' }, { contact_key: 'c1' }, { contact_key: 'c1', address: 'gone@b.com' }]);
    expect(plan.errors.map((e) => [e.index, e.code])).toEqual([
      [0, 'EXTENSION_NOT_FOUND'],
      [1, 'MISSING_FIELD'],
      [2, 'EXTENSION_NOT_FOUND'],
    ]);
  });
});

describe('planUpsert: inserts, updates and unchanged', () => {
  it('inserts get permission false and name null unless given', () => {
    const plan = run(
      [
        { contact_key: 'c1', address: 'A@B.com', channel: 'E' },
        { contact_key: 'c2', address: '+90 535 123 45 67', channel: 'S', name: 'Mobile', permission: true },
      ],
      {},
      { insertIfNotExists: true },
    );
    expect(plan.inserts).toEqual([
      { contactKey: 'c1', address: 'a@b.com', channel: 'E', name: null, permission: false },
      { contactKey: 'c2', address: '905351234567', channel: 'S', name: 'Mobile', permission: true },
    ]);
    expect(plan.updates).toEqual([]);
  });

  it('an existing record is updated, not inserted, even with insertIfNotExists', () => {
    const existing = ext('c1', 'a@b.com');
    const plan = run(
      [{ contact_key: 'c1', address: 'a@b.com', channel: 'E', permission: true }],
      { extensions: [existing] },
      { insertIfNotExists: true },
    );
    expect(plan.inserts).toEqual([]);
    expect(plan.updates).toEqual([
      { id: existing.id, contactKey: 'c1', address: 'a@b.com', nameSet: false, name: null, permission: true, moves: false },
    ]);
  });

  it('an update with the same name and permission is unchanged and writes no row', () => {
    const plan = run(
      [
        { contact_key: 'c1', address: 'a@b.com', name: 'Work Email', permission: true },
        { contact_key: 'c1', address: 'b@b.com', name: null, permission: false },
        { contact_key: 'c1', address: 'c@b.com' },
        { contact_key: 'c1', address: 'D@B.COM', new_address: 'd@b.com', channel: 'E' },
      ],
      {
        extensions: [
          ext('c1', 'a@b.com', { name: 'Work Email', permission: true }),
          ext('c1', 'b@b.com'),
          ext('c1', 'c@b.com', { name: 'Work Email', permission: true }),
          ext('c1', 'd@b.com'),
        ],
      },
    );
    expect(plan.updates).toEqual([]);
    expect(plan.unchanged).toBe(4);
    expect(plan.errors).toEqual([]);
    expectCountsAddUp(plan);
  });

  it('values of columns not in columns do not make an update', () => {
    const plan = run(
      [{ contact_key: 'c1', address: 'a@b.com', permission: true, name: 'Work Email' }],
      { extensions: [ext('c1', 'a@b.com')] },
      {
        columns: new Set<ExtensionColumn>(['contact_key', 'address']),
      },
    );
    expect(plan.updates).toEqual([]);
    expect(plan.unchanged).toBe(1);
  });

  it('a changed name is set, an unchanged permission is kept; null clears the name', () => {
    const a = ext('c1', 'a@b.com', { permission: true });
    const b = ext('c1', 'b@b.com', { name: 'Work Email' });
    const plan = run(
      [
        { contact_key: 'c1', address: 'a@b.com', name: 'Work Email', permission: true },
        { contact_key: 'c1', address: 'b@b.com', name: null },
      ],
      { extensions: [a, b] },
    );
    expect(plan.updates).toEqual([
      { id: a.id, contactKey: 'c1', address: 'a@b.com', nameSet: true, name: 'Work Email', permission: null, moves: false },
      { id: b.id, contactKey: 'c1', address: 'b@b.com', nameSet: true, name: null, permission: null, moves: false },
    ]);
  });

  it('counts add up over inserts, updates, unchanged, skipped and failed', () => {
    const plan = run(
      [
        { contact_key: 'c1', address: 'new@b.com', channel: 'E' },
        { contact_key: 'c1', address: 'a@b.com', permission: true },
        { contact_key: 'c1', address: 'b@b.com', permission: false },
        { contact_key: 'c1', address: 'B@b.com', permission: false },
        { contact_key: 'ghost', address: 'x@b.com', channel: 'E' },
        { contact_key: 'c1', address: 'y@b.com', channel: 'E', bogus: 1 },
      ],
      { extensions: [ext('c1', 'a@b.com'), ext('c1', 'b@b.com')] },
      { insertIfNotExists: true },
    );
    expect({
      total: plan.total,
      inserts: plan.inserts.length,
      updates: plan.updates.length,
      unchanged: plan.unchanged,
      skipped: plan.skipped,
      failed: plan.failed,
    }).toEqual({ total: 6, inserts: 1, updates: 1, unchanged: 1, skipped: 1, failed: 2 });
    expectCountsAddUp(plan);
  });
});

describe('planUpsert: renames judged on the state after the request', () => {
  it('a rename to a free key moves the row and keeps its id', () => {
    const a = ext('c1', 'a@x.com', { permission: true });
    const plan = run([rename('a@x.com', 'B@X.com')], { extensions: [a] });
    expect(plan.errors).toEqual([]);
    expect(plan.updates).toEqual([
      { id: a.id, contactKey: 'c1', address: 'b@x.com', nameSet: false, name: null, permission: null, moves: true },
    ]);
  });

  it('new_contact_key moves the extension to another contact', () => {
    const a = ext('c1', 'a@x.com');
    const plan = run([{ contact_key: 'c1', address: 'a@x.com', new_contact_key: 'c2' }], { extensions: [a] });
    expect(plan.updates).toEqual([expect.objectContaining({ id: a.id, contactKey: 'c2', address: 'a@x.com', moves: true })]);
  });

  it('a chain (a to b, b to c) succeeds', () => {
    const a = ext('c1', 'a@x.com');
    const b = ext('c1', 'b@x.com');
    const plan = run([rename('a@x.com', 'b@x.com'), rename('b@x.com', 'c@x.com')], { extensions: [a, b] });
    expect(plan.errors).toEqual([]);
    expect(plan.updates.map((u) => [u.id, u.address, u.moves])).toEqual([
      [a.id, 'b@x.com', true],
      [b.id, 'c@x.com', true],
    ]);
  });

  it('a swap (a to b and b to a) succeeds', () => {
    const a = ext('c1', 'a@x.com');
    const b = ext('c1', 'b@x.com');
    const plan = run([rename('a@x.com', 'b@x.com'), rename('b@x.com', 'a@x.com')], { extensions: [a, b] });
    expect(plan.errors).toEqual([]);
    expect(plan.updates.map((u) => [u.id, u.address])).toEqual([
      [a.id, 'b@x.com'],
      [b.id, 'a@x.com'],
    ]);
  });

  it('a swap across contacts with new_contact_key succeeds', () => {
    const a = ext('c1', 'a@x.com');
    const b = ext('c2', 'a@x.com');
    const plan = run(
      [
        { contact_key: 'c1', address: 'a@x.com', new_contact_key: 'c2' },
        { contact_key: 'c2', address: 'a@x.com', new_contact_key: 'c1' },
      ],
      { extensions: [a, b] },
    );
    expect(plan.errors).toEqual([]);
    expect(plan.updates.map((u) => [u.id, u.contactKey])).toEqual([
      [a.id, 'c2'],
      [b.id, 'c1'],
    ]);
  });

  it('a rotation of three (a to b, b to c, c to a) succeeds', () => {
    const rows = [ext('c1', 'a@x.com'), ext('c1', 'b@x.com'), ext('c1', 'c@x.com')];
    const plan = run([rename('a@x.com', 'b@x.com'), rename('b@x.com', 'c@x.com'), rename('c@x.com', 'a@x.com')], { extensions: rows });
    expect(plan.errors).toEqual([]);
    expect(plan.updates).toHaveLength(3);
    expect(plan.updates.every((u) => u.moves)).toBe(true);
  });

  it('two records renaming onto the same key both fail DUPLICATE_EXTENSION', () => {
    const plan = run([rename('a@x.com', 'z@x.com'), rename('b@x.com', 'z@x.com')], {
      extensions: [ext('c1', 'a@x.com'), ext('c1', 'b@x.com')],
    });
    expect(errorsByIndex(plan)).toEqual({ 0: ['DUPLICATE_EXTENSION'], 1: ['DUPLICATE_EXTENSION'] });
    expect(plan.updates).toEqual([]);
    expect(plan.failed).toBe(2);
    expectCountsAddUp(plan);
  });

  it('a rename onto an existing key that stays fails DUPLICATE_EXTENSION', () => {
    const world = { extensions: [ext('c1', 'a@x.com'), ext('c1', 'b@x.com')] };
    const alone = run([rename('a@x.com', 'b@x.com')], world);
    expect(errorsByIndex(alone)).toEqual({ 0: ['DUPLICATE_EXTENSION'] });
    // b is in the request too, but only updated in place: it still holds its key
    const withUpdate = run([rename('a@x.com', 'b@x.com'), { contact_key: 'c1', address: 'b@x.com', permission: true }], world);
    expect(errorsByIndex(withUpdate)).toEqual({ 0: ['DUPLICATE_EXTENSION'] });
    expect(withUpdate.updates).toEqual([expect.objectContaining({ address: 'b@x.com', moves: false, permission: true })]);
  });

  it('a rename onto a key that another contact uses is fine: keys are (contact_key, address)', () => {
    const plan = run([rename('a@x.com', 'b@x.com')], { extensions: [ext('c1', 'a@x.com'), ext('c2', 'b@x.com')] });
    expect(plan.errors).toEqual([]);
  });

  it('a failure travels back along a chain: c to d blocked by a static d fails b to c, then a to b', () => {
    const rows = ['a', 'b', 'c', 'd'].map((k) => ext('c1', `${k}@x.com`));
    const plan = run([rename('a@x.com', 'b@x.com'), rename('b@x.com', 'c@x.com'), rename('c@x.com', 'd@x.com')], { extensions: rows });
    expect(errorsByIndex(plan)).toEqual({ 0: ['DUPLICATE_EXTENSION'], 1: ['DUPLICATE_EXTENSION'], 2: ['DUPLICATE_EXTENSION'] });
    expect(plan.updates).toEqual([]);
    expect(plan.failed).toBe(3);
  });

  it('the failure stops travelling where the chain is independent', () => {
    const rows = ['a', 'b', 'c', 'd', 'p'].map((k) => ext('c1', `${k}@x.com`));
    const plan = run([rename('b@x.com', 'c@x.com'), rename('c@x.com', 'd@x.com'), rename('p@x.com', 'q@x.com')], { extensions: rows });
    expect(errorsByIndex(plan)).toEqual({ 0: ['DUPLICATE_EXTENSION'], 1: ['DUPLICATE_EXTENSION'] });
    expect(plan.updates.map((u) => u.address)).toEqual(['q@x.com']);
  });

  it('a record that fails for another reason keeps its old key and blocks a rename into it', () => {
    const rows = [ext('c1', 'a@x.com'), ext('c1', 'b@x.com')];
    const plan = run([rename('a@x.com', 'b@x.com'), { contact_key: 'c1', address: 'b@x.com', new_contact_key: 'ghost' }], {
      extensions: rows,
    });
    expect(errorsByIndex(plan)).toEqual({ 0: ['DUPLICATE_EXTENSION'], 1: ['CONTACT_NOT_FOUND:new_contact_key'] });
    expect(plan.updates).toEqual([]);
  });

  it('a record invalid on its own keeps its old key and blocks a rename into it', () => {
    const rows = [ext('c1', 'a@x.com'), ext('c1', 'b@x.com')];
    const plan = run([rename('a@x.com', 'b@x.com'), rename('b@x.com', 'c@x.com', { permission: 'yes' })], { extensions: rows });
    expect(errorsByIndex(plan)).toEqual({ 0: ['DUPLICATE_EXTENSION'], 1: ['INVALID_FIELD:permission'] });
    expect(plan.updates).toEqual([]);
  });

  it('a rename skipped as DUPLICATE_IN_REQUEST does not move its row', () => {
    const rows = [ext('c1', 'a@x.com'), ext('c1', 'b@x.com')];
    // the rename of b is overridden by a later plain update of b, so b stays and a cannot move onto it
    const plan = run(
      [rename('b@x.com', 'c@x.com'), rename('a@x.com', 'b@x.com'), { contact_key: 'c1', address: 'b@x.com', permission: true }],
      {
        extensions: rows,
      },
    );
    expect(plan.warnings.map((w) => w.index)).toEqual([0]);
    expect(errorsByIndex(plan)).toEqual({ 1: ['DUPLICATE_EXTENSION'] });
    expect(plan.updates).toEqual([expect.objectContaining({ address: 'b@x.com', moves: false })]);
    expectCountsAddUp(plan);
  });

  it('a rename whose target is its own key after canonicalization is not a move', () => {
    const plan = run([rename('a@x.com', ' A@X.COM ')], { extensions: [ext('c1', 'a@x.com')] });
    expect(plan.updates).toEqual([]);
    expect(plan.unchanged).toBe(1);
  });

  it('a rename of an extension that does not exist is EXTENSION_NOT_FOUND only', () => {
    const plan = run([rename('none@x.com', 'b@x.com')], { extensions: [ext('c1', 'b@x.com')] });
    expect(errorsByIndex(plan)).toEqual({ 0: ['EXTENSION_NOT_FOUND'] });
  });
});
