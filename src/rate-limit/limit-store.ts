/**
 * Where the limits' counters live, shared by every instance of the service: PostgreSQL by default
 * (PostgresLimitStore), Redis when REDIS_URL is set (RedisLimitStore). Both count in fixed windows
 * that start at a bucket's first hit, and both answer a hit in one statement or round trip.
 */

/** A concurrency slot to take along with the hit (only if the hit is within the rate). */
export interface SlotRequest {
  /** most slots in use at once; the hit is refused when they are all taken */
  limit: number;
  /** names the slot, to give it back */
  token: string;
  /** a slot of a request that died (its instance crashed) is free again after this */
  leaseMs: number;
}

export interface Hit {
  bucket: string;
  /** most hits per window */
  limit: number;
  windowMs: number;
  slot?: SlotRequest;
}

export interface HitResult {
  allowed: boolean;
  /** why not: too many hits in the window, or all slots taken */
  refusedBy?: 'rate' | 'concurrency';
  /** when to try again */
  retryAfterSeconds: number;
  /** identifies the window the hit was counted in (for refund) */
  window: string;
}

export abstract class LimitStore {
  /** Counts one hit in the bucket's window and, when asked and within the rate, takes a slot. */
  abstract hit(hit: Hit): Promise<HitResult>;
  /** Gives a slot back. */
  abstract releaseSlot(bucket: string, token: string): Promise<void>;
  /** Takes a hit back out of its window (a login that did not fail), if that window is still running. */
  abstract refund(bucket: string, window: string): Promise<void>;
}

/** A limit of 0 means none; stores compare against a number. */
export const UNLIMITED = 2_147_483_647;

export function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
