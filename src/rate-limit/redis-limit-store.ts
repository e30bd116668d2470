import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Hit, HitResult, LimitStore, secondsUntil } from './limit-store';

/**
 * The hit, as one Lua script (atomic in Redis). KEYS[1]: the bucket's counter; KEYS[2]: its slots, a
 * sorted set of tokens scored by their lease's expiry (Redis's clock, the same for every instance).
 * ARGV: window (ms), most hits, most slots (0: no slot asked), token, lease (ms).
 * Answers {allowed (0/1), refused by (0 rate, 1 concurrency), ms left in the window, window id}.
 */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tostring(now + left)
if hits > tonumber(ARGV[2]) then return {0, 0, left, window} end
local slots = tonumber(ARGV[3])
if slots > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= slots then return {0, 1, left, window} end
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
return {1, 0, left, window}`;

/** Takes a hit back while its window runs (the counter's expiry is within a second of the window id). */
const REFUND_SCRIPT = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits <= 0 then return 0 end
local t = redis.call('TIME')
local ends = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + redis.call('PTTL', KEYS[1])
if math.abs(ends - tonumber(ARGV[1])) > 1000 then return 0 end
return redis.call('DECR', KEYS[1])`;

type RedisWithScripts = Redis & {
  limitHit(
    counter: string,
    slots: string,
    windowMs: number,
    limit: number,
    slotLimit: number,
    token: string,
    leaseMs: number,
  ): Promise<[number, number, number, string]>;
  limitRefund(counter: string, window: string): Promise<number>;
};

/**
 * The limits' counters in Redis (REDIS_URL set): one round trip per hit. When Redis cannot be
 * reached, requests are let through (and a warning logged): the limits protect the service, and an
 * outage of the limiter should not become an outage of the API.
 */
export class RedisLimitStore extends LimitStore {
  private readonly logger = new Logger(RedisLimitStore.name);
  private readonly redis: RedisWithScripts;
  private lastWarning = 0;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    super();
    this.redis = new Redis(url, {
      // fail fast while Redis is away, instead of queueing requests behind reconnects
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      connectTimeout: 2000,
      lazyConnect: true,
    }) as RedisWithScripts;
    this.redis.on('error', (err: Error) => this.warn(`redis: ${err.message}`));
    this.redis.defineCommand('limitHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
    this.redis.defineCommand('limitRefund', { numberOfKeys: 1, lua: REFUND_SCRIPT });
  }

  async hit({ bucket, limit, windowMs, slot }: Hit): Promise<HitResult> {
    try {
      const [allowed, refusedBy, leftMs, window] = await this.redis.limitHit(
        this.key(bucket),
        this.key(`${bucket}:slots`),
        windowMs,
        limit,
        slot?.limit ?? 0,
        slot?.token ?? '',
        slot?.leaseMs ?? 0,
      );
      if (allowed === 1) return { allowed: true, retryAfterSeconds: 0, window };
      return refusedBy === 0
        ? { allowed: false, refusedBy: 'rate', retryAfterSeconds: secondsUntil(leftMs), window }
        : { allowed: false, refusedBy: 'concurrency', retryAfterSeconds: 1, window };
    } catch (err) {
      this.warn(`rate limit not checked, Redis failed: ${(err as Error).message}`);
      return { allowed: true, retryAfterSeconds: 0, window: '' };
    }
  }

  async releaseSlot(bucket: string, token: string): Promise<void> {
    // a slot not given back frees itself when its lease runs out
    await this.redis.zrem(this.key(`${bucket}:slots`), token).catch((err: Error) => this.warn(`redis: ${err.message}`));
  }

  async refund(bucket: string, window: string): Promise<void> {
    if (!window) return;
    await this.redis.limitRefund(this.key(bucket), window).catch((err: Error) => this.warn(`redis: ${err.message}`));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(bucket: string): string {
    return `${this.prefix}limit:${bucket}`;
  }

  /** At most one warning per 10 seconds: a Redis outage must not flood the log. */
  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.logger.warn(message);
  }
}
