/**
 * Prometheus metrics: request durations by route and status, bulk records by outcome and
 * the database pool, behind METRICS_TOKEN.
 */
import { brandWithToken } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

const METRICS_TOKEN = 'metrics-token-for-the-tests';

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN });
  });
  afterAll(async () => {
    await t.close();
  });

  const scrape = async (): Promise<string> =>
    (
      await t.http
        .get('/metrics')
        .set('Authorization', `Bearer ${METRICS_TOKEN}`)
        .expect(200)
        .expect('Content-Type', /text\/plain/)
    ).text;

  /** The value of one sample, 0 when the series does not exist yet. */
  const sample = (text: string, series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };

  it('counts bulk records by outcome and times requests by route and status', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const before = await scrape();
    await t.http
      .post('/rest/bulk/contact_extensions')
      .set('Authorization', `Bearer ${token}`)
      .send({
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        throwOnError: false,
        contactDatas: [
          { contact_key: 'c1', address: 'one@example.com', channel: 'E' },
          { contact_key: 'c1', address: 'two@example.com', channel: 'E' },
          { contact_key: 'nobody', address: 'three@example.com', channel: 'E' },
        ],
      })
      .expect(200);
    const after = await scrape();

    const records = (outcome: string) => `bulk_records_total{endpoint="contact_extensions",outcome="${outcome}"}`;
    expect(sample(after, records('inserted')) - sample(before, records('inserted'))).toBe(2);
    expect(sample(after, records('failed')) - sample(before, records('failed'))).toBe(1);
    const durations = 'http_request_duration_seconds_count{method="POST",route="/rest/bulk/contact_extensions",status="200"}';
    expect(sample(after, durations) - sample(before, durations)).toBe(1);
    expect(after).toMatch(/^db_pool_connections_in_use \d+$/m);
    expect(after).toMatch(/^db_pool_waiting \d+$/m);
    expect(after).toMatch(/^rate_limited_total|^# HELP rate_limited_total/m);
    expect(after).toMatch(/^# HELP idempotent_replays_total/m);
  });

  it('a validateOnly request counts nothing', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const before = await scrape();
    await t.http
      .post('/rest/bulk/contact_extensions')
      .set('Authorization', `Bearer ${token}`)
      .send({
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        validateOnly: true,
        contactDatas: [{ contact_key: 'c1', address: 'x@example.com', channel: 'E' }],
      })
      .expect(200);
    const after = await scrape();
    const inserted = 'bulk_records_total{endpoint="contact_extensions",outcome="inserted"}';
    expect(sample(after, inserted)).toBe(sample(before, inserted));
  });

  it('answers only the METRICS_TOKEN, not an API token or nothing', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http);
    await t.http.get('/metrics').expect(401);
    await t.http.get('/metrics').set('Authorization', `Bearer ${token}`).expect(401);
  });
});
