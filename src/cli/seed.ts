/**
 * `npm run seed -- FILE.json`: applies the migrations, then loads the seed file (contract section 6)
 * into the configured database (DATABASE_URL, or the embedded one under DATA_DIR) in one transaction.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { readDatabaseConfig } from '../config/database.config';
import { dataSourceOptions } from '../database/data-source-options';
import { ENTITIES } from '../entities';
import { EmbeddedDatabase } from '../database/embedded-database';
import { parseSeedFile } from '../seed/seed-file';
import { SeedService } from '../seed/seed.service';

async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  if (!file || argv.length > 1) {
    process.stderr.write('usage: npm run seed -- FILE.json\n');
    return 2;
  }
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const what = (err as NodeJS.ErrnoException).code ? 'cannot be read:' : 'is not valid JSON:';
    process.stderr.write(`seed: ${file} ${what} ${(err as Error).message}\n`);
    return 1;
  }
  const brands = parseSeedFile(content);
  const config = readDatabaseConfig();
  const embedded = config.url ? undefined : await EmbeddedDatabase.open(config.dataDir);
  const dataSource = new DataSource(dataSourceOptions(config, ENTITIES, embedded));
  const started = Date.now();
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    // progress: one line rewritten in place in a terminal, a line per step (every 5000 rows) elsewhere
    const summary = await new SeedService(dataSource).load(brands, (progress) => {
      const line = `seed: ${progress} (${((Date.now() - started) / 1000).toFixed(1)} s)`;
      process.stdout.write(process.stdout.isTTY ? `\r${line}`.padEnd(70) : `${line}\n`);
    });
    if (process.stdout.isTTY) process.stdout.write('\n');
    process.stdout.write(
      `seed: loaded ${summary.brands} brands, ${summary.extensionTypes} extension types, ${summary.contacts} contacts, ` +
        `${summary.apiUsers} API users, ${summary.extensions} extensions in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return 0;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(
      `seed: ${err.name === 'SeedFileError' || err.name === 'ConfigError' || err.name === 'DataDirLockedError' ? err.message : err.stack}\n`,
    );
    process.exit(1);
  },
);
