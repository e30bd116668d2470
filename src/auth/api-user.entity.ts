import { Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'api_user' })
@Unique('uq_api_user_id', ['id'])
export class ApiUser {
  @PrimaryColumn({ name: 'brand_id', type: 'integer' })
  // the brand's table by name: brands/ owns its entity, and this room does not import brands/
  @ForeignKey('brand', { name: 'api_user_brand_id_fkey', onDelete: 'CASCADE' })
  brandId: number;

  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ name: 'user_key', type: 'varchar', length: 100, unique: true })
  userKey: string;

  /** scrypt, see secret-hasher.ts; never the secret itself */
  @Column({ name: 'secret_hash', type: 'text' })
  secretHash: string;

  @Column({ type: 'text', array: true, default: () => 'ARRAY[]::text[]' })
  permissions: string[];

  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** Bumped to revoke every token issued before (secret rotation); tokens carry the version they were issued at. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
