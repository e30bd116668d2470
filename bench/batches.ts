/**
 * The benchmark's data: what the seed writes (derived from the row number, so that 1M rows need no
 * memory here) and the batches sent to the service and to the floor. The world remembers every row
 * a batch changed, so that each "update" batch really changes its rows and each "unchanged" batch
 * really matches them; a batch's commit() applies its changes once the database has them.
 */
import type { Channel } from '../src/addresses/channel';
import { EXTENSION_COLUMNS } from '../src/addresses/extension-columns';

export const COLUMNS = EXTENSION_COLUMNS;

/** Extension types of the benchmark brand: two per channel, so that an update can flip the name. */
export const EXTENSION_TYPES: { name: string; channel: Channel }[] = [
  { name: 'Work', channel: 'E' },
  { name: 'Home', channel: 'E' },
  { name: 'Mobile', channel: 'S' },
  { name: 'Office', channel: 'S' },
];

export type BatchKind = 'insert' | 'update' | 'unchanged' | 'mixed' | 'rename';
export const BATCH_KINDS: BatchKind[] = ['insert', 'update', 'unchanged', 'mixed', 'rename'];

export const KIND_DESCRIPTIONS: Record<BatchKind, string> = {
  insert: 'all new (insertIfNotExists)',
  update: 'all existing, name and permission change',
  unchanged: 'all existing, sent as stored',
  mixed: 'half new, 2/5 changed, 1/10 unchanged (insertIfNotExists)',
  rename: '1/5 renamed (new_address), the rest changed',
};

export interface WireRecord {
  contact_key: string;
  address: string;
  channel?: Channel;
  name?: string | null;
  permission?: boolean;
  new_address?: string;
}

interface Row {
  contactKey: string;
  address: string;
  channel: Channel;
  name: string;
  permission: boolean;
}

export interface Batch {
  kind: BatchKind;
  records: WireRecord[];
  insertIfNotExists: boolean;
  /** the request body, serialized once before the clock starts */
  body: string;
  expected: { inserted: number; updated: number; unchanged: number };
  /** rows of consent history the batch writes: every insert, and every update that flips the permission */
  consentChanges: number;
  /** records the batch's effect in the world; call once it is committed */
  commit(): void;
}

const pad7 = (n: number): string => String(n).padStart(7, '0');

/**
 * Seed row i (0-based) is contact `c<i+1>` with one extension: every fifth an SMS number, the
 * others an email. The SQL of the seed (seed.ts) produces exactly this.
 */
export function seedRow(i: number): Row {
  const g = i + 1;
  const sms = g % 5 === 0;
  return {
    contactKey: `c${g}`,
    address: sms ? `90532${pad7(g)}` : `e${g}@seed.bench`,
    channel: sms ? 'S' : 'E',
    name: sms ? 'Mobile' : 'Work',
    permission: false,
  };
}

const OTHER_NAME: Record<string, string> = { Work: 'Home', Home: 'Work', Mobile: 'Office', Office: 'Mobile' };

/** A range of seed rows that one client owns, so that concurrent clients never touch the same rows. */
export class Lane {
  private cursor: number;
  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    this.cursor = start;
  }

  take(n: number): number[] {
    if (n > this.end - this.start) throw new Error(`a lane of ${this.end - this.start} rows cannot give ${n} distinct rows`);
    const rows: number[] = [];
    for (let k = 0; k < n; k++) {
      rows.push(this.cursor);
      this.cursor = this.cursor + 1 >= this.end ? this.start : this.cursor + 1;
    }
    return rows;
  }
}

export class World {
  private readonly changed = new Map<number, Row>();
  private fresh = 0;
  /** the lane of sequential measurements: all rows */
  main: Lane;

  constructor(public size: number) {
    this.main = new Lane(0, size);
  }

  /** The seed grew (--large): rows beyond the old size now exist as seedRow describes them. */
  grow(size: number): void {
    this.size = size;
    this.main = new Lane(0, size);
  }

  lanes(count: number): Lane[] {
    const width = Math.floor(this.size / count);
    return Array.from({ length: count }, (_, k) => new Lane(k * width, (k + 1) * width));
  }

  row(i: number): Row {
    return this.changed.get(i) ?? seedRow(i);
  }

  build(kind: BatchKind, size: number, lane: Lane = this.main): Batch {
    switch (kind) {
      case 'insert':
        return this.assemble(kind, true, size, 0, 0, 0, lane);
      case 'update':
        return this.assemble(kind, false, 0, size, 0, 0, lane);
      case 'unchanged':
        return this.assemble(kind, false, 0, 0, size, 0, lane);
      case 'mixed': {
        // the contract refuses new_address together with insertIfNotExists, so a batch that
        // inserts cannot rename; renames have their own kind
        const inserts = Math.floor(size / 2);
        const unchanged = Math.floor((size - inserts) / 5);
        return this.assemble(kind, true, inserts, size - inserts - unchanged, unchanged, 0, lane);
      }
      case 'rename': {
        const renames = Math.floor(size / 5);
        return this.assemble(kind, false, 0, size - renames, 0, renames, lane);
      }
    }
  }

  private assemble(
    kind: BatchKind,
    insertIfNotExists: boolean,
    inserts: number,
    updates: number,
    unchanged: number,
    renames: number,
    lane: Lane,
  ): Batch {
    const changes: [number, Row][] = [];
    const existing: WireRecord[] = [];
    const rows = lane.take(updates + unchanged + renames);
    rows.forEach((i, k) => {
      const row = this.row(i);
      const base = { contact_key: row.contactKey, address: row.address, channel: row.channel };
      if (k < updates) {
        const next = { ...row, name: OTHER_NAME[row.name], permission: !row.permission };
        existing.push({ ...base, name: next.name, permission: next.permission });
        changes.push([i, next]);
      } else if (k < updates + unchanged) {
        existing.push({ ...base, name: row.name, permission: row.permission });
      } else {
        const next = { ...row, address: this.freshAddress(row.channel) };
        existing.push({ ...base, new_address: next.address });
        changes.push([i, next]);
      }
    });
    const created: WireRecord[] = [];
    for (let k = 0; k < inserts; k++) {
      const n = this.fresh;
      const channel: Channel = n % 5 === 4 ? 'S' : 'E';
      // spread over the contacts; a fresh address is never used twice, so the key is new
      created.push({
        contact_key: `c${((n * 7919) % this.size) + 1}`,
        address: this.freshAddress(channel),
        channel,
        name: channel === 'S' ? 'Mobile' : 'Work',
        permission: true,
      });
    }
    const records = interleave(existing, created);
    const body = JSON.stringify({ columns: COLUMNS, insertIfNotExists, contactDatas: records });
    return {
      kind,
      records,
      insertIfNotExists,
      body,
      expected: { inserted: inserts, updated: updates + renames, unchanged },
      // an update flips the permission; a rename keeps it
      consentChanges: inserts + updates,
      commit: () => {
        for (const [i, row] of changes) this.changed.set(i, row);
      },
    };
  }

  private freshAddress(channel: Channel): string {
    const n = ++this.fresh;
    return channel === 'S' ? `90533${pad7(n)}` : `n${n}@new.bench`;
  }
}

function interleave<T>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    if (k < a.length) out.push(a[k]);
    if (k < b.length) out.push(b[k]);
  }
  return out;
}
