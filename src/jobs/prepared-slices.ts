/**
 * A chunk's records prepared a slice at a time (prepareRecords on each slice), joined into what
 * prepareRecords of the whole chunk gives. That holds when no two records of the chunk share a group,
 * as in an import job, whose whole file is grouped before its chunks are read.
 */
import { PreparedRecords } from '../contact-extensions/upsert-planner';

/** A slice's prepared records (fresh objects, changed in place) with indexes from `start` on. */
export function shifted(part: PreparedRecords, start: number): PreparedRecords {
  if (start === 0) return part;
  for (const c of part.candidates) c.index += start;
  for (const e of part.errors) e.index += start;
  for (const w of part.warnings) w.index += start;
  return part;
}

/** Consecutive slices, shifted, as one. */
export function joinedSlices(parts: PreparedRecords[]): PreparedRecords {
  if (parts.length === 1) return parts[0];
  return {
    total: parts.reduce((n, p) => n + p.total, 0),
    candidates: parts.flatMap((p) => p.candidates),
    failed: parts.reduce((n, p) => n + p.failed, 0),
    errors: parts.flatMap((p) => p.errors),
    warnings: parts.flatMap((p) => p.warnings),
  };
}
