import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ExtensionColumn } from '../addresses/extension-columns';
import { AuthUser } from './auth-user';

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

/** Reads API users for login and for every authenticated request (one statement each). */
@Injectable()
export class ApiUsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByUserKey(userKey: string): Promise<(AuthUser & { secretHash: string; active: boolean; tokenVersion: number }) | undefined> {
    const rows: UserRow[] = await this.dataSource.query(`${SELECT_USER} WHERE u.user_key = $1`, [userKey]);
    const row = rows[0];
    return row && { ...toAuthUser(row), secretHash: row.secret_hash, active: row.active, tokenVersion: row.token_version };
  }

  async findActiveForToken(id: number, tokenVersion: number): Promise<AuthUser | undefined> {
    const rows: UserRow[] = await this.dataSource.query(`${SELECT_USER} WHERE u.id = $1 AND u.active AND u.token_version = $2`, [
      id,
      tokenVersion,
    ]);
    return rows[0] && toAuthUser(rows[0]);
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
