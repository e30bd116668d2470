import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ReliabilityConfig } from '../config/reliability.config';

/** A key this request holds: it runs the work, then stores or gives back the key. */
export interface IdempotencyClaim {
  brandId: number;
  key: string;
  /** the claim's owner: only the request that claimed the key may store its answer */
  owner: string;
}

export type ClaimOutcome =
  | { kind: 'claimed'; claim: IdempotencyClaim }
  /** the first request's answer: status and body as JSON text ('' for no body) */
  | { kind: 'replay'; status: number; body: string }
  /** the first request with this key is still running (its lease has not run out) */
  | { kind: 'in-progress' }
  /** the key was used for another request (method, path or body) */
  | { kind: 'mismatch' };

const PURGE_EVERY_MS = 10 * 60_000;
const PURGE_BATCH = 5000;

/**
 * Keeps the first answer to each (brand, Idempotency-Key) in PostgreSQL, so that it holds across
 * instances. Every statement here is a short one of its own (autocommit), never inside a request's
 * transaction: the embedded database has a single connection, and a claim must be visible to every
 * other instance the moment it is made.
 *
 * 1. claim: INSERT ... ON CONFLICT DO UPDATE ... WHERE <the row may be taken over>. The primary key
 *    makes exactly one of concurrent claimers win; the losers read the row (a second statement)
 *    and get its answer, 409 (still running) or 422 (another request). A row may be taken over when
 *    it expired (delete-on-claim), or when its answer is missing and its lease ran out: its request
 *    died with its instance, so the same request may run again.
 * 2. the work runs;
 * 3. complete: the answer is stored if it is one a retry should get again (2xx, and 4xx but 429:
 *    they follow from the request and the data), else the claim is given back (5xx, 429: transient,
 *    so a retry runs again). Both only for the claim's owner.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyService.name);
  private readonly ttlSeconds: number;
  private readonly leaseSeconds: number;
  /** claims whose release failed (the database was away): given back before the next claim */
  private pendingReleases: IdempotencyClaim[] = [];
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    config: ConfigService,
  ) {
    const reliability = config.getOrThrow<ReliabilityConfig>('reliability');
    this.ttlSeconds = reliability.idempotencyTtlSeconds;
    this.leaseSeconds = reliability.requestLeaseSeconds;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purgeQuietly(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async claim(brandId: number, key: string, requestHash: string): Promise<ClaimOutcome> {
    if (this.pendingReleases.length > 0) await this.retryPendingReleases();
    const owner = randomUUID();
    // a row can vanish between the two statements (purged once expired): then claim again
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed: unknown[] = await this.dataSource.query(
        `INSERT INTO idempotency_key AS k
                (brand_id, idempotency_key, request_hash, owner, lease_expires_at, expires_at)
         VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second', now() + $6 * interval '1 second')
         ON CONFLICT (brand_id, idempotency_key) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, owner = EXCLUDED.owner,
                lease_expires_at = EXCLUDED.lease_expires_at, expires_at = EXCLUDED.expires_at,
                response_status = NULL, response_body = NULL, created_at = now()
          WHERE k.expires_at <= now()
             OR (k.response_status IS NULL AND k.lease_expires_at <= now() AND k.request_hash = EXCLUDED.request_hash)
         RETURNING 1`,
        [brandId, key, requestHash, owner, this.leaseSeconds, this.ttlSeconds],
      );
      if (claimed.length > 0) return { kind: 'claimed', claim: { brandId, key, owner } };

      const rows: { request_hash: string; response_status: number | null; response_body: string | null; running: boolean }[] =
        await this.dataSource.query(
          `SELECT request_hash, response_status, response_body, lease_expires_at > now() AS running
             FROM idempotency_key
            WHERE brand_id = $1 AND idempotency_key = $2 AND expires_at > now()`,
          [brandId, key],
        );
      const row = rows[0];
      if (!row) continue;
      if (row.request_hash !== requestHash) return { kind: 'mismatch' };
      if (row.response_status !== null) return { kind: 'replay', status: row.response_status, body: row.response_body ?? '' };
      // a lease that ran out just now: the next claim takes it over
      if (!row.running) continue;
      return { kind: 'in-progress' };
    }
    return { kind: 'in-progress' };
  }

  /**
   * Stores the answer when a retry should get it again; else gives the key back. `requestHash`, when
   * given, replaces the hash the key was claimed with: the request's whole hash, known only once a
   * streamed body has been read.
   */
  async complete(claim: IdempotencyClaim, status: number, body: string, requestHash?: string): Promise<void> {
    if (!isReplayable(status)) return this.release(claim);
    await this.dataSource.query(
      `UPDATE idempotency_key
          SET response_status = $4, response_body = $5, expires_at = now() + $6 * interval '1 second',
              request_hash = COALESCE($7, request_hash)
        WHERE brand_id = $1 AND idempotency_key = $2 AND owner = $3 AND response_status IS NULL`,
      [claim.brandId, claim.key, claim.owner, status, body, this.ttlSeconds, requestHash ?? null],
    );
  }

  /**
   * Gives the key back, so that a retry runs the request again. Best effort: when the database is
   * away (the likely reason of the 5xx), it is tried again before the next claim; a claim that is
   * never given back stops blocking when its lease runs out.
   */
  async release(claim: IdempotencyClaim): Promise<void> {
    try {
      await this.deleteClaim(claim);
    } catch (err) {
      this.logger.warn(`could not release an idempotency key (${(err as Error).message}); retrying later`);
      if (this.pendingReleases.length < 1000) this.pendingReleases.push(claim);
    }
  }

  /** Deletes expired keys in batches; returns how many. Also run every 10 minutes by each instance. */
  async purgeExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      // TypeORM answers a DELETE with [rows, rowCount]; the row's own expires_at is checked again
      // (a key taken over meanwhile is not deleted)
      const [, deleted]: [unknown[], number] = await this.dataSource.query(
        `DELETE FROM idempotency_key
          WHERE expires_at <= now()
            AND (brand_id, idempotency_key) IN (
                SELECT brand_id, idempotency_key FROM idempotency_key WHERE expires_at <= now() LIMIT ${PURGE_BATCH})`,
      );
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }

  private async purgeQuietly(): Promise<void> {
    if (!this.dataSource.isInitialized) return;
    try {
      await this.retryPendingReleases();
      const n = await this.purgeExpired();
      if (n > 0) this.logger.debug(`purged ${n} expired idempotency keys`);
    } catch (err) {
      this.logger.warn(`purging expired idempotency keys failed: ${(err as Error).message}`);
    }
  }

  /** One at a time, and stopping at the first failure: the database is still away. */
  private async retryPendingReleases(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.pendingReleases.length > 0) {
        await this.deleteClaim(this.pendingReleases[0]);
        this.pendingReleases.shift();
      }
    } catch {
      /* kept for the next try */
    } finally {
      this.flushing = false;
    }
  }

  private deleteClaim(claim: IdempotencyClaim): Promise<unknown> {
    return this.dataSource.query(
      'DELETE FROM idempotency_key WHERE brand_id = $1 AND idempotency_key = $2 AND owner = $3 AND response_status IS NULL',
      [claim.brandId, claim.key, claim.owner],
    );
  }
}

/**
 * Which answers a retry gets again: success, and client errors that follow from the request and the
 * data (400, 404, 409 ...). Not 429 (try later) nor any 5xx (the database away, a timeout, a bug):
 * those are transient, and a retry must run the request again.
 */
export function isReplayable(status: number): boolean {
  return status < 500 && status !== 429 && status !== 408;
}
