/**
 * The kernel every bulk endpoint shares for its records (the extensions' upsert and delete, the
 * contacts' upsert, the import jobs): a record is a plain JSON object; records are grouped by a key
 * and the last record of a group is the one processed, each earlier one skipped with a
 * DUPLICATE_IN_REQUEST warning, valid or not; every issue of a record echoes its identifying
 * properties as sent. What a record's own rules are, and what groups records, is each endpoint's.
 */

export const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** A JSON object: not null, not an array. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One broken rule of one record; `field` names the property when the rule is about one. */
export interface RecordIssue<C extends string> {
  code: C;
  field?: string;
  message: string;
}

export type RecordValidation<R, C extends string> = { ok: true; record: R } | { ok: false; issues: RecordIssue<C>[] };

/** A record's identifying properties as sent: the string, or null when absent or not a string. */
export type Echo<K extends string> = { readonly [P in K]: string | null };

/** An issue as answered: the record's 0-based position, its echo, and the rule it broke. */
export type ReportedIssue<C extends string, K extends string> = { index: number } & Echo<K> & RecordIssue<C>;

export const DUPLICATE_IN_REQUEST = 'DUPLICATE_IN_REQUEST';

export function echoOf<K extends string>(raw: unknown, keys: readonly K[]): Echo<K> {
  const echo = {} as Record<K, string | null>;
  const record = isPlainRecord(raw) ? raw : undefined;
  for (const key of keys) {
    const value = record !== undefined && hasOwn(record, key) ? record[key] : undefined;
    echo[key] = typeof value === 'string' ? value : null;
  }
  return echo;
}

export function reportIssue<C extends string, K extends string>(index: number, echo: Echo<K>, issue: RecordIssue<C>): ReportedIssue<C, K> {
  const out = { index, ...echo, code: issue.code, message: issue.message } as ReportedIssue<C, K>;
  if (issue.field !== undefined) out.field = issue.field;
  return out;
}

/** What an endpoint's records are: what an issue echoes, their own rules, what groups them. */
export interface RecordRules<R, C extends string, K extends string> {
  /** the identifying properties echoed into every issue, in the answer's order */
  echo: readonly K[];
  /** the record's own rules, without the database */
  validate(raw: unknown): RecordValidation<R, C>;
  /** the group of a record that passed its own rules: records of a group are one record sent more than once */
  keyOf(record: R): string;
  /** the group of a record that failed them, read from its echo as keyOf reads it; undefined: it is judged alone */
  groupOf(echo: Echo<K>): string | undefined;
}

/** A record that passed its own rules and goes on to the endpoint's next step. */
export interface Candidate<R, K extends string> {
  index: number;
  record: R;
  /** its group (a key that identifies it, computed once) */
  key: string;
  echo: Echo<K>;
}

export interface GroupedRecords<R, C extends string, K extends string> {
  total: number;
  /** the last record of each group that passed its own rules, in request order */
  candidates: Candidate<R, K>[];
  /** records that failed their own rules */
  failed: number;
  errors: ReportedIssue<C, K>[];
  /** one per skipped record */
  warnings: ReportedIssue<typeof DUPLICATE_IN_REQUEST, K>[];
}

/**
 * Groups the records (the last of a group wins; each earlier one is skipped with a warning, valid or
 * not) by the key of each record's own validation, so that a valid record's key is built from its
 * parsed values once.
 */
export function groupAndValidate<R, C extends string, K extends string>(
  records: readonly unknown[],
  rules: RecordRules<R, C, K>,
): GroupedRecords<R, C, K> {
  const validations = records.map((raw) => rules.validate(raw));
  const echoes: (Echo<K> | undefined)[] = [];
  const echo = (index: number): Echo<K> => (echoes[index] ??= echoOf(records[index], rules.echo));
  const groups = validations.map((validation, index) => (validation.ok ? rules.keyOf(validation.record) : rules.groupOf(echo(index))));
  const lastOfGroup = new Map<string, number>();
  groups.forEach((group, index) => {
    if (group !== undefined) lastOfGroup.set(group, index);
  });

  const grouped: GroupedRecords<R, C, K> = { total: records.length, candidates: [], failed: 0, errors: [], warnings: [] };
  const sameWhat = rules.echo.join(' and ');
  validations.forEach((validation, index) => {
    const group = groups[index];
    const last = group === undefined ? index : (lastOfGroup.get(group) as number);
    if (last !== index) {
      grouped.warnings.push(
        reportIssue(index, echo(index), {
          code: DUPLICATE_IN_REQUEST,
          message: `a later record (index ${last}) has the same ${sameWhat}; this one is skipped`,
        }),
      );
    } else if (validation.ok) {
      grouped.candidates.push({ index, record: validation.record, key: group as string, echo: echo(index) });
    } else {
      grouped.failed++;
      for (const issue of validation.issues) grouped.errors.push(reportIssue(index, echo(index), issue));
    }
  });
  return grouped;
}
