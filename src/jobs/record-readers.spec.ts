import { Readable } from 'node:stream';
import { ReadRecord, readCsv, readNdjson } from './record-readers';

/** The text in chunks of `size` bytes, so that line ends and quotes fall across chunk boundaries. */
const source = (text: string, size = 3): Readable => {
  const bytes = Buffer.from(text, 'utf8');
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
      { line: 3, record: { contact_key: 'c\n2', address: 'x,y', permission: 'maybe' } },
      { line: 6, record: { contact_key: 'c3', permission: false } },
    ]);
  });

  it('hands on rows with too many or too few fields, and a quote left open at the end, as unreadable', async () => {
    const csv = 'contact_key,address\nc1,a,b\nc2\nc3,ok\nc4,"cut';
    expect(await all(readCsv(source(csv)))).toEqual([
      { line: 2, raw: 'c1,a,b', problem: 'line 2 has 3 fields where the header has 2' },
      { line: 3, raw: 'c2', problem: 'line 3 has 1 fields where the header has 2' },
      { line: 4, record: { contact_key: 'c3', address: 'ok' } },
      { line: 5, raw: 'c4,"cut', problem: expect.stringMatching(/^line 5 cannot be read as CSV/) },
    ]);
  });

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
