import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'master_contact' })
@Check('ck_master_contact_key', 'length(contact_key) >= 1')
@Check('ck_master_contact_status', `contact_status IN ('A','P')`)
// the dashboard's list and search (AdminDashboard migration); a collation and partial indexes TypeORM cannot describe
@Index('ix_master_contact_key_c', { synchronize: false })
@Index('ix_master_contact_email', { synchronize: false })
@Index('ix_master_contact_gsm', { synchronize: false })
export class MasterContact {
  @PrimaryColumn({ name: 'brand_id', type: 'integer' })
  // the brand's table by name: brands/ owns its entity, and this room does not import brands/
  @ForeignKey('brand', { name: 'master_contact_brand_id_fkey', onDelete: 'CASCADE' })
  brandId: number;

  @PrimaryColumn({ name: 'contact_key', type: 'varchar', length: 200 })
  contactKey: string;

  @Column({ type: 'varchar', length: 200, nullable: true, default: () => 'NULL' })
  name: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true, default: () => 'NULL' })
  surname: string | null;

  /** trimmed and lowercased */
  @Column({ type: 'varchar', length: 320, nullable: true, default: () => 'NULL' })
  email: string | null;

  /** international digits only, as extension addresses of channel S */
  @Column({ type: 'varchar', length: 20, nullable: true, default: () => 'NULL' })
  gsm: string | null;

  @Column({ name: 'email_permission', type: 'boolean', default: false })
  emailPermission: boolean;

  @Column({ name: 'gsm_permission', type: 'boolean', default: false })
  gsmPermission: boolean;

  /** A active, P passive */
  @Column({ name: 'contact_status', type: 'char', length: 1, default: 'A' })
  contactStatus: 'A' | 'P';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
