import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { invalidRequest } from '../errors/domain.error';

/**
 * A body that is JSON but not an object (an array, a number) is refused before any DTO sees it.
 * A body or query string with a key of Object.prototype (`__proto__`, `constructor`, `toString`) is
 * refused as any unknown property is: class-transformer drops such keys, so the ValidationPipe's
 * whitelist never sees them, and `?constructor=1` would be ignored where `?other=1` is a 400.
 */
@Injectable()
export class JsonObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw invalidRequest('The request body must be a JSON object.');
    }
    // the whole body or query string (@Body(), @Query()); a single named parameter is a value, not a set of keys
    const whole = (metadata.type === 'body' || metadata.type === 'query') && metadata.data === undefined;
    const inherited =
      whole && typeof value === 'object' && value !== null ? Object.keys(value).filter((key) => key in Object.prototype) : [];
    if (inherited.length > 0)
      throw invalidRequest(
        `unknown property ${inherited[0]}`,
        inherited.map((key) => `unknown property ${key}`),
      );
    return value;
  }
}
