import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { namedStatement } from '../database/named-statement';
import { Hit, HitResult, LimitStore, secondsUntil } from './limit-store';

const PURGE_EVERY_MS = 10 * 60_000;

/** The live leases of the row `b` (expiry in epoch ms, after now). */
const LIVE_LEASES = `FROM jsonb_each(b.leases) AS l WHERE (l.value)::numeric > extract(epoch FROM now()) * 1000`;

/**
 * The hit, in one statement. Its row of rate_limit_bucket is locked by ON CONFLICT DO UPDATE, and
 * the SET expressions see the row as the last committed writer left it, so concurrent hits of all
 * instances count one after the other: never two requests on one slot, never a lost hit. A window
 * starts at the first hit after the previous one ended. Leases whose expiry has passed (their
 * request died with its instance) are dropped on the way. Parameters: $1 bucket, $2 window (ms),
 * $3 most hits, $4 most slots (0: no slot asked), $5 slot token, $6 lease (ms).
 */
const HIT_SQL = `
  INSERT INTO rate_limit_bucket AS b (bucket, hits, window_ends_at, leases)
  VALUES ($1, 1, now() + $2::int * interval '1 millisecond',
          CASE WHEN $4::int > 0 AND $3::int >= 1
               THEN jsonb_build_object($5::text, extract(epoch FROM now()) * 1000 + $6::int)
               ELSE '{}'::jsonb END)
  ON CONFLICT (bucket) DO UPDATE SET
    hits = CASE WHEN b.window_ends_at <= now() THEN 1 ELSE b.hits + 1 END,
    window_ends_at = CASE WHEN b.window_ends_at <= now() THEN EXCLUDED.window_ends_at ELSE b.window_ends_at END,
    leases = (SELECT coalesce(jsonb_object_agg(l.key, l.value), '{}'::jsonb) ${LIVE_LEASES})
          || CASE WHEN $4::int > 0
                   AND (CASE WHEN b.window_ends_at <= now() THEN 1 ELSE b.hits + 1 END) <= $3::int
                   AND (SELECT count(*) ${LIVE_LEASES}) < $4::int
                  THEN EXCLUDED.leases ELSE '{}'::jsonb END
  RETURNING hits,
            ceil(extract(epoch FROM window_ends_at - now()) * 1000)::bigint AS window_left_ms,
            leases ? $5::text AS leased,
            (extract(epoch FROM window_ends_at) * 1000000)::bigint::text AS window_id`;

/**
 * The limits' counters in PostgreSQL (the default): every instance on the database shares them.
 * Each call is one short statement of its own, never inside a request's transaction (the embedded
 * database has one connection, and a slot must be seen by other instances at once).
 */
@Injectable()
export class PostgresLimitStore extends LimitStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresLimitStore.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purgeQuietly(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async hit({ bucket, limit, windowMs, slot }: Hit): Promise<HitResult> {
    const [row]: { hits: number; window_left_ms: string; leased: boolean; window_id: string }[] = await this.dataSource.query(
      namedStatement(HIT_SQL),
      [bucket, windowMs, limit, slot?.limit ?? 0, slot?.token ?? '', slot?.leaseMs ?? 0],
    );
    const windowLeftMs = Number(row.window_left_ms);
    if (row.hits > limit)
      return { allowed: false, refusedBy: 'rate', retryAfterSeconds: secondsUntil(windowLeftMs), window: row.window_id };
    // all slots taken: they free up as requests finish, typically within seconds
    if (slot && !row.leased) return { allowed: false, refusedBy: 'concurrency', retryAfterSeconds: 1, window: row.window_id };
    return { allowed: true, retryAfterSeconds: 0, window: row.window_id };
  }

  async releaseSlot(bucket: string, token: string): Promise<void> {
    await this.dataSource.query(
      namedStatement('UPDATE rate_limit_bucket SET leases = leases - $2::text WHERE bucket = $1 AND leases ? $2::text'),
      [bucket, token],
    );
  }

  async refund(bucket: string, window: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE rate_limit_bucket SET hits = hits - 1
        WHERE bucket = $1 AND hits > 0 AND window_ends_at > now()
          AND (extract(epoch FROM window_ends_at) * 1000000)::bigint::text = $2`,
      [bucket, window],
    );
  }

  /** Deletes the buckets whose window is over and that hold no live lease; also run every 10 minutes. */
  async purgeExpired(): Promise<number> {
    // TypeORM answers a DELETE with [rows, rowCount]
    const [, deleted]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM rate_limit_bucket AS b WHERE b.window_ends_at <= now() AND NOT EXISTS (SELECT 1 ${LIVE_LEASES})`,
    );
    return deleted;
  }

  private async purgeQuietly(): Promise<void> {
    if (!this.dataSource.isInitialized) return;
    try {
      await this.purgeExpired();
    } catch (err) {
      this.logger.warn(`purging rate limit buckets failed: ${(err as Error).message}`);
    }
  }
}
