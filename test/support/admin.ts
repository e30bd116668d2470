import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { TestApp } from './test-app';

/** Helpers for the admin dashboard specs: bearer calls and the bulk writes they check. */

export type Method = 'get' | 'post' | 'patch' | 'delete';

/** A call with the caller's token; `query` for GET/DELETE, `body` for the others. */
export function call(
  t: TestApp,
  token: string,
  method: Method,
  path: string,
  payload?: { query?: Record<string, unknown>; body?: object },
): request.Test {
  let req = t.http[method](path).set('Authorization', `Bearer ${token}`);
  if (payload?.query) req = req.query(payload.query);
  if (payload?.body) req = req.send(payload.body);
  return req;
}

export const bulkContacts = (t: TestApp, token: string, body: object, requestId?: string): request.Test => {
  const req = call(t, token, 'post', '/rest/bulk/contacts', { body });
  return requestId ? req.set('X-Request-Id', requestId) : req;
};

export const bulkExtensions = (t: TestApp, token: string, body: object, requestId?: string): request.Test => {
  const req = call(t, token, 'post', '/rest/bulk/contact_extensions', { body });
  return requestId ? req.set('X-Request-Id', requestId) : req;
};

/** Every page of a keyset-paginated list, following next_cursor. */
export async function allPages<T>(
  t: TestApp,
  token: string,
  path: string,
  query: Record<string, unknown> = {},
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await call(t, token, 'get', path, { query: { ...query, ...(cursor ? { cursor } : {}) } }).expect(200);
    items.push(...(res.body.items as T[]));
    cursor = res.body.next_cursor ?? undefined;
    pages++;
    if (pages > 10_000) throw new Error('pagination does not end');
  } while (cursor);
  return { items, pages };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every object schema that lists its properties and says nothing of others is closed (an undocumented property fails). */
function closeObjects(node: Json): Json {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) out[key] = key === 'example' || key === 'examples' ? value : closeObjects(value);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/**
 * Checks answers against the OpenAPI document the running app serves at /docs-json (not the
 * committed openapi.json, which is regenerated separately): status documented, body matching.
 */
export class LiveOpenApi {
  private ajv?: Ajv;

  constructor(
    readonly document: {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> } & Record<string, unknown>>
      >;
    },
  ) {}

  static async load(t: TestApp): Promise<LiveOpenApi> {
    return new LiveOpenApi((await t.http.get('/docs-json').expect(200)).body);
  }

  expectDocumented(method: string, path: string, res: { status: number; body: unknown }): void {
    const operation = this.document.paths[path]?.[method];
    if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
    const response = operation.responses[String(res.status)];
    if (!response)
      throw new Error(
        `${method.toUpperCase()} ${path} answered ${res.status}, not documented (${Object.keys(operation.responses).join(', ')})`,
      );
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return;
    if (!this.ajv) {
      this.ajv = new Ajv({ strict: false, allErrors: true });
      addFormats(this.ajv);
      this.ajv.addSchema(closeObjects(this.document as unknown as Json) as object, 'live');
    }
    const pointer = ['paths', path, method, 'responses', String(res.status), 'content', 'application/json', 'schema']
      .map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const validate = this.ajv.compile({ $ref: `live#/${pointer}` });
    if (!validate(res.body)) {
      throw new Error(
        `${method.toUpperCase()} ${path} ${res.status} does not match its documented schema:\n${this.ajv.errorsText(validate.errors, { separator: '\n' })}\nbody: ${JSON.stringify(res.body)}`,
      );
    }
  }
}
