/**
 * The import job part of `npm run bench`, after the sync figures, on brands of its own (each seeded
 * with its file's existing extensions), so that the sync figures' brand is not touched:
 * - the floor of the job's file (jobs-floor.ts), plain SQL;
 * - the same file as a job through the service (jobs-run.ts), started anew for it: records/s from
 *   the end of the upload to completion, and the service's peak RSS;
 * - sync 1000-record requests one at a time with no job running, then while a smaller job runs;
 * - with --large, jobs of 5x and 10x the records (memory and time per record as the job grows), each
 *   in a service started anew, as the first job's, so that their peak RSS compare like with like; then
 *   the floor of the largest file, on a brand of its own (the floor's own time per record as it grows).
 * With every figure, the WAL the server wrote meanwhile and the checkpoints that the WAL's size
 * forced, and the server's settings that decide both.
 * Runs on a server only (the floor COPYs over the wire). Its figures join the run's JSON under
 * `jobs`, its lines the printed table, its targets the run's targets.
 */
import { DataSource } from 'typeorm';
import { World } from './batches';
import { removeBrand, seed, SeededBrand, serverSettings, walMark, walSince, WalUse } from './database';
import { JobFloorResult, measureJobFloor } from './jobs-floor';
import { JobLoad } from './jobs-load';
import { JobRun, NoJobRoutesError, runJob } from './jobs-run';
import { Latency, measureService, Phase, summarize, Throughput } from './measure';
import { formatProfile, summarizeProfile } from './profile-summary';
import type { ServiceProcess } from './service';

export interface JobsResults {
  /** records in the file; the brand holds records / 2 extensions before it */
  records: number;
  existing: number;
  /** shared_buffers, max_wal_size and the other settings of serverSettings */
  server: Record<string, string>;
  floor: JobFloorResult & { wal: WalUse };
  /** null when the service has no job routes (`notRun` says so) */
  job: JobRun | null;
  /** sync mixed batches one at a time: with no job running, then while a job of `jobRecords` runs */
  sync: null | { batch: number; jobRecords: number; noJob: Latency; duringJob: Latency; p99Ratio: number; job: JobRun };
  /** --large: jobs of more records, each against half as many extensions */
  large: JobRun[];
  /** --large: the floor of the largest of those files */
  largeFloor: (JobFloorResult & { wal: WalUse }) | null;
  notRun?: string;
}

export interface JobsContext {
  db: DataSource;
  service(): Promise<ServiceProcess>;
  /** the service started anew, so that a job's peak RSS starts from what a fresh process holds */
  freshService(): Promise<ServiceProcess>;
  /** the server's URL for the floor's own connection */
  url: string;
  /** whether the benchmark owns the database; if not, the brands it seeds are removed after */
  ownsDatabase: boolean;
  /** the sync figures' world and batch size, for the sync requests while a job runs */
  world: World;
  batch: number;
  latency: Phase;
  records: number;
  /** records of the job that the sync requests run beside */
  latencyJobRecords: number;
  largeRecords: number[];
  /** a CPU profile of the service while it processes the main job, written to this file */
  profileFile?: string;
  log(message: string): void;
  cleanup(fn: () => Promise<void>): void;
}

/** A brand of its own with the load's existing extensions (seed rows 0..existing-1). */
async function seedBrand(ctx: JobsContext, load: JobLoad): Promise<SeededBrand> {
  ctx.log(`jobs: seeding a brand with ${load.existing} extensions`);
  const brand = await seed(ctx.db, load.existing, ctx.log);
  if (!ctx.ownsDatabase) ctx.cleanup(() => removeBrand(ctx.db, brand.brandId));
  return brand;
}

/** The floor of a load on its brand, with the WAL it wrote. */
async function floorOf(ctx: JobsContext, brand: SeededBrand, load: JobLoad): Promise<JobFloorResult & { wal: WalUse }> {
  ctx.log(`job floor: COPY and merge of ${load.records} records`);
  const mark = await walMark(ctx.db);
  const floor = await measureJobFloor(ctx.url, brand, load);
  const wal = await walSince(ctx.db, mark);
  ctx.log(`job floor: ${floor.seconds.toFixed(1)} s, ${floor.recordsPerSecond.toFixed(0)} records/s, WAL ${wal.gb.toFixed(1)} GB`);
  return { ...floor, wal };
}

