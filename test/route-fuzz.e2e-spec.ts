import * as fc from 'fast-check';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { canonicalAddress } from '../src/addresses/address';
import { createApiUser, createBrand, createContacts, insertExtensions, TestBrand } from './support/factories';
import { OpenApiDocument } from './support/openapi-document';
import { createTestApp, TestApp } from './support/test-app';
import { claimsFor, signJwt } from './support/tokens';

/*
 * Every operation of the committed openapi.json under hostile input (fast-check). A route added to
 * the document is fuzzed without editing this file; a part of an operation it cannot fuzz (a
 * parameter in a cookie, a bearer route without `x-permission`) fails the run instead of being
 * skipped.
 *
 * For each operation it generates path, query and header parameters and a body from the document's
 * schemas: values of the documented kind (enums, examples, numbers in range, strings at and around
 * each length limit, keys of the brand's own rows) mixed with control characters, NUL, unpaired
 * surrogates (sent as the bytes %ED%A0%80 in URLs), combining marks and variation selectors around
 * the length limits, emoji, numbers, arrays, objects and null where strings are expected, repeated
 * and unknown keys, `__proto__`, JSON nested thousands deep, bodies that are no JSON, and now and
 * then one over the size limit. A body of another media type (CSV, NDJSON uploads) is fuzzed as
 * raw bytes, plain or gzipped. Each case goes with a token of a user holding the operation's
 * permission (`x-permission`), or now and then with none.
 *
 * It asserts: no 5xx; the status is one the document lists for the operation, and the body matches
 * the schema documented for it (error bodies included); and after each operation, no contact has
 * two rows of one canonical address and nothing of another brand changed.
 *
 * FUZZ_RUNS: cases per operation (default 200); FUZZ_SEED: the seed (printed in the test name); each
 * operation runs with the seed plus its index in the document, so that one can be replayed alone
 * with `-t <operationId>`.
 */

jest.setTimeout(600_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_203);
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const CONCURRENCY = 4;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json } & {
  $ref?: string;
  type?: string;
  enum?: Json[];
  example?: Json;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
};
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
  example?: Json;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema; examples?: Record<string, { value: Json }> }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  security?: Record<string, string[]>[];
  'x-permission'?: string;
}

const api = new OpenApiDocument();
const DOC = api.document as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const OPERATIONS = Object.entries(DOC.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] })),
);

function resolve(schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 10; i++) s = DOC.components.schemas[s.$ref.replace('#/components/schemas/', '')];
  if (s.allOf?.length) return s.allOf.map(resolve).reduce((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties } }), {});
  return s;
}

/* ------------------------------------------------------------------ raw JSON text */

