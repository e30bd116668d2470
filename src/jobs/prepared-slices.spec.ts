import { EXTENSION_COLUMNS, ExtensionColumn } from '../addresses/extension-columns';
import { PlanOptions, prepareRecords } from '../contact-extensions/upsert-planner';
import { joinedSlices, shifted } from './prepared-slices';

const options: PlanOptions = { columns: new Set<ExtensionColumn>(EXTENSION_COLUMNS), insertIfNotExists: false };

/** Records of distinct groups, some failing their own rules, at known places. */
function records(n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 7 === 3) return { contact_key: `c${i}`, address: 'not an address', channel: 'E' };
    if (i % 11 === 5) return 'not an object';
    if (i % 13 === 8) return { contact_key: `c${i}`, address: `a${i}@example.com`, channel: 'X', permission: 'yes' };
    if (i % 5 === 0) return { contact_key: `c${i}`, address: `+90 535 ${String(1_000_000 + i)}`, channel: 'S', permission: true };
    return { contact_key: `c${i}`, address: `a${i}@example.com`, channel: 'E', name: 'Work', permission: i % 2 === 0 };
  });
}

function inSlices(all: unknown[], size: number) {
  const parts = [];
  for (let start = 0; start < all.length; start += size)
    parts.push(shifted(prepareRecords(all.slice(start, start + size), options), start));
  return joinedSlices(parts);
}

describe('prepared slices', () => {
  it.each([1, 7, 50, 99, 100, 250])('records prepared in slices of %i join into what preparing them at once gives', (size) => {
    const all = records(100);
    const whole = prepareRecords(all, options);
    expect(whole.failed).toBeGreaterThan(10);
    expect(inSlices(all, size)).toEqual(whole);
  });

  it('an index past the first slice is moved by where its slice starts', () => {
    const all = records(20);
    const joined = inSlices(all, 10);
    expect(joined.errors.map((e) => e.index)).toEqual(prepareRecords(all, options).errors.map((e) => e.index));
    expect(joined.errors.some((e) => e.index >= 10)).toBe(true);
    expect(joined.candidates.map((c) => c.index)).toEqual(joined.candidates.map((c) => c.index).sort((a, b) => a - b));
  });
});
