import { Transform } from 'class-transformer';

const DECIMAL_INTEGER = /^-?\d+$/;

/**
 * A query parameter read as an integer only when it is written in decimal digits (a sign allowed).
 * `Number` alone would read `0x10` as 16, `1e2` as 100 and ` 5` as 5; those stay strings here, and
 * the integer rule after it refuses them.
 */
export function DecimalInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value));
}
