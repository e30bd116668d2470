import { isString } from 'class-validator';
import { absent, blank, fieldChecker, FieldRule, storable } from './field-rules';

type Field = 'key' | 'size' | 'flag';
const RULES: FieldRule<Field>[] = [
  {
    field: 'key',
    checks: [[(v) => !blank(v), 'key is required'], [isString, 'key must be a string'], storable('key')],
    missing: blank,
  },
  { field: 'size', column: true, skip: absent, checks: [[(v) => typeof v === 'number', 'size must be a number']] },
  { field: 'flag', skip: (v) => v === undefined, checks: [[(v) => typeof v === 'boolean', 'flag must be a boolean']] },
];
const check = fieldChecker('a thing', RULES);
const WITH_SIZE = new Set(['key', 'size']);

describe('fieldChecker', () => {
  it('refuses a value that is not a JSON object as INVALID_FIELD without a field', () => {
    for (const raw of [null, 'x', 1, [], [{ key: 'k' }]]) {
      expect(check(raw, WITH_SIZE)).toEqual({
        ok: false,
        issues: [{ code: 'INVALID_FIELD', message: 'the record must be a JSON object' }],
      });
    }
  });

  it('returns the values of the fields in use, undefined when not sent', () => {
    expect(check({ key: 'k', size: 3, flag: true }, WITH_SIZE)).toEqual({ ok: true, values: { key: 'k', size: 3, flag: true } });
    expect(check({ key: 'k' }, WITH_SIZE)).toEqual({ ok: true, values: { key: 'k', size: undefined, flag: undefined } });
  });

  it('neither checks nor returns a column field whose column is not in use', () => {
    expect(check({ key: 'k', size: 'big' }, new Set(['key']))).toEqual({ ok: true, values: { key: 'k', flag: undefined } });
    expect(check({ key: 'k', size: 'big' })).toEqual({ ok: true, values: { key: 'k', flag: undefined } });
  });

  it('reports unknown properties first, then one issue per field in the order of the rules: the first check broken', () => {
    expect(check({ size: 'big', key: 7, colour: 'red', flag: null }, WITH_SIZE)).toEqual({
      ok: false,
      issues: [
        { code: 'UNKNOWN_FIELD', field: 'colour', message: 'colour is not a property of a thing' },
        { code: 'INVALID_FIELD', field: 'key', message: 'key must be a string' },
        { code: 'INVALID_FIELD', field: 'size', message: 'size must be a number' },
        { code: 'INVALID_FIELD', field: 'flag', message: 'flag must be a boolean' },
      ],
    });
  });

  it('is MISSING_FIELD when the rule says the value is missing', () => {
    for (const key of [undefined, null, '', '  ']) {
      expect(check(key === undefined ? {} : { key }, WITH_SIZE)).toEqual({
        ok: false,
        issues: [{ code: 'MISSING_FIELD', field: 'key', message: 'key is required' }],
      });
    }
  });

  it('skips the checks of a value its rule counts as absent', () => {
    expect(check({ key: 'k', size: null }, WITH_SIZE)).toMatchObject({ ok: true, values: { size: null } });
  });

  it('reads own properties only: __proto__ is an unknown property and nothing comes from a prototype', () => {
    expect(check(JSON.parse('{"key":"k","__proto__":{"size":"big"}}'), WITH_SIZE)).toEqual({
      ok: false,
      issues: [{ code: 'UNKNOWN_FIELD', field: '__proto__', message: '__proto__ is not a property of a thing' }],
    });
    expect(check(Object.assign(Object.create({ key: 'inherited' }) as object, { size: 1 }), WITH_SIZE)).toMatchObject({
      ok: false,
      issues: [{ code: 'MISSING_FIELD', field: 'key' }],
    });
  });

  it('refuses text PostgreSQL cannot store with the storable check', () => {
    expect(check({ key: 'a\u0000b' }, WITH_SIZE)).toEqual({
      ok: false,
      issues: [{ code: 'INVALID_FIELD', field: 'key', message: 'key must not contain a NUL character or an unpaired surrogate' }],
    });
  });
});
