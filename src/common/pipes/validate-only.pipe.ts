import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';

/**
 * A ValidationPipe that hands the handler a JSON body exactly as sent. Nest's pipe deletes the
 * keys `__proto__` and `constructor` from the value in place, at any depth, and without
 * `transform` returns a class-transformer copy that also drops keys such as `toString`: the bulk
 * upsert must see those keys in its records to report them as UNKNOWN_FIELD (contract section 4).
 * So a body is validated as a copy. Top-level keys of that kind are refused by JsonObjectBodyPipe.
 *
 * The copy is of the envelope only: an array of objects (the 1000 records of a bulk request) is
 * copied as an array of as many nulls. No DTO validates nested objects (records are validated one
 * by one by their service), and the item rules some arrays have (`IsIn` with `each`, for arrays of
 * names) refuse a null as they refuse an object, so the envelope's rules (is an array, its length,
 * its items) judge the copy as they would the body, without copying every record twice: an empty
 * object per record would still have class-transformer and Nest's key stripping build and walk 1000
 * objects per request.
 */
export class ValidateOnlyPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body') return super.transform(value, metadata);
    await super.transform(envelopeOf(value), metadata);
    return value;
  }
}

function envelopeOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const records = Array.isArray(item) && item.length > 0 && item.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e));
    // defined, not assigned: an own key "__proto__" must stay a key, not become the prototype
    Object.defineProperty(copy, key, {
      value: records ? new Array<null>((item as unknown[]).length).fill(null) : structuredClone(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
