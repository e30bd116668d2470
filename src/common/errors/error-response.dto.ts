import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES } from './error-codes';

const REQUEST_ID = {
  description: 'The id of the request (also sent as the X-Request-Id header); quote it when reporting a problem.',
  example: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
};

/** VALIDATION_FAILED has a body of its own (ValidationFailedResponseDto, with the record errors). */
const GENERIC_ERROR_CODES = ERROR_CODES.filter((code) => code !== 'VALIDATION_FAILED');

/** The body of every error answer but VALIDATION_FAILED. */
export class ErrorResponseDto {
  @ApiProperty({ description: 'The HTTP status of the answer.', example: 400 })
  statusCode: number;

  @ApiProperty({ enum: GENERIC_ERROR_CODES, description: 'What went wrong, as a stable code to switch on.', example: 'INVALID_REQUEST' })
  code: string;

  @ApiProperty({ description: 'What went wrong, for a person.', example: 'The request is not valid.' })
  message: string;

  @ApiPropertyOptional({ type: [String], description: 'What is wrong with the request (INVALID_REQUEST only).' })
  details?: string[];

  @ApiPropertyOptional(REQUEST_ID)
  requestId?: string;
}

/**
 * The body of a 400 INVALID_REQUEST: the request as a whole is wrong and nothing was done. Its own
 * schema (code fixed) so that a 400 that is either this or VALIDATION_FAILED can be told apart by `code`.
 */
export class InvalidRequestResponseDto {
  @ApiProperty({ enum: [400], example: 400 })
  statusCode: number;

  @ApiProperty({ enum: ['INVALID_REQUEST'], example: 'INVALID_REQUEST' })
  code: 'INVALID_REQUEST';

  @ApiProperty({ description: 'The problem, or a summary when there are several.', example: 'columns must contain address' })
  message: string;

  @ApiProperty({
    type: [String],
    description: 'Every problem found (may be empty, e.g. for a body that is not JSON).',
    example: ['columns must contain address'],
  })
  details: string[];

  @ApiPropertyOptional(REQUEST_ID)
  requestId?: string;
}