/** A job run (jobs-run.ts), with the WAL written from its upload to its end. */
async function jobWithWal(ctx: JobsContext, run: () => Promise<JobRun>): Promise<JobRun> {
  const mark = await walMark(ctx.db);
  const job = await run();
  return { ...job, wal: await walSince(ctx.db, mark) };
}

/** What the floor's or a job's writes left behind is vacuumed before the next measurement. */
async function settle(db: DataSource): Promise<void> {
  await db.query('VACUUM ANALYZE master_contact_extensions, consent_change, operation');
}

export async function measureJobs(ctx: JobsContext): Promise<JobsResults> {
  const load = new JobLoad(ctx.records);
  const server = await serverSettings(ctx.db);
  const floorBrand = await seedBrand(ctx, load);
  const jobBrand = await seedBrand(ctx, load);

  const floor = await floorOf(ctx, floorBrand, load);
  await settle(ctx.db);

  let job: JobRun;
  try {
    const service = await ctx.freshService();
    job = await jobWithWal(ctx, () => runJob(service, jobBrand, load, ctx.log, undefined, ctx.profileFile));
  } catch (err) {
    if (!(err instanceof NoJobRoutesError)) throw err;
    ctx.log(`jobs: ${err.message}; only the floor is measured`);
    return {
      records: load.records,
      existing: load.existing,
      server,
      floor,
      job: null,
      sync: null,
      large: [],
      largeFloor: null,
      notRun: err.message,
    };
  }
  if (ctx.profileFile)
    ctx.log(`CPU profile of the service processing the job: ${ctx.profileFile}\n${formatProfile(summarizeProfile(ctx.profileFile))}`);
  ctx.log(
    `job of ${load.records} records: ${job.processSeconds.toFixed(1)} s, ${job.recordsPerSecond.toFixed(0)} records/s, peak RSS ${job.peakRssMb.toFixed(0)} MB`,
  );
  await settle(ctx.db);

  const sync = await measureSyncBesideJob(ctx);
  await settle(ctx.db);

  const large: JobRun[] = [];
  for (const records of ctx.largeRecords) {
    const bigger = new JobLoad(records);
    const brand = await seedBrand(ctx, bigger);
    const service = await ctx.freshService();
    const run = await jobWithWal(ctx, () => runJob(service, brand, bigger, ctx.log));
    ctx.log(
      `job of ${records} records: ${run.processSeconds.toFixed(1)} s, ${run.recordsPerSecond.toFixed(0)} records/s, peak RSS ${run.peakRssMb.toFixed(0)} MB`,
    );
    large.push(run);
    await settle(ctx.db);
  }
  // after the jobs, so that their figures meet the database as the runs before this floor existed did
  let largeFloor: JobsResults['largeFloor'] = null;
  if (ctx.largeRecords.length > 0) {
    const largest = new JobLoad(Math.max(...ctx.largeRecords));
    largeFloor = await floorOf(ctx, await seedBrand(ctx, largest), largest);
  }
  return { records: load.records, existing: load.existing, server, floor, job, sync, large, largeFloor };
}

/** The requests with no job running, as a multiple of the latency phase's (100 requests). */
const SIDE_BASELINE_FACTOR = 5;

/**
 * Sync mixed batches one at a time on the sync figures' brand: first with no job running, then
 * back to back from the end of a job's upload to its end (at least one).
 */
