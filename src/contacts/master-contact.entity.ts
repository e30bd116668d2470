import { CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'master_contact' })
export class MasterContact {
  @PrimaryColumn({ name: 'brand_id', type: 'integer' })
  brandId: number;

  @PrimaryColumn({ name: 'contact_key', type: 'varchar', length: 200 })
  contactKey: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
