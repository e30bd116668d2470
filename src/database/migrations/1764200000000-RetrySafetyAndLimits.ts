import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The state that several instances of the service share for retry safety and limits.
 *
 * idempotency_key: the first answer to an Idempotency-Key, per brand, kept for a day. A row is
 * claimed (inserted) in its own short statement before the request's work, with a lease; the answer
 * is stored in it after. A row whose answer is still NULL and whose lease ran out belongs to a
 * request that died (an instance that crashed): a retry may take it over. Expired rows are taken
 * over when their key comes again and purged in batches by expires_at.
 *
 * rate_limit_bucket: one row per limited thing (a brand's bulk writes, a userKey's or an address's
 * logins): a fixed window counter (hits until window_ends_at) and, for concurrency limits, the
 * leases of the requests in flight ({token: expiry in epoch ms}). One INSERT ... ON CONFLICT DO
 * UPDATE counts a hit and takes a lease under the row's lock, so concurrent requests of all
 * instances see each other. These are not a brand's data (a bucket may be an address), so the key
 * is the bucket name; rows are purged once their window and leases are over.
 */
export class RetrySafetyAndLimits1764200000000 implements MigrationInterface {
  name = 'RetrySafetyAndLimits1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_key (
        brand_id integer NOT NULL REFERENCES brand(id) ON DELETE CASCADE,
        idempotency_key varchar(255) NOT NULL,
        request_hash char(64) NOT NULL,
        owner uuid NOT NULL,
        lease_expires_at timestamptz NOT NULL,
        response_status smallint NULL DEFAULT NULL,
        response_body text NULL DEFAULT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CONSTRAINT pk_idempotency_key PRIMARY KEY (brand_id, idempotency_key),
        CONSTRAINT ck_idempotency_key_answer CHECK ((response_status IS NULL) = (response_body IS NULL))
      )`);
    await q.query('CREATE INDEX ix_idempotency_key_expires_at ON idempotency_key (expires_at)');
    await q.query(`
      CREATE TABLE rate_limit_bucket (
        bucket varchar(300) NOT NULL,
        hits integer NOT NULL DEFAULT 0,
        window_ends_at timestamptz NOT NULL,
        leases jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT pk_rate_limit_bucket PRIMARY KEY (bucket)
      )`);
    await q.query('CREATE INDEX ix_rate_limit_bucket_window_ends_at ON rate_limit_bucket (window_ends_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limit_bucket');
    await q.query('DROP TABLE idempotency_key');
  }
}
