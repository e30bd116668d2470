import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Locator, Page } from 'playwright-core';
import { createApiUser, createBrand, TestUser } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Swagger UI, tried in a real browser: what an integrator does on /docs, with Debian's
 * Chromium (never a downloaded browser). Log in through the documented Login operation, put the
 * token into "Authorize", run "Try it out" on BulkUpsertExtensions with its example as it stands,
 * and see a 200 with the counts. Runs under the service's helmet Content-Security-Policy, so a
 * policy that breaks Swagger UI fails here. A screenshot is left in test/artifacts/ for a person.
 *
 * `npm run test:browser` (needs /usr/bin/chromium: `apt-get install -y chromium`).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, 'artifacts');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

describe('Swagger UI in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let user: TestUser;
  const browserErrors: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    baseUrl = await t.app.getUrl();
    // what the BulkUpsertExtensions example needs: contact demo-contact-1, types 'Work Email' (E) and 'Mobile' (S)
    const brand = await createBrand(t.dataSource, {
      contacts: ['demo-contact-1'],
      types: [
        { channel: 'E', name: 'Work Email' },
        { channel: 'S', name: 'Mobile' },
      ],
    });
    user = await createApiUser(t.dataSource, brand.id, { permissions: ['ContactExtensions.Manage', 'ContactExtensions.Read'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    // a Content-Security-Policy violation, a script error or a failed request shows here
    page.on('console', (msg) => {
      if (msg.type() === 'error') browserErrors.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => browserErrors.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => browserErrors.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** The operation's block, opened, in "Try it out" mode. */
  async function tryItOut(path: string): Promise<Locator> {
    const block = page.locator('.opblock', { has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
    await block.locator('.opblock-summary-control').click();
    await block.locator('button.try-out__btn').click();
    return block;
  }

  /** Presses Execute and reads the answer Swagger UI shows: its status and its body. */
  async function execute(block: Locator): Promise<{ status: number; body: unknown }> {
    await block.locator('button.execute').click();
    const answer = block.locator('.live-responses-table .response').first();
    await answer.waitFor({ state: 'visible', timeout: 15000 });
    const status = Number((await answer.locator('.response-col_status').innerText()).trim());
    const text = await answer.locator('.response-col_description pre').first().innerText();
    return { status, body: JSON.parse(text) };
  }

  it('logs in with Try it out, authorizes with the token and runs BulkUpsertExtensions with its example: 200 with the counts', async () => {
    try {
      await useSwaggerUi();
    } catch (err) {
      // what the page looked like when it failed, for the person reading the CI log
      await page.screenshot({ path: join(ARTIFACTS, 'swagger-ui-failure.png'), fullPage: true }).catch(() => undefined);
      throw err;
    }
    expect(browserErrors).toEqual([]);
  });

  async function useSwaggerUi(): Promise<void> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const response = await page.goto(`${baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    await page.locator('.swagger-ui .information-container .title').waitFor({ timeout: 15000 });
    expect(await page.locator('.swagger-ui .information-container .title').innerText()).toContain('Contact Extensions API');

    // Login, through its documented operation, with a real API user
    const loginBlock = await tryItOut('/rest/login');
    const loginBody = loginBlock.locator('textarea.body-param__text');
    expect(JSON.parse(await loginBody.inputValue())).toEqual({ userKey: 'demo-integrator', secret: 'the-secret-printed-at-first-start' });
    await loginBody.fill(JSON.stringify({ userKey: user.userKey, secret: user.secret }));
    const login = await execute(loginBlock);
    expect(login).toEqual({ status: 200, body: { access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 } });
    const token = (login.body as { access_token: string }).access_token;

    // Authorize: the token into the bearer scheme
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.locator('input[type="text"]').fill(token);
    await dialog.locator('button.authorize').click();
    // the scheme now shows as authorized, with a Logout button
    await dialog.locator('h6', { hasText: 'Authorized' }).waitFor({ timeout: 5000 });
    await dialog.locator('button[aria-label="Remove authorization"]').waitFor({ timeout: 5000 });
    await dialog.locator('button.close-modal').click();

    // BulkUpsertExtensions with its example body, untouched
    const bulkBlock = await tryItOut('/rest/bulk/contact_extensions');
    const example = JSON.parse(await bulkBlock.locator('textarea.body-param__text').inputValue());
    expect(example.contactDatas.map((r: { contact_key: string; name: string }) => [r.contact_key, r.name])).toEqual([
      ['demo-contact-1', 'Work Email'],
      ['demo-contact-1', 'Mobile'],
    ]);
    const bulk = await execute(bulkBlock);
    expect(bulk).toEqual({
      status: 200,
      body: { total: 2, inserted: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0, errors: [], warnings: [] },
    });
    // the curl line Swagger UI shows carries the token: the Authorize step took
    expect(await bulkBlock.locator('.curl-command').innerText()).toContain(`Bearer ${token}`);

    // the answer as a person sees it: the 200 and its counts in view
    await bulkBlock.locator('.live-responses-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'swagger-ui-bulk-upsert.png') });
  }
});
