import { brandWithToken } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('logs in and inserts one extension, then reads it back', async () => {
    const { token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1'] });
    const res = await t.http
      .post('/rest/bulk/contact_extensions')
      .set('Authorization', `Bearer ${token}`)
      .send({
        columns: ['contact_key', 'address', 'channel'],
        insertIfNotExists: true,
        contactDatas: [{ contact_key: 'c1', address: 'A@B.COM', channel: 'E' }],
      })
      .expect(200);
    expect(res.body).toMatchObject({ total: 1, inserted: 1, failed: 0 });
    const list = await t.http.get('/rest/contact_extensions?contact_key=c1').set('Authorization', `Bearer ${token}`).expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ contact_key: 'c1', address: 'a@b.com', channel: 'E', permission: false, name: null }),
    ]);
  });
});
