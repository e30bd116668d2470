import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Child processes for the tests that drive the service and its commands as an operator does:
 * `npm run seed`, the service's own start. TypeScript runs through ts-node without type checking
 * (tsc checks types in CI), which keeps a start at a second or two.
 */
export const ROOT = join(__dirname, '..', '..');

/** Settings of the test process that must not leak into a child unless a test asks for them. */
const SERVICE_SETTINGS = [
  'DATABASE_URL',
  'DATA_DIR',
  'PORT',
  'JWT_SECRET',
  'JWT_EXPIRES_IN',
  'BODY_LIMIT',
  'LOG_LEVEL',
  'DB_MIGRATIONS_RUN',
  'METRICS_TOKEN',
  'CORS_ORIGINS',
];

export function childEnv(settings: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const key of SERVICE_SETTINGS) delete env[key];
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (or kills it after timeoutMs) and collects its output. */
export async function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Finished> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    return { code, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** The lines of an output that carry something. */
export const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The service (src/main.ts, or another entry such as src/worker.ts) as a child process, with its output kept for the test to read. */
export class ServiceProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Finished>;
  /** whether the process has ended */
  ended = false;
  private readonly child: ChildProcess;

  constructor(env: NodeJS.ProcessEnv, entry = 'src/main.ts') {
    this.child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', entry], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.once('close', () => (this.ended = true));
    this.exited = once(this.child, 'close').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
      stdout: this.stdout,
      stderr: this.stderr,
    }));
  }

  /** Resolves with the match once stdout matches, rejects if the process ends or time runs out first. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => (ended = true));
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (ended || Date.now() > deadline) {
        throw new Error(
          `service ${ended ? 'ended' : 'timed out'} before printing ${pattern}\n--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Sends the signal and waits for the end; SIGKILL if it does not end within timeoutMs. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<Finished> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
