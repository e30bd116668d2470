import { planBulkDelete } from './bulk-delete-planner';

describe('bulk delete planner', () => {
  it('canonicalizes addresses and keeps the last record of a key', () => {
    const plan = planBulkDelete([
      { contact_key: 'c1', address: 'A@B.COM' },
      { contact_key: 'c1', address: '+90 535 123 45 67' },
      { contact_key: 'c1', address: 'a@b.com' },
    ]);
    expect(plan.keys.map((k) => ({ index: k.index, ...k.record }))).toEqual([
      { index: 1, contactKey: 'c1', address: '905351234567' },
      { index: 2, contactKey: 'c1', address: 'a@b.com' },
    ]);
    expect(plan.warnings).toEqual([
      expect.objectContaining({ index: 0, code: 'DUPLICATE_IN_REQUEST', contact_key: 'c1', address: 'A@B.COM' }),
    ]);
    expect(plan).toMatchObject({ total: 3, skipped: 1, failed: 0 });
  });

  it('reports the record rules with their fields', () => {
    const plan = planBulkDelete(['x', { address: ' ' }, { contact_key: 1, address: 'a@b.com', channel: 'E' }]);
    expect(plan.errors.map((e) => [e.index, e.code, e.field])).toEqual([
      [0, 'INVALID_FIELD', undefined],
      [1, 'MISSING_FIELD', 'contact_key'],
      [1, 'MISSING_FIELD', 'address'],
      [2, 'UNKNOWN_FIELD', 'channel'],
      [2, 'INVALID_FIELD', 'contact_key'],
    ]);
    expect(plan.failed).toBe(3);
    expect(plan.keys).toEqual([]);
  });

  it('refuses a NUL character or an unpaired surrogate in contact_key or address as INVALID_FIELD (found by a sweep of the admin routes)', () => {
    const plan = planBulkDelete([
      { contact_key: '\u0645\udfff', address: 'a@b.com' },
      { contact_key: 'c1', address: '\u0645\udfff' },
      { contact_key: 'c\u00001', address: 'a@b.com' },
      { contact_key: 'c1', address: 'a\u0000@b.com' },
    ]);
    expect(plan.errors.map((e) => [e.index, e.code, e.field, e.message])).toEqual([
      [0, 'INVALID_FIELD', 'contact_key', 'contact_key must not contain a NUL character or an unpaired surrogate'],
      [1, 'INVALID_FIELD', 'address', 'address must not contain a NUL character or an unpaired surrogate'],
      [2, 'INVALID_FIELD', 'contact_key', 'contact_key must not contain a NUL character or an unpaired surrogate'],
      [3, 'INVALID_FIELD', 'address', 'address must not contain a NUL character or an unpaired surrogate'],
    ]);
    expect(plan.keys).toEqual([]);
  });
});
