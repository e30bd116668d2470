import { validateSync } from 'class-validator';
import * as fc from 'fast-check';
import { EXTENSION_COLUMNS, ExtensionColumn } from '../addresses/extension-columns';
import { codePointLength } from '../common/validation/storable-text';
import { ContactExtensionRecordDto } from './dto/contact-extension-record.dto';
import { RecordIssue } from '../common/bulk-records/bulk-records';
import { RecordErrorCode } from './record-errors';
import { validateRecord } from './record-validator';

type Issue = RecordIssue<RecordErrorCode>;

const ALL_COLUMNS: ReadonlySet<ExtensionColumn> = new Set(EXTENSION_COLUMNS);
const KEY_COLUMNS: ReadonlySet<ExtensionColumn> = new Set(['contact_key', 'address']);

function issuesOf(raw: unknown, columns: ReadonlySet<ExtensionColumn> = ALL_COLUMNS): Pick<Issue, 'code' | 'field'>[] {
  const result = validateRecord(raw, columns);
  if (result.ok) return [];
  return result.issues.map(({ code, field }) => (field === undefined ? { code } : { code, field }));
}

function parsed(raw: unknown, columns: ReadonlySet<ExtensionColumn> = ALL_COLUMNS) {
  const result = validateRecord(raw, columns);
  if (!result.ok) throw new Error(`expected a valid record, got ${JSON.stringify(result.issues)}`);
  return result.record;
}

