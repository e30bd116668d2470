import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

const RECORD_OUTCOMES = ['inserted', 'updated', 'unchanged', 'skipped', 'failed'] as const;
type RecordOutcome = (typeof RECORD_OUTCOMES)[number];

interface PgPoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The service's Prometheus metrics, in a registry of its own (one per app, so tests do not share). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly records = new Counter({
    name: 'bulk_records_total',
    help: 'Records of bulk requests by outcome.',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'rate_limited_total',
    help: 'Requests refused with 429 by limit.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly idempotentReplays = new Counter({
    name: 'idempotent_replays_total',
    help: 'Answers replayed for a repeated Idempotency-Key.',
    registers: [this.registry],
  });

  constructor(dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    const pool = (): PgPoolLike | undefined => (dataSource.driver as unknown as { master?: PgPoolLike }).master;
    new Gauge({
      name: 'db_pool_connections_in_use',
      help: 'Database connections checked out of the pool.',
      registers: [this.registry],
      collect() {
        const p = pool();
        this.set(p ? p.totalCount - p.idleCount : 0);
      },
    });
    new Gauge({
      name: 'db_pool_waiting',
      help: 'Requests waiting for a database connection.',
      registers: [this.registry],
      collect() {
        this.set(pool()?.waitingCount ?? 0);
      },
    });
  }

  /** Counts the five outcomes of a bulk answer (whatever else the object carries: total, errors, ...). */
  countRecords(endpoint: string, counts: Record<RecordOutcome, number>): void {
    for (const outcome of RECORD_OUTCOMES) {
      if (counts[outcome] > 0) this.records.inc({ endpoint, outcome }, counts[outcome]);
    }
  }
}
