/**
 * The three ways of running a batch, each timed on the same kind of batch and table:
 * - service: the HTTP request end to end against the built service;
 * - floor: the statements the service issues for that batch (the same repository methods and the
 *   same retrying transaction, imported from src/), run in this process with no HTTP, Nest or
 *   validation; the planner's time between lookup and writes is subtracted: where the service's
 *   database time goes;
 * - independent floor (independent-floor.ts): the same work in the plainest SQL, written in the
 *   benchmark: the yardstick that does not move with the service's SQL;
 * - naive: per record a TypeORM findOne then a save, all in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { ApiUsersRepository } from '../src/auth/api-users.repository';
import { ContactExtensionsRepository } from '../src/contact-extensions/contact-extensions.repository';
import { ContactExtension } from '../src/contact-extensions/entities/contact-extension.entity';
import { lookupKeysOf, PlanOptions, prepareRecords } from '../src/contact-extensions/upsert-planner';
import { ExtensionsUpsert } from '../src/contact-extensions/upsert-transaction';
import { runInRetryingTransaction } from '../src/database/retrying-transaction';
import { ConsentChange } from '../src/operations/entities/consent-change.entity';
import { Operation } from '../src/operations/entities/operation.entity';
import { OperationsRecorder } from '../src/operations/operations.recorder';
import { PostgresLimitStore } from '../src/rate-limit/postgres-limit-store';
import { Batch, BatchKind, COLUMNS, Lane, World } from './batches';
import type { SeededBrand } from './database';
import { BULK_LIMITS, type ServiceProcess, type TimedRequest } from './service';
// plain JS, shared with the service's preload
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { countQueries } = require('./query-counter') as { countQueries(): () => number };

export interface Latency {
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** SQL statements per request (or per run) */
  statements: number;
}

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(samples: number[], statements: number): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    requests: samples.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    statements,
  };
}

function checkCounts(where: string, batch: Batch, got: { inserted: number; updated: number; unchanged: number; failed?: number }): void {
  const e = batch.expected;
  if (got.inserted !== e.inserted || got.updated !== e.updated || got.unchanged !== e.unchanged || (got.failed ?? 0) !== 0) {
    throw new Error(
      `${where}: a ${batch.kind} batch of ${batch.records.length} gave ${JSON.stringify(got)}, expected ${JSON.stringify(e)}`,
    );
  }
}

/** A way of running a batch outside the service, timed by itself (the independent floor). */
export interface TimedRun {
  run(batch: Batch): Promise<{ ms: number; statements: number }>;
}

/** Where the floor's time goes (medians, ms): the round trips of one request. */
export interface FloorParts {
  /** the token's API user */
  auth: number;
  /** the brand's rate and concurrency limit: the hit before, giving the slot back after */
  limit: number;
  /** START TRANSACTION and SET TRANSACTION ISOLATION LEVEL (and taking a pooled connection) */
  begin: number;
  lookup: number;
  /** the step-aside UPDATE of renames, if any, then one statement: the UPDATE, the INSERT, the operations log and consent history */
  write: number;
  /** COMMIT (the WAL flush) and releasing the connection */
  commit: number;
}

export interface Phase {
  warmup: number;
  requests: number;
}

/**
 * The benchmark's own garbage, collected before each timed request (serviceOnce, Floor.run,
 * IndependentFloor.run and runNaive start with it), so that a collection of the benchmark's heap
 * (every batch and answer of the run) does not land inside a figure: it would count against the
 * floor's steps, which run in this process. `npm run bench` and `npm run bench:compare` start Node
 * with --expose-gc, and with --single-threaded-gc: a collection on V8's helper threads goes on after
 * gc() returns and took the two cores from the request timed next (bench/README.md, "The collector
 * round").
 */
