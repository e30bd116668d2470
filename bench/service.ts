/**
 * The built service (dist/main.js) as a child process on a free port, with an HTTP client that keeps
 * its connections alive, and what the benchmark reads from it: SQL statements sent (counted by
 * service-preload.js over IPC), CPU profiles, and memory from /proc/<pid>/status.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Target } from './database';

const ROOT = join(__dirname, '..');

/**
 * The per-brand bulk limits stay on (their statements are part of every request) but set beyond
 * what the benchmark can reach, so that no request is refused.
 */
export const BULK_LIMITS = { rate: 1_000_000, windowSeconds: 60, concurrency: 64 };
const START_TIMEOUT_MS = 60_000;

/**
 * How `npm run start:prod` starts the service: its environment settings (glibc's malloc) and
 * Node's flags, read from package.json so that the benchmark measures the production start.
 */
export function productionStart(root = ROOT): { env: Record<string, string>; nodeFlags: string[] } {
  const script: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['start:prod'];
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const [name, ...value] = (words.shift() as string).split('=');
    env[name] = value.join('=');
  }
  if (words.shift() !== 'node' || words.pop() !== 'dist/main.js' || words.some((w) => !w.startsWith('--'))) {
    throw new Error(`package.json start:prod is not [NAME=value ...] node [--flag ...] dist/main.js: ${script}`);
  }
  return { env, nodeFlags: words };
}

/** Every child started, so that the exit handler can kill what is still running. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Reply {
  status: number;
  body: any;
  ms: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One bulk request as the service timed it (ms): before each statement its own work, then the statement's round trip. */
export interface TimedRequest {
  total: number;
  statements: { label: string; node: number; db: number }[];
  /** from the last statement's answer to the request's answer */
  after: number;
}

export interface HeapReport {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** physical size of each V8 heap space */
  spaces: Record<string, number>;
}

export class ServiceProcess {
  private token = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: any): void; reject(err: Error): void }>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    running.add(child);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => {
      running.delete(child);
      for (const { reject } of this.pending.values()) reject(new Error('the service exited'));
      this.pending.clear();
    });
    child.on('message', (message: { id: number; value?: unknown; error?: string }) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve(message.value);
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(
    target: Target,
    login: { userKey: string; secret: string },
    logFile: string,
    extraEnv: NodeJS.ProcessEnv = {},
    /** the checkout whose built service (dist/) is started as its package.json's start:prod starts it */
    root = ROOT,
  ): Promise<ServiceProcess> {
    const port = await freePort();
    const start = productionStart(root);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...start.env,
      PORT: String(port),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      JWT_SECRET: randomBytes(48).toString('base64url'),
      NODE_ENV: 'production',
      BULK_RATE_LIMIT: String(BULK_LIMITS.rate),
      BULK_RATE_WINDOW_SECONDS: String(BULK_LIMITS.windowSeconds),
      BULK_CONCURRENCY_LIMIT: String(BULK_LIMITS.concurrency),
      ...extraEnv,
    };
    delete env.DATABASE_URL;
    delete env.DATA_DIR;
    if (target.embedded) env.DATA_DIR = target.dataDir;
    else env.DATABASE_URL = target.url;
    const log = openSync(logFile, 'a');
    // started as npm run start:prod starts it (its environment and Node's flags), with the preload
    const args = [...start.nodeFlags, '-r', join(__dirname, 'service-preload.js'), join(root, 'dist', 'main.js')];
    const child = spawn(process.execPath, args, {
      cwd: root,
      env,
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    const service = new ServiceProcess(child, port, logFile);
    try {
      await service.waitUntilLoggedIn(login);
    } catch (err) {
      await service.stop();
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
      throw new Error(`${(err as Error).message}\n--- service log (${logFile}) ---\n${tail}`, { cause: err });
    }
    return service;
  }

  private async waitUntilLoggedIn(login: { userKey: string; secret: string }): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error('the service exited during start');
      try {
        const reply = await this.request('POST', '/rest/login', JSON.stringify({ userKey: login.userKey, secret: login.secret }));
        if (reply.status === 200) {
          this.token = reply.body.access_token;
          return;
        }
        // 503 while the database connects; anything else is a real failure
        if (reply.status !== 503) throw new Error(`login answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ECONNREFUSED' && code !== 'ECONNRESET') throw err;
      }
      if (Date.now() > deadline) throw new Error(`the service did not start within ${START_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** One bulk upsert, timed from the first byte sent to the parsed answer. */
  upsert(body: string): Promise<Reply> {
    return this.request('POST', '/rest/bulk/contact_extensions', body);
  }

  private request(method: string, path: string, body: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* not JSON: kept as text for the error message */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  private ipc<T>(type: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, type, ...extra });
    });
  }

  /** SQL statements the service has sent since it started. */
  queries(): Promise<number> {
    return this.ipc<number>('queries');
  }

  /** From now on, the service times its bulk requests: their arrival, each statement, their answer. */
  timelineStart(): Promise<void> {
    return this.ipc<void>('timelineStart');
  }

  /** The bulk requests answered since timelineStart, one at a time (request-timeline.js). */
  timelineStop(): Promise<TimedRequest[]> {
    return this.ipc<TimedRequest[]>('timelineStop');
  }

  profileStart(): Promise<void> {
    return this.ipc<void>('profileStart');
  }

  profileStop(file: string): Promise<string> {
    return this.ipc<string>('profileStop', { file });
  }

  /** The service's own account of its memory (process.memoryUsage and V8's heap spaces), in bytes. */
  heap(): Promise<HeapReport> {
    return this.ipc<HeapReport>('memory');
  }

  /** Resident set size now and its peak since start (VmHWM), in MB. */
  memory(): { rssMb: number; peakMb: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  }

  /** CPU seconds (user + system) the service has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
  cpuSeconds(): number {
    const { user, system } = this.cpuTimes();
    return user + system;
  }

  /** CPU seconds the service has used in user mode and in the kernel (its socket writes and reads, for one). */
  cpuTimes(): { user: number; system: number } {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // the fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  }

  /** SIGTERM (the service closes its pool, and the embedded database its files), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    this.agent.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
