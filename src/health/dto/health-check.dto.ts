import { ApiProperty, ApiPropertyOptional, SchemaObject } from '@nestjs/swagger';

/** What one check (for example `database`) found, as @nestjs/terminus reports it. */
const INDICATOR: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['up', 'down'], example: 'up' },
    message: { type: 'string', description: 'Why the check is down.', example: 'timeout of 1500ms exceeded' },
    responseTime: { type: 'number', description: 'How long the check took, in ms.', example: 3 },
  },
};
const INDICATORS = { type: 'object' as const, additionalProperties: INDICATOR };

/** 200 of /health/live and /health/ready: the @nestjs/terminus result. */
export class HealthCheckDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: 'ok';

  @ApiProperty({ ...INDICATORS, description: 'The checks that are up.', example: { database: { status: 'up', responseTime: 3 } } })
  info: Record<string, { status: string; message?: string }>;

  @ApiProperty({ ...INDICATORS, description: 'The checks that are down (none here).', example: {} })
  error: Record<string, { status: string; message?: string }>;

  @ApiProperty({ ...INDICATORS, description: 'Every check.', example: { database: { status: 'up', responseTime: 3 } } })
  details: Record<string, { status: string; message?: string }>;
}

/** 503 of /health/ready: the error body of the API (code SERVICE_UNAVAILABLE) with the terminus result in it. */
export class HealthUnavailableDto {
  @ApiProperty({ enum: [503], example: 503 })
  statusCode: number;

  @ApiProperty({ enum: ['SERVICE_UNAVAILABLE'], example: 'SERVICE_UNAVAILABLE' })
  code: 'SERVICE_UNAVAILABLE';

  @ApiProperty({ example: 'The service is not ready.' })
  message: string;

  @ApiProperty({ enum: ['error', 'shutting_down'], example: 'error' })
  status: string;

  @ApiProperty({ ...INDICATORS, description: 'The checks that are up.', example: {} })
  info: Record<string, { status: string; message?: string }>;

  @ApiProperty({
    ...INDICATORS,
    description: 'The checks that are down.',
    example: { database: { status: 'down', message: 'timeout of 1500ms exceeded', responseTime: 1502 } },
  })
  error: Record<string, { status: string; message?: string }>;

  @ApiProperty({
    ...INDICATORS,
    description: 'Every check.',
    example: { database: { status: 'down', message: 'timeout of 1500ms exceeded', responseTime: 1502 } },
  })
  details: Record<string, { status: string; message?: string }>;

  @ApiPropertyOptional({
    description: 'The id of the request (also sent as the X-Request-Id header).',
    example: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  })
  requestId?: string;
}
