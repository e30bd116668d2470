import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { invalidRequest } from '../errors/domain.error';

/** A body that is JSON but not an object (an array, a number) is refused before any DTO sees it. */
@Injectable()
export class JsonObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw invalidRequest('The request body must be a JSON object.');
    }
    return value;
  }
}
