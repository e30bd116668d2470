import { DataSource } from 'typeorm';
import { brandWithToken, insertExtensions } from './support/factories';
import { lockRows, until } from './support/hold';
import { createJob, JobAnswer, ndjson, upload, waitForJob } from './support/jobs';
import { childEnv, run, ServiceProcess } from './support/processes';
import { createTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app';
import { serverDatabaseUrl } from './support/test-database';

/**
 * Import jobs run by separate worker processes (`src/worker.ts`, as `npm run worker` runs it) on a
 * PostgreSQL server, the API only queueing them: a worker killed with SIGKILL mid-job, and two
 * workers sharing one queue. Real processes, real signals. Without a server (the embedded database,
 * which belongs to the API process) a worker refuses to start, and only that is tested.
 */

jest.setTimeout(300_000);

const CHUNK = 100;
const ALL = ['contact_key', 'address', 'channel', 'name', 'permission'];

async function counts(ds: DataSource, brandId: number) {
  const [row] = await ds.query(
    `SELECT (SELECT count(*)::int FROM master_contact_extensions WHERE brand_id = $1) AS rows,
            (SELECT count(*)::int FROM master_contact_extensions WHERE brand_id = $1 AND permission) AS permitted,
            (SELECT count(*)::int FROM consent_change WHERE brand_id = $1) AS consent,
            (SELECT count(DISTINCT address)::int FROM consent_change WHERE brand_id = $1) AS consent_addresses`,
    [brandId],
  );
  return row as { rows: number; permitted: number; consent: number; consent_addresses: number };
}

describe('a worker process without DATABASE_URL', () => {
  it('refuses to start (exit 2), saying that it needs a PostgreSQL server and that the API runs the jobs on the embedded database', async () => {
    const finished = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/worker.ts'], childEnv({}), 150_000);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(/worker: a separate worker needs a PostgreSQL server: set DATABASE_URL/);
    expect(finished.stderr).toMatch(/the API process runs the import jobs itself/);
    expect(finished.stdout).not.toMatch(/import job worker started/);
  });
});

if (serverDatabaseUrl()) {
  describe('import job workers in their own processes', () => {
    let t: TestApp;
    const workers: ServiceProcess[] = [];
    const startWorker = async (): Promise<ServiceProcess> => {
      const worker = new ServiceProcess(
        childEnv({
          DATABASE_URL: serverDatabaseUrl(),
          JWT_SECRET: TEST_JWT_SECRET,
          DB_MIGRATIONS_RUN: 'false',
          LOG_LEVEL: 'info',
          JOB_CHUNK_SIZE: String(CHUNK),
          JOB_CHUNK_CONCURRENCY: '3',
          JOB_HEARTBEAT_SECONDS: '10',
        }),
        'src/worker.ts',
      );
      workers.push(worker);
      // a start through ts-node takes seconds, more on a busy machine
      await worker.waitFor(/import job worker started/, 150_000);
      return worker;
    };

    beforeAll(async () => {
      t = await createTestApp({ JOB_WORKERS: 'false' });
    });
    afterAll(async () => {
      await Promise.all(workers.map((w) => w.stop('SIGKILL')));
      await t.close();
    });

    const pad = (i: number): string => String(i).padStart(3, '0');
    /**
     * 500 extensions to update (permission false to true) and 500 to insert, in that order, which is
     * also the order of their keys (the job has insertIfNotExists: its chunks follow the keys).
     */
    async function loadedBrand() {
      const b = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
      await insertExtensions(
        t.dataSource,
        b.brand.id,
        Array.from({ length: 500 }, (_, i) => ({ contact_key: 'c1', address: `u${pad(i)}@example.com`, channel: 'E' as const })),
      );
      const records = [
        ...Array.from({ length: 500 }, (_, i) => ({ contact_key: 'c1', address: `u${pad(i)}@example.com`, permission: true })),
        ...Array.from({ length: 500 }, (_, i) => ({
          contact_key: 'c1',
          address: `v${pad(i)}@example.com`,
          channel: 'E',
          permission: true,
        })),
      ];
      return { ...b, body: ndjson(records) };
    }

    const expectExactlyOnce = async (brandId: number, job: JobAnswer) => {
      expect(job).toMatchObject({ state: 'completed', total: 1000, processed: 1000, updated: 500, inserted: 500, unchanged: 0, failed: 0 });
      expect(await counts(t.dataSource, brandId)).toEqual({ rows: 1000, permitted: 1000, consent: 1000, consent_addresses: 1000 });
      expect(await t.dataSource.query('SELECT kind, total, inserted, updated FROM operation WHERE brand_id = $1', [brandId])).toEqual([
        { kind: 'contact_extensions.import_job', total: 1000, inserted: 500, updated: 500 },
      ]);
    };

    it('a worker killed with kill -9 mid-job: another resumes from the last checkpoint, every record applied exactly once', async () => {
      const { brand, token, body } = await loadedBrand();
      const first = await startWorker();
      // chunk 5 (records 400..499) updates u450: holding its row keeps that chunk in flight, while
      // chunks 6 and 7 pass it (three chunks at once) and chunk 8 waits (a window of three)
      const lock = await lockRows('SELECT 1 FROM master_contact_extensions WHERE brand_id = $1 AND address = $2', [
        brand.id,
        'u450@example.com',
      ]);
      const created = await createJob(t, token, { columns: ALL, insertIfNotExists: true });
      try {
        await upload(t, token, created.id, body, { type: 'application/x-ndjson' }).expect(202);
        await waitForJob(t, token, created.id, (j) => j.processed === 6 * CHUNK);
        await until('chunk 5 waits for the lock', async () => (await lock.waiters()) > 0);
        const killed = await first.stop('SIGKILL');
        expect(killed.signal).toBe('SIGKILL');
      } finally {
        await lock.release();
      }
      expect(await waitForJob(t, token, created.id, () => true)).toMatchObject({ state: 'processing', processed: 6 * CHUNK });
      await startWorker();
      await expectExactlyOnce(brand.id, await waitForJob(t, token, created.id, undefined, 90_000));
    });

    it('two workers on one queue: every job runs once, and the jobs of one brand never run at the same time', async () => {
      // the worker that resumed the job above, and one more
      while (workers.filter((w) => !w.ended).length < 2) await startWorker();
      const x = await loadedBrand();
      const y = await loadedBrand();
      const xJobs = [await createJob(t, x.token, { columns: ALL, insertIfNotExists: true })];
      await upload(t, x.token, xJobs[0].id, x.body, { type: 'application/x-ndjson' }).expect(202);
      // the second job of x changes nothing: its records are as the first leaves them
      xJobs.push(await createJob(t, x.token, { columns: ALL }));
      await upload(t, x.token, xJobs[1].id, x.body.split('\n').slice(0, 500).join('\n'), { type: 'application/x-ndjson' }).expect(202);
      const yJob = await createJob(t, y.token, { columns: ALL, insertIfNotExists: true });
      await upload(t, y.token, yJob.id, y.body, { type: 'application/x-ndjson' }).expect(202);

      const [x1, x2] = [
        await waitForJob(t, x.token, xJobs[0].id, undefined, 90_000),
        await waitForJob(t, x.token, xJobs[1].id, undefined, 90_000),
      ];
      await expectExactlyOnce(y.brand.id, await waitForJob(t, y.token, yJob.id, undefined, 90_000));
      expect(x1).toMatchObject({ state: 'completed', updated: 500, inserted: 500 });
      expect(x2).toMatchObject({ state: 'completed', total: 500, unchanged: 500 });
      const [a, b] = [x1, x2].sort((p, q) => String(p.started_at).localeCompare(String(q.started_at)));
      expect(Date.parse(String(a.finished_at))).toBeLessThanOrEqual(Date.parse(String(b.started_at)));
    });
  });
}
