/** The largest value of PostgreSQL's `integer` (int4): ids, token versions, positions in an upload, durations in ms. */
export const MAX_INT4 = 2_147_483_647;
