import { Readable } from 'node:stream';
import { MAX_LINE_BYTES, ReadRecord, readCsv, readNdjson } from './record-readers';

/** The text in chunks of `size` bytes, so that line ends and quotes fall across chunk boundaries. */
const source = (text: string | Buffer, size = 3): Readable => {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
};

async function all(records: AsyncGenerator<ReadRecord>): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

describe('readCsv', () => {
  it('reads records with the line they start on, through a BOM, CRLF, quoted line breaks and blank lines', async () => {
    const csv = '\uFEFFcontact_key,address,permission\r\nc1,a@b.c,TRUE\r\n"c\r\n2","x,y",maybe\r\n\r\nc3,,false\r\n';
    expect(await all(readCsv(source(csv)))).toEqual([
      { line: 2, record: { contact_key: 'c1', address: 'a@b.c', permission: true } },
      { line: 3, record: { contact_key: 'c\r\n2', address: 'x,y', permission: 'maybe' } },
      { line: 6, record: { contact_key: 'c3', permission: false } },
    ]);
  });

  it('keeps a line break inside a quoted field as sent (CRLF or LF), and counts lines right when CRLF and LF are mixed', async () => {
    const csv = 'contact_key,name\r\n"a","x\r\ny"\n\r\n\n"b","p\nq\r\nr"\r\nc,"\r\n"\r\nd,\rx\nc5,too,many\r\n\r\ne,z';
    expect(await all(readCsv(source(csv)))).toEqual([
      { line: 2, record: { contact_key: 'a', name: 'x\r\ny' } },
      { line: 6, record: { contact_key: 'b', name: 'p\nq\r\nr' } },
      { line: 9, record: { contact_key: 'c', name: '\r\n' } },
      // a lone CR is not a line break: it stays in the field
      { line: 11, record: { contact_key: 'd', name: '\rx' } },
      { line: 12, raw: 'c5,too,many', problem: 'line 12 has 3 fields where the header has 2' },
      { line: 14, record: { contact_key: 'e', name: 'z' } },
    ]);
  });

  it.each(['\n', '\r\n'])(
    'hands on rows with too many or too few fields, and a quote left open at the end, as unreadable (line end %j)',
    async (eol) => {
      const csv = ['contact_key,address', 'c1,a,b', 'c2', 'c3,ok', '', 'c4,"cut', 'off'].join(eol);
      expect(await all(readCsv(source(csv)))).toEqual([
        { line: 2, raw: 'c1,a,b', problem: 'line 2 has 3 fields where the header has 2' },
        { line: 3, raw: 'c2', problem: 'line 3 has 1 fields where the header has 2' },
        { line: 4, record: { contact_key: 'c3', address: 'ok' } },
        { line: 6, raw: `c4,"cut${eol}off`, problem: expect.stringMatching(/^line 6 cannot be read as CSV/) },
      ]);
    },
  );

  it('refuses a header with an unknown or repeated column, or no header at all (400)', async () => {
    await expect(all(readCsv(source('contact_key,email\n')))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(all(readCsv(source('address,address\n')))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(all(readCsv(source('')))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('readNdjson', () => {
  it('reads one JSON value a line, with line numbers, skipping blank lines; a line that is not JSON is unreadable', async () => {
    const text = '\uFEFF{"contact_key":"c1"}\r\n\n42\n{"broken"\n[1]';
    expect(await all(readNdjson(source(text)))).toEqual([
      { line: 1, record: { contact_key: 'c1' } },
      { line: 3, record: 42 },
      { line: 4, raw: '{"broken"', problem: expect.stringMatching(/^line 4 is not valid JSON/) },
      { line: 5, record: [1] },
    ]);
  });
});

describe('a line that is not UTF-8', () => {
  // é in Latin-1 (one byte, 0xE9), as a Windows-1252 or Latin-1 export sends it
  const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

  it.each([1, 3, 64 * 1024])('is an unreadable record of its own line in NDJSON (chunks of %i bytes)', async (size) => {
    const bytes = Buffer.concat([
      Buffer.from('{"contact_key":"Jos\u00e9"}\n'),
      latin1('{"contact_key":"Jos\u00e9"}\r\n'),
      Buffer.from('{"name":"\uFFFD is text"}\n{"name":"\u00e9\u20ac\u{1F600}"}\n'),
      latin1('{"name":"caf\u00e9"}'),
    ]);
    expect(await all(readNdjson(source(bytes, size)))).toEqual([
      { line: 1, record: { contact_key: 'Jos\u00e9' } },
      { line: 2, raw: '{"contact_key":"Jos\uFFFD"}', problem: 'line 2 is not valid UTF-8 (send the file in UTF-8)' },
      { line: 3, record: { name: '\uFFFD is text' } },
      { line: 4, record: { name: '\u00e9\u20ac\u{1F600}' } },
      { line: 5, raw: '{"name":"caf\uFFFD"}', problem: 'line 5 is not valid UTF-8 (send the file in UTF-8)' },
    ]);
  });

  it.each([1, 3, 64 * 1024])(
    'is an unreadable record in CSV, on any line of a record that spans lines (chunks of %i bytes)',
    async (size) => {
      const bytes = Buffer.concat([
        Buffer.from('contact_key,name\r\nc1,"Jos\u00e9\r\n'),
        latin1('M\u00fcller"\r\nc2,ok\r\n'),
        latin1('c\u00e9,x\r\n'),
        Buffer.from('c4,"\u00fc\ny"'),
      ]);
      expect(await all(readCsv(source(bytes, size)))).toEqual([
        { line: 2, raw: 'c1,"Jos\u00e9\r\nM\uFFFDller"', problem: 'line 3 is not valid UTF-8 (send the file in UTF-8)' },
        { line: 4, record: { contact_key: 'c2', name: 'ok' } },
        { line: 5, raw: 'c\uFFFD,x', problem: 'line 5 is not valid UTF-8 (send the file in UTF-8)' },
        { line: 6, record: { contact_key: 'c4', name: '\u00fc\ny' } },
      ]);
    },
  );
});

describe('a line longer than MAX_LINE_BYTES', () => {
  const long = 'x'.repeat(MAX_LINE_BYTES + 1);
  it.each([
    ['a CSV record', () => readCsv(source(`contact_key,address\nc1,${long}\n`, 64 * 1024))],
    ['a quoted CSV field left open', () => readCsv(source(`contact_key,address\nc1,"${long}`, 64 * 1024))],
    ['an NDJSON line', () => readNdjson(source(`{"contact_key":"${long}"}\n`, 64 * 1024))],
  ])('refuses the upload (413): %s', async (_what, records) => {
    await expect(all(records())).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});
