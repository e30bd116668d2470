/**
 * Statements that node-postgres prepares once per connection and runs by name from then on: the
 * server parses and plans such a statement on its first run on a connection instead of on every
 * run. Worth it for the statements every bulk request sends (the token's user, the limit's hit and
 * release, the upsert's lookup and write), whose texts are few and, for the upsert's, large.
 *
 * TypeORM hands its query text to the driver as it is, so a query config `{ name, text }` passed
 * where it takes the text is what node-postgres receives (its Client#query takes a config and the
 * values); the embedded database's node-postgres adapter speaks the same extended protocol. Errors
 * are TypeORM's QueryFailedError as for any other statement. The plans are PostgreSQL's choice
 * between a custom and a generic plan (plan_cache_mode): every statement named here probes unique
 * keys per array element or per scalar parameter, whatever the plan.
 *
 * One text, one name, for the life of the process (node-postgres refuses a name reused for another
 * text on a connection). The texts are built from a handful of shapes; past MAX_NAMED distinct texts
 * a new one runs unnamed, so that no caller can grow the map or the server's sessions without end.
 */
const MAX_NAMED = 64;
const names = new Map<string, string>();

/** `text` to run as a named prepared statement, in the type TypeORM's `query` takes. */
export function namedStatement(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= MAX_NAMED) return text;
    name = `ce_stmt_${names.size + 1}`;
    names.set(text, name);
  }
  return { name, text } as unknown as string;
}
