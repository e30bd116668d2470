/**
 * The import job part of `npm run bench`: the floor of a job's file (jobs-floor.ts) on a brand of
 * its own, seeded with the file's existing extensions, so that the sync figures' brand is not
 * touched. Runs on a server only (the floor COPYs over the wire). Its figures join the run's JSON
 * under `jobs`, its lines the printed table, its targets the run's targets.
 */
import { DataSource } from 'typeorm';
import { removeBrand, seed, SeededBrand } from './database';
import { JobFloorResult, measureJobFloor } from './jobs-floor';
import { JobLoad } from './jobs-load';

export interface JobsResults {
  /** records in the file; the brand holds records / 2 extensions before it */
  records: number;
  existing: number;
  floor: JobFloorResult;
}

export interface JobsContext {
  db: DataSource;
  /** the server's URL for the floor's own connection */
  url: string;
  /** whether the benchmark owns the database; if not, the brands it seeds are removed after */
  ownsDatabase: boolean;
  records: number;
  log(message: string): void;
  cleanup(fn: () => Promise<void>): void;
}

/** A brand of its own with the load's existing extensions (seed rows 0..existing-1). */
async function seedBrand(ctx: JobsContext, load: JobLoad): Promise<SeededBrand> {
  const brand = await seed(ctx.db, load.existing, ctx.log);
  if (!ctx.ownsDatabase) ctx.cleanup(() => removeBrand(ctx.db, brand.brandId));
  return brand;
}

export async function measureJobs(ctx: JobsContext): Promise<JobsResults> {
  const load = new JobLoad(ctx.records);
  ctx.log(`job floor: seeding a brand with ${load.existing} extensions`);
  const floorBrand = await seedBrand(ctx, load);
  ctx.log(`job floor: COPY and merge of ${load.records} records`);
  const floor = await measureJobFloor(ctx.url, floorBrand, load);
  ctx.log(`job floor: ${floor.seconds.toFixed(1)} s, ${floor.recordsPerSecond.toFixed(0)} records/s`);
  return { records: load.records, existing: load.existing, floor };
}

const f1 = (v: number): string => v.toFixed(1);

export function renderJobs(r: JobsResults): string[] {
  const s = r.floor.steps;
  return [
    `import job floor (plain SQL): ${r.records} records against ${r.existing} extensions in ${f1(r.floor.seconds)} s, ` +
      `${r.floor.recordsPerSecond.toFixed(0)} records/s`,
    `  s by step: copy ${f1(s.copy)}, lookup ${f1(s.lookup)}, update ${f1(s.update)}, insert ${f1(s.insert)}, ` +
      `log ${f1(s.log)}, commit ${f1(s.commit)}`,
  ];
}

/** Figures that must exist and be positive. */
export function missingJobFigures(r: JobsResults | null): string[] {
  if (!r) return ['jobs'];
  const missing: string[] = [];
  if (!(r.floor.recordsPerSecond > 0)) missing.push('jobs.floor.recordsPerSecond');
  return missing;
}
