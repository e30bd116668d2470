import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { invalidRequest } from '../errors/domain.error';

/** A body that is JSON but not an object (an array, a number) is refused before any DTO sees it. */
@Injectable()
export class JsonObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw invalidRequest('The request body must be a JSON object.');
    }
    // class-transformer drops keys such as __proto__, constructor and toString, so the ValidationPipe's whitelist never sees them
    const inherited = metadata.type === 'body' ? Object.keys(value as object).filter((key) => key in Object.prototype) : [];
    if (inherited.length > 0)
      throw invalidRequest(
        `unknown property ${inherited[0]}`,
        inherited.map((key) => `unknown property ${key}`),
      );
    return value;
  }
}
