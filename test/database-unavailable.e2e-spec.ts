import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';
import { ContactExtensionsRepository } from '../src/contact-extensions/contact-extensions.repository';
import { brandWithToken } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { serverDatabaseUrl } from './support/test-database';

/*
 * A database that cannot be reached answers 503 DATABASE_UNAVAILABLE promptly, writes nothing, and
 * the service recovers by itself once the database is back. The app reaches PostgreSQL through a
 * TCP proxy that the test can cut; so this needs a real server (the embedded database is in-process).
 */

// jest.config.js sets testTimeout per project, where Jest ignores it; hooks and tests here talk to a database
jest.setTimeout(60_000);

/** Forwards 127.0.0.1:port to the database server; `cut` drops every connection and refuses new ones. */
class TcpProxy {
  port = 0;
  /** 'blackhole': accept connections but never forward a byte, like a server that hangs. */
  mode: 'forward' | 'blackhole' = 'forward';
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    // the pool's idle clients see their sockets close a moment later (over loopback); let them, so
    // that what a test measures is the service, not a race with the proxy
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'blackhole') return;
    const upstream = connect(this.targetPort, this.targetHost);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }
}

const serverUrl = serverDatabaseUrl();
const maybe: (name: string, fn: () => void) => void = serverUrl
  ? describe
  : (name, _fn) => describe(name, () => it('needs a PostgreSQL server (TEST_DATABASE_URL)', () => expect(true).toBe(true)));

maybe('database unavailable', () => {
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    const target = new URL(serverUrl as string);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.listen();
    const viaProxy = new URL(serverUrl as string);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    t = await createTestApp({ DATABASE_URL: viaProxy.toString() });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.cut();
  });
  afterEach(async () => {
    // every test leaves the database reachable for the next one
    proxy.mode = 'forward';
    await proxy.cut();
    await proxy.listen();
  });

  const insertOne = (token: string, address: string) =>
    t.http
      .post('/rest/bulk/contact_extensions')
      .set('Authorization', `Bearer ${token}`)
      .send({
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        contactDatas: [{ contact_key: 'c1', address, channel: 'E' }],
      });

  const rowsOf = async (brandId: number): Promise<number> => {
    const [{ n }]: { n: number }[] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM master_contact_extensions WHERE brand_id = $1',
      [brandId],
    );
    return n;
  };

  it('a cut connection answers 503 DATABASE_UNAVAILABLE within seconds, writes nothing, and the next request after recovery succeeds', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });

    await proxy.cut();
    const started = Date.now();
    const down = await insertOne(token, 'a@x.com');
    expect(Date.now() - started).toBeLessThan(6000);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: expect.any(String) });
    // a second request while down answers the same, so the pool is not stuck
    await insertOne(token, 'a@x.com').expect(503);

    await proxy.listen();
    expect(await rowsOf(brand.id)).toBe(0);
    const up = await insertOne(token, 'a@x.com').expect(200);
    expect(up.body).toMatchObject({ inserted: 1, failed: 0 });
    expect(await rowsOf(brand.id)).toBe(1);
  });

  it('a connection lost in the middle of the transaction answers 503 and nothing of the request is written', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const write = ContactExtensionsRepository.prototype.write;
    // cut after the lookup, just before the write
    const spy = jest.spyOn(ContactExtensionsRepository.prototype, 'write').mockImplementationOnce(async function (
      this: ContactExtensionsRepository,
      ...args: Parameters<typeof write>
    ) {
      await proxy.cut();
      return write.apply(this, args);
    });
    try {
      const started = Date.now();
      const res = await insertOne(token, 'b@x.com');
      expect(Date.now() - started).toBeLessThan(6000);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
    } finally {
      spy.mockRestore();
    }
    await proxy.listen();
    expect(await rowsOf(brand.id)).toBe(0);
    await insertOne(token, 'b@x.com').expect(200);
    expect(await rowsOf(brand.id)).toBe(1);
  });

  it('a database that accepts connections but never answers gives 503 after the connect timeout, not a hang', async () => {
    const { brand, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    await proxy.cut();
    proxy.mode = 'blackhole';
    await proxy.listen();
    const started = Date.now();
    const res = await insertOne(token, 'c@x.com');
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
    // the pool gives up after connectionTimeoutMillis (5 s)
    expect(elapsed).toBeLessThan(12_000);

    proxy.mode = 'forward';
    await proxy.cut();
    await proxy.listen();
    await insertOne(token, 'c@x.com').expect(200);
    expect(await rowsOf(brand.id)).toBe(1);
  }, 30_000);
});
