/**
 * Reads an upload as records, one at a time, never the whole file: CSV (csv-parse) or NDJSON
 * (split2, one JSON value a line). A row or line that cannot be read as a record is handed on as
 * such (`problem`), to become an error of that record; only a header that cannot be used refuses
 * the upload. Each record comes with its 1-based line number in the file (where it starts).
 * Files are UTF-8: a record on a line that is not (a Latin-1 or Windows-1252 export sent as is) cannot
 * be read, rather than read with U+FFFD in place of its accented letters.
 */
import { CsvError, Options as CsvOptions, parse as parseCsv } from 'csv-parse';
import { isUtf8 } from 'node:buffer';
import { Readable, Transform } from 'node:stream';
import split2 from 'split2';
import { DomainError, invalidRequest } from '../common/errors/domain.error';

export interface ReadRecord {
  line: number;
  /** the record as read (a JSON value for NDJSON, an object of strings and booleans for CSV) */
  record?: unknown;
  /** a row or line that could not be read: its text, and why */
  raw?: string;
  problem?: string;
}

/** The properties a record may carry (contract section 4), the names a CSV header may use. */
export const RECORD_PROPERTIES = ['contact_key', 'address', 'channel', 'name', 'permission', 'new_contact_key', 'new_address'] as const;

/** A line (or CSV record) longer than this is refused with 413: no record of the contract comes near it. */
export const MAX_LINE_BYTES = 1024 * 1024;

const lineTooLong = (): DomainError => new DomainError('PAYLOAD_TOO_LARGE', `A line of the upload is longer than ${MAX_LINE_BYTES} bytes.`);

/**
 * NDJSON: one JSON value per line; CRLF line ends and a leading BOM are accepted, blank lines are
 * skipped. A line that is not JSON is an unreadable record; any JSON value is a record (one that is
 * not an object fails the record rules, as in a sync request).
 */
export async function* readNdjson(input: Readable): AsyncGenerator<ReadRecord> {
  const { bytes, notUtf8 } = utf8Lines(input);
  const lines = bytes.pipe(split2(/\r?\n/, { maxLength: MAX_LINE_BYTES }));
  bytes.once('error', (err) => lines.destroy(err));
  let line = 0;
  try {
    for await (const chunk of lines as AsyncIterable<string>) {
      line++;
      // split2 checks its limit only on the unfinished end of a chunk: a longer line that ends
      // within a chunk passes it (UTF-8 takes at most 3 bytes a UTF-16 unit, so most lines skip the count)
      if (chunk.length > MAX_LINE_BYTES / 3 && Buffer.byteLength(chunk) > MAX_LINE_BYTES) throw lineTooLong();
      const text = line === 1 && chunk.startsWith('\uFEFF') ? chunk.slice(1) : chunk;
      if (text.trim() === '') continue;
      if (notUtf8.has(line)) {
        yield { line, raw: text, problem: notUtf8Problem(line) };
        continue;
      }
      try {
        yield { line, record: JSON.parse(text) as unknown };
      } catch (err) {
        yield { line, raw: text, problem: `line ${line} is not valid JSON (${(err as Error).message})` };
      }
    }
  } catch (err) {
    if (/maximum buffer/i.test((err as Error).message)) throw lineTooLong();
    throw err;
  }
}

interface CsvRow {
  record: string[];
  raw: string;
  line: number;
}

/**
 * CSV: the first row names the columns (record properties only, each once; a BOM is accepted);
 * each following row is one record, its empty fields not given. `permission` is read as a boolean
 * when it is `true` or `false` (any case); any other value is kept as text, and fails the record's
 * rules. Quoted fields may span lines; CRLF and LF both end a record, and a line break inside a
 * quoted field is kept as sent (CRLF or LF). A row with more or fewer fields than the header, or a quoted field left open
 * at the end of the file, is an unreadable record.
 */
export async function* readCsv(input: Readable): AsyncGenerator<ReadRecord> {
  // csv-parse's own line count counts a CRLF in a quoted field twice: lines are counted here, from
  // each record's raw text, in the order the parser meets records and unreadable rows
  let linesBefore = 0;
  const lineOf = (raw: string): number => {
    const { blank, breaks } = lineBreaks(raw);
    const line = linesBefore + blank + 1;
    linesBefore += breaks;
    return line;
  };
  const skipped: ReadRecord[] = [];
  const options: CsvOptions<CsvRow, unknown> = {
    bom: true,
    // both, the longer first: a CRLF is one record end, and a quoted field keeps its line breaks as sent
    record_delimiter: ['\r\n', '\n'],
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_LINE_BYTES,
    on_record: (row: unknown) => {
      const { record, raw } = row as { record: string[]; raw: string };
      return { record, raw, line: lineOf(raw) };
    },
    on_skip: (err: CsvError | undefined, raw: string | undefined) => {
      if (err?.code === 'CSV_MAX_RECORD_SIZE') throw lineTooLong();
      const text = raw ?? '';
      const line = lineOf(text);
      skipped.push({
        line,
        raw: trimLineBreaks(text),
        problem: `line ${line} cannot be read as CSV (${err?.message ?? 'unknown error'})`,
      });
      return undefined;
    },
  };
  const parser = parseCsv(options as unknown as CsvOptions);
  const { bytes, notUtf8 } = utf8Lines(input);
  bytes.once('error', (err) => parser.destroy(err));
  bytes.pipe(parser);

  let header: string[] | undefined;
  for await (const row of parser as AsyncIterable<CsvRow>) {
    const { line } = row;
    while (skipped.length > 0 && skipped[0].line < line) yield skipped.shift() as ReadRecord;
    if (!header) {
      header = checkHeader(row.record);
      continue;
    }
    if (notUtf8.size > 0) {
      const raw = trimLineBreaks(row.raw);
      const bad = firstIn(notUtf8, line, line + (raw.match(/\n/g)?.length ?? 0));
      if (bad !== undefined) {
        yield { line, raw, problem: notUtf8Problem(bad) };
        continue;
      }
    }
    if (row.record.length !== header.length) {
      yield {
        line,
        raw: trimLineBreaks(row.raw),
        problem: `line ${line} has ${row.record.length} fields where the header has ${header.length}`,
      };
      continue;
    }
    const record: Record<string, string | boolean> = {};
    header.forEach((column, i) => {
      const value = row.record[i];
      if (value === '') return;
      record[column] = column === 'permission' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : value;
    });
    yield { line, record };
  }
  if (!header && skipped.length === 0) throw invalidRequest('the CSV file has no header row', ['the CSV file has no header row']);
  if (!header) throw invalidRequest('the CSV header row cannot be read', ['the CSV header row cannot be read']);
  yield* skipped;
}

