import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The committed openapi.json as a validator of real answers: an answer's status must be documented
 * for its operation, and its body must match the documented schema. Objects are checked closed
 * (`additionalProperties: false` wherever the document leaves it open), so that a property the
 * service sends but the document does not name fails too.
 */
export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi.json');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface OpenApiOperation {
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<
    string,
    { content?: Record<string, { schema: unknown; example?: unknown; examples?: Record<string, { value: unknown }> }> }
  >;
}

export function loadOpenApiDocument(): { paths: Record<string, Record<string, OpenApiOperation>> } & Record<string, Json> {
  return JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
}

/** Every object schema that lists its properties and says nothing of others is closed. */
function closeObjects(node: Json): Json {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    // examples are data, not schemas
    out[key] = key === 'example' || key === 'examples' ? value : closeObjects(value);
  }
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const pointer = (...parts: string[]): string => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class OpenApiDocument {
  readonly document = loadOpenApiDocument();
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.ajv);
    // the whole document as one schema, so that "#/components/schemas/..." references resolve
    this.ajv.addSchema(closeObjects(this.document) as object, 'openapi.json');
  }

  operation(path: string, method: string): OpenApiOperation {
    const operation = this.document.paths[path]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not in openapi.json`);
    return operation;
  }

  /** The documented example of an answer (the named one, or the only one). */
  example(path: string, method: string, status: number, name?: string): Record<string, unknown> {
    const media = this.operation(path, method).responses[String(status)]?.content?.['application/json'];
    const value = name ? media?.examples?.[name]?.value : media?.example;
    if (value === undefined)
      throw new Error(`no example${name ? ` ${name}` : ''} for ${method.toUpperCase()} ${path} ${status} in openapi.json`);
    return value as Record<string, unknown>;
  }

  /**
   * Fails (with the reasons) unless `status` is documented for the operation and `body` matches the
   * schema documented for it.
   */
  expectDocumentedAnswer(path: string, method: string, status: number, body: unknown): void {
    const documented = this.operation(path, method).responses;
    if (!documented[String(status)]) {
      throw new Error(
        `${method.toUpperCase()} ${path} answered ${status}, which openapi.json does not document (it has ${Object.keys(documented).join(', ')})`,
      );
    }
    if (!documented[String(status)].content?.['application/json']) {
      // an answer documented without a JSON body (204) has none
      if (body !== undefined && body !== '')
        throw new Error(`${method.toUpperCase()} ${path} ${status}: a body where openapi.json documents none`);
      return;
    }
    const key = `${method} ${path} ${status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const ref = `openapi.json#/${pointer('paths', path, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema')}`;
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(key, validate);
    }
    if (!validate(body)) {
      throw new Error(
        `${method.toUpperCase()} ${path} ${status}: the body does not match openapi.json:\n` +
          this.ajv.errorsText(validate.errors, { separator: '\n' }) +
          `\nbody: ${JSON.stringify(body)}`,
      );
    }
  }
}
