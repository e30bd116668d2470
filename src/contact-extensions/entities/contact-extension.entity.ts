import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { Channel } from '../channel';

/** A row of master_contact_extensions. Bulk writes go through SQL (see contact-extensions.writer.ts). */
@Entity({ name: 'master_contact_extensions' })
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

  @Column({ type: 'varchar', length: 100, nullable: true })
  name: string | null;

  @Column({ type: 'boolean', default: false })
  permission: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