describe('validateRecord', () => {
  describe('a record that is not a JSON object', () => {
    it.each([[null], [42], ['c1'], [true], [[{ contact_key: 'c1', address: 'a@b.com' }]]])('%j is INVALID_FIELD without a field', (raw) => {
      expect(issuesOf(raw)).toEqual([{ code: 'INVALID_FIELD' }]);
    });
  });

  describe('contact_key and address', () => {
    it.each([
      ['missing', { address: 'a@b.com' }],
      ['null', { contact_key: null, address: 'a@b.com' }],
      ['empty', { contact_key: '', address: 'a@b.com' }],
    ])('contact_key %s is MISSING_FIELD (contact_key)', (_label, raw) => {
      expect(issuesOf(raw)).toEqual([{ code: 'MISSING_FIELD', field: 'contact_key' }]);
    });

    it.each([
      ['missing', { contact_key: 'c1' }],
      ['null', { contact_key: 'c1', address: null }],
      ['empty', { contact_key: 'c1', address: '' }],
      ['only blanks', { contact_key: 'c1', address: '   ' }],
    ])('address %s is MISSING_FIELD (address)', (_label, raw) => {
      expect(issuesOf(raw)).toEqual([{ code: 'MISSING_FIELD', field: 'address' }]);
    });

    it.each([
      ['a number', { contact_key: 7, address: 'a@b.com' }],
      ['an object', { contact_key: { k: 1 }, address: 'a@b.com' }],
      ['over 200 characters', { contact_key: 'k'.repeat(201), address: 'a@b.com' }],
      ['with a NUL character', { contact_key: 'c\u00001', address: 'a@b.com' }],
      ['with an unpaired surrogate', { contact_key: 'c\ud8001', address: 'a@b.com' }],
    ])('contact_key as %s is INVALID_FIELD (contact_key)', (_label, raw) => {
      expect(issuesOf(raw)).toEqual([{ code: 'INVALID_FIELD', field: 'contact_key' }]);
    });

    it.each([
      ['a number', { contact_key: 'c1', address: 905351234567 }],
      ['a boolean', { contact_key: 'c1', address: true }],
      ['over 320 characters after trimming', { contact_key: 'c1', address: `  ${'a'.repeat(310)}@example.com  ` }],
      ['with a NUL character', { contact_key: 'c1', address: 'a\u0000@b.com' }],
      ['with an unpaired surrogate (found by test/fuzz.e2e-spec.ts)', { contact_key: 'c1', address: '\u0645\udfff@b.com' }],
    ])('address as %s is INVALID_FIELD (address)', (_label, raw) => {
      expect(issuesOf(raw)).toEqual([{ code: 'INVALID_FIELD', field: 'address' }]);
    });

    it('accepts contact_key of exactly 200 characters and address of exactly 320 after trimming', () => {
      const address = `${'a'.repeat(308)}@example.com`;
      expect(address).toHaveLength(320);
      expect(issuesOf({ contact_key: 'k'.repeat(200), address: `  ${address} ` })).toEqual([]);
    });

    it('counts lengths in code points, as PostgreSQL varchar does: 200 emoji are 200 characters, each U+FE0F is one', () => {
      const emoji = '\u{1F600}'.repeat(200);
      expect(emoji).toHaveLength(400);
      expect(issuesOf({ contact_key: emoji, address: emoji })).toEqual([]);
      expect(issuesOf({ contact_key: 'c1', address: `${'\u{1F600}'.repeat(321)}` })).toEqual([{ code: 'INVALID_FIELD', field: 'address' }]);
      expect(issuesOf({ contact_key: 'k'.repeat(190) + '\uFE0F'.repeat(11), address: 'a@b.com' })).toEqual([
        { code: 'INVALID_FIELD', field: 'contact_key' },
      ]);
    });
  });

  describe('column properties', () => {
    it('channel other than E, S, W is INVALID_FIELD (channel)', () => {
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', channel: 'X' })).toEqual([{ code: 'INVALID_FIELD', field: 'channel' }]);
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', channel: 'e' })).toEqual([{ code: 'INVALID_FIELD', field: 'channel' }]);
    });

    it('name over 100 characters or not a string is INVALID_FIELD (name)', () => {
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', name: 'n'.repeat(101) })).toEqual([
        { code: 'INVALID_FIELD', field: 'name' },
      ]);
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', name: 5 })).toEqual([{ code: 'INVALID_FIELD', field: 'name' }]);
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', name: 'n'.repeat(100) })).toEqual([]);
      // 101 code points, though class-validator's length, which skips variation selectors, counts 90
      expect(validateRecord({ contact_key: 'c1', address: 'a@b.com', name: 'n'.repeat(90) + '\uFE0F'.repeat(11) }, ALL_COLUMNS)).toEqual({
        ok: false,
        issues: [{ code: 'INVALID_FIELD', field: 'name', message: 'name must be at most 100 characters' }],
      });
    });

    it('permission that is null or not a boolean is INVALID_FIELD (permission)', () => {
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', permission: null })).toEqual([
        { code: 'INVALID_FIELD', field: 'permission' },
      ]);
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', permission: 'true' })).toEqual([
        { code: 'INVALID_FIELD', field: 'permission' },
      ]);
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', permission: 1 })).toEqual([{ code: 'INVALID_FIELD', field: 'permission' }]);
    });

    it('values of properties whose column is not in columns are neither validated nor applied', () => {
      const raw = { contact_key: 'c1', address: 'a@b.com', channel: 'X', name: 5, permission: null };
      expect(issuesOf(raw, KEY_COLUMNS)).toEqual([]);
      expect(parsed(raw, KEY_COLUMNS)).toEqual({ contactKey: 'c1', address: 'a@b.com' });
    });

    it('null channel counts as absent and null name clears the name', () => {
      const record = parsed({ contact_key: 'c1', address: 'a@b.com', channel: null, name: null });
      expect(record).toEqual({ contactKey: 'c1', address: 'a@b.com', name: null });
      expect('channel' in record).toBe(false);
    });

    it('keeps given column values', () => {
      expect(parsed({ contact_key: 'c1', address: 'a@b.com', channel: 'E', name: 'Work Email', permission: false })).toEqual({
        contactKey: 'c1',
        address: 'a@b.com',
        channel: 'E',
        name: 'Work Email',
        permission: false,
      });
    });
  });

  describe('renames', () => {
    it('new_contact_key and new_address are honoured even when no column names them; new_address is canonical', () => {
      expect(parsed({ contact_key: 'c1', address: ' A@B.COM ', new_contact_key: 'c2', new_address: ' X@Y.Com ' }, KEY_COLUMNS)).toEqual({
        contactKey: 'c1',
        address: 'a@b.com',
        newContactKey: 'c2',
        newAddress: 'x@y.com',
      });
      expect(parsed({ contact_key: 'c1', address: '+90 535 123 45 67', new_address: '0090 535 123 45 68' }).newAddress).toBe(
        '905351234568',
      );
    });

    it('null new_contact_key and new_address count as absent', () => {
      const record = parsed({ contact_key: 'c1', address: 'a@b.com', new_contact_key: null, new_address: null });
      expect(record).toEqual({ contactKey: 'c1', address: 'a@b.com' });
    });

    it.each([
      ['new_contact_key', 'a number', 7],
      ['new_contact_key', 'empty', ''],
      ['new_contact_key', 'over 200 characters', 'k'.repeat(201)],
      ['new_address', 'a number', 7],
      ['new_address', 'empty', ''],
      ['new_address', 'only blanks', '  '],
    ])('%s as %s is INVALID_FIELD of that field', (field, _label, value) => {
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', [field]: value })).toEqual([{ code: 'INVALID_FIELD', field }]);
    });
  });

  describe('unknown properties', () => {
    it('a property the record may not carry is UNKNOWN_FIELD (that property)', () => {
      expect(issuesOf({ contact_key: 'c1', address: 'a@b.com', email: 'x' })).toEqual([{ code: 'UNKNOWN_FIELD', field: 'email' }]);
    });

    it('__proto__ and constructor sent as JSON are UNKNOWN_FIELD', () => {
      const raw: unknown = JSON.parse('{"contact_key":"c1","address":"a@b.com","__proto__":{"x":1},"constructor":"y"}');
      expect(issuesOf(raw)).toEqual([
        { code: 'UNKNOWN_FIELD', field: '__proto__' },
        { code: 'UNKNOWN_FIELD', field: 'constructor' },
      ]);
    });

    it('never reads a value from the prototype', () => {
      const raw = Object.create({ contact_key: 'inherited', address: 'inherited@b.com' }) as object;
      expect(issuesOf(raw)).toEqual([
        { code: 'MISSING_FIELD', field: 'contact_key' },
        { code: 'MISSING_FIELD', field: 'address' },
      ]);
    });
  });

  it('reports one issue per broken rule', () => {
    const issues = issuesOf({ contact_key: 5, address: '', channel: 'Q', name: 'n'.repeat(101), permission: 'yes', extra: 1 });
    expect(issues).toEqual(
      expect.arrayContaining([
        { code: 'UNKNOWN_FIELD', field: 'extra' },
        { code: 'INVALID_FIELD', field: 'contact_key' },
        { code: 'MISSING_FIELD', field: 'address' },
        { code: 'INVALID_FIELD', field: 'channel' },
        { code: 'INVALID_FIELD', field: 'name' },
        { code: 'INVALID_FIELD', field: 'permission' },
      ]),
    );
    expect(issues).toHaveLength(6);
  });

  it('canonicalizes the address: emails trimmed and lowercased, phone numbers as international digits', () => {
    expect(parsed({ contact_key: 'c1', address: '  Jane@Example.COM ' }).address).toBe('jane@example.com');
    expect(parsed({ contact_key: 'c1', address: '+90 535 123 45 67' }).address).toBe('905351234567');
  });
});