export function collectOwnGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** One request of the batch to the service: its time; the answer is checked against what the batch must do. */
export async function serviceOnce(service: ServiceProcess, batch: Batch): Promise<number> {
  collectOwnGarbage();
  const reply = await service.upsert(batch.body);
  if (reply.status !== 200) {
    throw new Error(`service: a ${batch.kind} batch answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 500)}`);
  }
  checkCounts('service', batch, reply.body);
  batch.commit();
  return reply.ms;
}

/** Sequential requests, one at a time. */
export async function measureService(service: ServiceProcess, world: World, kind: BatchKind, size: number, phase: Phase): Promise<Latency> {
  const samples: number[] = [];
  let statementsBefore = 0;
  for (let k = 0; k < phase.warmup + phase.requests; k++) {
    if (k === phase.warmup) statementsBefore = await service.queries();
    const ms = await serviceOnce(service, world.build(kind, size));
    if (k >= phase.warmup) samples.push(ms);
  }
  const statements = ((await service.queries()) - statementsBefore) / phase.requests;
  return summarize(samples, statements);
}

export class Floor {
  private readonly upsert: ExtensionsUpsert;
  private readonly users: ApiUsersRepository;
  private readonly limits: PostgresLimitStore;
  private readonly queries = countQueries();

  constructor(
    private readonly dataSource: DataSource,
    private readonly brand: SeededBrand,
  ) {
    this.upsert = new ExtensionsUpsert(new ContactExtensionsRepository(dataSource), new OperationsRecorder());
    this.users = new ApiUsersRepository(dataSource);
    this.limits = new PostgresLimitStore(dataSource);
  }

  /**
   * One batch through the statements the service issues for it, in its order: the token's user,
   * the brand's rate limit hit, the upsert transaction (lookup, writes, operations log), the slot
   * given back. What runs between the lookup and the writes in the service (planning) runs here
   * too, untimed.
   */
  async run(batch: Batch): Promise<{ ms: number; statements: number; parts: FloorParts }> {
    const options: PlanOptions = { columns: new Set(COLUMNS), insertIfNotExists: batch.insertIfNotExists };
    const prepared = prepareRecords(batch.records, options);
    const keys = lookupKeysOf(prepared);
    const { brandId, userId, userKey } = this.brand;
    const bucket = `bulk:brand:${brandId}`;
    const token = randomUUID();
    const at: Record<string, number> = {};
    collectOwnGarbage();
    const before = this.queries();
    at.start = performance.now();
    if (!(await this.users.findActiveForToken(userId, 0))) throw new Error('floor: the benchmark user was not found');
    at.auth = performance.now();
    const hit = await this.limits.hit({
      bucket,
      limit: BULK_LIMITS.rate,
      windowMs: BULK_LIMITS.windowSeconds * 1000,
      slot: { limit: BULK_LIMITS.concurrency, token, leaseMs: 120_000 },
    });
    if (!hit.allowed) throw new Error('floor: refused by the rate limit');
    at.hit = performance.now();
    const startedAt = new Date();
    const plan = await runInRetryingTransaction(this.dataSource, async (runner, tx) => {
      at.begin = performance.now();
      const { plan: planned, consentChanges } = await this.upsert.run(runner, {
        brandId,
        prepared,
        keys,
        options,
        askContacts: tx.attempt > 1,
        operation: { kind: 'contact_extensions.bulk_upsert', requestId: randomUUID(), user: { id: userId, userKey, brandId }, startedAt },
        onStep: (step) => (at[step] = performance.now()),
      });
      if (consentChanges !== batch.consentChanges) {
        throw new Error(`floor: a ${batch.kind} batch logged ${consentChanges} consent changes, expected ${batch.consentChanges}`);
      }
      return planned;
    });
    at.committed = performance.now();
    await this.limits.releaseSlot(bucket, token);
    at.end = performance.now();
    const parts: FloorParts = {
      auth: at.auth - at.start,
      limit: at.hit - at.auth + (at.end - at.committed),
      begin: at.begin - at.hit,
      lookup: at.lookup - at.begin,
      write: at.write - at.plan,
      commit: at.committed - at.write,
    };
    // planning, between the lookup and the writes, is the service's own work
    const ms = at.end - at.start - (at.plan - at.lookup);
    const statements = this.queries() - before;
    checkCounts('floor', batch, {
      inserted: plan.inserts.length,
      updated: plan.updates.length,
      unchanged: plan.unchanged,
      failed: plan.failed,
    });
    batch.commit();
    return { ms, statements, parts };
  }

