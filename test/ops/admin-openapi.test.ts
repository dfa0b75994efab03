/**
 * The admin API's OpenAPI document: a valid OpenAPI 3.1 document (checked against the OpenAPI
 * 3.1 schema by @hyperjump/json-schema, which refuses a broken one), served behind the
 * credential, and describing exactly the routes the server has. Requests and answers of the admin
 * tests are validated against it by test/helpers/admin-client.ts.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { validate } from '@hyperjump/json-schema/openapi-3-1';
import { BASIC } from '@hyperjump/json-schema/experimental';
import { ADMIN_ROUTES } from '../../src/ops/admin-api.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.ts';

const OPENAPI_3_1 = 'https://spec.openapis.org/oas/3.1/schema-base';

let server: TestServer;
let document: Record<string, unknown>;
before(async () => {
  server = await startTestServer({ ZONES: '1' });
  document = (await server.adminCall('GET', '/admin/openapi.json')).json;
});
after(() => server.stop());

it('serves a valid OpenAPI 3.1 document, which the validator would refuse if it were broken', async () => {
  const output = await validate(OPENAPI_3_1, document as never, BASIC);
  assert.equal(output.valid, true, JSON.stringify(output.valid ? [] : output.errors?.slice(0, 5)));
  assert.equal(document.openapi, '3.1.0');
  const broken = { ...document, paths: { '/admin/zones': { get: { responses: { '200': { content: 'not an object' } } } } } };
  assert.equal((await validate(OPENAPI_3_1, broken as never)).valid, false, 'a broken document is refused');
  const { info, ...headless } = document;
  assert.ok(info);
  assert.equal((await validate(OPENAPI_3_1, headless as never)).valid, false, 'a document without info is refused');
});

it('serves the document only with the credential', async () => {
  const refused = await fetch(`http://127.0.0.1:${server.metricsPort}/admin/openapi.json`);
  assert.equal(refused.status, 401);
  const given = await fetch(`http://127.0.0.1:${server.metricsPort}/admin/openapi.json`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  assert.equal(given.headers.get('content-type'), 'application/json');
});

it('describes exactly the routes the server has: each operation one route, each route one operation', () => {
  const methods = ['get', 'post', 'patch', 'delete'];
  const operations: string[] = [];
  for (const [template, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
    for (const method of methods.filter((m) => item[m] !== undefined)) {
      const sample = template.replace(/\{[^}]+\}/g, '7');
      const routes = ADMIN_ROUTES.filter((route) => route.method === method.toUpperCase() && route.path.test(sample));
      assert.equal(routes.length, 1, `${method.toUpperCase()} ${template} is served by exactly one route`);
      const route = routes[0] as (typeof ADMIN_ROUTES)[number];
      const documented = item[method] as { requestBody?: unknown };
      assert.equal(documented.requestBody !== undefined, route.takesBody === true, `${method.toUpperCase()} ${template}: a body in the document if and only if the route reads one`);
      operations.push(`${method} ${template}`);
    }
  }
  assert.equal(operations.length, ADMIN_ROUTES.length, `every route is documented: ${operations.join(', ')}`);
});
