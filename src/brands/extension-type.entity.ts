import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Channel } from '../contact-extensions/channel';

@Entity({ name: 'extension_type' })
export class ExtensionType {
  @PrimaryColumn({ name: 'brand_id', type: 'integer' })
  brandId: number;

  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ type: 'char', length: 1 })
  channel: Channel;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'column_order', type: 'integer', default: 0 })
  columnOrder: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
