import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import type { Channel } from '../addresses/channel';
import { Brand } from './brand.entity';

@Entity({ name: 'extension_type' })
@Unique('uq_extension_type', ['brandId', 'channel', 'name'])
@Check('ck_extension_type_channel', `channel IN ('E','S','W')`)
export class ExtensionType {
  @PrimaryColumn({ name: 'brand_id', type: 'integer' })
  @ForeignKey(() => Brand, { name: 'extension_type_brand_id_fkey', onDelete: 'CASCADE' })
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
