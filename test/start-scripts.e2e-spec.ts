/**
 * The production start's memory settings (README, Memory): glibc's malloc settings in the
 * environment and V8's young-generation cap, which neither can set from inside the process once it
 * runs. npm start, npm run start:prod and npm run worker must start Node the same way, and the
 * benchmark (bench/service.ts) reads them from start:prod.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { productionStart } from '../bench/service';
import { ROOT } from './support/processes';

const scripts: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;

/** The command line that starts Node in a script, from its environment settings to the entry file. */
function nodeStart(script: string, entry: string): string {
  const command = script.split('&&').map((part) => part.trim());
  const start = command[command.length - 1];
  expect(start.endsWith(` ${entry}`)).toBe(true);
  return start.slice(0, -entry.length).trim();
}

describe('the start scripts', () => {
  it('start:prod limits malloc arenas, keeps large blocks mapped on their own, and caps the semi-spaces', () => {
    const start = productionStart();
    expect(start.env).toEqual({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' });
    expect(start.nodeFlags).toEqual(['--max-semi-space-size=16']);
  });

  it('npm start and npm run worker start Node as start:prod does', () => {
    const prod = nodeStart(scripts['start:prod'], 'dist/main.js');
    expect(nodeStart(scripts.start, 'dist/main.js')).toBe(prod);
    expect(nodeStart(scripts.worker, 'dist/worker.js')).toBe(prod);
  });
});
