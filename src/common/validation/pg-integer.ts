/** The largest value of PostgreSQL's `integer` (int4): ids, token versions, positions in an upload. */
export const MAX_INT4 = 2_147_483_647;