  async measure(world: World, kind: BatchKind, size: number, phase: Phase): Promise<FloorLatency> {
    const runs: FloorRun[] = [];
    for (let k = 0; k < phase.warmup + phase.requests; k++) {
      const run = await this.run(world.build(kind, size));
      if (k >= phase.warmup) runs.push(run);
    }
    return summarizeFloor(runs);
  }
}

type FloorRun = Awaited<ReturnType<Floor['run']>>;
export type FloorLatency = Latency & { parts: FloorParts };

/** The floor's runs: latency over the whole runs, and the median of each step. */
function summarizeFloor(runs: FloorRun[]): FloorLatency {
  const median = (key: keyof FloorParts) =>
    percentile(
      runs.map((r) => r.parts[key]).sort((a, b) => a - b),
      50,
    );
  return {
    ...summarize(
      runs.map((r) => r.ms),
      Math.max(...runs.map((r) => r.statements)),
    ),
    parts: {
      auth: median('auth'),
      limit: median('limit'),
      begin: median('begin'),
      lookup: median('lookup'),
      write: median('write'),
      commit: median('commit'),
    },
  };
}

/** Where the service's own time goes on one kind of batch: medians over its timed requests (ms). */
export interface ServiceTimeline {
  requests: number;
  /** each statement in order: the service's work before it (node), then its round trip (db) */
  steps: { label: string; node: number; db: number }[];
  /** from the last statement's answer to the request's answer */
  after: number;
  /** per request: all its own work, all its statements' round trips, arrival to answer */
  node: number;
  db: number;
  total: number;
}

/** The medians of the requests that sent the most common number of statements (a retried one sends more). */
export function summarizeTimeline(requests: TimedRequest[]): ServiceTimeline | null {
  const counts = new Map<number, number>();
  for (const r of requests) counts.set(r.statements.length, (counts.get(r.statements.length) ?? 0) + 1);
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const usual = requests.filter((r) => r.statements.length === common);
  if (usual.length === 0) return null;
  const median = (values: number[]): number =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  return {
    requests: usual.length,
    steps: usual[0].statements.map((s, i) => ({
      label: s.label,
      node: median(usual.map((r) => r.statements[i].node)),
      db: median(usual.map((r) => r.statements[i].db)),
    })),
    after: median(usual.map((r) => r.after)),
    node: median(usual.map((r) => r.statements.reduce((sum, s) => sum + s.node, r.after))),
    db: median(usual.map((r) => r.statements.reduce((sum, s) => sum + s.db, 0))),
    total: median(usual.map((r) => r.total)),
  };
}

/**
 * The service, the floor, the independent floor and (if asked) the naive way on one kind of batch,
 * taking turns: a service request, then the floor's run of the next batch, then the independent
 * floor's of the one after, with the naive runs spread evenly among them. All of them then meet the
 * table as the batches leave it: 110 update batches leave 110k dead index entries
 * behind, and whatever ran after them measured slower (the floor's update step 31 ms after the
 * service's, 14 ms before it). Only on a server: the embedded database serves one process at a time.
 */