/**
 * The record rules are declared twice: as class-validator decorators on ContactExtensionRecordDto
 * (what Swagger publishes) and as the plain checks of record-validator.ts (what runs, a third of the
 * CPU time cheaper per bulk request). This runs the decorators through validateSync
 * (stopAtFirstError), reduced to the code and field of each issue; the plain checks
 * must report the same for every record. Messages may differ where a value breaks several rules of
 * one field: validateSync runs a field's decorators bottom-up, the plain checks top-down.
 */
const FIELD_ORDER = ['contact_key', 'address', 'channel', 'name', 'permission', 'new_contact_key', 'new_address'];

function issuesByDecorators(raw: Record<string, unknown>, columns: ReadonlySet<ExtensionColumn>): Pick<Issue, 'code' | 'field'>[] {
  const issues: Pick<Issue, 'code' | 'field'>[] = [];
  const known = new Set(FIELD_ORDER);
  for (const key of Object.keys(raw)) if (!known.has(key)) issues.push({ code: 'UNKNOWN_FIELD', field: key });
  const own = (key: string): unknown => (Object.prototype.hasOwnProperty.call(raw, key) ? raw[key] : undefined);
  const dto = Object.assign(new ContactExtensionRecordDto(), { contact_key: own('contact_key'), address: own('address') });
  for (const column of ['channel', 'name', 'permission'] as const) {
    if (columns.has(column) && Object.prototype.hasOwnProperty.call(raw, column)) Object.assign(dto, { [column]: raw[column] });
  }
  for (const key of ['new_contact_key', 'new_address'] as const) {
    if (Object.prototype.hasOwnProperty.call(raw, key)) Object.assign(dto, { [key]: raw[key] });
  }
  const errors = validateSync(dto, { forbidUnknownValues: false, stopAtFirstError: true });
  for (const error of errors) {
    const value: unknown = error.value;
    const missing =
      (error.property === 'contact_key' || error.property === 'address') &&
      (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''));
    issues.push({ code: missing ? 'MISSING_FIELD' : 'INVALID_FIELD', field: error.property });
  }
  // the one rule the decorators do not carry: the address's length once trimmed
  if (typeof dto.address === 'string' && !errors.some((e) => e.property === 'address') && codePointLength(dto.address.trim()) > 320) {
    issues.push({ code: 'INVALID_FIELD', field: 'address' });
  }
  // in the order of the fields (the length rule was appended after the decorators' issues)
  const rank = (issue: Pick<Issue, 'code' | 'field'>): number =>
    issue.code === 'UNKNOWN_FIELD' ? -1 : FIELD_ORDER.indexOf(issue.field as string);
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => rank(a.issue) - rank(b.issue) || a.i - b.i)
    .map(({ issue }) => issue);
}

