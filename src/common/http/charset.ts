/** Charsets whose text UTF-8 reads as sent: its spellings, and US-ASCII (a subset of it). */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

const CHARSET_PARAMETER = /(;\s*charset\s*=\s*)"?([^";\s]*)"?(?=\s*(?:;|$))/i;

/** The charset parameter of a Content-Type header, as sent (unquoted); undefined without one. */
export function charsetOf(contentType: string): string | undefined {
  return CHARSET_PARAMETER.exec(contentType)?.[2];
}

export function isUtf8Charset(charset: string): boolean {
  return UTF8_CHARSETS.has(charset.toLowerCase());
}

/** The header with its charset parameter spelled `utf-8`. */
export function withUtf8Charset(contentType: string): string {
  return contentType.replace(CHARSET_PARAMETER, '$1utf-8');
}