/**
 * The line breaks in a record's raw text (csv-parse's `raw`): `blank`, those of the blank lines before
 * it, and `breaks`, all of them. csv-parse keeps only the first character of a record delimiter in
 * `raw` (a CRLF that ends a record or a blank line leaves its CR), so: each character of the leading
 * run of CRs and LFs is one blank line, each LF after it is one line break (in a quoted field, or
 * the LF that ends the record), and a CR at the very end is the CRLF that ends the record.
 */
function lineBreaks(raw: string): { blank: number; breaks: number } {
  const blank = /^[\r\n]*/.exec(raw)?.[0].length ?? 0;
  let breaks = blank;
  for (let i = raw.indexOf('\n', blank); i >= 0; i = raw.indexOf('\n', i + 1)) breaks++;
  if (raw.length > blank && raw.endsWith('\r')) breaks++;
  return { blank, breaks };
}

const trimLineBreaks = (raw: string): string => raw.replace(/^[\r\n]+|[\r\n]+$/g, '');

const notUtf8Problem = (line: number): string => `line ${line} is not valid UTF-8 (send the file in UTF-8)`;

function firstIn(lines: ReadonlySet<number>, first: number, last: number): number | undefined {
  for (let line = first; line <= last; line++) if (lines.has(line)) return line;
  return undefined;
}

/**
 * The file's bytes passed on as they are, each line (up to and without its LF: a LF byte is never
 * part of a longer UTF-8 sequence) checked for UTF-8 on the way. A line's number is in `notUtf8`
 * before its last byte is passed on, so a reader downstream knows by the time it reads the line.
 * Most chunks are valid as a whole and are checked in one call; a line over MAX_LINE_BYTES is not
 * kept for the check (the readers refuse it).
 */
function utf8Lines(input: Readable): { bytes: Readable; notUtf8: Set<number> } {
  const notUtf8 = new Set<number>();
  let line = 1;
  // the unfinished line so far (null once it is too long to keep)
  let pending: Buffer[] | null = [];
  let pendingBytes = 0;
  const endLine = (tail: Buffer): void => {
    if (pending !== null && !isUtf8(pendingBytes > 0 ? Buffer.concat([...pending, tail]) : tail)) notUtf8.add(line);
    line++;
    pending = [];
    pendingBytes = 0;
  };
  const bytes = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let start = 0;
      let lf = chunk.indexOf(0x0a);
      if (lf >= 0 && (pendingBytes > 0 || pending === null)) {
        endLine(chunk.subarray(0, lf));
        start = lf + 1;
        lf = chunk.indexOf(0x0a, start);
      }
      const lastLf = chunk.lastIndexOf(0x0a);
      if (lf >= 0 && isUtf8(chunk.subarray(start, lastLf))) {
        // whole lines, all valid: only counted
        for (; lf >= 0; lf = chunk.indexOf(0x0a, lf + 1)) line++;
        start = lastLf + 1;
      } else {
        for (; lf >= 0; lf = chunk.indexOf(0x0a, start)) {
          endLine(chunk.subarray(start, lf));
          start = lf + 1;
        }
      }
      if (start < chunk.length && pending !== null) {
        pendingBytes += chunk.length - start;
        if (pendingBytes > MAX_LINE_BYTES) pending = null;
        else pending.push(chunk.subarray(start));
      }
      done(null, chunk);
    },
    flush(done) {
      if (pendingBytes > 0) endLine(Buffer.alloc(0));
      done();
    },
  });
  input.once('error', (err) => bytes.destroy(err));
  input.pipe(bytes);
  return { bytes, notUtf8 };
}

function checkHeader(names: string[]): string[] {
  const known = new Set<string>(RECORD_PROPERTIES);
  const details: string[] = [];
  const seen = new Set<string>();
  for (const raw of names) {
    const name = raw.trim();
    if (!known.has(name)) details.push(`column ${JSON.stringify(name)} is not a property of a contact extension`);
    else if (seen.has(name)) details.push(`column ${name} is named twice`);
    seen.add(name);
  }
  if (details.length > 0) throw invalidRequest(`the CSV header is not valid: ${details[0]}`, details);
  return names.map((n) => n.trim());
}