describe('the plain record checks agree with the DTO decorators', () => {
  // strings near every limit and every special case the rules know, and values of every JSON type
  const text = fc.oneof(
    fc.constantFrom('', ' ', '  \t ', 'E', 'S', 'W', 'e', 'X', 'c1', 'a@b.com', ' A@B.COM ', '+90 535 123 45 67', 'Work'),
    fc
      .constantFrom(100, 101, 199, 200, 201, 319, 320, 321)
      .chain((n) => fc.constantFrom('k'.repeat(n), ` ${'a'.repeat(n - 2)} `, '😀'.repeat(Math.ceil(n / 2)))),
    fc.constantFrom('c\u00001', '\ud800', 'a\udfff@b.com', '😀', 'x\ufe0f'),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );
  const value = fc.oneof(
    { weight: 6, arbitrary: text },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.constant([]),
    fc.constant({ k: 1 }),
  );
  const record = fc.record(
    {
      contact_key: value,
      address: value,
      channel: value,
      name: value,
      permission: value,
      new_contact_key: value,
      new_address: value,
      extra: value,
    },
    { requiredKeys: [] },
  );
  const columns = fc
    .subarray(['channel', 'name', 'permission'] as const)
    .map((extra) => new Set<ExtensionColumn>(['contact_key', 'address', ...extra]));

  it('same codes and fields for every record (fast-check, 5000 records)', () => {
    fc.assert(
      fc.property(record, columns, (raw, cols) => {
        expect(issuesOf(raw, cols)).toEqual(issuesByDecorators(raw, cols));
      }),
      { numRuns: 5000, seed: 20261126 },
    );
  });

  it('names the first rule broken in reading order: a number contact_key "must be a string"', () => {
    const result = validateRecord({ contact_key: 7, address: 'a@b.com' }, ALL_COLUMNS);
    expect(result).toEqual({
      ok: false,
      issues: [{ code: 'INVALID_FIELD', field: 'contact_key', message: 'contact_key must be a string' }],
    });
  });
});
