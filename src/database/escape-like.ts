/**
 * A text as a LIKE pattern that matches only itself: `%`, `_` and the escape character `\`
 * (PostgreSQL's default ESCAPE) escaped. Wrap it in `%` for "contains", append `%` for a prefix.
 */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
