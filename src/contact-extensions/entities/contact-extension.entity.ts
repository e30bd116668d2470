import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Channel } from '../../addresses/channel';

/** A row of master_contact_extensions. Bulk writes go through SQL (see contact-extensions.repository.ts). */
@Entity({ name: 'master_contact_extensions' })
@Unique('uq_master_contact_extensions_key', ['brandId', 'contactKey', 'address'])
// the referenced tables by name: contacts/ and brands/ own their entities, and this room imports neither
@ForeignKey('master_contact', ['brandId', 'contactKey'], ['brandId', 'contactKey'], {
  name: 'fk_master_contact_extensions_contact',
  onDelete: 'CASCADE',
  onUpdate: 'CASCADE',
})
@ForeignKey('extension_type', ['brandId', 'channel', 'name'], ['brandId', 'channel', 'name'], {
  name: 'fk_master_contact_extensions_type',
  onDelete: 'RESTRICT',
  onUpdate: 'CASCADE',
})
@Check('ck_master_contact_extensions_channel', `channel IN ('E','S','W')`)
@Check('ck_master_contact_extensions_address', 'length(address) >= 1')
// the type foreign key's index (AdminDashboard migration); the extension_count triggers are not TypeORM's either
@Index('ix_master_contact_extensions_type', { synchronize: false })
export class ContactExtension {
  @PrimaryColumn({ name: 'brand_id', type: 'integer' })
  brandId: number;

  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT', type: 'bigint' })
  id: string;

  @Column({ name: 'contact_key', type: 'varchar', length: 200 })
  contactKey: string;

  @Column({ type: 'varchar', length: 320 })
  address: string;

  @Column({ type: 'char', length: 1 })
  channel: Channel;

  @Column({ type: 'varchar', length: 100, nullable: true, default: () => 'NULL' })
  name: string | null;

  @Column({ type: 'boolean', default: false })
  permission: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
