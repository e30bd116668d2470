import { Column, Entity, ForeignKey, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { OperationKind } from '../operation-kinds';

/** A row of the operations log. Written by OperationsRecorder inside the operation's own transaction. */
@Entity({ name: 'operation' })
// newest-first lists and the per-day stats; INCLUDE columns are beyond TypeORM's @Index
@Index('ix_operation_started', { synchronize: false })
@Index('ix_operation_user', { synchronize: false })
export class Operation {
  @PrimaryColumn({ name: 'brand_id', type: 'integer' })
  // the brand's table by name: brands/ owns its entity, and this room does not import brands/
  @ForeignKey('brand', { name: 'operation_brand_id_fkey', onDelete: 'CASCADE' })
  brandId: number;

  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT', type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 40 })
  kind: OperationKind;

  @Column({ name: 'request_id', type: 'varchar', length: 200 })
  requestId: string;

  /** who it was, not a reference: the log outlives a deleted API user */
  @Column({ name: 'api_user_id', type: 'integer', nullable: true })
  apiUserId: number | null;

  @Column({ name: 'user_key', type: 'varchar', length: 100, nullable: true })
  userKey: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ name: 'duration_ms', type: 'integer', default: 0 })
  durationMs: number;

  @Column({ type: 'integer', default: 0 })
  total: number;

  @Column({ type: 'integer', default: 0 })
  inserted: number;

  @Column({ type: 'integer', default: 0 })
  updated: number;

  @Column({ type: 'integer', default: 0 })
  unchanged: number;

  @Column({ type: 'integer', default: 0 })
  skipped: number;

  @Column({ type: 'integer', default: 0 })
  failed: number;

  @Column({ type: 'integer', default: 0 })
  deleted: number;

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  errors: unknown[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
