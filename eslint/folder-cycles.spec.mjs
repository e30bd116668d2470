/**
 * `local/no-folder-cycle` on two small trees: a/x -> b/y with b/z -> a/w (a cycle between the
 * folders, none between the files) and a/x -> b/y alone. Linted with the project's own
 * eslint.config.mjs, so the spec also fails when the rule is dropped from the config.
 * Run by `npm run lint` (node --test).
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const here = dirname(fileURLToPath(import.meta.url));
const RULE = 'local/no-folder-cycle';

async function folderCycleMessages(fixture) {
  const cwd = join(here, 'fixtures', fixture);
  const eslint = new ESLint({ cwd, overrideConfigFile: join(here, '..', 'eslint.config.mjs') });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  return results.flatMap((r) =>
    r.messages.map((m) => ({
      file: r.filePath
        .slice(cwd.length + 1)
        .split('\\')
        .join('/'),
      rule: m.ruleId,
      message: m.message,
    })),
  );
}

test('an import that closes a cycle between two folders is an error on both sides', async () => {
  const messages = await folderCycleMessages('cycle');
  assert.deepEqual(messages.map((m) => [m.file, m.rule]).sort(), [
    ['src/a/x.ts', RULE],
    ['src/b/z.ts', RULE],
  ]);
  const fromA = messages.find((m) => m.file === 'src/a/x.ts');
  assert.match(fromA.message, /a\/ imports b\/, and b\/ leads back: a -> b -> a \(b\/z\.ts\)/);
});

test('imports that go one way between folders are allowed', async () => {
  assert.deepEqual(await folderCycleMessages('one-way'), []);
});
