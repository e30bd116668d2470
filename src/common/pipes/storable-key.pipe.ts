import { PipeTransform } from '@nestjs/common';
import { DomainError } from '../errors/domain.error';
import { isStorableText } from '../validation/storable-text';

/**
 * A text key in the path (a contact_key). One that PostgreSQL cannot store (a NUL character, an
 * unpaired surrogate) names no row, so it answers 404 NOT_FOUND like an unknown key, never a
 * database error.
 */
export class StorableKeyPipe implements PipeTransform<string, string> {
  constructor(private readonly notFoundMessage: string) {}

  transform(raw: string): string {
    if (!isStorableText(raw)) throw new DomainError('NOT_FOUND', this.notFoundMessage);
    return raw;
  }
}