/** A JSON value as text, built from parts, so that repeated keys, `__proto__` and broken JSON survive. */
class Raw {
  constructor(readonly text: string) {}
}
/** A value of the brand's pools, resolved when the case is sent (the pools grow during the run). */
class Pooled {
  constructor(
    readonly name: string,
    readonly n: number,
  ) {}
}
type Value = null | boolean | number | string | Raw | Obj | Pooled | Value[];
function fromJson(j: Json): Value {
  if (Array.isArray(j)) return j.map(fromJson);
  if (j !== null && typeof j === 'object') return new Obj(Object.entries(j).map(([k, v]) => [k, fromJson(v)]));
  return j;
}
/** An object as a list of entries: a key may appear twice. */
class Obj {
  constructor(readonly entries: [string, Value][]) {}
}
function toText(value: Value | undefined): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toText(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toText).join(',')}]`;
  return JSON.stringify(value ?? null);
}

/* ------------------------------------------------------------------ hostile text */

const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];
const CONTROL = ['\u0000', '\u0001', '\t', '\n', '\r', '\u001B', '\u007F', '\u0085', '\u200B', '\u200E', '\u202E', '\u2028', '\uFEFF'];
/** One code point each, but class-validator's Length, String.length or a byte count would count them otherwise. */
const TRICKY = [
  '\uFE0F',
  '\uFE0E',
  '\u0301',
  '\u{1F600}',
  '\u{1F469}\u200D\u{1F4BB}',
  '\u{1F1F9}\u{1F1F7}',
  'é',
  'ß',
  'İ',
  '\uFFFD',
  '\u{10FFFF}',
];
const SQLISH = ["'; DROP TABLE master_contact; --", '%', '_', '\\', "' OR '1'='1", '$1', '../', '%00', '{}', '[]', 'null'];

const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...LONE_SURROGATES) },
  { weight: 2, arbitrary: fc.constantFrom(...CONTROL) },
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: hostileUnit, maxLength: 16 }) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\u0000', 'c1\u0000', '\uD800', 'a\uDFFFb', '\u00A0', 'x'.repeat(5000)) },
  { weight: 2, arbitrary: fc.constantFrom(...SQLISH) },
);

/** Strings of `n` code points around a limit, each filled with one kind of character. */
const aroundLimit = (limit: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom(limit - 1, limit, limit + 1, 2 * limit), fc.constantFrom('x', '\u{1F600}', 'e\u0301', 'x\uFE0F', '\uFE0F'))
    .map(([n, fill]) => {
      const points = [...fill];
      return Array.from({ length: Math.max(0, n) }, (_, i) => points[i % points.length]).join('');
    });

/** JSON nested `depth` levels: arrays or objects. */
const deep = (depth: number, kind: 'array' | 'object'): Raw =>
  new Raw(kind === 'array' ? '['.repeat(depth) + '1' + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
const deepValue: fc.Arbitrary<Value> = fc
  .tuple(fc.constantFrom(31, 33, 5000), fc.constantFrom<'array' | 'object'>('array', 'object'))
  .map(([d, k]) => deep(d, k));

const weirdKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', 'id', 'brand_id', 'brandId', '', ' '),
  hostileString.filter((k) => k.length < 20),
);

/** Any JSON, a few levels deep, objects with weird keys. */
const anyJson: fc.Arbitrary<Value> = fc.letrec<{ v: Value; arr: Value[]; obj: Obj }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 + 1, 1e308, -0.5),
    hostileString,
    tie('arr'),
    tie('obj'),
  ),
  arr: fc.array(tie('v'), { maxLength: 3 }),
  obj: fc.array(fc.tuple(weirdKey, tie('v')), { maxLength: 3 }).map((e) => new Obj(e)),
})).v;

/* ------------------------------------------------------------------ values the brand knows */

/**
 * Keys and ids the service has shown: seeded with the brand's rows and grown from every answer
 * (any `id`, `contact_key`, ... in a body), so that path parameters name real rows now and then and
 * an upload reaches a job that exists. Looked up by the parameter's name without case, `_` or `-`.
 */
class Pools {
  private readonly pools = new Map<string, Set<string | number>>();
  static norm = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');

  add(name: string, value: unknown): void {
    if ((typeof value !== 'string' || value.length > 400) && typeof value !== 'number') return;
    const key = Pools.norm(name);
    const pool = this.pools.get(key) ?? new Set();
    if (pool.size < 200) pool.add(value);
    this.pools.set(key, pool);
  }

  harvest(value: unknown, depth = 0): void {
    if (depth > 4 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.slice(0, 50).forEach((v) => this.harvest(v, depth + 1));
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'object') this.harvest(v, depth + 1);
      else this.add(k, v);
    }
  }

  pick(name: string, n: number): string | number | undefined {
    const pool = [...(this.pools.get(Pools.norm(name)) ?? [])];
    return pool.length === 0 ? undefined : pool[n % pool.length];
  }
}

/* ------------------------------------------------------------------ values from schemas */

/**
 * A value the schema allows, as a client that follows the document would send it: an enum value,
 * the example, a key the brand knows (by the property's name), a number in range, a short string;
 * objects with their properties so made, arrays of such items.
 */
function plausible(schema: Schema | undefined, name: string, level = 0): fc.Arbitrary<Value> {
  const s = resolve(schema);
  if (s.properties && level < 4) return plausibleObject(s, level + 1);
  if (s.type === 'array' && level < 4) {
    const items = resolve(s.items);
    if (items.enum?.length) {
      const all = items.enum.map(fromJson);
      return fc.oneof({ weight: 3, arbitrary: fc.constant(all) }, { weight: 1, arbitrary: fc.shuffledSubarray(all, { minLength: 1 }) });
    }
    return fc.array(plausible(items, name, level + 1), {
      minLength: Math.max(1, s.minItems ?? 0),
      maxLength: Math.min(s.maxItems ?? 5, 5),
    });
  }
  const options: fc.Arbitrary<Value>[] = [];
  if (s.enum?.length) options.push(fc.constantFrom(...s.enum.map(fromJson)));
  else {
    options.push(fc.nat().map((n) => new Pooled(name, n)));
    if (s.example !== undefined) options.push(fc.constant(fromJson(s.example)));
    if (s.type === 'integer' || s.type === 'number') {
      const min = Math.max(s.minimum ?? -1000, -1e6);
      const max = Math.min(s.maximum ?? 1000, 1e6);
      options.push(fc.integer({ min, max }));
    } else if (s.type === 'boolean') options.push(fc.boolean());
    else if (s.type === 'string' || !s.type) {
      options.push(fc.string({ unit: 'grapheme', minLength: Math.max(1, s.minLength ?? 1), maxLength: Math.min(s.maxLength ?? 12, 12) }));
    }
  }
  const value = fc.oneof(...options);
  return s.nullable ? fc.oneof({ weight: 5, arbitrary: value }, { weight: 1, arbitrary: fc.constant(null) }) : value;
}

function plausibleObject(s: Schema, level: number): fc.Arbitrary<Obj> {
  const required = new Set(s.required ?? []);
  const entries = Object.entries(s.properties ?? {}).map(([key, prop]) => {
    const entry = plausible(prop, key, level).map((v): [string, Value] => [key, v]);
    return required.has(key) ? entry : fc.option(entry, { freq: 2 });
  });
  return fc.tuple(...entries).map((es) => new Obj(es.filter((e): e is [string, Value] => e !== null)));
}

/** What a hostile client sends where `schema` is expected. */
function hostile(schema: Schema | undefined): fc.Arbitrary<Value> {
  const s = resolve(schema);
  const limits = [s.maxLength, s.minLength && s.minLength > 1 ? s.minLength : undefined].filter((n): n is number => !!n);
  const options: fc.Arbitrary<Value>[] = [
    hostileString,
    fc.constantFrom<Value>(null, true, false, 0, -1, 1.5, 2 ** 31, 'true', 'null', [], new Obj([]), ['a', 'b']),
    ...limits.map(aroundLimit),
    anyJson,
  ];
  if (s.type === 'integer' || s.type === 'number') {
    options.push(fc.constantFrom<Value>((s.minimum ?? 0) - 1, (s.maximum ?? 2 ** 31) + 1, '1', 1e308, -0, 0.1));
  }
  if (s.type === 'array' && s.maxItems !== undefined) {
    // at and just over the documented maximum
    const item = plausible(s.items, 'item', 1);
    options.push(
      fc
        .tuple(fc.constantFrom(s.maxItems, s.maxItems + 1), fc.array(item, { minLength: 1, maxLength: 3 }))
        .map(([n, few]) => Array.from({ length: n }, (_, i) => few[i % few.length])),
    );
  }
  return fc.oneof(...options);
}

type Mutation =
  | { kind: 'replace'; at: number; value: Value }
  | { kind: 'add'; key: string; value: Value }
  | { kind: 'repeat'; at: number; value: Value }
  | { kind: 'drop'; at: number }
  | { kind: 'inner'; at: number; mutations: Mutation[] };

/** Breaks an object of `schema` in one way: a property hostile, unknown or repeated, one dropped, or one inside broken. */
function mutation(s: Schema, level: number): fc.Arbitrary<Mutation> {
  const props = Object.values(s.properties ?? {});
  const options: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('add' as const), key: weirdKey, value: fc.oneof(anyJson, deepValue) }),
    fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), value: anyJson }),
  ];
  if (props.length > 0) {
    options.push(
      fc
        .nat(props.length - 1)
        .chain((at) => fc.record({ kind: fc.constant('replace' as const), at: fc.constant(at), value: hostile(props[at]) })),
      fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom(...Object.keys(s.properties ?? {})), value: hostile(undefined) }),
    );
    // into an array of objects (the records of a bulk body): a few of them broken
    const nested = Object.entries(s.properties ?? {}).findIndex(([, p]) => resolve(resolve(p).items).properties);
    if (nested >= 0 && level < 3) {
      const items = resolve(resolve(Object.values(s.properties ?? {})[nested]).items);
      options.push(
        fc.record({
          kind: fc.constant('inner' as const),
          at: fc.constant(nested),
          mutations: fc.array(mutation(items, level + 1), { minLength: 1, maxLength: 3 }),
        }),
      );
    }
  }
  return fc.oneof(...options);
}

function mutate(obj: Obj, mutations: Mutation[], s: Schema): Obj {
  const out = obj.entries.map(([k, v]): [string, Value] => [k, v]);
  const keys = Object.keys(s.properties ?? {});
  for (const m of mutations) {
    if (m.kind === 'add') out.push([m.key, m.value]);
    else if (m.kind === 'replace') {
      const key = keys[m.at];
      const i = out.findIndex(([k]) => k === key);
      if (i >= 0) out[i] = [key, m.value];
      else out.push([key, m.value]);
    } else if (out.length === 0) continue;
    else if (m.kind === 'drop') out.splice(m.at % out.length, 1);
    else if (m.kind === 'repeat') out.push([out[m.at % out.length][0], m.value]);
    else {
      const key = keys[m.at];
      const i = out.findIndex(([k]) => k === key);
      const items = resolve(resolve(s.properties?.[key]).items);
      const list = i >= 0 ? out[i][1] : undefined;
      if (!Array.isArray(list) || list.length === 0) continue;
      const copy = [...list];
      m.mutations.forEach((inner, j) => {
        const at = (j * 7919) % copy.length;
        if (copy[at] instanceof Obj) copy[at] = mutate(copy[at] as Obj, [inner], items);
      });
      out[i] = [key, copy];
    }
  }
  return new Obj(out);
}

/** A body or query of `schema`: plausible, then broken in up to three ways (none in a fair share of cases). */
function objectFor(schema: Schema, level: number, examples: Json[] = []): fc.Arbitrary<Obj> {
  const s = resolve(schema);
  // the document's own examples of the body, when it has some, are a plausible start as good as any
  const base =
    examples.length > 0
      ? fc.oneof(
          plausibleObject(s, level),
          fc.constantFrom(...examples.map(fromJson)).filter((v): v is Obj => v instanceof Obj),
        )
      : plausibleObject(s, level);
  return fc
    .tuple(
      base,
      fc.oneof(
        { weight: 3, arbitrary: fc.constant<Mutation[]>([]) },
        { weight: 4, arbitrary: fc.array(mutation(s, level), { minLength: 1, maxLength: 3 }) },
      ),
    )
    .map(([obj, mutations]) => mutate(obj, mutations, s));
}

/** One value of a parameter: usually plausible, sometimes hostile. */
function valueFor(schema: Schema | undefined, name: string): fc.Arbitrary<Value> {
  return fc.oneof({ weight: 3, arbitrary: plausible(schema, name) }, { weight: 2, arbitrary: hostile(schema) });
}

/* ------------------------------------------------------------------ a request */

interface Case {
  auth: 'token' | 'none' | 'garbage';
  path: Value[];
  query: [string, Value][];
  headers: [string, string][];
  body?: { type: string; value: Value | Buffer; gzip: boolean };
}

/** A URL-safe form of any text: %-escapes of its UTF-8, an unpaired surrogate as the bytes of its code unit. */
function urlText(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(value[i]);
  }
  return out;
}

/** Raw pieces of URL that are no valid %-encoding of UTF-8 (sent as they are). */
const BROKEN_URL = ['%', '%zz', '%E0%A4', '%FF', '%C0%AF', '%ED%A0%80', '%00', '%2F', '%2e%2e'];

/**
 * A value in a URL, at most URL_VALUE_MAX characters once escaped (cut between escapes): Node refuses
 * a request line and headers over 16 KB itself (431, before the app), so longer ones test nothing of ours.
 */
const URL_VALUE_MAX = 3000;
const urlValue = (v: Value, pools: Pools): string => {
  const value = v instanceof Pooled ? (pools.pick(v.name, v.n) ?? v.n) : resolvePooled(v, pools);
  if (value instanceof Raw) return value.text;
  const text = urlText(value instanceof Obj || (typeof value === 'object' && value !== null) ? toText(value) : String(value));
  return text.length <= URL_VALUE_MAX ? text : text.slice(0, URL_VALUE_MAX).replace(/%[0-9A-F]{0,2}$/, '');
};

function caseFor(op: Operation, pathTemplate: string): fc.Arbitrary<Case> {
  const params = op.parameters ?? [];
  for (const p of params) {
    if (!['path', 'query', 'header'].includes(p.in)) throw new Error(`${op.operationId}: cannot fuzz a parameter in ${p.in}`);
  }
  const pathParams = params.filter((p) => p.in === 'path');
  const templateNames = [...pathTemplate.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  if (templateNames.join() !== pathParams.map((p) => p.name).join()) {
    throw new Error(`${op.operationId}: path parameters ${pathParams.map((p) => p.name).join()} do not match ${pathTemplate}`);
  }
  const pathValue = (p: Parameter): fc.Arbitrary<Value> =>
    fc.oneof(
      { weight: 5, arbitrary: fc.nat().map((n) => new Pooled(p.name, n)) },
      { weight: 3, arbitrary: valueFor(p.schema, p.name).filter((v) => v !== '' && !(v instanceof Obj)) },
      { weight: 2, arbitrary: fc.constantFrom(...BROKEN_URL).map((b) => new Raw(b)) },
    );
  const queryParams = params.filter((p) => p.in === 'query');
  // the documented parameters, each given or not, plausible; then at most one of them (or an unknown one) hostile
  const queryBreak = (p: Parameter): fc.Arbitrary<[string, Value][]> =>
    fc.oneof(
      hostile(p.schema).map((v): [string, Value][] => [[p.name, v]]),
      // repeated: ?a=1&a=2
      fc.tuple(plausible(p.schema, p.name), valueFor(p.schema, p.name)).map(([a, b]): [string, Value][] => [
        [p.name, a],
        [p.name, b],
      ]),
      fc.constantFrom(...BROKEN_URL).map((b): [string, Value][] => [[p.name, new Raw(b)]]),
    );
  const unknownParam = fc
    .tuple(
      weirdKey.filter((k) => k !== ''),
      hostileString,
    )
    .map((e): [string, Value][] => [e]);
  const query = fc
    .tuple(
      fc.tuple(
        ...queryParams.map((p) =>
          fc.option(plausible(p.schema, p.name), { freq: 2 }).map((v): [string, Value][] => (v === null ? [] : [[p.name, v]])),
        ),
      ),
      fc.option(fc.oneof(unknownParam, ...queryParams.map(queryBreak)), { freq: 2 }),
    )
    .map(([given, broken]) => {
      const names = new Set((broken ?? []).map(([k]) => k));
      return [...given.flat().filter(([k]) => !names.has(k)), ...(broken ?? [])];
    });

  // headers carry latin-1 only (Node sends nothing else): visible ASCII, spaces, and bytes 0x80 to 0xFF
  const headerText = fc.oneof(
    { weight: 8, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 5 }),
    },
    { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(256), 'a b', 'a, b') },
  );
  const headerParams = params.filter((p) => p.in === 'header');
  const headers = fc
    .tuple(
      fc.tuple(
        ...headerParams.map((p) =>
          fc.option(
            fc.oneof(
              { weight: 6, arbitrary: headerText.map((v) => [[p.name, v]]) },
              // sent twice
              {
                weight: 1,
                arbitrary: fc.tuple(headerText, headerText).map(([a, b]) => [
                  [p.name, a],
                  [p.name, b],
                ]),
              },
            ),
            { freq: 3 },
          ),
        ),
      ),
      fc.option(
        headerText.map((v) => ['X-Request-Id', v]),
        { freq: 3 },
      ),
    )
    .map(([known, requestId]) => [...known.flatMap((h) => h ?? []), ...(requestId ? [requestId] : [])] as [string, string][]);

  const body = bodyFor(op);
  return fc.record({
    auth: fc.oneof(
      { weight: 8, arbitrary: fc.constant('token' as const) },
      { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const) },
    ),
    path: fc.tuple(...pathParams.map(pathValue)),
    query,
    headers,
    body,
  }) as fc.Arbitrary<Case>;
}

function bodyFor(op: Operation): fc.Arbitrary<Case['body']> {
  const content = op.requestBody?.content;
  if (!content) return fc.constant(undefined);
  const kinds = Object.entries(content).map(([type, media]) => {
    if (type === 'application/json') {
      const schema = resolve(media.schema);
      const whole: fc.Arbitrary<Value> = fc.oneof(
        {
          weight: 40,
          arbitrary: schema.properties
            ? objectFor(
                schema,
                0,
                Object.values(media.examples ?? {}).map((e) => e.value),
              )
            : valueFor(schema, 'body'),
        },
        { weight: 2, arbitrary: anyJson },
        { weight: 1, arbitrary: deepValue },
        { weight: 1, arbitrary: fc.constantFrom(new Raw(''), new Raw('{'), new Raw('{"a":1,}'), new Raw('nul'), new Raw('"\\ud800"')) },
        // over the default 5 MB body limit (costly to build and send: rare)
        { weight: 1, arbitrary: fc.constant(new Raw(`{"x":"${'x'.repeat(5 * 1024 * 1024 + 10)}"}`)) },
      );
      return whole.map((value) => ({ type, value, gzip: false }));
    }
    // uploads (CSV, NDJSON, anything else) as bytes: lines of hostile text, random bytes, gzipped or not
    const line = fc.oneof(
      fc.array(hostileString, { maxLength: 6 }).map((cells) => cells.join(',')),
      anyJson.map((v) => toText(v)),
      fc.constantFrom('contact_key,address,channel', 'c1,a@b.com,E', '"unterminated', '\u0000', ''),
    );
    const text = fc.array(line, { maxLength: 20 }).map((lines) => Buffer.from(lines.join('\n'), 'utf8'));
    const bytes = fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b));
    return fc.tuple(fc.oneof(text, bytes), fc.nat(4)).map(([buf, dice]) => ({ type, value: buf as Buffer, gzip: dice === 0 }));
  });
  return op.requestBody?.required ? fc.oneof(...kinds) : fc.option(fc.oneof(...kinds), { freq: 5 }).map((b) => b ?? undefined);
}

/* ------------------------------------------------------------------ sending */

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

function send(port: number, agent: Agent, method: string, path: string, headers: [string, string][], body?: Buffer): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: method.toUpperCase(), path, agent });
    for (const [name, value] of groupHeaders(headers)) req.setHeader(name, value);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolvePromise({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Repeated headers as arrays (sent as as many lines). */
function groupHeaders(headers: [string, string][]): [string, string | string[]][] {
  const map = new Map<string, string[]>();
  for (const [k, v] of headers) map.set(k.toLowerCase(), [...(map.get(k.toLowerCase()) ?? []), v]);
  return [...map].map(([k, v]) => [k, v.length === 1 ? v[0] : v]);
}

/* ------------------------------------------------------------------ the brand's data and invariants */

const CONTACTS = ['c1', 'c2', 'ü-kontakt', '\u{1F469}\u200D\u{1F4BB}', 'k'.repeat(200)];

async function seedBrand(t: TestApp): Promise<TestBrand> {
  const brand = await createBrand(t.dataSource, { contacts: CONTACTS });
  await insertExtensions(t.dataSource, brand.id, [
    { contact_key: 'c1', address: 'jane.doe@example.com', channel: 'E', name: 'Work Email', permission: true },
    { contact_key: 'c1', address: '905351234567', channel: 'S', name: 'Mobile' },
    { contact_key: 'c2', address: '905351234567', channel: 'W' },
  ]);
  return brand;
}

/** Every contact_key (or new_contact_key) value in the document's examples. */
function exampleContactKeys(node: unknown, found = new Set<string>()): string[] {
  if (Array.isArray(node)) node.forEach((n) => exampleContactKeys(n, found));
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (/^(new_)?contact_?key$/i.test(k) && typeof v === 'string') found.add(v);
      else exampleContactKeys(v, found);
    }
  }
  return [...found];
}

/** Everything of a brand, to compare before and after. */
async function snapshot(t: TestApp, brandId: number): Promise<unknown> {
  const q = (sql: string) => t.dataSource.query(sql, [brandId]);
  return {
    brand: await q('SELECT key, name, extension_columns, updated_at FROM brand WHERE id = $1'),
    contacts: await q('SELECT * FROM master_contact WHERE brand_id = $1 ORDER BY contact_key COLLATE "C"'),
    extensions: await q('SELECT * FROM master_contact_extensions WHERE brand_id = $1 ORDER BY id'),
    types: await q('SELECT * FROM extension_type WHERE brand_id = $1 ORDER BY id'),
    users: await q('SELECT id, user_key, secret_hash, permissions, active, token_version FROM api_user WHERE brand_id = $1 ORDER BY id'),
  };
}

/** Contacts with two rows of one canonical address. */
async function duplicateAddresses(t: TestApp, brandId: number): Promise<string[]> {
  const rows: { contact_key: string; address: string }[] = await t.dataSource.query(
    'SELECT contact_key, address FROM master_contact_extensions WHERE brand_id = $1',
    [brandId],
  );
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const r of rows) {
    const key = `${r.contact_key}\u0000${canonicalAddress(r.address)}`;
    if (seen.has(key)) duplicates.push(`${r.contact_key}: ${seen.get(key)} and ${r.address}`);
    seen.set(key, r.address);
  }
  return duplicates;
}

/* ------------------------------------------------------------------ the run */

describe(`every operation of openapi.json under ${NUM_RUNS} fuzzed requests each (fast-check, seed ${SEED})`, () => {
  let t: TestApp;
  let port: number;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let own: TestBrand;
  let other: TestBrand;
  let otherBefore: unknown;
  const pools = new Pools();
  const tally = new Map<string, number>();

  beforeAll(async () => {
    // thousands of requests in a minute: no rate limit on bulk writes
    t = await createTestApp({ BULK_RATE_LIMIT: '0' });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    own = await seedBrand(t);
    other = await seedBrand(t);
    await createApiUser(t.dataSource, other.id);
    // the contacts the document's examples name exist, so that its example bodies can be written
    const documented = exampleContactKeys(DOC);
    await createContacts(t.dataSource, own.id, documented);
    for (const key of [...CONTACTS, ...documented]) pools.add('contact_key', key);
    pools.harvest(await t.dataSource.query('SELECT id, user_key FROM api_user WHERE brand_id = $1', [own.id]));
    pools.harvest(await t.dataSource.query('SELECT id, name FROM extension_type WHERE brand_id = $1', [own.id]));
    // ids of another brand: they must answer 404 like unknown ones
    pools.harvest(await t.dataSource.query('SELECT id FROM extension_type WHERE brand_id = $1', [other.id]));
    otherBefore = await snapshot(t, other.id);
  });
  afterAll(async () => {
    agent.destroy();
    await t?.close();
    if (process.env.FUZZ_REPORT) process.stderr.write(`route fuzz: ${JSON.stringify([...tally].sort())}\n`);
  });

  it('the document has operations to fuzz', () => {
    expect(OPERATIONS.length).toBeGreaterThan(10);
  });

  OPERATIONS.forEach(({ path, method, op }, index) => {
    const name = `${method.toUpperCase()} ${path} (${op.operationId ?? 'no operationId'})`;
    it(`${name}: no 5xx, only documented answers, invariants kept`, async () => {
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      const permission = op['x-permission'];
      if (!isPublic && !permission) throw new Error(`${name} needs a token but names no x-permission: cannot fuzz it as its user`);
      let token = '';
      const mint = async (): Promise<void> => {
        if (isPublic) return;
        // signed as POST /rest/login signs them (the login route itself is fuzzed, and rate-limited)
        const user = await createApiUser(t.dataSource, own.id, { permissions: [permission as string] });
        token = signJwt(claimsFor(user));
      };
      await mint();

      const runCase = async (c: Case): Promise<void> => {
        let at = 0;
        const url =
          path.replace(/\{[^}]+\}/g, () => urlValue(c.path[at++], pools)) +
          (c.query.length ? `?${c.query.map(([k, v]) => `${urlText(k)}=${urlValue(v, pools)}`).join('&')}` : '');
        const headers: [string, string][] = [...c.headers];
        if (c.auth === 'token' && token) headers.push(['Authorization', `Bearer ${token}`]);
        if (c.auth === 'garbage') headers.push(['Authorization', 'Bearer not.a.token']);
        let body: Buffer | undefined;
        if (c.body) {
          const value = c.body.value;
          body = Buffer.isBuffer(value) ? value : Buffer.from(toText(resolvePooled(value, pools)), 'utf8');
          if (c.body.gzip) {
            body = gzipSync(body);
            headers.push(['Content-Encoding', 'gzip']);
          }
          headers.push(['Content-Type', c.body.type]);
        }
        const res = await send(port, agent, method, url, headers, body);
        const what = `${method.toUpperCase()} ${url.slice(0, 300)} (${c.auth}) answered ${res.status}: ${res.text.slice(0, 500)}`;
        const answer = `${op.operationId} ${res.status}${process.env.FUZZ_REPORT === 'messages' && res.status === 400 ? ` ${res.text.slice(0, 120)}` : ''}`;
        tally.set(answer, (tally.get(answer) ?? 0) + 1);
        if (res.status >= 500) throw new Error(`a 5xx: ${what}`);
        let parsed: unknown = undefined;
        if (res.contentType.startsWith('application/json')) {
          try {
            parsed = JSON.parse(res.text);
          } catch {
            throw new Error(`not JSON though labelled so: ${what}`);
          }
          pools.harvest(parsed);
        } else if (res.status >= 400) throw new Error(`an error without a JSON body: ${what}`);
        const documented = op.responses[String(res.status)];
        if (!documented) throw new Error(`status ${res.status} is not documented for ${op.operationId}: ${what}`);
        const media = Object.keys(documented.content ?? {});
        if (parsed !== undefined && media.length > 0 && !media.includes('application/json')) {
          throw new Error(
            `${op.operationId} ${res.status} answered application/json; openapi.json documents only ${media.join(', ')}: ${what}`,
          );
        }
        try {
          // a body of another media type (a CSV download) is checked for its status only
          if (parsed !== undefined || res.text === '') api.expectDocumentedAnswer(path, method, res.status, parsed);
        } catch (err) {
          throw new Error(`${(err as Error).message}\nrequest: ${what}`, { cause: err });
        }
        // a token made invalid by the request itself (its user's secret rotated, its user disabled): log in again
        if (c.auth === 'token' && res.status === 401) await mint();
      };
      // cases go CONCURRENCY at a time, as concurrent clients would send them
      await fc.assert(
        fc.asyncProperty(fc.array(caseFor(op, path), { minLength: CONCURRENCY, maxLength: CONCURRENCY }), async (cases) => {
          await Promise.all(cases.map(runCase));
        }),
        { numRuns: Math.ceil(NUM_RUNS / CONCURRENCY), seed: SEED + index, endOnFailure: process.env.FUZZ_SHRINK === undefined },
      );

      await expect(duplicateAddresses(t, own.id)).resolves.toEqual([]);
      await expect(snapshot(t, other.id)).resolves.toEqual(otherBefore);
    });
  });
});

function resolvePooled(value: Value, pools: Pools): Value {
  if (value instanceof Obj) return new Obj(value.entries.map(([k, v]) => [k, resolvePooled(v, pools)]));
  if (Array.isArray(value)) return value.map((v) => resolvePooled(v, pools));
  if (value instanceof Pooled) return pools.pick(value.name, value.n) ?? null;
  return value;
}
