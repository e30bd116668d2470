import * as fc from 'fast-check';
import { canonicalAddress, isValidAddress } from '../src/addresses/address';
import { Channel } from '../src/addresses/channel';
import { ALL_COLUMNS, bulkRaw } from './support/bulk';
import { brandWithToken } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/*
 * Hostile input: property-based fuzzing of POST /rest/bulk/contact_extensions with
 * fast-check. The bodies range from envelopes of every wrong shape to records with wrong types,
 * empty and huge strings, unicode (lone surrogates, RTL, emoji, NUL and other control characters),
 * nested objects, `__proto__` and `constructor` keys and SQL fragments, mixed with valid-looking
 * records so that a good share of them is written. Bodies are sent as raw JSON text, so that
 * `__proto__` arrives as an own property and broken JSON arrives as sent.
 *
 * Properties: never a 5xx; every answer has one of the shapes of contract section 4; no answer
 * leaks internals; and afterwards the brand's rows keep the database invariants, with as many rows
 * as the answers say were inserted.
 *
 * The seed is fixed (FUZZ_SEED overrides it, FUZZ_RUNS the number of bodies); fast-check prints
 * the seed and the shrunk counterexample of a failure, so that it can be replayed.
 */

jest.setTimeout(240_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

const RECORD_ERROR_CODES = [
  'MISSING_FIELD',
  'INVALID_FIELD',
  'UNKNOWN_FIELD',
  'EXTENSION_NOT_FOUND',
  'CONTACT_NOT_FOUND',
  'INVALID_ADDRESS',
  'CHANNEL_IMMUTABLE',
  'UNKNOWN_EXTENSION_TYPE',
  'DUPLICATE_EXTENSION',
];
const RECORD_WARNING_CODES = ['DUPLICATE_IN_REQUEST'];
const RESULT_KEYS = ['total', 'inserted', 'updated', 'unchanged', 'skipped', 'failed', 'errors', 'warnings'];
const ISSUE_KEYS = ['index', 'contact_key', 'address', 'code', 'field', 'message'];
/** Text that would betray an internal error, a stack trace or SQL; checked where the request did not contain it. */
const LEAK_MARKERS = [
  'QueryFailedError',
  'TypeORMError',
  'node_modules',
  '    at ',
  '.ts:',
  '.js:',
  'duplicate key value',
  'violates',
  'syntax error',
  'ON CONFLICT',
  'unnest(',
  'INSERT INTO',
  'SELECT ',
  'UPDATE master_contact',
  'stack',
];

/* ------------------------------------------------------------------ JSON text with own __proto__ keys */

/** A JSON object as a list of entries, so that `__proto__`, `constructor` and repeated keys survive to the text. */
class Obj {
  constructor(readonly entries: [string, Json][]) {}
}
type Json = null | boolean | number | string | Json[] | Obj;

function toText(value: Json): string {
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toText(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toText).join(',')}]`;
  return JSON.stringify(value);
}

/* ------------------------------------------------------------------ the brand's data */

const TYPES: { channel: Channel; name: string }[] = [
  { channel: 'E', name: 'Work Email' },
  { channel: 'E', name: 'Personal Email' },
  { channel: 'E', name: 'Ünïcødé 📧 بريد' },
  { channel: 'S', name: 'Mobile' },
  { channel: 'W', name: 'WhatsApp' },
];
/** Contacts of the brand: plain keys and keys with unicode, RTL, emoji, SQL wildcards and quotes. */
const CONTACTS = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'ü-kontakt', 'مرحبا', '👩‍💻', '100%', 'a_b', "o'neil", '\uFFFD'];
const MISSING_CONTACTS = ['nobody', 'C0', 'c0 ', ' c1', '%', '_', "'; DROP TABLE master_contact_extensions; --", 'c\uD800'];

const EMAILS = [
  'jane.doe@example.com',
  'x+tag@example.org',
  'user_1@ex-ample.com',
  "o'brien@example.ie",
  '100%@example.com',
  'a_b@example.com',
  'müller@münchen.de',
  'a@b.co',
  'rtl@مثال.com',
  'emoji😀@example.com',
];
const PHONES = [
  '+90 535 123 45 67',
  '0090 535 123 45 68',
  '905351234569',
  '+1 202 555 0123',
  '+1 (415) 555-2671',
  '+44 7911 123456',
  '+49 151 23456789',
  '+33 6 12 34 56 78',
  '+971 50 123 4567',
  '+91 98765 43210',
];
const SQL_FRAGMENTS = [
  "'; DROP TABLE master_contact_extensions; --",
  "'); DELETE FROM master_contact; --",
  '\\x00',
  '%',
  '_',
  '%_%',
  "' OR '1'='1",
  '"; --',
  '\\',
  '$1',
  "E'\\\\'",
  'NULL',
  'pg_sleep(10)',
  '/* */',
];

/* ------------------------------------------------------------------ arbitraries */

const loneSurrogate = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF');
const controlChar = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u007F', '\u0085', '\u200B', '\u200E', '\u200F', '\u202E', '\u2028', '\uFEFF', '\u00A0'),
);
const emoji = fc.constantFrom('😀', '👩‍💻', '🇹🇷', 'e\u0301', '\uFFFD', '𝔘');
const rtl = fc.constantFrom('مرحبا', 'שלום', '\u202Eabc', 'ا');
const hostileUnit = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 4 },
  { arbitrary: loneSurrogate, weight: 2 },
  { arbitrary: controlChar, weight: 2 },
  { arbitrary: emoji, weight: 1 },
  { arbitrary: rtl, weight: 1 },
  { arbitrary: fc.constantFrom('@', '.', '+', ' ', '%', '_', "'", '"', '\\'), weight: 2 },
);
const sqlFragment = fc.constantFrom(...SQL_FRAGMENTS);

/** Strings an attacker or a broken client might send in any field. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: hostileUnit, maxLength: 24 }), weight: 10 },
  { arbitrary: fc.constantFrom('', ' ', '\t\n', '\u00A0', '\u0000'), weight: 2 },
  { arbitrary: sqlFragment, weight: 3 },
  { arbitrary: fc.tuple(sqlFragment, fc.constantFrom('@example.com', '')).map(([a, b]) => a + b), weight: 2 },
  {
    arbitrary: fc
      .tuple(fc.string({ unit: hostileUnit, maxLength: 6 }), fc.string({ unit: hostileUnit, maxLength: 6 }))
      .map(([a, b]) => `${a}@${b}.com`),
    weight: 3,
  },
  // around the limits: contact_key 200, name 100, address 320 (after trimming)
  { arbitrary: fc.constantFrom(99, 100, 101, 199, 200, 201, 319, 320, 321).map((n) => 'k'.repeat(n)), weight: 2 },
  { arbitrary: fc.constantFrom(300, 310, 314).map((n) => `${'a'.repeat(n)}@x.com`), weight: 1 },
  { arbitrary: fc.constantFrom(2_000, 10_000).map((n) => 'x'.repeat(n)), weight: 1 },
);

/** Keys a record or an envelope must not carry (never `validateOnly`: that one is a real flag). */
const weirdKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'prototype',
    'extra',
    'id',
    'brand_id',
    'Contact_Key',
    'contact_key ',
    '',
  ),
  hostileString.filter(
    (k) => k.length < 30 && !['columns', 'contactDatas', 'insertIfNotExists', 'throwOnError', 'validateOnly'].includes(k),
  ),
);

const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e308, 2 ** 53 + 1, 0.5),
  hostileString,
  fc.constantFrom('E', 'S', 'W', 'e', 'true', 'false', '1', 'null'),
);

/** Any JSON value, nested up to a few levels, objects with hostile keys. */
const anyJson: fc.Arbitrary<Json> = fc.letrec<{ json: Json; arr: Json[]; obj: Obj }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', maxDepth: 3 }, scalar, tie('arr'), tie('obj')),
  arr: fc.array(tie('json'), { maxLength: 3 }),
  obj: fc.array(fc.tuple(weirdKey, tie('json')), { maxLength: 3 }).map((entries) => new Obj(entries)),
})).json;

const validEmail = fc
  .tuple(fc.constantFrom(...EMAILS), fc.constantFrom('', ' ', '\t', '\u00A0'), fc.boolean())
  .map(([email, pad, upper]) => `${pad}${upper ? email.toUpperCase() : email}${pad}`);
const validPhone = fc.tuple(fc.constantFrom(...PHONES), fc.constantFrom('as is', 'digits', 'plus', '00')).map(([phone, form]) => {
  const digits = canonicalAddress(phone);
  return form === 'digits' ? digits : form === 'plus' ? `+${digits}` : form === '00' ? `00${digits}` : phone;
});

/** A channel and an address that usually belong together. */
const channelAndAddress: fc.Arbitrary<[Json, Json]> = fc.oneof(
  { arbitrary: validEmail.map((a): [Json, Json] => ['E', a]), weight: 6 },
  { arbitrary: fc.tuple(fc.constantFrom('S', 'W'), validPhone).map(([c, a]): [Json, Json] => [c, a]), weight: 5 },
  {
    arbitrary: fc.tuple(fc.constantFrom('E', 'S', 'W'), fc.oneof(validEmail, validPhone)).map(([c, a]): [Json, Json] => [c, a]),
    weight: 2,
  },
  { arbitrary: fc.tuple(fc.oneof(fc.constantFrom('E', 'S', 'W'), scalar), hostileString).map(([c, a]): [Json, Json] => [c, a]), weight: 2 },
);
const contactKey: fc.Arbitrary<Json> = fc.oneof(
  { arbitrary: fc.constantFrom(...CONTACTS), weight: 10 },
  { arbitrary: fc.constantFrom(...MISSING_CONTACTS), weight: 1 },
);
const anyName: fc.Arbitrary<Json> = fc.oneof(
  { arbitrary: fc.constantFrom<Json>(null, ...TYPES.map((t) => t.name)), weight: 6 },
  { arbitrary: fc.oneof(hostileString, fc.constantFrom('work email', 'Work Email ', 'x'.repeat(101))), weight: 1 },
);
/** Mostly an extension type of the record's channel (or null), so that a fair share of the records is valid. */
const nameFor = (channel: Json): fc.Arbitrary<Json> => {
  const own = TYPES.filter((t) => t.channel === channel).map((t) => t.name);
  return own.length === 0
    ? anyName
    : fc.oneof({ arbitrary: fc.constantFrom<Json>(null, ...own), weight: 3 }, { arbitrary: anyName, weight: 1 });
};

/** A record as JSON entries: valid-looking; with renames now and then when `renames`. */
const plausibleRecord = (renames: boolean): fc.Arbitrary<[string, Json][]> =>
  fc.tuple(contactKey, channelAndAddress, fc.nat(9), fc.nat(9)).chain(([key, [channel, address], channelDice, renameDice]) =>
    fc
      .record(
        {
          name: nameFor(channel),
          permission: fc.boolean(),
          new_contact_key: fc.oneof(contactKey, fc.constant(null)),
          new_address: fc.oneof(validEmail, validPhone, fc.constant(null)),
        },
        { requiredKeys: [] },
      )
      .chain((rec) => {
        const entries: [string, Json][] = [
          ['contact_key', key],
          ['address', address],
        ];
        if (channelDice < 8) entries.push(['channel', channel]);
        if (rec.name !== undefined) entries.push(['name', rec.name]);
        if (rec.permission !== undefined) entries.push(['permission', rec.permission]);
        if (renames && renameDice < 3 && rec.new_contact_key !== undefined) entries.push(['new_contact_key', rec.new_contact_key]);
        if (renames && renameDice < 4 && rec.new_address !== undefined) entries.push(['new_address', rec.new_address]);
        return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length });
      }),
  );

type Mutation = { kind: 'replace'; at: number; value: Json } | { kind: 'add'; key: string; value: Json } | { kind: 'drop'; at: number };

/** Breaks a record: a value replaced by any JSON, a key added (unknown or known, with any value), a key dropped. */
const mutation = (renames: boolean): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: anyJson }),
    fc.record({ kind: fc.constant('add' as const), key: weirdKey, value: anyJson }),
    fc.record({
      kind: fc.constant('add' as const),
      // new_* with insertIfNotExists true is a request-level error: only now and then
      key: fc.constantFrom(
        'contact_key',
        'address',
        'channel',
        'name',
        'permission',
        ...(renames ? ['new_contact_key', 'new_address'] : []),
      ),
      value: anyJson,
    }),
    fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  );

function mutate(entries: [string, Json][], mutations: Mutation[]): [string, Json][] {
  const out = entries.map(([k, v]): [string, Json] => [k, v]);
  for (const m of mutations) {
    if (m.kind === 'add') out.push([m.key, m.value]);
    else if (out.length === 0) continue;
    else if (m.kind === 'replace') out[m.at % out.length][1] = m.value;
    else out.splice(m.at % out.length, 1);
  }
  return out;
}

/** Mostly plausible records, a third of them broken in one to three ways, and now and then no object at all. */
const record = (renames: boolean): fc.Arbitrary<Json> =>
  fc.oneof(
    { arbitrary: plausibleRecord(renames).map((e) => new Obj(e)), weight: 12 },
    {
      arbitrary: fc
        .tuple(plausibleRecord(renames), fc.array(mutation(renames), { minLength: 1, maxLength: 3 }))
        .map(([e, m]) => new Obj(mutate(e, m))),
      weight: 6,
    },
    { arbitrary: anyJson, weight: 1 },
  );

/** contact_key and address, usually channel, each of name and permission every other time, in any order. */
const goodColumns: fc.Arbitrary<Json> = fc
  .tuple(fc.nat(19), fc.boolean(), fc.boolean())
  .map(([c, n, p]) => ['contact_key', 'address', ...(c < 17 ? ['channel'] : []), ...(n ? ['name'] : []), ...(p ? ['permission'] : [])])
  .chain((columns) => fc.shuffledSubarray(columns, { minLength: columns.length, maxLength: columns.length }));
const badColumns: fc.Arbitrary<Json> = fc.oneof(
  anyJson,
  fc.constantFrom<Json>(
    [],
    ['contact_key'],
    ['address'],
    ['contact_key', 'contact_key', 'address'],
    ['contact_key', 'address', 'unknown'],
    ['contact_key', 'address', null],
    ['CONTACT_KEY', 'address'],
    ['contact_key', 'address', 'channel', 'name', 'permission', 'channel'],
    'contact_key,address',
    ['contact_key', 'address', '__proto__'],
    ['contact_key', 'address', "channel'; --"],
  ),
  fc.array(fc.oneof(fc.constantFrom<Json>(...ALL_COLUMNS), scalar), { minLength: 1, maxLength: 7 }),
);

/** 999 to 1001 records cycled from a few, sometimes with an address per index (so that they are not all duplicates). */
const bigContactDatas = (renames: boolean): fc.Arbitrary<Json> =>
  fc
    .tuple(fc.constantFrom(999, 1000, 1001), fc.array(record(renames), { minLength: 1, maxLength: 3 }), fc.boolean())
    .map(([n, few, perIndex]) =>
      Array.from({ length: n }, (_, i): Json =>
        perIndex
          ? new Obj([
              ['contact_key', CONTACTS[i % 6]],
              ['address', `bulk-${i}@example.com`],
              ['channel', 'E'],
            ])
          : few[i % few.length],
      ),
    );
const contactDatas = (renames: boolean): fc.Arbitrary<Json> =>
  fc.oneof(
    { arbitrary: fc.array(record(renames), { minLength: 1, maxLength: 6 }), weight: 80 },
    { arbitrary: fc.array(record(renames), { minLength: 7, maxLength: 25 }), weight: 8 },
    { arbitrary: fc.oneof(fc.constant<Json>([]), anyJson), weight: 5 },
    { arbitrary: bigContactDatas(renames), weight: 1 },
  );
const flag = (trueWeight: number, falseWeight: number): fc.Arbitrary<Json> =>
  fc.oneof(
    { arbitrary: fc.constant(true), weight: trueWeight },
    { arbitrary: fc.constant(false), weight: falseWeight },
    { arbitrary: fc.oneof(scalar, anyJson), weight: 1 },
  );

/**
 * The envelope: the four keys, each sometimes missing or wrong, sometimes with keys that do not
 * belong. Renames come with insertIfNotExists true only now and then (a request-level error).
 */
const envelope: fc.Arbitrary<Json> = fc
  .tuple(flag(16, 8), fc.nat(29))
  .chain(([insertIfNotExists, renameDice]) =>
    fc.record({
      columns: fc.oneof({ arbitrary: goodColumns, weight: 20 }, { arbitrary: badColumns, weight: 1 }),
      contactDatas: contactDatas(insertIfNotExists !== true || renameDice === 0),
      insertIfNotExists: fc.constant(insertIfNotExists),
      throwOnError: flag(5, 20),
      extra: fc.array(fc.tuple(weirdKey, anyJson), { minLength: 1, maxLength: 2 }),
      present: fc.tuple(fc.nat(39), fc.nat(39), fc.nat(9), fc.nat(9), fc.nat(29)),
    }),
  )
  .map(({ columns, contactDatas: records, insertIfNotExists, throwOnError, extra, present }) => {
    const entries: [string, Json][] = [];
    if (present[0] > 0) entries.push(['columns', columns]);
    if (present[1] > 0) entries.push(['contactDatas', records]);
    if (present[2] < 9) entries.push(['insertIfNotExists', insertIfNotExists]);
    if (present[3] < 8) entries.push(['throwOnError', throwOnError]);
    if (present[4] === 0) entries.push(...extra);
    return new Obj(entries);
  });

/** Over the 5 MB body limit: 1000 records with a long value each (413, or 400 when the record count is the problem). */
const oversized: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(1000, 1500), fc.constantFrom(6_000, 12_000)).map(([n, size]) => {
  const one = toText(
    new Obj([
      ['contact_key', 'c1'],
      ['address', `${'a'.repeat(size)}@example.com`],
      ['channel', 'E'],
    ]),
  );
  return `{"columns":["contact_key","address","channel"],"insertIfNotExists":true,"contactDatas":[${Array(n).fill(one).join(',')}]}`;
});

/** A whole body as text: mostly an envelope, sometimes any JSON, sometimes no JSON at all, rarely too large. */
const bodyText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: envelope.map(toText), weight: 300 },
  { arbitrary: anyJson.map(toText), weight: 10 },
  {
    arbitrary: fc.constantFrom(
      '',
      '{',
      '[',
      'nul',
      '{"columns":',
      '{"a":1,}',
      "{'columns':[]}",
      '\u0000',
      '\uFEFF{}',
      '{"__proto__":{"columns":["contact_key","address"]}}',
      '1e99999',
      '"{}"',
    ),
    weight: 10,
  },
  { arbitrary: oversized, weight: 2 },
);

/* ------------------------------------------------------------------ checks of one answer */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const tryParse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The checks collect their findings in plain code (a thousand answers of up to a thousand issues
 * each would spend seconds in Jest matchers) and fail once, with all of them and the answer.
 */
class Findings {
  readonly list: string[] = [];
  need(ok: boolean, what: string): void {
    if (!ok) this.list.push(what);
  }
}

function checkIssues(f: Findings, issues: unknown, kind: string, codes: string[], records: unknown[] | undefined): void {
  if (!Array.isArray(issues)) return f.need(false, `${kind} is not an array`);
  for (const [i, issue] of (issues as unknown[]).entries()) {
    const at = `${kind}[${i}]`;
    if (!isObject(issue)) {
      f.need(false, `${at} is not an object`);
      continue;
    }
    for (const key of Object.keys(issue)) f.need(ISSUE_KEYS.includes(key), `${at} has the unexpected key ${key}`);
    f.need(codes.includes(issue.code as string), `${at}.code ${String(issue.code)} is not one of ${codes.join(', ')}`);
    f.need(typeof issue.message === 'string' && issue.message.length > 0, `${at}.message is not a non-empty string`);
    f.need(!('field' in issue) || typeof issue.field === 'string', `${at}.field is not a string`);
    const index = issue.index;
    if (!Number.isInteger(index)) {
      f.need(false, `${at}.index is not an integer`);
      continue;
    }
    if (!records) continue;
    if ((index as number) < 0 || (index as number) >= records.length) {
      f.need(false, `${at}.index ${String(index)} is outside contactDatas`);
      continue;
    }
    // contact_key and address echoed as sent, null when they were not strings
    const raw = records[index as number];
    const sent = (key: string) => (isObject(raw) && Object.hasOwn(raw, key) && typeof raw[key] === 'string' ? raw[key] : null);
    f.need(issue.contact_key === sent('contact_key'), `${at}.contact_key is not the one sent`);
    f.need(issue.address === sent('address'), `${at}.address is not the one sent`);
  }
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** The answer is one of the shapes of contract section 4; returns the number of rows it says were inserted. */
function expectContractShaped(res: { status: number; body: unknown; text: string }, requestText: string): number {
  const f = new Findings();
  const sent = tryParse(requestText);
  const records = isObject(sent) && Array.isArray(sent.contactDatas) ? (sent.contactDatas as unknown[]) : undefined;
  const body = res.body as Record<string, unknown>;
  let inserted = 0;

  f.need([200, 400, 413].includes(res.status), `status ${res.status} is not 200, 400 or 413`);
  for (const marker of LEAK_MARKERS) {
    f.need(requestText.includes(marker) || !res.text.includes(marker), `the answer contains ${JSON.stringify(marker)}`);
  }
  if (!isObject(body)) f.need(false, 'the answer is not a JSON object');
  else if (res.status === 200) {
    // only a JSON object with 1 to 1000 records gets this far
    f.need(records !== undefined && records.length >= 1 && records.length <= 1000, 'a 200 to a body without 1 to 1000 records');
    for (const key of RESULT_KEYS) f.need(key in body, `no ${key}`);
    const [total, ins, upd, unch, skip, fail] = RESULT_KEYS.slice(0, 6).map((k) => body[k]);
    if ([total, ins, upd, unch, skip, fail].every(isCount)) {
      const n = [total, ins, upd, unch, skip, fail] as number[];
      inserted = n[1];
      f.need(n[0] === records?.length, `total ${n[0]} is not contactDatas.length ${records?.length}`);
      f.need(n[1] + n[2] + n[3] + n[4] + n[5] === n[0], 'inserted + updated + unchanged + skipped + failed is not total');
      if (Array.isArray(body.errors) && Array.isArray(body.warnings)) {
        const errors = body.errors as { index: unknown }[];
        const warnings = body.warnings as { index: unknown }[];
        f.need(new Set(errors.map((e) => e.index)).size === n[5], 'failed is not the number of records with errors');
        f.need(warnings.length === n[4], 'skipped is not the number of warnings');
        // a skipped record is only skipped, never also failed
        const skipped = new Set(warnings.map((w) => w.index));
        f.need(!errors.some((e) => skipped.has(e.index)), 'a skipped record has errors too');
      }
    } else f.need(false, 'a count is not a non-negative integer');
    checkIssues(f, body.errors, 'errors', RECORD_ERROR_CODES, records);
    checkIssues(f, body.warnings, 'warnings', RECORD_WARNING_CODES, records);
  } else {
    f.need(body.requestId === undefined || typeof body.requestId === 'string', 'requestId is not a string');
    f.need(body.statusCode === res.status, 'statusCode is not the status');
    f.need(typeof body.message === 'string' && body.message.length > 0, 'message is not a non-empty string');
    if (res.status === 413) f.need(body.code === 'PAYLOAD_TOO_LARGE', 'a 413 that is not PAYLOAD_TOO_LARGE');
    else if (body.code === 'INVALID_REQUEST') {
      f.need(
        Array.isArray(body.details) && (body.details as unknown[]).every((d) => typeof d === 'string'),
        'details is not a list of strings',
      );
    } else if (body.code === 'VALIDATION_FAILED') {
      f.need(records !== undefined, 'VALIDATION_FAILED for a body without records');
      f.need(Array.isArray(body.errors) && body.errors.length > 0, 'VALIDATION_FAILED without errors');
      checkIssues(f, body.errors, 'errors', RECORD_ERROR_CODES, records);
      checkIssues(f, body.warnings, 'warnings', RECORD_WARNING_CODES, records);
    } else f.need(false, `code ${String(body.code)} is neither INVALID_REQUEST nor VALIDATION_FAILED`);
    // a body that is not a JSON object is refused as a whole
    f.need(isObject(sent) || body.code === 'INVALID_REQUEST' || res.status === 413, 'a body that is no JSON object got no INVALID_REQUEST');
  }
  if (f.list.length > 0) {
    throw new Error(`${f.list.slice(0, 20).join('\n')}\nanswer ${res.status}: ${res.text.slice(0, 3000)}`);
  }
  return inserted;
}

/* ------------------------------------------------------------------ the run */

describe(`POST /rest/bulk/contact_extensions under ${NUM_RUNS} fuzzed bodies (fast-check, seed ${SEED})`, () => {
  let t: TestApp;
  let brandId: number;
  let token: string;
  /** what the answers said, over the whole run (shrinking included) */
  const tally = { requests: 0, inserted: 0, updated: 0, byAnswer: new Map<string, number>() };

  beforeAll(async () => {
    // a thousand requests in a few seconds are far over the default rate limit of a brand
    t = await createTestApp({ BULK_RATE_LIMIT: '0' });
    const setup = await brandWithToken(t.dataSource, t.http, { contacts: CONTACTS, types: TYPES });
    brandId = setup.brand.id;
    token = setup.token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the valid-looking pools are valid, so that a good share of the records is written', () => {
    for (const email of EMAILS.filter((e) => !e.startsWith('rtl@') && !e.startsWith('emoji')))
      expect([email, isValidAddress('E', canonicalAddress(email))]).toEqual([email, true]);
    for (const phone of PHONES) expect([phone, isValidAddress('S', canonicalAddress(phone))]).toEqual([phone, true]);
  });

  it('never answers 5xx, always answers in a shape of the contract, and never leaks internals', async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, async (text) => {
        const res = await bulkRaw(t, token, text);
        tally.requests++;
        const inserted = expectContractShaped(res, text);
        tally.inserted += inserted;
        if (res.status === 200) tally.updated += (res.body as { updated: number }).updated;
        const answer =
          res.status === 200 ? (inserted > 0 ? '200 inserting' : '200') : `${res.status} ${(res.body as { code?: string }).code}`;
        tally.byAnswer.set(answer, (tally.byAnswer.get(answer) ?? 0) + 1);
      }),
      { numRuns: NUM_RUNS, seed: SEED },
    );
    if (process.env.FUZZ_REPORT)
      process.stderr.write(
        `fuzz: ${tally.requests} requests, ${tally.inserted} inserted, ${tally.updated} updated, ${JSON.stringify([...tally.byAnswer])}\n`,
      );
    // the generators reach every kind of answer, and write a fair amount
    expect([...tally.byAnswer.keys()].sort()).toEqual(
      expect.arrayContaining(['200', '200 inserting', '400 INVALID_REQUEST', '400 VALIDATION_FAILED', '413 PAYLOAD_TOO_LARGE']),
    );
    expect(tally.inserted).toBeGreaterThan(100);
    expect(tally.updated).toBeGreaterThan(20);
  });

  it('afterwards the brand keeps the database invariants, with as many rows as the answers say were inserted', async () => {
    const rows: { contact_key: string; address: string; channel: string; name: string | null; contact_exists: boolean }[] =
      await t.dataSource.query(
        `SELECT e.contact_key, e.address, e.channel, e.name, (c.contact_key IS NOT NULL) AS contact_exists
         FROM master_contact_extensions e
         LEFT JOIN master_contact c ON c.brand_id = e.brand_id AND c.contact_key = e.contact_key
        WHERE e.brand_id = $1`,
        [brandId],
      );
    expect(rows.length).toBe(tally.inserted);
    const problems: string[] = [];
    const keys = new Set<string>();
    for (const row of rows) {
      const where = JSON.stringify([row.contact_key, row.address, row.channel]);
      if (!row.contact_exists) problems.push(`${where}: its contact does not exist in the brand`);
      const key = `${row.contact_key}\u0000${row.address}`;
      if (keys.has(key)) problems.push(`${where}: duplicate (brand, contact_key, address)`);
      keys.add(key);
      if (!['E', 'S', 'W'].includes(row.channel)) {
        problems.push(`${where}: channel not E/S/W`);
        continue;
      }
      const canonical =
        row.channel === 'E' ? row.address === row.address.trim().toLowerCase() && row.address.includes('@') : /^\d+$/.test(row.address);
      if (!canonical || canonicalAddress(row.address) !== row.address) problems.push(`${where}: address not canonical`);
      if (!isValidAddress(row.channel as Channel, row.address)) problems.push(`${where}: address not valid for its channel`);
      if (row.name !== null && !TYPES.some((type) => type.channel === row.channel && type.name === row.name)) {
        problems.push(`${where}: name ${JSON.stringify(row.name)} is not an extension type of the channel`);
      }
    }
    expect(problems).toEqual([]);
    // the SQL fragments were data, never code: the tables are all there
    const [{ tables }]: { tables: number }[] = await t.dataSource.query(
      `SELECT count(*)::int AS tables FROM information_schema.tables WHERE table_name IN ('master_contact', 'master_contact_extensions', 'brand', 'api_user')`,
    );
    expect(tables).toBe(4);
    const [{ contacts }]: { contacts: number }[] = await t.dataSource.query(
      'SELECT count(*)::int AS contacts FROM master_contact WHERE brand_id = $1',
      [brandId],
    );
    expect(contacts).toBe(CONTACTS.length);
  });
});
