import { namedStatement } from './named-statement';

/** What node-postgres receives: a query config, or the text itself when the statement runs unnamed. */
const config = (statement: string): unknown => statement as unknown;

describe('namedStatement', () => {
  it('gives one text one name, every time, and another text another name', () => {
    const first = config(namedStatement('SELECT 1 AS one WHERE $1::int > 0')) as { name: string; text: string };
    const again = config(namedStatement('SELECT 1 AS one WHERE $1::int > 0')) as { name: string; text: string };
    const other = config(namedStatement('SELECT 2 AS two WHERE $1::int > 0')) as { name: string; text: string };
    expect(first).toEqual({ name: expect.stringMatching(/^ce_stmt_\d+$/), text: 'SELECT 1 AS one WHERE $1::int > 0' });
    expect(again.name).toBe(first.name);
    expect(other.name).not.toBe(first.name);
    expect(other.text).toBe('SELECT 2 AS two WHERE $1::int > 0');
  });

  it('runs a text unnamed once 64 texts have names, so that no caller grows them without end', () => {
    for (let k = 0; k < 64; k++) namedStatement(`SELECT ${k} AS k`);
    expect(config(namedStatement('SELECT 999 AS beyond'))).toBe('SELECT 999 AS beyond');
    // texts named before keep their names
    expect(config(namedStatement('SELECT 0 AS k'))).toEqual({ name: expect.any(String), text: 'SELECT 0 AS k' });
  });
});
