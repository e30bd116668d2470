import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/** After the last write request ended, the API counts as busy this long (requests sent back to back leave gaps). */
const QUIET_MS = 500;

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether this process's HTTP server is serving requests that write (bulk upserts above all), so
 * that an import job running in the same process gives them the machine first: it then does one
 * thing at a time (writes one chunk, reads and judges the next, rests). Reads (a job's status,
 * polled) do not count. A worker process (`npm run worker`) has no HTTP server and is never busy.
 */
@Injectable()
export class ApiActivity implements OnApplicationBootstrap {
  private writing = 0;
  private lastEnded = -Infinity;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (READS.has(req.method ?? 'GET')) return;
      this.writing++;
      res.once('close', () => {
        this.writing--;
        this.lastEnded = performance.now();
      });
    });
  }

  /** A write request is in flight, or one ended less than QUIET_MS ago. */
  busy(): boolean {
    return this.writing > 0 || performance.now() - this.lastEnded < QUIET_MS;
  }
}
