import { echoOf, groupAndValidate, isPlainRecord, RecordRules, reportIssue } from './bulk-records';

/** A small kind of record: `key` identifies it, `n` must be a number. */
type Code = 'INVALID_FIELD';
const rules: RecordRules<{ key: string; n: number }, Code, 'key' | 'label'> = {
  echo: ['key', 'label'],
  keyOf: (record) => record.key.toLowerCase(),
  groupOf: (echo) => echo.key?.toLowerCase(),
  validate: (raw) =>
    isPlainRecord(raw) && typeof raw.key === 'string' && typeof raw.n === 'number'
      ? { ok: true, record: { key: raw.key, n: raw.n } }
      : { ok: false, issues: [{ code: 'INVALID_FIELD', field: 'n', message: 'n must be a number' }] },
};

describe('isPlainRecord', () => {
  it.each([[{}], [{ a: 1 }], [JSON.parse('{"__proto__":{}}')]])('%j is a record', (value) => {
    expect(isPlainRecord(value)).toBe(true);
  });
  it.each([[null], [undefined], [[]], [[{ a: 1 }]], ['x'], [7], [true]])('%j is not a record', (value) => {
    expect(isPlainRecord(value)).toBe(false);
  });
});

describe('echoOf', () => {
  it('echoes the strings as sent and null for anything else', () => {
    expect(echoOf({ key: ' K ', label: 7 }, ['key', 'label'])).toEqual({ key: ' K ', label: null });
    expect(echoOf('x', ['key', 'label'])).toEqual({ key: null, label: null });
    expect(echoOf([{ key: 'k' }], ['key'])).toEqual({ key: null });
  });

  it('reads own properties only, never a prototype', () => {
    const inherited = Object.create({ key: 'from-prototype' }) as object;
    expect(echoOf(inherited, ['key'])).toEqual({ key: null });
    expect(echoOf(JSON.parse('{"__proto__":{"key":"x"}}'), ['key'])).toEqual({ key: null });
  });
});

describe('reportIssue', () => {
  it('answers index, the echo, code, message and the field only when the issue has one', () => {
    expect(reportIssue(3, { key: 'k', label: null }, { code: 'X', message: 'm' })).toStrictEqual({
      index: 3,
      key: 'k',
      label: null,
      code: 'X',
      message: 'm',
    });
    expect(reportIssue(0, { key: 'k' }, { code: 'X', field: 'n', message: 'm' })).toStrictEqual({
      index: 0,
      key: 'k',
      code: 'X',
      message: 'm',
      field: 'n',
    });
  });
});

describe('groupAndValidate', () => {
  it('processes the last record of a group and skips each earlier one with a warning naming the later one', () => {
    const grouped = groupAndValidate(
      [
        { key: 'A', n: 1 },
        { key: 'b', n: 2 },
        { key: 'a', n: 3 },
      ],
      rules,
    );
    expect(grouped.candidates).toEqual([
      { index: 1, record: { key: 'b', n: 2 }, key: 'b', echo: { key: 'b', label: null } },
      { index: 2, record: { key: 'a', n: 3 }, key: 'a', echo: { key: 'a', label: null } },
    ]);
    expect(grouped.warnings).toEqual([
      {
        index: 0,
        key: 'A',
        label: null,
        code: 'DUPLICATE_IN_REQUEST',
        message: 'a later record (index 2) has the same key and label; this one is skipped',
      },
    ]);
    expect(grouped).toMatchObject({ total: 3, failed: 0, errors: [] });
  });

  it('skips an earlier record of a group whether it is valid or not, without reporting its issues', () => {
    const grouped = groupAndValidate(
      [
        { key: 'a', n: 'not a number' },
        { key: 'a', n: 2 },
      ],
      rules,
    );
    expect(grouped.warnings.map((w) => w.index)).toEqual([0]);
    expect(grouped.errors).toEqual([]);
    expect(grouped.failed).toBe(0);
  });

  it('groups a valid record by the key of its parsed values and an invalid one by its echo', () => {
    const keyOf = jest.fn(rules.keyOf);
    const groupOf = jest.fn(rules.groupOf);
    const grouped = groupAndValidate(
      [
        { key: 'A', n: 'x' },
        { key: 'a', n: 1 },
      ],
      { ...rules, keyOf, groupOf },
    );
    expect(keyOf.mock.calls).toEqual([[{ key: 'a', n: 1 }]]);
    expect(groupOf.mock.calls).toEqual([[{ key: 'A', label: null }]]);
    expect(grouped.warnings.map((w) => w.index)).toEqual([0]);
  });

  it('a later invalid record of a group is the one processed: it fails and the earlier valid one is skipped', () => {
    const grouped = groupAndValidate(
      [
        { key: 'a', n: 1 },
        { key: 'a', n: 'x', label: 'second' },
      ],
      rules,
    );
    expect(grouped.candidates).toEqual([]);
    expect(grouped.failed).toBe(1);
    expect(grouped.errors).toEqual([
      { index: 1, key: 'a', label: 'second', code: 'INVALID_FIELD', field: 'n', message: 'n must be a number' },
    ]);
    expect(grouped.warnings.map((w) => w.index)).toEqual([0]);
  });

  it('judges alone a record that has no group (not an object, or no key), reporting each of its issues', () => {
    const grouped = groupAndValidate(['x', { n: 1 }, { n: 1 }, null], rules);
    expect(grouped.warnings).toEqual([]);
    expect(grouped.failed).toBe(4);
    expect(grouped.errors.map((e) => [e.index, e.key, e.code])).toEqual([
      [0, null, 'INVALID_FIELD'],
      [1, null, 'INVALID_FIELD'],
      [2, null, 'INVALID_FIELD'],
      [3, null, 'INVALID_FIELD'],
    ]);
  });

  it('counts add up: candidates + failed + skipped = total', () => {
    const records = Array.from({ length: 50 }, (_, i) => (i % 7 === 0 ? 'x' : { key: `k${i % 9}`, n: i % 5 === 0 ? 'x' : i }));
    const grouped = groupAndValidate(records, rules);
    expect(grouped.candidates.length + grouped.failed + grouped.warnings.length).toBe(grouped.total);
    expect(grouped.total).toBe(50);
  });
});