export async function measureInTurn(
  service: ServiceProcess,
  floor: Floor,
  independent: TimedRun,
  naive: { dataSource: DataSource; brand: SeededBrand; phase: Phase } | undefined,
  world: World,
  kind: BatchKind,
  size: number,
  phase: Phase,
): Promise<{ service: Latency; timeline: ServiceTimeline | null; floor: FloorLatency; independent: Latency; naive?: Latency }> {
  const total = phase.warmup + phase.requests;
  const naiveRuns = naive ? naive.phase.warmup + naive.phase.requests : 0;
  // the naive runs go after evenly spread turns (the first ones are its warm-up)
  const naiveTurn = (i: number): number => Math.floor(((i + 0.5) * total) / naiveRuns);
  const serviceSamples: number[] = [];
  const floorRuns: FloorRun[] = [];
  const independentSamples: number[] = [];
  let independentStatements = 0;
  const naiveSamples: number[] = [];
  let naiveStatements = 0;
  let naiveDone = 0;
  let statementsBefore = 0;
  for (let k = 0; k < total; k++) {
    const timed = k >= phase.warmup;
    if (k === phase.warmup) {
      statementsBefore = await service.queries();
      await service.timelineStart();
    }
    const ms = await serviceOnce(service, world.build(kind, size));
    if (timed) serviceSamples.push(ms);
    const run = await floor.run(world.build(kind, size));
    if (timed) floorRuns.push(run);
    const plain = await independent.run(world.build(kind, size));
    if (timed) {
      independentSamples.push(plain.ms);
      independentStatements = Math.max(independentStatements, plain.statements);
    }
    while (naive && naiveDone < naiveRuns && naiveTurn(naiveDone) === k) {
      const result = await runNaive(naive.dataSource, naive.brand, world.build(kind, size));
      if (++naiveDone > naive.phase.warmup) {
        naiveSamples.push(result.ms);
        naiveStatements = Math.max(naiveStatements, result.statements);
      }
    }
  }
  // the service counts its statements itself: the floor and naive runs count in this process
  const statements = ((await service.queries()) - statementsBefore) / phase.requests;
  const timeline = summarizeTimeline(await service.timelineStop());
  return {
    service: summarize(serviceSamples, statements),
    timeline,
    floor: summarizeFloor(floorRuns),
    independent: summarize(independentSamples, independentStatements),
    naive: naive ? summarize(naiveSamples, naiveStatements) : undefined,
  };
}

/**
 * The obvious ORM way to the same result as the service: per record a findOne, then a save of the
 * entity, and for each change of permission a save of its consent-history row; the operation is
 * saved first (its id ties the history to it) and again with its counts at the end. The same rows
 * as the service writes, so that naive/service compares two ways of doing the same work.
 */
export async function runNaive(dataSource: DataSource, brand: SeededBrand, batch: Batch): Promise<{ ms: number; statements: number }> {
  collectOwnGarbage();
  const queries = countQueries();
  const before = queries();
  const started = performance.now();
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  let consentChanges = 0;
  await dataSource.transaction(async (manager) => {
    const extensions = manager.getRepository(ContactExtension);
    const history = manager.getRepository(ConsentChange);
    const operations = manager.getRepository(Operation);
    const operation = await operations.save(
      operations.create({
        brandId: brand.brandId,
        kind: 'contact_extensions.bulk_upsert',
        requestId: randomUUID(),
        apiUserId: brand.userId,
        userKey: brand.userKey,
        startedAt: new Date(started),
        total: batch.records.length,
      }),
    );
    const logConsent = async (e: ContactExtension, oldPermission: boolean | null): Promise<void> => {
      await history.save(
        history.create({
          brandId: brand.brandId,
          operationId: operation.id,
          contactKey: e.contactKey,
          address: e.address,
          channel: e.channel,
          oldPermission,
          newPermission: e.permission,
        }),
      );
      consentChanges++;
    };
    for (const record of batch.records) {
      const found = await extensions.findOne({
        where: { brandId: brand.brandId, contactKey: record.contact_key, address: record.address },
      });
      if (!found) {
        const created = await extensions.save(
          extensions.create({
            brandId: brand.brandId,
            contactKey: record.contact_key,
            address: record.address,
            channel: record.channel,
            name: record.name ?? null,
            permission: record.permission ?? false,
          }),
        );
        await logConsent(created, null);
        inserted++;
        continue;
      }
      // every record is saved, as the issue words it ("per record a findOne then a save"); for an
      // unchanged entity TypeORM's save re-reads the row, finds no difference and writes nothing
      const oldPermission = found.permission;
      let changed = false;
      if (record.name !== undefined && record.name !== found.name) {
        found.name = record.name;
        changed = true;
      }
      if (record.permission !== undefined && record.permission !== found.permission) {
        found.permission = record.permission;
        changed = true;
      }
      if (record.new_address !== undefined) {
        found.address = record.new_address;
        changed = true;
      }
      if (changed) found.updatedAt = new Date();
      await extensions.save(found);
      if (found.permission !== oldPermission) await logConsent(found, oldPermission);
      if (changed) updated++;
      else unchanged++;
    }
    Object.assign(operation, { inserted, updated, unchanged, durationMs: Math.round(performance.now() - started) });
    await operations.save(operation);
  });
  const ms = performance.now() - started;
  checkCounts('naive', batch, { inserted, updated, unchanged });
  if (consentChanges !== batch.consentChanges) {
    throw new Error(`naive: a ${batch.kind} batch wrote ${consentChanges} consent changes, expected ${batch.consentChanges}`);
  }
  batch.commit();
  return { ms, statements: queries() - before };
}

