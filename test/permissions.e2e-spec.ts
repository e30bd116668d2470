import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { PERMISSIONS, isPermission } from '../src/auth/permissions';
import { PERMISSION_KEY } from '../src/auth/authenticated.decorator';
import { IS_PUBLIC_KEY } from '../src/common/decorators/public.decorator';
import { createApiUser, createBrand, extensionsOf, insertExtensions, login, TestBrand } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { bearer, expectErrorAnswer, FORBIDDEN_BODY, UNAUTHENTICATED_BODY } from './support/tokens';

/**
 * Contract section 2: a valid token is not enough, the API user must hold the route's permission;
 * and house rule 5: every route is listed here with its access, so that a change shows in review.
 */

interface RouteAccess {
  method: string;
  path: string;
  /** undefined: neither @Public() nor a permission, which is a mistake */
  access: 'public' | string | undefined;
  conflicting: boolean;
}

function joinPath(...parts: string[]): string {
  const joined = `/${parts.join('/')}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value ?? '')]);

/** Every route of every controller of the running app, with what the global guards will demand. */
function routeInventory(t: TestApp): RouteAccess[] {
  const discovery = new DiscoveryService(t.app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const reflector = t.app.get(Reflector);
  const routes: RouteAccess[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
    if (!controller || !wrapper.instance) continue;
    const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as (...args: unknown[]) => unknown;
      const methodPath: unknown = Reflect.getMetadata(PATH_METADATA, handler);
      if (methodPath === undefined) continue; // not a route handler
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      // the same precedence as the guards: the handler's metadata, then the controller's
      const isPublic = reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [handler, controller]) === true;
      const permission = reflector.getAllAndOverride<string | undefined>(PERMISSION_KEY, [handler, controller]);
      for (const base of asList(Reflect.getMetadata(PATH_METADATA, controller))) {
        for (const path of asList(methodPath)) {
          routes.push({
            method,
            path: joinPath(base, path),
            access: isPublic ? 'public' : permission,
            conflicting: isPublic && permission !== undefined,
          });
        }
      }
    }
  }
  return routes;
}

const describeRoute = (r: RouteAccess): string => `${r.method} ${r.path} -> ${r.access ?? 'NOTHING DECLARED'}`;

describe('permissions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const READ = 'ContactExtensions.Read';
  const MANAGE = 'ContactExtensions.Manage';
  const allBut = (...excluded: string[]): string[] => PERMISSIONS.filter((p) => !excluded.includes(p));

  async function tokenWith(brand: TestBrand, permissions: string[]): Promise<{ id: number; token: string }> {
    const user = await createApiUser(t.dataSource, brand.id, { permissions });
    return { id: user.id, token: await login(t.http, user) };
  }

  const insertBody = {
    columns: ['contact_key', 'address', 'channel'],
    insertIfNotExists: true,
    contactDatas: [{ contact_key: 'c1', address: 'new@example.com', channel: 'E' }],
  };
  const bulk = (token: string, body: object = insertBody) =>
    t.http.post('/rest/bulk/contact_extensions').set('Authorization', bearer(token)).send(body);
  const list = (token: string) => t.http.get('/rest/contact_extensions?contact_key=c1').set('Authorization', bearer(token));

  describe('route inventory', () => {
    it('lists every route with its access (a change of access must change this list)', () => {
      expect(routeInventory(t).map(describeRoute).sort()).toEqual([
        'DELETE /admin/api-users/:id -> Brand.Manage',
        'DELETE /admin/contact-extensions -> ContactExtensions.Manage',
        'DELETE /admin/contacts/:contactKey -> Contacts.Manage',
        'DELETE /admin/extension-types/:id -> Brand.Manage',
        'GET /admin/api-users -> Brand.Manage',
        'GET /admin/api-users/:id -> Brand.Manage',
        'GET /admin/brand -> Brand.Read',
        'GET /admin/consent-history -> ContactExtensions.Read',
        'GET /admin/contact-extensions -> ContactExtensions.Read',
        'GET /admin/contacts -> Contacts.Read',
        'GET /admin/contacts/:contactKey -> Contacts.Read',
        'GET /admin/extension-types -> Brand.Read',
        'GET /admin/extension-types/:id -> Brand.Read',
        'GET /admin/operations -> ContactExtensions.Read',
        'GET /admin/operations/:id -> ContactExtensions.Read',
        'GET /admin/stats -> ContactExtensions.Read',
        'GET /health/live -> public',
        'GET /health/ready -> public',
        // public to the JWT guard: the controller checks its own METRICS_TOKEN (404 when unset)
        'GET /metrics -> public',
        'GET /rest/bulk/contact_extensions/jobs -> ContactExtensions.Read',
        'GET /rest/bulk/contact_extensions/jobs/:id -> ContactExtensions.Read',
        'GET /rest/bulk/contact_extensions/jobs/:id/errors -> ContactExtensions.Read',
        'GET /rest/bulk/contact_extensions/jobs/:id/errors.csv -> ContactExtensions.Read',
        'GET /rest/contact_extensions -> ContactExtensions.Read',
        'PATCH /admin/api-users/:id -> Brand.Manage',
        'PATCH /admin/brand -> Brand.Manage',
        'PATCH /admin/extension-types/:id -> Brand.Manage',
        'POST /admin/api-users -> Brand.Manage',
        'POST /admin/api-users/:id/disable -> Brand.Manage',
        'POST /admin/api-users/:id/enable -> Brand.Manage',
        'POST /admin/api-users/:id/rotate-secret -> Brand.Manage',
        'POST /admin/contact-extensions/bulk-delete -> ContactExtensions.Manage',
        'POST /admin/extension-types -> Brand.Manage',
        'POST /rest/bulk/async/contact_extensions -> ContactExtensions.Manage',
        'POST /rest/bulk/contact_extensions -> ContactExtensions.Manage',
        'POST /rest/bulk/contact_extensions/jobs -> ContactExtensions.Manage',
        'POST /rest/bulk/contact_extensions/jobs/:id/cancel -> ContactExtensions.Manage',
        'POST /rest/bulk/contacts -> Contacts.Manage',
        'POST /rest/login -> public',
        'PUT /rest/bulk/contact_extensions/jobs/:id/data -> ContactExtensions.Manage',
      ]);
    });

    it('has every non-public route declare exactly one known permission, and no public route declare one', () => {
      const routes = routeInventory(t);
      expect(routes.length).toBeGreaterThan(0);
      expect(routes.filter((r) => r.access === undefined).map(describeRoute)).toEqual([]);
      expect(routes.filter((r) => r.conflicting).map(describeRoute)).toEqual([]);
      expect(routes.filter((r) => r.access !== 'public' && !isPermission(r.access)).map(describeRoute)).toEqual([]);
    });

    it('serves no route outside the controllers except the API documentation (nothing bypasses the guards)', () => {
      interface Layer {
        route?: { path: string | string[]; methods: Record<string, boolean> };
      }
      const express = t.app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
      const stack = (express.router ?? express._router)?.stack ?? [];
      const served = stack.flatMap((layer) =>
        layer.route
          ? asList(layer.route.path).flatMap((path) => Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${path}`))
          : [],
      );
      expect(served.length).toBeGreaterThan(0);
      const isDocs = (route: string): boolean => /^GET \/docs(-json|-yaml|\/.*)?$/.test(route);
      const fromControllers = routeInventory(t).map((r) => `${r.method} ${r.path}`);
      expect([...new Set(served.filter((r) => !isDocs(r)))].sort()).toEqual([...new Set(fromControllers)].sort());
    });

    it('enforces each declared permission: no token gives 401, any other permission 403, the declared one passes the guards', async () => {
      const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
      // one user per set of permissions, however many routes share it (a login hashes: it is slow)
      const tokens = new Map<string, Promise<string>>();
      const tokenFor = (permissions: string[]): Promise<string> => {
        const key = [...permissions].sort().join();
        if (!tokens.has(key))
          tokens.set(
            key,
            tokenWith(brand, permissions).then((u) => u.token),
          );
        return tokens.get(key)!;
      };
      for (const route of routeInventory(t).filter((r) => r.access !== 'public')) {
        // an id no row has: should a route ignore the brand, it still touches nothing of other tests
        const path = route.path.replace(/:[^/]+/g, '2147483000');
        const call = (token?: string) => {
          const req = t.http[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path);
          return token ? req.set('Authorization', bearer(token)) : req;
        };
        expectErrorAnswer(await call(), UNAUTHENTICATED_BODY, { route: describeRoute(route) });
        for (const token of [await tokenFor([]), await tokenFor(allBut(route.access!))]) {
          expectErrorAnswer(await call(token), FORBIDDEN_BODY, { route: describeRoute(route) });
        }
        const allowed = await call(await tokenFor([route.access!]));
        // the request itself may still be refused (no body, no query), but not by the guards
        expect({ route: describeRoute(route), refusedByGuards: [401, 403].includes(allowed.status) }).toEqual({
          route: describeRoute(route),
          refusedByGuards: false,
        });
      }
    }, 120_000);
  });

  describe('POST /rest/bulk/contact_extensions', () => {
    it('answers 403 FORBIDDEN, and writes nothing, to a user holding every permission but ContactExtensions.Manage', async () => {
      const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
      const { token } = await tokenWith(brand, allBut(MANAGE));
      const res = await bulk(token);
      expectErrorAnswer(res, FORBIDDEN_BODY);
      await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([]);
    });

    it('answers 403 FORBIDDEN to a user without any permission', async () => {
      const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
      const { token } = await tokenWith(brand, []);
      expectErrorAnswer(await bulk(token), FORBIDDEN_BODY);
    });

    it('answers 403 before looking at the body: a user without the permission learns nothing about it', async () => {
      const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
      const { token } = await tokenWith(brand, [READ]);
      expectErrorAnswer(await bulk(token, { columns: 'nonsense', extra: true }), FORBIDDEN_BODY);
    });
  });

  describe('GET /rest/contact_extensions', () => {
    it('answers 403 FORBIDDEN to a user holding every permission but ContactExtensions.Read', async () => {
      const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
      await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
      const { token } = await tokenWith(brand, allBut(READ));
      expectErrorAnswer(await list(token), FORBIDDEN_BODY);
    });

    it('answers 403 FORBIDDEN to a user without any permission', async () => {
      const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
      const { token } = await tokenWith(brand, []);
      expectErrorAnswer(await list(token), FORBIDDEN_BODY);
    });
  });

  it('grants with ContactExtensions.Manage alone the bulk upsert and not the list', async () => {
    const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
    const { token } = await tokenWith(brand, [MANAGE]);
    const res = await bulk(token).expect(200);
    expect(res.body).toMatchObject({ total: 1, inserted: 1, failed: 0 });
    expectErrorAnswer(await list(token), FORBIDDEN_BODY);
  });

  it('grants with ContactExtensions.Read alone the list and not the bulk upsert', async () => {
    const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
    await insertExtensions(t.dataSource, brand.id, [{ contact_key: 'c1', address: 'a@b.com', channel: 'E' }]);
    const { token } = await tokenWith(brand, [READ]);
    const res = await list(token).expect(200);
    expect(res.body.items).toEqual([expect.objectContaining({ contact_key: 'c1', address: 'a@b.com' })]);
    expectErrorAnswer(await bulk(token), FORBIDDEN_BODY);
    await expect(extensionsOf(t.dataSource, brand.id)).resolves.toEqual([expect.objectContaining({ address: 'a@b.com' })]);
  });

  it('matches permission strings exactly (no case folding, no trimming)', async () => {
    const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
    const { token } = await tokenWith(brand, [MANAGE.toLowerCase(), ` ${READ}`, `${READ} `, 'ContactExtensions.*', '*']);
    expectErrorAnswer(await bulk(token), FORBIDDEN_BODY);
    expectErrorAnswer(await list(token), FORBIDDEN_BODY);
  });

  it('reads the permissions from the database on every request, not from the token', async () => {
    const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
    const { id, token } = await tokenWith(brand, [READ]);
    await list(token).expect(200);
    await t.dataSource.query('UPDATE api_user SET permissions = $2 WHERE id = $1', [id, [MANAGE]]);
    expectErrorAnswer(await list(token), FORBIDDEN_BODY);
    await bulk(token).expect(200);
  });

  it('answers 401, not 403, to an invalid token of a user without the permission (authentication comes first)', async () => {
    const brand = await createBrand(t.dataSource, { contacts: ['c1'] });
    const { id, token } = await tokenWith(brand, []);
    await t.dataSource.query('UPDATE api_user SET active = false WHERE id = $1', [id]);
    expectErrorAnswer(await bulk(token), UNAUTHENTICATED_BODY);
    expectErrorAnswer(await list(token), UNAUTHENTICATED_BODY);
  });
});
