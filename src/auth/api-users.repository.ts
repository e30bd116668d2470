import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ExtensionColumn } from '../addresses/extension-columns';
import { namedStatement } from '../database/named-statement';
import { queryRows } from '../database/query-rows';
import { AuthUser } from './auth-user';
import type { Permission } from './permissions';

interface UserRow {
  id: number;
  brand_id: number;
  user_key: string;
  secret_hash: string;
  permissions: string[];
  active: boolean;
  token_version: number;
  extension_columns: ExtensionColumn[];
}

const SELECT_USER = `
  SELECT u.id, u.brand_id, u.user_key, u.secret_hash, u.permissions, u.active, u.token_version, b.extension_columns
  FROM api_user u JOIN brand b ON b.id = u.brand_id`;

/** An API user as the dashboard shows it (never its secret hash). */
export interface ApiUserRow {
  id: number;
  user_key: string;
  permissions: Permission[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const ADMIN_COLUMNS = 'id, user_key, permissions, active, created_at, updated_at';

/**
 * The SQL of api_user: the reads of login and of every authenticated request (one statement each),
 * and the dashboard's management of a brand's users (scoped to the brand, $1).
 */
@Injectable()
export class ApiUsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByUserKey(userKey: string): Promise<(AuthUser & { secretHash: string; active: boolean; tokenVersion: number }) | undefined> {
    const rows: UserRow[] = await this.dataSource.query(`${SELECT_USER} WHERE u.user_key = $1`, [userKey]);
    const row = rows[0];
    return row && { ...toAuthUser(row), secretHash: row.secret_hash, active: row.active, tokenVersion: row.token_version };
  }

  async findActiveForToken(id: number, tokenVersion: number): Promise<AuthUser | undefined> {
    const rows: UserRow[] = await this.dataSource.query(
      namedStatement(`${SELECT_USER} WHERE u.id = $1 AND u.active AND u.token_version = $2`),
      [id, tokenVersion],
    );
    return rows[0] && toAuthUser(rows[0]);
  }

  async list(brandId: number): Promise<ApiUserRow[]> {
    return this.dataSource.query(`SELECT ${ADMIN_COLUMNS} FROM api_user WHERE brand_id = $1 ORDER BY id`, [brandId]);
  }

  async get(brandId: number, id: number): Promise<ApiUserRow | undefined> {
    const rows: ApiUserRow[] = await this.dataSource.query(`SELECT ${ADMIN_COLUMNS} FROM api_user WHERE brand_id = $1 AND id = $2`, [
      brandId,
      id,
    ]);
    return rows[0];
  }

  /** undefined: the userKey is taken (user keys are unique across brands). */
  async create(
    brandId: number,
    input: { userKey: string; secretHash: string; permissions: Permission[]; active: boolean },
  ): Promise<ApiUserRow | undefined> {
    const rows: ApiUserRow[] = await this.dataSource.query(
      `INSERT INTO api_user (brand_id, user_key, secret_hash, permissions, active)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_key) DO NOTHING
       RETURNING ${ADMIN_COLUMNS}`,
      [brandId, input.userKey, input.secretHash, input.permissions, input.active],
    );
    return rows[0];
  }

  /** One UPDATE of a user of the brand ($1, $2); `set` is one of the caller's fixed assignments, never client text. */
  async update(brandId: number, id: number, set: string, params: unknown[]): Promise<ApiUserRow | undefined> {
    const rows = await queryRows<ApiUserRow>(
      this.dataSource,
      `UPDATE api_user SET ${set} WHERE brand_id = $1 AND id = $2 RETURNING ${ADMIN_COLUMNS}`,
      [brandId, id, ...params],
    );
    return rows[0];
  }

  /** false: no such user in the brand. */
  async delete(brandId: number, id: number): Promise<boolean> {
    const rows = await queryRows(this.dataSource, 'DELETE FROM api_user WHERE brand_id = $1 AND id = $2 RETURNING id', [brandId, id]);
    return rows.length > 0;
  }
}

function toAuthUser(row: UserRow): AuthUser {
  return {
    id: row.id,
    userKey: row.user_key,
    brandId: row.brand_id,
    permissions: row.permissions,
    extensionColumns: row.extension_columns,
  };
}
