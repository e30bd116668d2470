import { inKeyOrder, StagingRow } from './import-jobs.repository';

const row = (position: number, groupKey: string | null): StagingRow => ({
  position,
  line: position + 2,
  record: groupKey === null ? null : '{}',
  raw: groupKey === null ? 'x' : null,
  problem: groupKey === null ? 'unreadable' : null,
  groupKey,
});

describe('inKeyOrder (a key-ordered job staged in about the order its chunks read it)', () => {
  it('orders a batch by group key, then position; unreadable records (no group) last', () => {
    const rows = [row(0, '["c2","a"]'), row(1, null), row(2, '["c1","b"]'), row(3, '["c2","a"]'), row(4, '["c1","a"]'), row(5, null)];
    expect(inKeyOrder(rows).map((r) => r.position)).toEqual([4, 2, 0, 3, 1, 5]);
  });

  it('compares keys by code unit, as a byte order does for them: "C" before "a", "c10" before "c2"', () => {
    const rows = [row(0, '["c2","a"]'), row(1, '["c10","a"]'), row(2, '["C1","a"]')];
    expect(inKeyOrder(rows).map((r) => r.position)).toEqual([2, 1, 0]);
  });
});
