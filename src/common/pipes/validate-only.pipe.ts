import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';

/**
 * A ValidationPipe that hands the handler a JSON body exactly as sent. Nest's pipe deletes the
 * keys `__proto__` and `constructor` from the value in place, at any depth, and without
 * `transform` returns a class-transformer copy that also drops keys such as `toString`: the bulk
 * upsert must see those keys in its records to report them as UNKNOWN_FIELD (contract section 4).
 * So a body is validated as a copy. Top-level keys of that kind are refused by JsonObjectBodyPipe.
 */
export class ValidateOnlyPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body') return super.transform(value, metadata);
    await super.transform(structuredClone(value), metadata);
    return value;
  }
}
