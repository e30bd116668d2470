import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsDefined, IsIn } from 'class-validator';

/**
 * The envelope rules of a bulk body's `columns`: given, an array of 1 to all of `columns`, each
 * once, each one of them. class-validator runs a property's rules in the order they were applied and
 * the pipe reports the first broken one, so they are applied from the most basic on; a rule a DTO
 * stacks above this decorator runs after them.
 */
export function ColumnList(columns: readonly string[]): PropertyDecorator {
  return applyDecorators(
    IsDefined({ message: 'columns is required' }),
    IsArray({ message: 'columns must be an array' }),
    ArrayMinSize(1, { message: 'columns must name at least one column' }),
    ArrayMaxSize(columns.length, { message: `columns must name at most ${columns.length} columns` }),
    ArrayUnique({ message: 'columns must not name a column twice' }),
    IsIn(columns, { each: true, message: `each column must be one of ${columns.join(', ')}` }),
  );
}
