#!/usr/bin/env node
/**
 * `npm run migration:generate -- NAME`: writes src/database/migrations/<timestamp>-<NAME>.ts with the
 * SQL that turns the schema of the configured database (DATABASE_URL, or the embedded one under
 * DATA_DIR) into the one the entities describe. Run it on a database that has every migration applied.
 *
 * Plain Node on purpose: npm passes NAME after `--`, and the TypeORM CLI wants it as a path.
 * Further options go through to `typeorm migration:generate` (`--dryrun`, `--check`, `--timestamp`).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('-'));
const options = args.filter((a) => a !== name);

if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
  process.stderr.write(
    `usage: npm run migration:generate -- NAME [--dryrun | --check]\n` +
      `  NAME names the change in PascalCase, e.g. AddContactExtensionsNameIndex${name ? ` (got ${JSON.stringify(name)})` : ''}\n`,
  );
  process.exit(2);
}

const cli = require.resolve('typeorm/cli-ts-node-commonjs.js', { paths: [root] });
const result = spawnSync(
  process.execPath,
  [cli, '-d', 'ormconfig.ts', 'migration:generate', '--pretty', ...options, join('src', 'database', 'migrations', name)],
  { cwd: root, stdio: 'inherit' },
);
if (result.error) {
  process.stderr.write(`migration:generate: ${result.error.message}\n`);
  process.exit(1);
}
const written = result.status === 0 && !options.some((o) => ['--dryrun', '--dr', '--check', '--ch'].includes(o));
if (written) {
  // the migrations are listed, not globbed (see MIGRATIONS), so a new one runs only once it is listed
  process.stdout.write(
    `\nNext: add the new class to MIGRATIONS in src/database/data-source-options.ts, review its SQL, then npm run migration:run\n`,
  );
}
process.exit(result.status ?? 1);
