/**
 * The planner's cost for 1000 phone records (prepareRecords + planUpsert, in-process, no database):
 * an update batch whose numbers exist, and an insert batch. Each kind runs once on a fresh process
 * (nothing memoized), then 50 times more with the same spellings (median), then 20 times with new
 * spellings each time (median: what a memo cannot help with).
 *
 *   node -r ts-node/register/transpile-only bench/planner-phones.ts
 */
import { performance } from 'node:perf_hooks';
import { EXTENSION_COLUMNS, ExtensionColumn } from '../src/addresses/extension-columns';
import { ExistingExtension, extensionKey, LookupResult, planUpsert, prepareRecords } from '../src/contact-extensions/upsert-planner';

const N = 1000;
const columns: ReadonlySet<ExtensionColumn> = new Set(EXTENSION_COLUMNS);
const pad = (n: number, width: number): string => String(n).padStart(width, '0');
/** Turkish mobile numbers +90 535 1xx xx xx, spelled with spaces; `round` varies the spelling's digits. */
const spelling = (i: number, round = 0): string =>
  `+90 535 ${pad(100 + ((i + round * 7) % 900), 3)} ${pad(round % 100, 2)} ${pad(i % 100, 2)}`;
const batch = (round: number) =>
  Array.from({ length: N }, (_, i) => ({
    contact_key: `c${i}`,
    address: spelling(i, round),
    channel: 'S',
    name: 'Mobile',
    permission: true,
  }));

const records = batch(0);
const extensions = new Map<string, ExistingExtension>();
records.forEach((r, i) => {
  const address = r.address.replace(/\D/g, '');
  extensions.set(extensionKey(r.contact_key, address), {
    id: String(i),
    contactKey: r.contact_key,
    address,
    channel: 'S',
    name: null,
    permission: false,
  });
});
const existing: LookupResult = {
  extensions,
  contacts: new Set(records.map((r) => r.contact_key)),
  contactsAsked: true,
  types: new Map([['S', new Set(['Mobile'])]]),
};
const none: LookupResult = { ...existing, extensions: new Map() };

function plan(rawRecords: object[], insert: boolean): number {
  const start = performance.now();
  const options = { columns, insertIfNotExists: insert };
  const result = planUpsert(prepareRecords(rawRecords, options), insert ? none : existing, options);
  const ms = performance.now() - start;
  const written = insert ? result.inserts.length : result.updates.length;
  if (written !== N) throw new Error(`expected ${N} ${insert ? 'inserts' : 'updates'}, got ${written}`);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const insert of [false, true]) {
  const first = plan(records, insert);
  const same = Array.from({ length: 50 }, () => plan(records, insert));
  const fresh = insert ? Array.from({ length: 20 }, (_, k) => plan(batch(k + 1), true)) : [];
  console.log(
    `${insert ? 'insert' : 'update'} of ${N} phone records: first ${first.toFixed(1)} ms, same spellings median ${median(same).toFixed(1)} ms` +
      (insert ? `, new spellings median ${median(fresh).toFixed(1)} ms` : ''),
  );
}