export async function measureNaive(
  dataSource: DataSource,
  brand: SeededBrand,
  world: World,
  kind: BatchKind,
  size: number,
  phase: Phase,
): Promise<Latency> {
  const samples: number[] = [];
  let statements = 0;
  for (let k = 0; k < phase.warmup + phase.requests; k++) {
    const result = await runNaive(dataSource, brand, world.build(kind, size));
    if (k >= phase.warmup) {
      samples.push(result.ms);
      statements = Math.max(statements, result.statements);
    }
  }
  return summarize(samples, statements);
}

export interface Throughput {
  clients: number;
  seconds: number;
  requests: number;
  records: number;
  recordsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** first error answers, for the report */
  errorSamples: string[];
}

/**
 * `clients` loops, each sending mixed batches back to back for `seconds`, each on rows of its own
 * (so that they compete for the service and the database, not for rows). A non-200 answer, or one
 * whose counts are not those of the batch, is an error; its records do not count.
 */
export async function measureThroughput(
  service: ServiceProcess,
  world: World,
  clients: number,
  size: number,
  seconds: number,
  onSample?: () => void,
): Promise<Throughput> {
  const lanes: Lane[] = world.lanes(clients);
  const samples: number[] = [];
  const errorSamples: string[] = [];
  let records = 0;
  let errors = 0;
  // warm-up: one request per client
  await Promise.all(lanes.map((lane) => oneRequest(lane, false)));
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const sampler = onSample ? setInterval(onSample, 50) : undefined;
  try {
    await Promise.all(
      lanes.map(async (lane) => {
        while (performance.now() < deadline) await oneRequest(lane, true);
      }),
    );
  } finally {
    if (sampler) clearInterval(sampler);
  }
  const elapsed = (performance.now() - started) / 1000;
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    clients,
    seconds: elapsed,
    requests: samples.length,
    records,
    recordsPerSecond: records / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors,
    errorSamples,
  };

  async function oneRequest(lane: Lane, counted: boolean): Promise<void> {
    const batch = world.build('mixed', size, lane);
    const reply = await service.upsert(batch.body);
    const e = batch.expected;
    const ok =
      reply.status === 200 &&
      reply.body.inserted === e.inserted &&
      reply.body.updated === e.updated &&
      reply.body.unchanged === e.unchanged;
    if (ok) batch.commit();
    if (!counted) return;
    samples.push(reply.ms);
    if (ok) records += batch.records.length;
    else {
      errors++;
      if (errorSamples.length < 3) errorSamples.push(`${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
    }
  }
}
