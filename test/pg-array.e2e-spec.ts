/**
 * pgArray's literals through the real database (the run's server, or embedded PGlite): every array
 * comes back from `$1::text[]` (and bool[], bigint[]) exactly as it was sent, whatever its strings
 * hold. The bulk upsert sends its columns this way.
 */
import * as fc from 'fast-check';
import { pgArray } from '../src/database/pg-array';
import { createTestApp, TestApp } from './support/test-app';

// characters that mean something in an array literal or to its parser, and some that do not
const tricky = fc.constantFrom('"', '\\', ',', '{', '}', ' ', '\t', '\n', "'", 'N', 'U', 'L', 'a', 'é', '😀', '\u00A0', '\u2028');
// any string PostgreSQL's text can hold: no NUL, and no unpaired surrogate (not UTF-8)
const storable = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
const element = fc.oneof(
  { arbitrary: fc.string({ unit: tricky, maxLength: 12 }), weight: 4 },
  { arbitrary: storable, weight: 3 },
  { arbitrary: fc.constantFrom('NULL', 'null', '', ' ', '""', '\\N'), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
);

describe('pgArray through the database', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('gives back every text[] as sent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(element, { maxLength: 40 }), async (values) => {
        const [{ a }]: { a: (string | null)[] }[] = await t.dataSource.query('SELECT $1::text[] AS a', [pgArray(values)]);
        expect(a).toEqual(values);
      }),
      { numRuns: 300, seed: 20261126 },
    );
  });

  it('gives back bool[] and bigint[] (ids are sent as strings)', async () => {
    const flags = [true, false, null, true];
    const ids = ['1', '9223372036854775807', '42'];
    const [row]: { b: (boolean | null)[]; i: string[] }[] = await t.dataSource.query('SELECT $1::bool[] AS b, $2::bigint[] AS i', [
      pgArray(flags),
      pgArray(ids),
    ]);
    expect(row).toEqual({ b: flags, i: ids });
  });

  it('is read one element per value by unnest, as the bulk statements read it', async () => {
    const values = ['a,b', '{x}', 'NULL', null, 'q"\\'];
    const rows: { v: string | null; n: number }[] = await t.dataSource.query(
      'SELECT v, n::int AS n FROM unnest($1::text[]) WITH ORDINALITY AS u(v, n)',
      [pgArray(values)],
    );
    expect(rows).toEqual(values.map((v, i) => ({ v, n: i + 1 })));
  });
});
