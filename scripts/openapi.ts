/**
 * `npm run openapi`: writes openapi.json at the repository root from the app's metadata, the same
 * document the running service serves at /docs-json. `npm run openapi -- --check` fails when the
 * committed file differs from what the code generates (CI runs it).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { createOpenApiDocument } from '../src/app.setup';

async function main(check: boolean): Promise<number> {
  // an in-memory embedded database: the document needs the app's modules, not data
  process.env.DATA_DIR = 'memory://';
  delete process.env.DATABASE_URL;
  process.env.LOG_LEVEL = 'error';
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  try {
    await app.init();
    const text = JSON.stringify(createOpenApiDocument(app), null, 2) + '\n';
    const file = join(__dirname, '..', 'openapi.json');
    if (check) {
      let committed = '';
      try {
        committed = readFileSync(file, 'utf8');
      } catch {
        /* missing counts as different */
      }
      if (committed !== text) {
        process.stderr.write('openapi.json is not what the code generates: run `npm run openapi` and commit it\n');
        return 1;
      }
      process.stdout.write('openapi.json is up to date\n');
      return 0;
    }
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv.includes('--check')).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