async function measureSyncBesideJob(ctx: JobsContext): Promise<JobsResults['sync']> {
  const load = new JobLoad(ctx.latencyJobRecords);
  const brand = await seedBrand(ctx, load);
  const service = await ctx.service();
  // as many requests as the job's window holds (about 500 beside a 400k job): a p99 of 100 is
  // nearly their slowest one, and moved from 59 to 89 ms between runs
  const noJobPhase: Phase = { warmup: ctx.latency.warmup, requests: ctx.latency.requests * SIDE_BASELINE_FACTOR };
  const noJob = await measureService(service, ctx.world, 'mixed', ctx.batch, noJobPhase);
  ctx.log(`sync with no job: p50 ${noJob.p50.toFixed(1)} ms, p99 ${noJob.p99.toFixed(1)} ms`);
  const samples: number[] = [];
  const job = await jobWithWal(ctx, () =>
    runJob(service, brand, load, ctx.log, async (ended) => {
      do {
        const batch = ctx.world.build('mixed', ctx.batch);
        const reply = await service.upsert(batch.body);
        const e = batch.expected;
        if (
          reply.status !== 200 ||
          reply.body.inserted !== e.inserted ||
          reply.body.updated !== e.updated ||
          reply.body.unchanged !== e.unchanged
        ) {
          throw new Error(`sync beside a job: a mixed batch answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 500)}`);
        }
        batch.commit();
        samples.push(reply.ms);
      } while (!ended());
    }),
  );
  const duringJob = summarize(samples, 0);
  ctx.log(
    `sync while a job runs: ${samples.length} requests, p50 ${duringJob.p50.toFixed(1)} ms, p99 ${duringJob.p99.toFixed(1)} ms; the job's peak RSS ${job.peakRssMb.toFixed(0)} MB`,
  );
  return { batch: ctx.batch, jobRecords: load.records, noJob, duringJob, p99Ratio: duringJob.p99 / noJob.p99, job };
}

const f1 = (v: number): string => v.toFixed(1);
const f2 = (v: number): string => v.toFixed(2);
const floorUsPerRecord = (f: JobFloorResult): number => (f.seconds * 1e6) / f.records;

