import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ExtensionColumn } from '../addresses/extension-columns';

/** Constraint names and defaults mirror the migrations, so that `migration:generate` finds no difference. */
@Entity({ name: 'brand' })
@Check(
  'ck_brand_extension_columns',
  `extension_columns <@ ARRAY['contact_key','address','channel','name','permission']::text[] AND extension_columns @> ARRAY['contact_key','address']::text[]`,
)
export class Brand {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  key: string;

  @Column({ type: 'varchar', length: 200, default: '' })
  name: string;

  @Column({
    name: 'extension_columns',
    type: 'text',
    array: true,
    default: () => `ARRAY['contact_key','address','channel','name','permission']::text[]`,
  })
  extensionColumns: ExtensionColumn[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
