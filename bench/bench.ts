/**
 * `npm run bench [-- --smoke] [-- --embedded] [-- --large] [-- --profile]`: the benchmark of the
 * bulk upsert. Seeds a brand, starts the built service, and measures in one run, on the
 * same data and the same kinds of batches, the service end to end, the floor (the service's own SQL
 * run directly) and the naive ORM way, then throughput, memory and how the cost grows. Prints one
 * table and writes the figures to bench/results/<date>-<HHMM UTC>-<cores>cores[-embedded][-large][-<kinds>].json.
 * See bench/README.md for what each figure means.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { BATCH_KINDS, BatchKind, KIND_DESCRIPTIONS, World } from './batches';
import { extendSeed, maxId, openDataSource, prepareTarget, removeBrand, reset, seed, SeededBrand, serverVersion, Target } from './database';
import { judgeJobs, JobsResults, measureJobs, missingJobFigures, renderJobs } from './jobs-bench';
import {
  Floor,
  FloorLatency,
  Latency,
  measureInTurn,
  measureNaive,
  measureService,
  measureThroughput,
  Phase,
  ServiceTimeline,
  Throughput,
} from './measure';
import { formatProfile, summarizeProfile } from './profile-summary';
import { IndependentFloor } from './independent-floor';
import { HeapReport, ServiceProcess } from './service';

const ROOT = join(__dirname, '..');
const RESULTS = join(__dirname, 'results');
const TMP = join(RESULTS, 'tmp');

interface Options {
  /** the kinds of batch measured (--kinds=mixed,update); all by default; the targets need mixed */
  kinds: BatchKind[];
  /** the import job's figures (--no-jobs skips them) */
  jobs: boolean;
  smoke: boolean;
  embedded: boolean;
  large: boolean;
  profile: boolean;
  build: boolean;
}

function parseOptions(argv: string[]): Options {
  const known = ['--smoke', '--embedded', '--large', '--profile', '--no-build', '--no-jobs'];
  const kindsArg = argv.find((a) => a.startsWith('--kinds='));
  const kinds = kindsArg ? (kindsArg.slice('--kinds='.length).split(',') as BatchKind[]) : BATCH_KINDS;
  const unknown = argv.filter((a) => !known.includes(a) && a !== kindsArg);
  if (unknown.length > 0 || kinds.some((k) => !BATCH_KINDS.includes(k)) || !kinds.includes('mixed')) {
    process.stderr.write(
      `bench: ${unknown.length > 0 ? `unknown option ${unknown[0]}` : `--kinds takes some of ${BATCH_KINDS.join(',')}, mixed among them`}\n` +
        `usage: npm run bench -- [${known.join('] [')}] [--kinds=mixed,...]\n`,
    );
    process.exit(2);
  }
  return {
    kinds: BATCH_KINDS.filter((k) => kinds.includes(k)),
    jobs: !argv.includes('--no-jobs'),
    smoke: argv.includes('--smoke'),
    embedded: argv.includes('--embedded'),
    large: argv.includes('--large'),
    profile: argv.includes('--profile'),
    build: !argv.includes('--no-build'),
  };
}

