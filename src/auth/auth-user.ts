import { ExtensionColumn } from '../addresses/extension-columns';

/** Who is calling, as the server knows it: loaded from the database on every request, never from the token alone. */
export interface AuthUser {
  id: number;
  userKey: string;
  brandId: number;
  permissions: string[];
  /** the brand's enabled extension columns, loaded with the user so the bulk path needs no extra query */
  extensionColumns: ExtensionColumn[];
}

export interface JwtPayload {
  sub: string;
  brand: number;
  ver: number;
  iat?: number;
  exp?: number;
}
