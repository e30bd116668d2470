import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { TableColumn } from 'typeorm/schema-builder/table/TableColumn';

/**
 * A default as SQL without casts, and outside quotes without whitespace, brackets or case. Brackets go
 * because TypeORM's own cast stripping eats the `]` after `'permission'::text` in `ARRAY[...]`.
 */
function canonical(sql: string): string {
  return sql
    .replaceAll(/::[\w\s.[\]\-"]+/g, '')
    .split("'")
    .map((part, i) => (i % 2 === 1 ? part : part.replaceAll(/[\s[\]]+/g, '').toLowerCase()))
    .join("'");
}

/**
 * TypeORM lower-cases an entity's default expression but reads the database's as PostgreSQL prints
 * it, minus its casts (typeorm#3076), so `ARRAY[...]::text[]` and `NULL` defaults always look changed
 * and `migration:generate` writes a migration for a schema that is up to date. This makes the schema
 * diff of one data source (the CLI's, see ormconfig.ts) also accept defaults that differ only in that
 * spelling. Nothing else is compared differently; without the private method it patches, it does nothing.
 */
export function ignoreDefaultSpellingDifferences(dataSource: DataSource): DataSource {
  if (!(dataSource.driver instanceof PostgresDriver)) return dataSource;
  const driver = dataSource.driver as unknown as {
    defaultEqual?: (column: ColumnMetadata, table: TableColumn) => boolean;
    normalizeDefault(column: ColumnMetadata): string | undefined;
  };
  const strict = driver.defaultEqual?.bind(driver);
  if (!strict) return dataSource;
  driver.defaultEqual = (column, table) => {
    if (strict(column, table)) return true;
    const expected = driver.normalizeDefault(column);
    return typeof expected === 'string' && typeof table.default === 'string' && canonical(expected) === canonical(table.default);
  };
  return dataSource;
}
