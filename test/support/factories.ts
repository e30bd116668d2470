import { randomUUID } from 'node:crypto';
import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { hashSecret } from '../../src/auth/secret-hasher';
import { PERMISSIONS } from '../../src/auth/permissions';

/** Small factories: each test makes its own brand, so tests never see each other's data. */

export interface TestBrand {
  id: number;
  key: string;
}

export interface TestUser {
  id: number;
  userKey: string;
  secret: string;
  brandId: number;
}

export const uniqueKey = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function createBrand(
  ds: DataSource,
  options: {
    columns?: string[];
    types?: { channel: 'E' | 'S' | 'W'; name: string; columnOrder?: number }[];
    contacts?: string[];
  } = {},
): Promise<TestBrand> {
  const key = uniqueKey('brand');
  const [{ id }]: { id: number }[] = await ds.query(
    `INSERT INTO brand (key, name, extension_columns) VALUES ($1, $1, COALESCE($2::text[], ARRAY['contact_key','address','channel','name','permission'])) RETURNING id`,
    [key, options.columns ?? null],
  );
  const types = options.types ?? [
    { channel: 'E', name: 'Work Email' },
    { channel: 'E', name: 'Personal Email' },
    { channel: 'S', name: 'Mobile' },
    { channel: 'W', name: 'WhatsApp' },
  ];
  for (const [i, t] of types.entries()) {
    await ds.query('INSERT INTO extension_type (brand_id, channel, name, column_order) VALUES ($1, $2, $3, $4)', [
      id,
      t.channel,
      t.name,
      t.columnOrder ?? i + 1,
    ]);
  }
  if (options.contacts?.length) await createContacts(ds, id, options.contacts);
  return { id, key };
}

export async function createContacts(ds: DataSource, brandId: number, contactKeys: string[]): Promise<void> {
  await ds.query('INSERT INTO master_contact (brand_id, contact_key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [
    brandId,
    contactKeys,
  ]);
}

export async function createApiUser(
  ds: DataSource,
  brandId: number,
  options: { permissions?: string[]; active?: boolean } = {},
): Promise<TestUser> {
  const userKey = uniqueKey('user');
  const secret = `secret-${randomUUID()}`;
  const [{ id }]: { id: number }[] = await ds.query(
    'INSERT INTO api_user (brand_id, user_key, secret_hash, permissions, active) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [brandId, userKey, await hashSecret(secret), options.permissions ?? [...PERMISSIONS], options.active ?? true],
  );
  return { id, userKey, secret, brandId };
}

export async function login(http: TestAgent, user: { userKey: string; secret: string }): Promise<string> {
  const res = await http.post('/rest/login').send({ userKey: user.userKey, secret: user.secret }).expect(200);
  return res.body.access_token as string;
}

/** A brand with contacts and a user holding every permission, logged in. */
export async function brandWithToken(
  ds: DataSource,
  http: TestAgent,
  options: Parameters<typeof createBrand>[1] & { permissions?: string[] } = {},
): Promise<{ brand: TestBrand; user: TestUser; token: string }> {
  const brand = await createBrand(ds, options);
  const user = await createApiUser(ds, brand.id, { permissions: options.permissions });
  return { brand, user, token: await login(http, user) };
}

export async function insertExtensions(
  ds: DataSource,
  brandId: number,
  rows: { contact_key: string; address: string; channel: 'E' | 'S' | 'W'; name?: string | null; permission?: boolean }[],
): Promise<void> {
  await ds.query(
    `INSERT INTO master_contact_extensions (brand_id, contact_key, address, channel, name, permission)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[])`,
    [
      brandId,
      rows.map((r) => r.contact_key),
      rows.map((r) => r.address),
      rows.map((r) => r.channel),
      rows.map((r) => r.name ?? null),
      rows.map((r) => r.permission ?? false),
    ],
  );
}

export async function extensionsOf(
  ds: DataSource,
  brandId: number,
): Promise<
  {
    id: string;
    contact_key: string;
    address: string;
    channel: string;
    name: string | null;
    permission: boolean;
    created_at: Date;
    updated_at: Date;
  }[]
> {
  return ds.query(
    `SELECT id::text, contact_key, address, channel, name, permission, created_at, updated_at
       FROM master_contact_extensions WHERE brand_id = $1 ORDER BY contact_key COLLATE "C", address COLLATE "C"`,
    [brandId],
  );
}
