import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { PERMISSION_KEY } from '../src/auth/authenticated.decorator';
import { bulkContacts, bulkExtensions, call, LiveOpenApi, Method } from './support/admin';
import { brandWithToken, createApiUser, insertExtensions, login } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Every admin route is guarded by its permission, documented in Swagger under its own tag
 * with request and response schemas, examples and its error answers, and answers as documented.
 */
describe('admin: routes, permissions and documentation', () => {
  let t: TestApp;
  let doc: LiveOpenApi;
  beforeAll(async () => {
    t = await createTestApp();
    doc = await LiveOpenApi.load(t);
  });
  afterAll(async () => {
    await t.close();
  });

  /** The admin routes and the permission each demands. A change of access must change this list. */
  const ADMIN_ROUTES: Record<string, string> = {
    'GET /admin/brand': 'Brand.Read',
    'PATCH /admin/brand': 'Brand.Manage',
    'GET /admin/extension-types': 'Brand.Read',
    'GET /admin/extension-types/{id}': 'Brand.Read',
    'POST /admin/extension-types': 'Brand.Manage',
    'PATCH /admin/extension-types/{id}': 'Brand.Manage',
    'DELETE /admin/extension-types/{id}': 'Brand.Manage',
    'GET /admin/api-users': 'Brand.Manage',
    'GET /admin/api-users/{id}': 'Brand.Manage',
    'POST /admin/api-users': 'Brand.Manage',
    'PATCH /admin/api-users/{id}': 'Brand.Manage',
    'POST /admin/api-users/{id}/disable': 'Brand.Manage',
    'POST /admin/api-users/{id}/enable': 'Brand.Manage',
    'POST /admin/api-users/{id}/rotate-secret': 'Brand.Manage',
    'DELETE /admin/api-users/{id}': 'Brand.Manage',
    'POST /rest/bulk/contacts': 'Contacts.Manage',
    'GET /admin/contacts': 'Contacts.Read',
    'GET /admin/contacts/{contactKey}': 'Contacts.Read',
    'DELETE /admin/contacts/{contactKey}': 'Contacts.Manage',
    'GET /admin/contact-extensions': 'ContactExtensions.Read',
    'DELETE /admin/contact-extensions': 'ContactExtensions.Manage',
    'POST /admin/contact-extensions/bulk-delete': 'ContactExtensions.Manage',
    'GET /admin/operations': 'ContactExtensions.Read',
    'GET /admin/operations/{id}': 'ContactExtensions.Read',
    'GET /admin/consent-history': 'ContactExtensions.Read',
    'GET /admin/stats': 'ContactExtensions.Read',
  };

  it('guards every admin route with its permission (the list is complete)', () => {
    const discovery = new DiscoveryService(t.app.get(ModulesContainer));
    const scanner = new MetadataScanner();
    const reflector = t.app.get(Reflector);
    const found: Record<string, string | undefined> = {};
    for (const wrapper of discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller || !wrapper.instance) continue;
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, (...args: unknown[]) => unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        const methodPath: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        if (methodPath === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const path = `/${[Reflect.getMetadata(PATH_METADATA, controller), methodPath].join('/')}`
          .replace(/\/+/g, '/')
          .replace(/\/$/, '')
          .replace(/:(\w+)/g, '{$1}');
        if (path.startsWith('/admin') || path === '/rest/bulk/contacts') {
          found[`${method} ${path}`] = reflector.getAllAndOverride<string | undefined>(PERMISSION_KEY, [handler, controller]);
        }
      }
    }
    expect(found).toEqual(ADMIN_ROUTES);
  });

  it('documents every admin route: own tag, summary, bearer security, schemas, examples and its error answers', () => {
    const problems: string[] = [];
    for (const route of Object.keys(ADMIN_ROUTES)) {
      const [method, path] = route.split(' ');
      const op = doc.document.paths[path]?.[method.toLowerCase()] as
        | {
            tags?: string[];
            summary?: string;
            operationId?: string;
            security?: unknown[];
            parameters?: { in: string }[];
            requestBody?: { content: Record<string, { schema?: unknown }> };
            responses: Record<
              string,
              { description?: string; content?: Record<string, { schema?: unknown; example?: unknown; examples?: unknown }> }
            >;
          }
        | undefined;
      if (!op) {
        problems.push(`${route}: not documented`);
        continue;
      }
      const need = (ok: unknown, what: string) => !ok && problems.push(`${route}: ${what}`);
      need(
        op.tags?.length === 1 && !['default', 'Contact extensions', 'Authentication'].includes(op.tags[0]),
        `its own tag (has ${op.tags})`,
      );
      need(op.summary && op.operationId, 'a summary and an operationId');
      need(JSON.stringify(op.security ?? []).includes('bearer'), 'bearer security');
      const success = Object.keys(op.responses).filter((s) => /^2/.test(s));
      need(success.length === 1, 'one success answer');
      if (success[0] && success[0] !== '204') need(op.responses[success[0]].content?.['application/json']?.schema, 'a success schema');
      for (const status of ['401', '403']) {
        const r = op.responses[status]?.content?.['application/json'];
        need(r?.schema && (r.example || r.examples), `a ${status} answer with schema and example`);
      }
      const takesInput = op.requestBody || (op.parameters ?? []).some((p) => p.in === 'query');
      if (takesInput) {
        const r = op.responses['400']?.content?.['application/json'];
        need(r?.schema && (r.example || r.examples), 'a 400 answer with schema and example');
      }
      if (op.requestBody) need(op.requestBody.content['application/json']?.schema, 'a request body schema');
      if (path.includes('{')) {
        const r = op.responses['404']?.content?.['application/json'];
        need(r?.schema && (r.example || r.examples), 'a 404 answer with schema and example');
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers every admin route as documented (status and body schema, no undocumented property)', async () => {
    const { brand, user, token } = await brandWithToken(t.dataSource, t.http, { contacts: ['c1', 'c2'] });
    await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c2', address: 'x@y.com', channel: 'E', name: 'Personal Email' }]);
    const seen = new Set<string>();
    const check = async (
      method: Method,
      path: string,
      documentedPath: string,
      payload?: { query?: Record<string, unknown>; body?: object },
    ) => {
      const res = await call(t, token, method, path, payload);
      doc.expectDocumented(method, documentedPath, res);
      seen.add(`${method.toUpperCase()} ${documentedPath}`);
      return res;
    };
    await check('get', '/admin/brand', '/admin/brand');
    await check('patch', '/admin/brand', '/admin/brand', { body: { name: 'Docs' } });
    await check('patch', '/admin/brand', '/admin/brand', { body: { extensionColumns: ['address'] } });
    const created = (await check('post', '/admin/extension-types', '/admin/extension-types', { body: { name: 'Home', channel: 'S' } }))
      .body;
    await check('post', '/admin/extension-types', '/admin/extension-types', { body: { name: 'Home', channel: 'S' } });
    await check('get', '/admin/extension-types', '/admin/extension-types');
    await check('get', `/admin/extension-types/${created.id}`, '/admin/extension-types/{id}');
    await check('get', '/admin/extension-types/999999', '/admin/extension-types/{id}');
    await check('patch', `/admin/extension-types/${created.id}`, '/admin/extension-types/{id}', { body: { name: 'Landline' } });
    const personal = (await call(t, token, 'get', '/admin/extension-types').expect(200)).body.items.find(
      (x: { name: string }) => x.name === 'Personal Email',
    );
    await check('delete', `/admin/extension-types/${personal.id}`, '/admin/extension-types/{id}');
    await check('delete', `/admin/extension-types/${created.id}`, '/admin/extension-types/{id}');

    const newUser = (
      await check('post', '/admin/api-users', '/admin/api-users', { body: { userKey: `docs-${brand.id}`, permissions: ['Brand.Read'] } })
    ).body;
    await check('post', '/admin/api-users', '/admin/api-users', { body: { userKey: user.userKey, permissions: [] } });
    await check('get', '/admin/api-users', '/admin/api-users');
    await check('get', `/admin/api-users/${newUser.id}`, '/admin/api-users/{id}');
    await check('patch', `/admin/api-users/${newUser.id}`, '/admin/api-users/{id}', { body: { permissions: ['Contacts.Read'] } });
    await check('patch', `/admin/api-users/${user.id}`, '/admin/api-users/{id}', { body: { permissions: [] } });
    await check('post', `/admin/api-users/${newUser.id}/disable`, '/admin/api-users/{id}/disable');
    await check('post', `/admin/api-users/${newUser.id}/enable`, '/admin/api-users/{id}/enable');
    await check('post', `/admin/api-users/${newUser.id}/rotate-secret`, '/admin/api-users/{id}/rotate-secret');
    await check('delete', `/admin/api-users/${newUser.id}`, '/admin/api-users/{id}');
    await check('delete', `/admin/api-users/${newUser.id}`, '/admin/api-users/{id}');

    await check('post', '/rest/bulk/contacts', '/rest/bulk/contacts', {
      body: {
        columns: ['contact_key', 'email'],
        throwOnError: false,
        contactDatas: [{ contact_key: 'c1', email: 'A@B.COM' }, { contact_key: 'c3', email: 'bad' }, { contact_key: 'c3' }],
      },
    });
    await check('post', '/rest/bulk/contacts', '/rest/bulk/contacts', {
      body: { columns: ['contact_key', 'email'], contactDatas: [{ contact_key: 'c1', email: 'bad' }] },
    });
    await check('post', '/rest/bulk/contacts', '/rest/bulk/contacts', {
      body: { columns: ['email'], contactDatas: [{ contact_key: 'c1' }] },
    });
    const page = (await check('get', '/admin/contacts', '/admin/contacts', { query: { limit: 1 } })).body;
    await check('get', '/admin/contacts', '/admin/contacts', { query: { limit: 1, cursor: page.next_cursor } });
    await check('get', '/admin/contacts', '/admin/contacts', { query: { limit: 501 } });
    await check('get', '/admin/contacts/c2', '/admin/contacts/{contactKey}');
    await check('get', '/admin/contacts/none', '/admin/contacts/{contactKey}');

    await bulkExtensions(t, token, {
      columns: ['contact_key', 'address'],
      contactDatas: [{ contact_key: 'c1', address: 'nope@x.com' }],
      throwOnError: false,
    }).expect(200);
    await check('get', '/admin/contact-extensions', '/admin/contact-extensions', { query: { limit: 1 } });
    await check('get', '/admin/contact-extensions', '/admin/contact-extensions', { query: { channel: 'Q' } });
    await insertExtensions(t.dataSource, brand.id, [
      { contact_key: 'c1', address: 'a@x.com', channel: 'E' },
      { contact_key: 'c1', address: 'b@x.com', channel: 'E', permission: true },
    ]);
    await check('delete', '/admin/contact-extensions', '/admin/contact-extensions', { query: { contact_key: 'c1', address: 'a@x.com' } });
    await check('delete', '/admin/contact-extensions', '/admin/contact-extensions', { query: { contact_key: 'c1', address: 'a@x.com' } });
    await check('post', '/admin/contact-extensions/bulk-delete', '/admin/contact-extensions/bulk-delete', {
      body: {
        throwOnError: false,
        contactDatas: [{ contact_key: 'c1', address: 'b@x.com' }, { contact_key: 'c1', address: 'b@x.com' }, { contact_key: 'c1' }],
      },
    });
    await check('post', '/admin/contact-extensions/bulk-delete', '/admin/contact-extensions/bulk-delete', {
      body: { contactDatas: [{ contact_key: 'c1', address: 'gone@x.com' }] },
    });
    await check('delete', '/admin/contacts/c2', '/admin/contacts/{contactKey}');

    await bulkContacts(t, token, { columns: ['contact_key'], contactDatas: [{ contact_key: 'c9' }] }).expect(200);
    const ops = (await check('get', '/admin/operations', '/admin/operations', { query: { limit: 2 } })).body;
    await check('get', '/admin/operations', '/admin/operations', { query: { from: 'soon' } });
    await check('get', `/admin/operations/${ops.items[0].id}`, '/admin/operations/{id}');
    await check('get', '/admin/operations/1', '/admin/operations/{id}');
    await check('get', '/admin/consent-history', '/admin/consent-history', { query: { address: 'b@x.com' } });
    await check('get', '/admin/consent-history', '/admin/consent-history');
    await check('get', '/admin/stats', '/admin/stats');

    // and the answers of the guards
    const anonymous = await t.http.get('/admin/stats');
    doc.expectDocumented('get', '/admin/stats', anonymous);
    const other = await createApiUser(t.dataSource, brand.id, { permissions: [] });
    const forbidden = await call(t, await login(t.http, other), 'get', '/admin/stats');
    doc.expectDocumented('get', '/admin/stats', forbidden);

    expect([...seen].sort()).toEqual(Object.keys(ADMIN_ROUTES).sort());
  });
});
