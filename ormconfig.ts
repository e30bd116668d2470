/**
 * The TypeORM data source of the migration CLI (`npm run migration:run`, `npm run migration:generate`).
 * It reads the same environment as the service: DATABASE_URL, or the embedded database under DATA_DIR.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { readDatabaseConfig } from './src/config/database.config';
import { dataSourceOptions } from './src/database/data-source-options';
import { ENTITIES } from './src/entities';
import { EmbeddedDatabase } from './src/database/embedded-database';
import { ignoreDefaultSpellingDifferences } from './src/database/schema-diff-defaults';

async function create(): Promise<DataSource> {
  const config = readDatabaseConfig();
  const embedded = config.url ? undefined : await EmbeddedDatabase.open(config.dataDir);
  return ignoreDefaultSpellingDifferences(new DataSource(dataSourceOptions(config, ENTITIES, embedded)));
}

export const dataSource = create();