export function renderJobs(r: JobsResults): string[] {
  const s = r.floor.steps;
  const wal = (w: WalUse | undefined): string[] => (w ? [f1(w.gb), String(w.checkpointsRequested)] : ['', '']);
  const floorRow = (name: string, f: JobFloorResult & { wal: WalUse }) => [
    name,
    String(f.records),
    String(f.existing),
    '',
    f1(f.seconds),
    f.recordsPerSecond.toFixed(0),
    f1(floorUsPerRecord(f)),
    '',
    '',
    '',
    ...wal(f.wal),
  ];
  const row = (name: string, j: JobRun) => [
    name,
    String(j.records),
    String(j.existing),
    f1(j.uploadSeconds),
    f1(j.processSeconds),
    j.recordsPerSecond.toFixed(0),
    j.usPerRecord.toFixed(1),
    j.peakRssUploadMb.toFixed(0),
    j.peakRssMb.toFixed(0),
    f1(j.serviceCpuSeconds),
    ...wal(j.wal),
  ];
  return [
    '',
    table(
      [
        'import job',
        'records',
        'existing',
        'upload s',
        'process s',
        'records/s',
        'µs/record',
        'RSS upload MB',
        'RSS peak MB',
        'svc CPU s',
        'WAL GB',
        'ckpt req',
      ],
      [
        floorRow('floor (plain SQL)', r.floor),
        ...(r.job ? [row('job', r.job)] : []),
        ...(r.sync ? [row('job beside sync', r.sync.job)] : []),
        ...(r.largeFloor ? [floorRow('floor (--large)', r.largeFloor)] : []),
        ...r.large.map((j) => row('job (--large)', j)),
      ],
    ),
    `(process s: from the upload's answer to completion; svc CPU s: the service's CPU meanwhile; the floor: COPY ${f1(s.copy)}, lookup ${f1(s.lookup)}, update ${f1(s.update)}, ` +
      `insert ${f1(s.insert)}, log ${f1(s.log)}, commit ${f1(s.commit)} s)`,
    `(WAL GB: what the server wrote from the upload to the job's end, beside sync with the sync requests'; ckpt req: checkpoints requested ` +
      `meanwhile, by the WAL reaching max_wal_size above all; the server: ${Object.entries(r.server)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    ...(r.notRun ? [`import job: not run (${r.notRun})`] : []),
    ...(!r.sync
      ? []
      : [
          `sync mixed ${r.sync.batch}-record batch one at a time: no job p50 ${f1(r.sync.noJob.p50)} / p99 ${f1(r.sync.noJob.p99)} ms (${r.sync.noJob.requests} requests); ` +
            `while a job of ${r.sync.jobRecords} runs p50 ${f1(r.sync.duringJob.p50)} / p99 ${f1(r.sync.duringJob.p99)} ms (${r.sync.duringJob.requests} requests), p99 x${f2(r.sync.p99Ratio)}`,
        ]),
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export interface Target {
  name: string;
  target: string;
  value: string;
  pass: boolean | null;
}

/** The issue's job targets, judged on the run's own figures (the sync throughput of the same run). */
export function judgeJobs(r: JobsResults | null, throughput: Throughput[], large: boolean): Target[] {
  if (!r) return [{ name: 'import job targets', target: 'server runs', value: 'not run (embedded)', pass: null }];
  if (!r.job || !r.sync) return [{ name: 'import job targets', target: 'job routes', value: 'not run (no job routes)', pass: null }];
  const multi = throughput.filter((t) => t.clients > 1);
  const best = multi.reduce((m, t) => Math.max(m, t.recordsPerSecond), 0);
  const bestClients = multi.find((t) => t.recordsPerSecond === best)?.clients;
  const ofFloor = r.job.recordsPerSecond / r.floor.recordsPerSecond;
  const peak = Math.max(r.job.peakRssMb, r.sync.job.peakRssMb, ...r.large.map((j) => j.peakRssMb));
  const five = r.large.find((j) => j.records === r.records * 5);
  const ten = r.large.find((j) => j.records === r.records * 10);
  const rssRatio = five ? five.peakRssMb / r.job.peakRssMb : NaN;
  const timeRatio = ten ? ten.usPerRecord / r.job.usPerRecord : NaN;
  // the floor's own growth on this server, beside the job's (measured when --large ran the floor of the 10x file)
  const floorRatio =
    ten && r.largeFloor?.records === ten.records ? ` (floor ${f2(floorUsPerRecord(r.largeFloor) / floorUsPerRecord(r.floor))})` : '';
  return [
    {
      name: `job records/s vs sync best (${bestClients ?? '?'} clients)`,
      target: `>= ${best.toFixed(0)}`,
      value: r.job.recordsPerSecond.toFixed(0),
      pass: best > 0 && r.job.recordsPerSecond >= best,
    },
    { name: 'job records/s / job floor records/s', target: '>= 0.7', value: f2(ofFloor), pass: ofFloor >= 0.7 },
    { name: 'service peak RSS during jobs', target: '<= 300 MB', value: `${peak.toFixed(0)} MB`, pass: peak <= 300 },
    {
      name: `job peak RSS, ${r.records * 5} / ${r.records} records`,
      target: 'within 10 %',
      value: five ? f2(rssRatio) : 'not run (--large)',
      pass: five ? Math.abs(rssRatio - 1) <= 0.1 : large ? false : null,
    },
    { name: 'sync p99 while a job runs / no job', target: '<= 2', value: f2(r.sync.p99Ratio), pass: r.sync.p99Ratio <= 2 },
    {
      name: `job µs/record, ${r.records * 10} / ${r.records} records`,
      target: '<= 1.2',
      value: ten ? `${f2(timeRatio)}${floorRatio}` : 'not run (--large)',
      pass: ten ? timeRatio <= 1.2 : large ? false : null,
    },
  ];
}

/** Figures that must exist and be positive. */
export function missingJobFigures(r: JobsResults | null, large: boolean): string[] {
  if (!r) return ['jobs'];
  const missing: string[] = [];
  const positive = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v > 0)) missing.push(name);
  };
  positive('jobs.floor.recordsPerSecond', r.floor.recordsPerSecond);
  if (!r.job || !r.sync) return missing;
  positive('jobs.job.recordsPerSecond', r.job.recordsPerSecond);
  positive('jobs.job.peakRssMb', r.job.peakRssMb);
  positive('jobs.sync.noJob.p99', r.sync.noJob.p99);
  positive('jobs.sync.duringJob.p99', r.sync.duringJob.p99);
  if (large && r.large.length !== 2) missing.push('jobs.large');
  if (large && !r.largeFloor) missing.push('jobs.largeFloor');
  return missing;
}
