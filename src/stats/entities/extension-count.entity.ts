import { Column, Entity, ForeignKey, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { Channel } from '../../addresses/channel';

/**
 * A delta of the number of extensions of a brand with one (channel, name, permission), appended by
 * the triggers on master_contact_extensions (see the AdminDashboard migration). The count of a group
 * is the sum of its deltas. Nothing in the application writes these but the stats service's compaction.
 */
@Entity({ name: 'extension_count' })
export class ExtensionCount {
  @PrimaryColumn({ name: 'brand_id', type: 'integer' })
  // the brand's table by name: brands/ owns its entity, and this room does not import brands/
  @ForeignKey('brand', { name: 'extension_count_brand_id_fkey', onDelete: 'CASCADE' })
  brandId: number;

  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS', type: 'bigint' })
  id: string;

  @Column({ type: 'char', length: 1 })
  channel: Channel;

  @Column({ type: 'varchar', length: 100, nullable: true, default: () => 'NULL' })
  name: string | null;

  @Column({ type: 'boolean' })
  permission: boolean;

  @Column({ type: 'bigint' })
  n: string;
}
