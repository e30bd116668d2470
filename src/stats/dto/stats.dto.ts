import { ApiProperty } from '@nestjs/swagger';
import { CHANNELS } from '../../addresses/channel';

export class ChannelStatsDto {
  @ApiProperty({ enum: CHANNELS, example: 'E' })
  channel: string;

  @ApiProperty({ description: 'Extensions of the channel.', example: 500000 })
  total: number;

  @ApiProperty({ description: 'Of those, opted in (permission true).', example: 166667 })
  opted_in: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'opted_in / total, from 0 to 1; null when the channel has no extensions.',
    example: 0.3333,
  })
  opt_in_rate: number | null;
}

export class TypeStatsDto {
  @ApiProperty({ enum: CHANNELS, example: 'E' })
  channel: string;

  @ApiProperty({ type: String, nullable: true, description: 'The extension type; null: extensions without a type.', example: 'Work Email' })
  name: string | null;

  @ApiProperty({ type: Number, nullable: true, description: "The type's columnOrder; null for extensions without a type.", example: 1 })
  column_order: number | null;

  @ApiProperty({ example: 214284 })
  total: number;

  @ApiProperty({ example: 71429 })
  opted_in: number;
}

export class ExtensionStatsDto {
  @ApiProperty({ example: 1000000 })
  total: number;

  @ApiProperty({ type: [ChannelStatsDto], description: 'Every channel (E, S, W), also those without extensions.' })
  by_channel: ChannelStatsDto[];

  @ApiProperty({
    type: [TypeStatsDto],
    description: 'Every extension type of the brand (also unused ones), then per channel the extensions without a type; by columnOrder.',
  })
  by_type: TypeStatsDto[];
}

export class DayStatsDto {
  @ApiProperty({ description: 'A day in UTC.', example: '2026-11-26' })
  day: string;

  @ApiProperty({ description: 'Bulk writes logged that day.', example: 42 })
  operations: number;

  @ApiProperty({ description: 'Records they inserted, updated or deleted.', example: 38120 })
  records_written: number;
}

export class StatsDto {
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-26T13:35:09.123Z' })
  generated_at: Date;

  @ApiProperty({ type: ExtensionStatsDto })
  extensions: ExtensionStatsDto;

  @ApiProperty({ type: [DayStatsDto], description: 'The last 30 days in UTC, oldest first, today last; days without operations included.' })
  operations_per_day: DayStatsDto[];
}
