import { HttpAdapterHost } from '@nestjs/core';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiActivity } from './api-activity';

describe('ApiActivity', () => {
  let server: http.Server;
  let port: number;
  /** answers a request when told to */
  const held: (() => void)[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      held.push(() => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (method: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  const untilHeld = async (n: number): Promise<void> => {
    while (held.length < n) await sleep(5);
  };

  it('is busy while a write request is served and for half a second after; reads do not count', async () => {
    const activity = new ApiActivity({ httpAdapter: { getHttpServer: () => server } } as unknown as HttpAdapterHost);
    activity.onApplicationBootstrap();
    expect(activity.busy()).toBe(false);

    const read = send('GET');
    await untilHeld(1);
    expect(activity.busy()).toBe(false);
    held.shift()?.();
    await read;
    expect(activity.busy()).toBe(false);

    const write = send('POST');
    await untilHeld(1);
    expect(activity.busy()).toBe(true);
    held.shift()?.();
    await write;
    expect(activity.busy()).toBe(true);
    await sleep(600);
    expect(activity.busy()).toBe(false);
  });

  it('is never busy without an HTTP server (a worker process)', () => {
    const activity = new ApiActivity({} as HttpAdapterHost);
    activity.onApplicationBootstrap();
    expect(activity.busy()).toBe(false);
  });
});
