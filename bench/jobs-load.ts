/**
 * The load of the import job benchmark: a file of N records against a brand whose N/2 seed rows
 * (seedRow in batches.ts) are its existing extensions. Half the records are new, two fifths change
 * an existing extension's permission or name, one tenth send one as stored; about a fifth are phone
 * numbers (every fifth seed row and every fifth new record). Each record is derived from its
 * position, so the file is generated as it is sent, never held whole in memory, and the floor and
 * the job get the same records.
 */
import { Readable } from 'node:stream';
import type { Channel } from '../src/addresses/channel';
import { COLUMNS, seedRow } from './batches';

export interface JobRecord {
  contact_key: string;
  address: string;
  channel: Channel;
  name: string;
  permission: boolean;
}

/** What the file does to the brand, for checking a job's or the floor's counts. */
export interface JobExpectation {
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** rows of consent history: every insert and every change of permission */
  consentChanges: number;
}

const OTHER_NAME: Record<string, string> = { Work: 'Home', Home: 'Work', Mobile: 'Office', Office: 'Mobile' };
const pad7 = (n: number): string => String(n).padStart(7, '0');

/** Lines per piece of the stream (about 40 kB of CSV). */
const LINES_PER_PIECE = 1000;

export class JobLoad {
  /** the seed rows the brand needs: one per record that is not new */
  readonly existing: number;

  constructor(readonly records: number) {
    if (records <= 0 || records % 10 !== 0) throw new Error(`a job load has a positive multiple of 10 records, not ${records}`);
    this.existing = records / 2;
  }

  /**
   * Record r of the file. In each run of ten: the even positions are new, 1 and 5 flip the
   * permission of a seed row, 3 and 7 change its name, 9 sends it as stored. The k-th record that
   * is not new touches seed row k, so every seed row is touched exactly once.
   */
  record(r: number): JobRecord {
    const block = Math.floor(r / 10);
    const slot = r % 10;
    if (slot % 2 === 0) {
      const n = block * 5 + slot / 2;
      const phone = n % 5 === 4;
      return {
        // spread over the brand's contacts; the address is new, so the extension is too
        contact_key: `c${((n * 7919) % this.existing) + 1}`,
        address: phone ? `90533${pad7(n)}` : `n${n}@job.bench`,
        channel: phone ? 'S' : 'E',
        name: phone ? 'Mobile' : 'Work',
        permission: true,
      };
    }
    const row = seedRow(block * 5 + (slot - 1) / 2);
    const record: JobRecord = {
      contact_key: row.contactKey,
      address: row.address,
      channel: row.channel,
      name: row.name,
      permission: row.permission,
    };
    if (slot === 1 || slot === 5) record.permission = !row.permission;
    else if (slot === 3 || slot === 7) record.name = OTHER_NAME[row.name];
    return record;
  }

  get expected(): JobExpectation {
    const n = this.records;
    return { total: n, inserted: n / 2, updated: (n * 2) / 5, unchanged: n / 10, consentChanges: n / 2 + n / 5 };
  }

  /** The file as CSV: a header row of the sync API's column names, then one line per record. */
  csv(): Readable {
    return Readable.from(csvPieces(this), { objectMode: false });
  }
}

function* csvPieces(load: JobLoad): Generator<string> {
  yield COLUMNS.join(',') + '\n';
  for (let start = 0; start < load.records; start += LINES_PER_PIECE) {
    const end = Math.min(load.records, start + LINES_PER_PIECE);
    let piece = '';
    for (let r = start; r < end; r++) {
      // no value holds a comma, a quote or a line break: nothing to quote
      const x = load.record(r);
      piece += `${x.contact_key},${x.address},${x.channel},${x.name},${x.permission}\n`;
    }
    yield piece;
  }
}
