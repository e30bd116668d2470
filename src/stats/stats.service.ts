import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CHANNELS } from '../addresses/channel';
import { DayStatsDto, StatsDto, TypeStatsDto } from './dto/stats.dto';

/** Past this many delta rows, a brand's counters are folded into one row per group. */
const COMPACT_AFTER_DELTAS = 1000;
export const STATS_DAYS = 30;

interface CountRow {
  channel: string;
  name: string | null;
  permission: boolean;
  n: string;
  deltas: number;
}

/**
 * GET /admin/stats in three index-bound statements, none of which reads the extensions themselves:
 * - counts by (channel, name, permission): the sum of the brand's deltas in extension_count, which
 *   triggers keep in step with master_contact_extensions (the AdminDashboard migration explains why
 *   counting a million rows cannot answer in 100 ms);
 * - the brand's extension types, for their columnOrder and the unused ones;
 * - operations per day: an index-only range scan of ix_operation_started over 30 days.
 */
@Injectable()
export class StatsService {
  private readonly logger = new Logger(StatsService.name);

  constructor(private readonly dataSource: DataSource) {}

  async stats(brandId: number): Promise<StatsDto> {
    const counts: CountRow[] = await this.dataSource.query(
      `SELECT channel, name, permission, sum(n)::text AS n, count(*)::int AS deltas
         FROM extension_count WHERE brand_id = $1
        GROUP BY channel, name, permission`,
      [brandId],
    );
    const types: { channel: string; name: string; column_order: number }[] = await this.dataSource.query(
      'SELECT channel, name, column_order FROM extension_type WHERE brand_id = $1 ORDER BY column_order, channel, name COLLATE "C"',
      [brandId],
    );
    const days: { day: string; operations: number; records_written: string }[] = await this.dataSource.query(
      `WITH today AS (SELECT (now() AT TIME ZONE 'UTC')::date AS d),
            per_day AS (
              SELECT (o.started_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS operations,
                     sum(o.inserted + o.updated + o.deleted) AS records
                FROM operation o, today
               WHERE o.brand_id = $1 AND o.started_at >= ((today.d - ${STATS_DAYS - 1})::timestamp AT TIME ZONE 'UTC')
               GROUP BY 1)
       SELECT to_char(today.d - g.i, 'YYYY-MM-DD') AS day, COALESCE(p.operations, 0) AS operations,
              COALESCE(p.records, 0)::text AS records_written
         FROM today CROSS JOIN generate_series(${STATS_DAYS - 1}, 0, -1) AS g(i)
         LEFT JOIN per_day p ON p.day = today.d - g.i
        ORDER BY g.i DESC`,
      [brandId],
    );

    const deltas = counts.reduce((sum, c) => sum + c.deltas, 0);
    if (deltas > COMPACT_AFTER_DELTAS) await this.compact(brandId);
    return {
      generated_at: new Date(),
      extensions: summarize(counts, types),
      operations_per_day: days.map((d): DayStatsDto => ({
        day: d.day,
        operations: d.operations,
        records_written: Number(d.records_written),
      })),
    };
  }

  /**
   * Folds a brand's deltas into one row per group, in one statement: it deletes the rows it sees and
   * inserts their sums, so the total never changes for any reader. Deltas committed meanwhile are not
   * seen and stay; a concurrent compaction skips the rows this one deleted (READ COMMITTED).
   */
  private async compact(brandId: number): Promise<void> {
    try {
      await this.dataSource.query(
        `WITH gone AS (DELETE FROM extension_count WHERE brand_id = $1 RETURNING channel, name, permission, n)
         INSERT INTO extension_count (brand_id, channel, name, permission, n)
         SELECT $1, channel, name, permission, sum(n) FROM gone GROUP BY channel, name, permission HAVING sum(n) <> 0`,
        [brandId],
      );
    } catch (err) {
      // the answer is already right; compaction is only housekeeping and will be tried again
      this.logger.warn(`compacting extension counters of brand ${brandId} failed: ${(err as Error).message}`);
    }
  }
}

function summarize(counts: CountRow[], types: { channel: string; name: string; column_order: number }[]): StatsDto['extensions'] {
  const byType = new Map<string, TypeStatsDto>();
  const typeKey = (channel: string, name: string | null) => `${channel}\u0000${name ?? ''}\u0000${name === null ? 'untyped' : 'typed'}`;
  for (const t of types) {
    byType.set(typeKey(t.channel, t.name), { channel: t.channel, name: t.name, column_order: t.column_order, total: 0, opted_in: 0 });
  }
  const byChannel = new Map(CHANNELS.map((c) => [c as string, { total: 0, opted_in: 0 }]));
  let total = 0;
  for (const c of counts) {
    const n = Number(c.n);
    if (n === 0) continue;
    total += n;
    const channel = byChannel.get(c.channel) ?? { total: 0, opted_in: 0 };
    byChannel.set(c.channel, channel);
    channel.total += n;
    if (c.permission) channel.opted_in += n;
    const key = typeKey(c.channel, c.name);
    const type = byType.get(key) ?? { channel: c.channel, name: c.name, column_order: null, total: 0, opted_in: 0 };
    byType.set(key, type);
    type.total += n;
    if (c.permission) type.opted_in += n;
  }
  const order = (t: TypeStatsDto) => (t.column_order === null ? Number.POSITIVE_INFINITY : t.column_order);
  return {
    total,
    by_channel: [...byChannel].map(([channel, c]) => ({
      channel,
      total: c.total,
      opted_in: c.opted_in,
      opt_in_rate: c.total === 0 ? null : Math.round((c.opted_in / c.total) * 10000) / 10000,
    })),
    by_type: [...byType.values()].sort((a, b) => order(a) - order(b) || (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0)),
  };
}
