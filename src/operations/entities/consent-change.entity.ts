import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { Channel } from '../../addresses/channel';

/**
 * One change of an extension's permission (opt-in). old_permission null: the extension was
 * inserted; new_permission null: it was deleted. Who and why come from its operation.
 *
 * operation_id refers to operation (brand_id, id) through statement triggers, not a foreign key
 * (migration BulkPathCosts): checked once per INSERT statement, cascaded on DELETE.
 */
@Entity({ name: 'consent_change' })
@Index('ix_consent_change_address', { synchronize: false })
@Index('ix_consent_change_operation', { synchronize: false })
export class ConsentChange {
  @PrimaryColumn({ name: 'brand_id', type: 'integer' })
  brandId: number;

  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT', type: 'bigint' })
  id: string;

  @Column({ name: 'operation_id', type: 'bigint' })
  operationId: string;

  @Column({ name: 'contact_key', type: 'varchar', length: 200 })
  contactKey: string;

  @Column({ type: 'varchar', length: 320 })
  address: string;

  @Column({ type: 'char', length: 1 })
  channel: Channel;

  @Column({ name: 'old_permission', type: 'boolean', nullable: true })
  oldPermission: boolean | null;

  @Column({ name: 'new_permission', type: 'boolean', nullable: true })
  newPermission: boolean | null;

  @Column({ name: 'changed_at', type: 'timestamptz', default: () => 'now()' })
  changedAt: Date;
}
