import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ApiUserRow, ApiUsersRepository } from './api-users.repository';
import type { AuthUser } from './auth-user';
import { PERMISSIONS } from './permissions';
import type { Permission } from './permissions';
import { hashSecret } from './secret-hasher';
import { DomainError } from '../common/errors/domain.error';
import { ApiUserDto, ApiUserWithSecretDto } from './dto/api-user.dto';

const toDto = (row: ApiUserRow): ApiUserDto => ({
  id: row.id,
  userKey: row.user_key,
  permissions: row.permissions,
  active: row.active,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const notFound = (): DomainError => new DomainError('NOT_FOUND', 'No such API user in your brand.');
const selfLockout = (what: string): DomainError =>
  new DomainError('API_USER_SELF_LOCKOUT', `You cannot ${what} the API user you are calling with; use another user with Brand.Manage.`);

/** 32 random bytes: the secret is shown once, and only its scrypt hash is stored. */
const newSecret = (): string => randomBytes(32).toString('base64url');

/** Permissions in their canonical order, so the same set is stored the same way. */
const canonical = (permissions: readonly Permission[]): Permission[] => PERMISSIONS.filter((p) => permissions.includes(p));

/**
 * The brand's API users. Every request loads its user from the database (JwtStrategy), checking
 * `active` and `token_version`: disabling bumps the version too (so that enabling again does not
 * revive old tokens), rotating the secret bumps it, and deleting removes the row, so in all three
 * cases the user's tokens stop working with the next request.
 */
@Injectable()
export class ApiUserAdminService {
  constructor(private readonly users: ApiUsersRepository) {}

  async list(brandId: number): Promise<ApiUserDto[]> {
    return (await this.users.list(brandId)).map(toDto);
  }

  async get(brandId: number, id: number): Promise<ApiUserDto> {
    const row = await this.users.get(brandId, id);
    if (!row) throw notFound();
    return toDto(row);
  }

  async create(brandId: number, input: { userKey: string; permissions: Permission[]; active?: boolean }): Promise<ApiUserWithSecretDto> {
    const secret = newSecret();
    const row = await this.users.create(brandId, {
      userKey: input.userKey,
      secretHash: await hashSecret(secret),
      permissions: canonical(input.permissions),
      active: input.active ?? true,
    });
    // user keys are unique across brands (a login names only the user), so this may be another brand's
    if (!row) throw new DomainError('API_USER_EXISTS', `The userKey ${JSON.stringify(input.userKey)} is taken; choose another.`);
    return { ...toDto(row), secret };
  }

  async setPermissions(caller: AuthUser, id: number, permissions: Permission[]): Promise<ApiUserDto> {
    if (id === caller.id && !permissions.includes('Brand.Manage')) throw selfLockout('remove Brand.Manage from');
    return this.update(caller.brandId, id, 'permissions = $3, updated_at = now()', [canonical(permissions)]);
  }

  async disable(caller: AuthUser, id: number): Promise<ApiUserDto> {
    if (id === caller.id) throw selfLockout('disable');
    return this.update(caller.brandId, id, 'active = false, token_version = token_version + 1, updated_at = now()');
  }

  async enable(caller: AuthUser, id: number): Promise<ApiUserDto> {
    return this.update(caller.brandId, id, 'active = true, updated_at = CASE WHEN active THEN updated_at ELSE now() END');
  }

  /** A new secret, shown once; the old secret and every token issued so far stop working. */
  async rotateSecret(caller: AuthUser, id: number): Promise<ApiUserWithSecretDto> {
    const secret = newSecret();
    const user = await this.update(caller.brandId, id, 'secret_hash = $3, token_version = token_version + 1, updated_at = now()', [
      await hashSecret(secret),
    ]);
    return { ...user, secret };
  }

  async delete(caller: AuthUser, id: number): Promise<void> {
    if (id === caller.id) throw selfLockout('delete');
    if (!(await this.users.delete(caller.brandId, id))) throw notFound();
  }

  /** `set` is one of the fixed assignments above, never client text. */
  private async update(brandId: number, id: number, set: string, params: unknown[] = []): Promise<ApiUserDto> {
    const row = await this.users.update(brandId, id, set, params);
    if (!row) throw notFound();
    return toDto(row);
  }
}
