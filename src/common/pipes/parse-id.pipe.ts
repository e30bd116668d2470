import { PipeTransform } from '@nestjs/common';
import { MAX_INT4 } from '../validation/pg-integer';
import { DomainError } from '../errors/domain.error';

/**
 * An integer id in the path (an `integer` identity column). Anything else (`abc`, `1.5`, `-1`, `0`,
 * an id past the column's range) names no row, so it answers 404 NOT_FOUND like an unknown id,
 * never a database error. Nest's ParseIntPipe is not enough: it lets `-1` and `99999999999` through.
 */
export class ParseIdPipe implements PipeTransform<string, number> {
  constructor(private readonly notFoundMessage: string) {}

  transform(raw: string): number {
    const id = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
    if (!(id >= 1 && id <= MAX_INT4)) throw new DomainError('NOT_FOUND', this.notFoundMessage);
    return id;
  }
}
