import { planContactUpsert, validateContactRecord } from './contact-upsert-planner';
import { CONTACT_COLUMNS, ContactColumn } from './contact-columns';

const ALL = new Set<ContactColumn>(CONTACT_COLUMNS);

describe('contact upsert planner', () => {
  it('canonicalizes email (trimmed, lowercased) and gsm (international digits)', () => {
    const result = validateContactRecord({ contact_key: 'c1', email: '  Jane.Doe@Example.COM ', gsm: '+90 535 123 45 67' }, ALL);
    expect(result).toEqual({ ok: true, record: { contact_key: 'c1', email: 'jane.doe@example.com', gsm: '905351234567' } });
  });

  it('lets null clear the text columns but not the flags or the status', () => {
    expect(validateContactRecord({ contact_key: 'c1', name: null, surname: null, email: null, gsm: null }, ALL)).toEqual({
      ok: true,
      record: { contact_key: 'c1', name: null, surname: null, email: null, gsm: null },
    });
    const result = validateContactRecord({ contact_key: 'c1', email_permission: null, contact_status: null }, ALL);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((i) => [i.code, i.field])).toEqual([
      ['INVALID_FIELD', 'email_permission'],
      ['INVALID_FIELD', 'contact_status'],
    ]);
  });

  it('reports each broken rule of a record with its field', () => {
    const result = validateContactRecord(
      { contact_key: '', email: 'not-an-email', gsm: '12', contact_status: 'X', gsm_permission: 'yes', nickname: 'J' },
      ALL,
    );
    expect(!result.ok && result.issues.map((i) => [i.code, i.field])).toEqual([
      ['UNKNOWN_FIELD', 'nickname'],
      ['MISSING_FIELD', 'contact_key'],
      ['INVALID_FIELD', 'email'],
      ['INVALID_FIELD', 'gsm'],
      ['INVALID_FIELD', 'gsm_permission'],
      ['INVALID_FIELD', 'contact_status'],
    ]);
  });

  it.each([
    ['a NUL character', 'c\u00001'],
    ['a lone low surrogate', '\u0645\udfff'],
    ['a lone high surrogate', 'c\ud800'],
    ['a high surrogate at the end', `${'a'.repeat(10)}\ud83d`],
  ])('refuses %s in every string field as INVALID_FIELD of that field (PostgreSQL cannot store it)', (_label, bad) => {
    for (const field of ['contact_key', 'name', 'surname', 'email', 'gsm'] as const) {
      const record = { contact_key: 'c1', [field]: bad };
      const result = validateContactRecord(record, ALL);
      expect(!result.ok && result.issues).toEqual([
        { code: 'INVALID_FIELD', field, message: `${field} must not contain a NUL character or an unpaired surrogate` },
      ]);
    }
  });

  it('accepts paired surrogates (an emoji) in names', () => {
    expect(validateContactRecord({ contact_key: 'c\u{1F600}', name: 'Jane \u{1F600}' }, ALL)).toEqual({
      ok: true,
      record: { contact_key: 'c\u{1F600}', name: 'Jane \u{1F600}' },
    });
  });

  it('ignores the values of known columns the request does not name', () => {
    expect(
      validateContactRecord({ contact_key: 'c1', name: 'Jane', email: 'broken' }, new Set<ContactColumn>(['contact_key', 'name'])),
    ).toEqual({
      ok: true,
      record: { contact_key: 'c1', name: 'Jane' },
    });
  });

  it('refuses a record that is not an object, and __proto__ as an unknown field', () => {
    expect(validateContactRecord([1], ALL)).toEqual({
      ok: false,
      issues: [{ code: 'INVALID_FIELD', message: 'the record must be a JSON object' }],
    });
    const result = validateContactRecord(JSON.parse('{"contact_key":"c1","__proto__":{}}'), ALL);
    expect(!result.ok && result.issues).toEqual([expect.objectContaining({ code: 'UNKNOWN_FIELD', field: '__proto__' })]);
  });

  it('keeps the last record of a contact_key and skips the earlier ones, valid or not', () => {
    const plan = planContactUpsert(
      [
        { contact_key: 'c1', name: 'first' },
        { contact_key: 'c1', email: 'broken' },
        { contact_key: 'c2' },
        { contact_key: 'c1', name: 'last' },
      ],
      ALL,
    );
    expect(plan.rows).toEqual([{ contact_key: 'c2' }, { contact_key: 'c1', name: 'last' }]);
    expect(plan.rowIndexes).toEqual([2, 3]);
    expect(plan.warnings.map((w) => [w.index, w.code])).toEqual([
      [0, 'DUPLICATE_IN_REQUEST'],
      [1, 'DUPLICATE_IN_REQUEST'],
    ]);
    expect(plan).toMatchObject({ total: 4, skipped: 2, failed: 0, errors: [] });
  });

  it('echoes contact_key as sent, null when it is not a string', () => {
    const plan = planContactUpsert([{ contact_key: 7 }, { contact_key: 'c1', email: 'x' }], ALL);
    expect(plan.errors).toEqual([
      { index: 0, contact_key: null, code: 'INVALID_FIELD', field: 'contact_key', message: 'contact_key must be a string' },
      { index: 1, contact_key: 'c1', code: 'INVALID_FIELD', field: 'email', message: 'email is not a valid email address' },
    ]);
    expect(plan.failed).toBe(2);
  });
});
