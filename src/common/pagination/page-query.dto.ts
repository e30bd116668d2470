import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DecimalInteger } from '../validation/decimal-integer';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/**
 * `limit` and `cursor` of every paginated list. The global ValidationPipe checks the query
 * (400 INVALID_REQUEST) but hands the handler the raw strings, so `pageOf` reads them.
 */
export class PageQueryDto {
  @ApiPropertyOptional({
    description: `Items per page, 1 to ${MAX_PAGE_LIMIT}.`,
    default: DEFAULT_PAGE_LIMIT,
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    example: 50,
  })
  @IsOptional()
  @DecimalInteger()
  @Max(MAX_PAGE_LIMIT, { message: `limit must be at most ${MAX_PAGE_LIMIT}` })
  @Min(1, { message: 'limit must be at least 1' })
  // decorators run bottom-up: the type first, so that "ten" is not reported as too large
  @IsInt({ message: 'limit must be an integer' })
  limit?: number;

  @ApiPropertyOptional({
    description: 'Opaque: the next_cursor of the previous page. Absent: the first page.',
    example: 'WyJjdXN0b21lci0xMDQyIl0',
  })
  @IsOptional()
  @IsString({ message: 'cursor must be given once, as a string' })
  @MaxLength(2000, { message: 'cursor is not valid' })
  cursor?: string;
}

export function pageOf(query: PageQueryDto): { limit: number; cursor?: string } {
  return {
    limit: query.limit === undefined ? DEFAULT_PAGE_LIMIT : Number(query.limit),
    cursor: query.cursor === undefined || query.cursor === '' ? undefined : query.cursor,
  };
}