/** How much of everything; the smoke run only proves that every figure can be produced. */
function plan(options: Options) {
  const smoke = options.smoke;
  return {
    rows: smoke ? 2_000 : 100_000,
    largeRows: smoke ? 10_000 : 1_000_000,
    batch: smoke ? 100 : 1000,
    latency: (smoke ? { warmup: 1, requests: 3 } : { warmup: 10, requests: 100 }) as Phase,
    naive: (smoke ? { warmup: 0, requests: 1 } : { warmup: 1, requests: 3 }) as Phase,
    growthSizes: smoke ? [1, 10, 100] : [1, 10, 100, 1000],
    growth: (smoke ? { warmup: 1, requests: 3 } : { warmup: 5, requests: 30 }) as Phase,
    clients: [1, 4, 8],
    throughputSeconds: smoke ? 1 : 10,
    /** records of the import job's file (and of its floor); of the job beside sync requests; of --large jobs */
    jobRecords: smoke ? 2_000 : 1_000_000,
    latencyJobRecords: smoke ? 2_000 : 400_000,
    largeJobRecords: smoke ? [10_000, 20_000] : [5_000_000, 10_000_000],
  };
}

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** The service must be the built one, and built from the current sources. */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
      const path = join(dir, entry.name);
      return Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  let built = 0;
  try {
    built = statSync(join(ROOT, 'dist', 'main.js')).mtimeMs;
  } catch {
    /* not built */
  }
  if (built > newest(join(ROOT, 'src'))) return;
  log('dist/ is missing or older than src/: npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

/**
 * The database and the service, opened on demand. On a server both stay open together. The
 * embedded database serves one process at a time, so there the one is closed to open the other.
 */
class Harness {
  private direct?: { dataSource: DataSource; close(): Promise<void> };
  private running?: ServiceProcess;
  /**
   * Added to the service's environment at its next start. The sync figures are taken with the
   * API's import job workers off: their queue polls would count among the requests' statements.
   */
  serviceEnv: NodeJS.ProcessEnv = { JOB_WORKERS: 'false' };
  brand!: SeededBrand;
  peakMemoryMb = 0;

  constructor(
    readonly target: Target,
    private readonly logFile: string,
  ) {}

  async db(): Promise<DataSource> {
    if (this.target.embedded) await this.stopService();
    this.direct ??= await openDataSource(this.target);
    return this.direct.dataSource;
  }

  async service(): Promise<ServiceProcess> {
    if (this.target.embedded && this.direct) {
      await this.direct.close();
      this.direct = undefined;
    }
    if (!this.running) {
      this.running = await ServiceProcess.start(this.target, this.brand, this.logFile, this.serviceEnv);
      log(`service started (pid ${this.running.pid}, port ${this.running.port})`);
    }
    return this.running;
  }

  async reset(): Promise<void> {
    await reset(await this.db(), this.brand);
  }

  /**
   * On a server, back to the seeded size before each service measurement. The embedded database
   * would have to stop the service for that, so there the table keeps what the service inserted.
   */
  async resetBetweenServiceRuns(): Promise<void> {
    if (!this.target.embedded) await this.reset();
  }

  async stopService(): Promise<void> {
    if (!this.running) return;
    this.peakMemoryMb = Math.max(this.peakMemoryMb, this.running.memory().peakMb);
    await this.running.stop();
    this.running = undefined;
  }

  async close(): Promise<void> {
    await this.stopService().catch(() => undefined);
    if (this.direct) {
      if (!this.target.ownsDatabase && this.brand) await removeBrand(this.direct.dataSource, this.brand.brandId).catch(() => undefined);
      await this.direct.close().catch(() => undefined);
      this.direct = undefined;
    } else if (!this.target.ownsDatabase && this.brand) {
      const direct = await openDataSource(this.target);
      await removeBrand(direct.dataSource, this.brand.brandId).catch(() => undefined);
      await direct.close();
    }
  }
}

interface KindResult {
  description: string;
  service: Latency;
  /** the service's own account of where its time goes (null on the embedded database) */
  timeline: ServiceTimeline | null;
  floor: FloorLatency;
  /** the independent floor (independent-floor.ts) */
  independent: Latency;
  naive: Latency;
  serviceOverFloorP50: number;
  serviceOverFloorP99: number;
  serviceOverIndependentP50: number;
  serviceOverIndependentP99: number;
  naiveOverService: number;
}

interface GrowthResult {
  size: number;
  service: Latency;
  floor: Latency;
  independent: Latency;
  servicePerRecordUs: number;
  serviceOverFloorP50: number;
  serviceOverIndependentP50: number;
}

interface Results {
  meta: Record<string, unknown>;
  kinds: Partial<Record<BatchKind, KindResult>>;
  growth: GrowthResult[];
  throughput: (Throughput & { speedup: number })[];
  memory: { peakRssUnder8ClientsMb: number; serviceVmHwmMb: number; atPeak?: HeapReport };
  large: null | {
    rows: number;
    baseRows: number;
    /** the mixed batch on the base table, measured right before the table grew */
    baseService: Latency;
    baseFloor: Latency;
    baseIndependent: Latency;
    service: Latency;
    floor: Latency;
    independent: Latency;
    serviceRatioP50: number;
    floorRatioP50: number;
  };
  /** the import job figures (server runs only) */
  jobs: JobsResults | null;
  profile: null | { file: string; byOwner: { name: string; share: number }[]; byFunction: { name: string; share: number }[] };
  targets: { name: string; target: string; value: string; pass: boolean | null }[];
}

/** The service's own account of a mixed request: its work before each statement, the statement, the answer. */
function timelineLines(mixed: KindResult | undefined): string[] {
  const t = mixed?.timeline;
  if (!mixed || !t) return [];
  return [
    table(
      ['service, mixed, by step (medians, ms)', 'node', 'db'],
      [...t.steps.map((s) => [s.label, f1(s.node), f1(s.db)]), ['(to the answer)', f1(t.after), '']],
    ),
    `(timed inside the service over ${t.requests} requests: node = its own work before the statement, db = the statement's round trip; ` +
      `per request node ${f1(t.node)} + db ${f1(t.db)}, arrival to answer ${f1(t.total)}; independent floor p50 ${f1(mixed.independent.p50)})`,
    '',
  ];
}

async function main(options: Options, cleanup: (fn: () => Promise<void>) => void): Promise<number> {
  const p = plan(options);
  if (options.build) ensureBuilt();
  mkdirSync(TMP, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = await prepareTarget(options.embedded);
  cleanup(() => target.dispose());
  const h = new Harness(target, join(TMP, `service-${stamp}.log`));
  cleanup(() => h.close());
  log(`target: ${target.description}; service log: ${join(TMP, `service-${stamp}.log`)}`);

  const db = await h.db();
  const postgres = await serverVersion(db);
  h.brand = await seed(db, p.rows, log);
  const world = new World(p.rows);
  log(`seeded ${p.rows} contacts with one extension each (brand ${h.brand.brandId})`);

  const results: Results = {
    meta: {
      date: new Date().toISOString(),
      mode: options.embedded ? 'embedded' : 'server',
      smoke: options.smoke,
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      postgres,
      target: target.description,
      rows: p.rows,
      batch: p.batch,
      logLevel: process.env.LOG_LEVEL ?? 'info',
      kinds: options.kinds,
      // other work on the machine skews every figure; the 1-minute load average tells
      loadAverageAtStart: loadavg()[0],
      phases: { latency: p.latency, naive: p.naive, growth: p.growth, throughputSeconds: p.throughputSeconds },
    },
    kinds: {},
    growth: [],
    throughput: [],
    memory: { peakRssUnder8ClientsMb: 0, serviceVmHwmMb: 0 },
    large: null,
    jobs: null,
    profile: null,
    targets: [],
  };

  // On a server, the service, the floor and the naive way take turns on each kind of batch
  // (measureInTurn), so that they meet the same conditions. The embedded database serves one process
  // at a time: there all service measurements come first, then the floor and naive ones.
  const inTurn = !target.embedded;
  const floorOf = new Map<BatchKind, FloorLatency>();
  const independentOf = new Map<BatchKind, Latency>();
  const independentGrowth = new Map<number, Latency>();
  const naiveOf = new Map<BatchKind, Latency>();
  const serviceOf = new Map<BatchKind, Latency>();
  const timelineOf = new Map<BatchKind, ServiceTimeline | null>();
  const floorGrowth = new Map<number, Latency>();
  const serviceGrowth = new Map<number, Latency>();
  const logKind = (kind: BatchKind) =>
    log(
      `${kind}: service p50 ${ms(serviceOf.get(kind)!.p50)}, p99 ${ms(serviceOf.get(kind)!.p99)}, ${serviceOf.get(kind)!.statements} statements; ` +
        `floor p50 ${ms(floorOf.get(kind)!.p50)}, independent floor p50 ${ms(independentOf.get(kind)!.p50)}, naive p50 ${ms(naiveOf.get(kind)!.p50)}`,
    );

  // 1. each kind of batch, then each batch size (mixed batches)
  if (inTurn) {
    for (const kind of options.kinds) {
      await h.reset();
      const floor = new Floor(await h.db(), h.brand);
      const independent = new IndependentFloor(await h.db(), h.brand);
      const naive = { dataSource: await h.db(), brand: h.brand, phase: p.naive };
      const m = await measureInTurn(await h.service(), floor, independent, naive, world, kind, p.batch, p.latency);
      serviceOf.set(kind, m.service);
      timelineOf.set(kind, m.timeline);
      floorOf.set(kind, m.floor);
      independentOf.set(kind, m.independent);
      naiveOf.set(kind, m.naive!);
      logKind(kind);
    }
    for (const size of p.growthSizes) {
      await h.reset();
      const db = await h.db();
      const m = await measureInTurn(
        await h.service(),
        new Floor(db, h.brand),
        new IndependentFloor(db, h.brand),
        undefined,
        world,
        'mixed',
        size,
        p.growth,
      );
      serviceGrowth.set(size, m.service);
      floorGrowth.set(size, m.floor);
      independentGrowth.set(size, m.independent);
      log(
        `mixed batch of ${size}: service p50 ${ms(m.service.p50)}, floor p50 ${ms(m.floor.p50)}, independent floor p50 ${ms(m.independent.p50)}`,
      );
    }
  } else {
    for (const kind of options.kinds) serviceOf.set(kind, await measureService(await h.service(), world, kind, p.batch, p.latency));
    for (const size of p.growthSizes) serviceGrowth.set(size, await measureService(await h.service(), world, 'mixed', size, p.growth));
    // the floor and naive runs, once the service is stopped (h.db() stops it)
    for (const kind of options.kinds) {
      await h.reset();
      floorOf.set(kind, await new Floor(await h.db(), h.brand).measure(world, kind, p.batch, p.latency));
      await h.reset();
      independentOf.set(kind, await new IndependentFloor(await h.db(), h.brand).measure(world, kind, p.batch, p.latency));
      await h.reset();
      naiveOf.set(kind, await measureNaive(await h.db(), h.brand, world, kind, p.batch, p.naive));
      logKind(kind);
    }
    for (const size of p.growthSizes) {
      await h.reset();
      floorGrowth.set(size, await new Floor(await h.db(), h.brand).measure(world, 'mixed', size, p.growth));
      await h.reset();
      independentGrowth.set(size, await new IndependentFloor(await h.db(), h.brand).measure(world, 'mixed', size, p.growth));
      log(`mixed batch of ${size}: service p50 ${ms(serviceGrowth.get(size)!.p50)}, floor p50 ${ms(floorGrowth.get(size)!.p50)}`);
    }
  }

  // 2. throughput with concurrent clients, and the service's memory under the heaviest load
  for (const clients of p.clients) {
    await h.resetBetweenServiceRuns();
    const service = await h.service();
    const profiling = options.profile && clients === p.clients[p.clients.length - 1];
    if (profiling) await service.profileStart();
    let peakRss = 0;
    // the service's own account of its memory, kept from the sample where its RSS was highest;
    // asked at most every 250 ms (it costs the service some CPU: process.memoryUsage reads /proc)
    let atPeak: HeapReport | undefined;
    let askedAt = 0;
    const sample = () => {
      peakRss = Math.max(peakRss, service.memory().rssMb);
      if (performance.now() - askedAt < 250) return;
      askedAt = performance.now();
      service.heap().then(
        (report) => {
          if (!atPeak || report.rss > atPeak.rss) atPeak = report;
        },
        () => undefined, // a service that died is reported by the load's own errors
      );
    };
    const t = await measureThroughput(service, world, clients, p.batch, p.throughputSeconds, sample);
    if (profiling) {
      const file = await service.profileStop(join(TMP, `service-${stamp}.cpuprofile`));
      const summary = summarizeProfile(file);
      results.profile = {
        file,
        byOwner: summary.byOwner.map(({ name, share }) => ({ name, share })),
        byFunction: summary.byFunction.map(({ name, share }) => ({ name, share })),
      };
      log(`CPU profile of the service under ${clients} clients: ${file}\n${formatProfile(summary)}`);
    }
    sample();
    if (clients === p.clients[p.clients.length - 1]) {
      results.memory = { peakRssUnder8ClientsMb: peakRss, serviceVmHwmMb: service.memory().peakMb, atPeak };
    }
    const single = results.throughput[0]?.recordsPerSecond ?? t.recordsPerSecond;
    results.throughput.push({ ...t, speedup: t.recordsPerSecond / single });
    log(`${clients} client(s): ${t.recordsPerSecond.toFixed(0)} records/s, ${t.errors} errors`);
  }

  for (const kind of options.kinds) {
    const service = serviceOf.get(kind)!;
    const floor = floorOf.get(kind)!;
    const independent = independentOf.get(kind)!;
    const naive = naiveOf.get(kind)!;
    results.kinds[kind] = {
      description: KIND_DESCRIPTIONS[kind],
      service,
      timeline: timelineOf.get(kind) ?? null,
      floor,
      independent,
      naive,
      serviceOverFloorP50: service.p50 / floor.p50,
      serviceOverFloorP99: service.p99 / floor.p99,
      serviceOverIndependentP50: service.p50 / independent.p50,
      serviceOverIndependentP99: service.p99 / independent.p99,
      naiveOverService: naive.p50 / service.p50,
    };
  }
  for (const size of p.growthSizes) {
    const service = serviceGrowth.get(size)!;
    const floor = floorGrowth.get(size)!;
    const independent = independentGrowth.get(size)!;
    results.growth.push({
      size,
      service,
      floor,
      independent,
      servicePerRecordUs: (service.p50 * 1000) / size,
      serviceOverFloorP50: service.p50 / floor.p50,
      serviceOverIndependentP50: service.p50 / independent.p50,
    });
  }

  // 4. the mixed batch on a ten times larger table
  if (options.large) {
    // the service and the floor on the mixed batch, in turn on a server, one after the other (the
    // table reset between them) on the embedded database
    const mixed = async (): Promise<{ service: Latency; floor: FloorLatency; independent: Latency }> => {
      await h.reset();
      const db = await h.db();
      if (inTurn) {
        const service = await h.service();
        return measureInTurn(
          service,
          new Floor(db, h.brand),
          new IndependentFloor(db, h.brand),
          undefined,
          world,
          'mixed',
          p.batch,
          p.latency,
        );
      }
      const service = await measureService(await h.service(), world, 'mixed', p.batch, p.latency);
      await h.reset();
      const floor = await new Floor(await h.db(), h.brand).measure(world, 'mixed', p.batch, p.latency);
      await h.reset();
      return { service, floor, independent: await new IndependentFloor(await h.db(), h.brand).measure(world, 'mixed', p.batch, p.latency) };
    };
    // the mixed batch on the base table once more, right before, so that the ratio compares like with like
    const { service: baseService, floor: baseFloor, independent: baseIndependent } = await mixed();
    log(`mixed on ${p.rows} rows again: service p50 ${ms(baseService.p50)}, floor p50 ${ms(baseFloor.p50)}`);
    const db = await h.db();
    log(`growing the table to ${p.largeRows} rows`);
    await extendSeed(db, h.brand.brandId, p.rows, p.largeRows, log);
    h.brand.seedMaxId = await maxId(db, h.brand.brandId);
    world.grow(p.largeRows);
    const { service, floor, independent } = await mixed();
    results.large = {
      rows: p.largeRows,
      baseRows: p.rows,
      baseService,
      baseFloor,
      baseIndependent,
      service,
      floor,
      independent,
      serviceRatioP50: service.p50 / baseService.p50,
      floorRatioP50: floor.p50 / baseFloor.p50,
    };
    log(`mixed on ${p.largeRows} rows: service p50 ${ms(service.p50)}, floor p50 ${ms(floor.p50)}`);
  }

  await h.stopService();
  results.memory.serviceVmHwmMb = Math.max(results.memory.serviceVmHwmMb, h.peakMemoryMb);

  // 5. import jobs and their floor (jobs-bench.ts), on brands of their own, with the service
  // started again as in production, its job workers on
  if (!target.embedded && options.jobs) {
    h.serviceEnv = {};
    results.jobs = await measureJobs({
      db: await h.db(),
      service: () => h.service(),
      freshService: async () => {
        await h.stopService();
        return h.service();
      },
      url: target.url as string,
      ownsDatabase: target.ownsDatabase,
      world,
      batch: p.batch,
      latency: p.latency,
      records: p.jobRecords,
      latencyJobRecords: p.latencyJobRecords,
      largeRecords: options.large ? p.largeJobRecords : [],
      profileFile: options.profile ? join(TMP, `service-${stamp}-job.cpuprofile`) : undefined,
      log,
      cleanup,
    });
    await h.stopService();
  }
  results.meta.loadAverageAtEnd = loadavg()[0];
  results.targets = judge(results, options);

  process.stdout.write(render(results) + '\n');
  const file = options.smoke
    ? join(TMP, `smoke-${stamp}.json`)
    : join(
        RESULTS,
        `${stamp.slice(0, 10)}-${stamp.slice(11, 13)}${stamp.slice(14, 16)}-${cpus().length}cores${options.embedded ? '-embedded' : ''}${options.large ? '-large' : ''}` +
          `${options.kinds.length < BATCH_KINDS.length ? `-${options.kinds.join('-')}` : ''}.json`,
      );
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  log(`figures written to ${file}`);

  const missing = missingFigures(results, options);
  if (missing.length > 0) {
    process.stderr.write(`bench: figures missing or not positive: ${missing.join(', ')}\n`);
    return 1;
  }
  return 0;
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;

/** The issue's targets, judged on this run's own figures. */
function judge(r: Results, options: Options): Results['targets'] {
  const mixed = r.kinds.mixed as KindResult;
  const t1 = r.throughput.find((t) => t.clients === 1);
  const t4 = r.throughput.find((t) => t.clients === 4);
  const fromSize = r.growth.filter((g) => g.size >= 10);
  const statements = fromSize.map((g) => g.service.statements);
  const linear = r.growth.every((g, k) => k === 0 || g.service.p50 / r.growth[k - 1].service.p50 <= g.size / r.growth[k - 1].size);
  const errors = r.throughput.reduce((n, t) => n + t.errors, 0);
  const mirrored = BATCH_KINDS.every((k) => !r.kinds[k] || r.kinds[k]!.service.statements === r.kinds[k]!.floor.statements);
  return [
    {
      // the floor must issue what the service issues; when the service's SQL changes, bench/measure.ts must follow
      name: "floor issues the service's statements",
      target: 'same count',
      value: BATCH_KINDS.filter((k) => r.kinds[k])
        .map((k) => `${r.kinds[k]!.service.statements}/${r.kinds[k]!.floor.statements}`)
        .join(' '),
      pass: mirrored,
    },
    {
      name: 'service/floor, mixed, p50',
      target: '<= 1.5',
      value: mixed.serviceOverFloorP50.toFixed(2),
      pass: mixed.serviceOverFloorP50 <= 1.5,
    },
    {
      name: 'service/floor, mixed, p99',
      target: '<= 2.0',
      value: mixed.serviceOverFloorP99.toFixed(2),
      pass: mixed.serviceOverFloorP99 <= 2.0,
    },
    {
      name: 'service/independent floor, mixed, p50',
      target: '<= 1.2',
      value: mixed.serviceOverIndependentP50.toFixed(2),
      pass: mixed.serviceOverIndependentP50 <= 1.2,
    },
    {
      name: 'service/independent floor, mixed, p99',
      target: '<= 1.5',
      value: mixed.serviceOverIndependentP99.toFixed(2),
      pass: mixed.serviceOverIndependentP99 <= 1.5,
    },
    { name: 'naive/service, mixed, p50', target: '>= 25', value: mixed.naiveOverService.toFixed(1), pass: mixed.naiveOverService >= 25 },
    {
      name: 'SQL statements per request, sizes 10..max',
      target: 'constant',
      value: statements.map((s) => s.toFixed(0)).join(', '),
      pass: statements.every((s) => Math.round(s) === Math.round(statements[0])),
    },
    {
      name: '4 clients / 1 client, records/s',
      target: '>= 1.5, no errors',
      value: `${t4 && t1 ? (t4.recordsPerSecond / t1.recordsPerSecond).toFixed(2) : '?'}, ${errors} errors`,
      pass: !!t4 && !!t1 && t4.recordsPerSecond / t1.recordsPerSecond >= 1.5 && errors === 0,
    },
    {
      name: 'service peak RSS under 8 clients',
      target: '< 300 MB (server)',
      value: `${r.memory.peakRssUnder8ClientsMb.toFixed(0)} MB`,
      pass: options.embedded ? null : r.memory.peakRssUnder8ClientsMb < 300,
    },
    { name: 'time per request vs batch size', target: 'at most linear', value: linear ? 'sublinear' : 'superlinear', pass: linear },
    {
      name: `mixed p50, ${r.large?.rows ?? '1M'} rows / ${r.meta.rows} rows`,
      target: '<= 1.5',
      value: r.large ? r.large.serviceRatioP50.toFixed(2) : 'not run (--large)',
      pass: r.large ? r.large.serviceRatioP50 <= 1.5 : null,
    },
    ...(options.jobs
      ? judgeJobs(r.jobs, r.throughput, options.large)
      : [{ name: 'import job targets', target: 'server runs', value: 'not run (--no-jobs)', pass: null }]),
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const f1 = (v: number): string => v.toFixed(1);
const f2 = (v: number): string => v.toFixed(2);

export function render(r: Results): string {
  const m = r.meta;
  const busy = Math.max(Number(m.loadAverageAtStart), Number(m.loadAverageAtEnd)) > Number(m.cores);
  const out: string[] = [
    '',
    ...(busy
      ? [
          `WARNING: the machine was busy (load average ${Number(m.loadAverageAtStart).toFixed(1)} at start, ${Number(m.loadAverageAtEnd).toFixed(1)} at end, ${m.cores} cores): figures are skewed`,
        ]
      : []),
    `Bulk upsert benchmark: ${m.mode}, PostgreSQL ${m.postgres}, ${m.cores} cores (${m.cpu}), Node ${m.node}, ` +
      `${m.rows} existing extensions, ${m.batch}-record batches${m.smoke ? ' (SMOKE: tiny figures, not comparable)' : ''}`,
    '',
    table(
      [
        'batch',
        'svc p50',
        'p95',
        'p99',
        'floor p50',
        'p99',
        'svc/floor p50',
        'p99',
        'naive p50',
        'naive/svc',
        'stmts svc',
        'floor',
        'naive',
      ],
      BATCH_KINDS.filter((k) => r.kinds[k]).map((k) => {
        const x = r.kinds[k] as KindResult;
        return [
          k,
          f1(x.service.p50),
          f1(x.service.p95),
          f1(x.service.p99),
          f1(x.floor.p50),
          f1(x.floor.p99),
          f2(x.serviceOverFloorP50),
          f2(x.serviceOverFloorP99),
          x.naive.p50.toFixed(0),
          f1(x.naiveOverService),
          x.service.statements.toFixed(0),
          x.floor.statements.toFixed(0),
          x.naive.statements.toFixed(0),
        ];
      }),
    ),
    '(times in ms; svc = HTTP end to end; floor = the same SQL run directly; stmts = SQL statements per request)',
    '',
    table(
      ['batch', 'independent floor p50', 'p95', 'p99', 'svc/indep p50', 'p99', 'stmts'],
      BATCH_KINDS.filter((k) => r.kinds[k]).map((k) => {
        const x = r.kinds[k] as KindResult;
        return [
          k,
          f1(x.independent.p50),
          f1(x.independent.p95),
          f1(x.independent.p99),
          f2(x.serviceOverIndependentP50),
          f2(x.serviceOverIndependentP99),
          x.independent.statements.toFixed(0),
        ];
      }),
    ),
    '(independent floor = the same work in the plainest SQL, written in the benchmark, in one transaction: bench/independent-floor.ts)',
    '',
    table(
      ['floor p50 by step', 'user', 'limit', 'begin', 'lookup', 'write', 'commit'],
      BATCH_KINDS.filter((k) => r.kinds[k]).map((k) => {
        const x = (r.kinds[k] as KindResult).floor.parts;
        return [k, f1(x.auth), f1(x.limit), f1(x.begin), f1(x.lookup), f1(x.write), f1(x.commit)];
      }),
    ),
    '',
    ...timelineLines(r.kinds.mixed),
    table(
      ['mixed batch of', 'svc p50 ms', 'µs/record', 'floor p50 ms', 'svc/floor', 'indep p50 ms', 'svc/indep', 'stmts svc', 'stmts floor'],
      r.growth.map((g) => [
        String(g.size),
        f1(g.service.p50),
        g.servicePerRecordUs.toFixed(0),
        f1(g.floor.p50),
        f2(g.serviceOverFloorP50),
        f1(g.independent.p50),
        f2(g.serviceOverIndependentP50),
        g.service.statements.toFixed(0),
        g.floor.statements.toFixed(0),
      ]),
    ),
    '',
    table(
      ['clients', 'requests', 'records/s', 'vs 1 client', 'p50 ms', 'p99 ms', 'errors'],
      r.throughput.map((t) => [
        String(t.clients),
        String(t.requests),
        t.recordsPerSecond.toFixed(0),
        f2(t.speedup),
        f1(t.p50),
        f1(t.p99),
        String(t.errors),
      ]),
    ),
    `service memory: peak RSS under 8 clients ${r.memory.peakRssUnder8ClientsMb.toFixed(0)} MB, VmHWM over the run ${r.memory.serviceVmHwmMb.toFixed(0)} MB`,
  ];
  const heap = r.memory.atPeak;
  if (heap) {
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)}`;
    const spaces = Object.entries(heap.spaces)
      .filter(([, bytes]) => bytes >= 2 ** 20)
      .map(([name, bytes]) => `${name.replace(/_space$/, '')} ${mb(bytes)}`)
      .join(', ');
    out.push(
      `  at its highest sample, MB: RSS ${mb(heap.rss)} = V8 heap ${mb(heap.heapTotal)} (${spaces}) + external ${mb(heap.external)} ` +
        `(array buffers ${mb(heap.arrayBuffers)}) + the rest ${mb(heap.rss - heap.heapTotal - heap.external)} (code, stacks, native)`,
    );
  }
  if (r.jobs) out.push(...renderJobs(r.jobs));
  if (r.large) {
    out.push(
      `mixed batch on ${r.large.rows} rows: service p50 ${f1(r.large.service.p50)} ms (x${f2(r.large.serviceRatioP50)} of ${f1(r.large.baseService.p50)} ms ` +
        `on ${r.large.baseRows} rows just before), p99 ${f1(r.large.service.p99)} ms; floor p50 ${f1(r.large.floor.p50)} ms (x${f2(r.large.floorRatioP50)} of ${f1(r.large.baseFloor.p50)} ms); ` +
        `independent floor p50 ${f1(r.large.independent.p50)} ms (x${f2(r.large.independent.p50 / r.large.baseIndependent.p50)} of ${f1(r.large.baseIndependent.p50)} ms)`,
    );
  }
  out.push(
    '',
    table(
      ['target', 'wanted', 'measured', 'result'],
      r.targets.map((t) => [t.name, t.target, t.value, t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'FAIL']),
    ),
  );
  return out.join('\n');
}

/** The smoke run's only assertion: every figure exists and is positive. */
function missingFigures(r: Results, options: Options): string[] {
  const missing: string[] = [];
  const positive = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) missing.push(name);
  };
  const latency = (name: string, l: Latency | undefined) => {
    if (!l) return missing.push(name);
    for (const key of ['p50', 'p95', 'p99', 'statements'] as const) positive(`${name}.${key}`, l[key]);
  };
  for (const kind of options.kinds) {
    const k = r.kinds[kind];
    latency(`${kind}.service`, k?.service);
    latency(`${kind}.floor`, k?.floor);
    latency(`${kind}.independent`, k?.independent);
    latency(`${kind}.naive`, k?.naive);
  }
  for (const g of r.growth) {
    latency(`growth${g.size}.service`, g.service);
    latency(`growth${g.size}.floor`, g.floor);
    latency(`growth${g.size}.independent`, g.independent);
  }
  if (r.throughput.length !== 3) missing.push('throughput');
  for (const t of r.throughput) positive(`throughput${t.clients}.recordsPerSecond`, t.recordsPerSecond);
  positive('memory.peakRssUnder8ClientsMb', r.memory.peakRssUnder8ClientsMb);
  if (options.large) latency('large.service', r.large?.service);
  if (!options.embedded && options.jobs) missing.push(...missingJobFigures(r.jobs, options.large));
  return missing;
}

if (require.main === module) {
  const options = parseOptions(process.argv.slice(2));
  const cleanups: (() => Promise<void>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) await fn().catch((err: Error) => log(`cleanup: ${err.message}`));
    })());
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping the service and removing the benchmark database`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  const started = Date.now();
  main(options, (fn) => cleanups.push(fn))
    .catch((err: Error) => {
      // once interrupted, requests cut off by the service's stop are no news
      if (!interrupted) process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
      return 1;
    })
    .then(async (code) => {
      await cleanUp();
      log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      process.exit(code);
    });
}
