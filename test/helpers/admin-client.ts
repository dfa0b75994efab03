/**
 * The admin API as the tests call it, every request and every answer checked against the
 * server's own OpenAPI document (GET /admin/openapi.json) with @hyperjump/json-schema, whose
 * OpenAPI 3.1 dialect validates values against the schemas of an OpenAPI document:
 *
 * - every answer must be one the document lists for its operation and status, in shape;
 * - a request the document says is invalid (a path or query parameter, a body) must be refused
 *   by the server as the document says: 400 (or 401/413, which come first).
 *
 * A request the document accepts may still be refused by the server for reasons no schema can
 * say (a point outside the world, a malformed opId); that is fine, if the answer is documented.
 */
import { registerSchema, validate } from '@hyperjump/json-schema/openapi-3-1';
import { BASIC } from '@hyperjump/json-schema/experimental';

const DOCUMENT_ID = 'https://zone-server.test/admin/openapi.json';
const OPENAPI_3_1 = 'https://spec.openapis.org/oas/3.1/schema-base';
const METHODS = ['get', 'post', 'patch', 'delete'] as const;

export interface AdminAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly headers: Headers;
}

export interface AdminCallOptions {
  /** The bearer token; '' sends none. */
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

type Json = Record<string, unknown>;

let registered: Promise<Json> | undefined;

/** The document, fetched from the first server asked and registered once (every server serves the same). */
async function documentOf(base: string, token: string): Promise<Json> {
  registered ??= (async () => {
    const response = await fetch(`${base}/admin/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`GET /admin/openapi.json answered ${response.status}`);
    const document = (await response.json()) as Json;
    registerSchema(document as never, DOCUMENT_ID, OPENAPI_3_1);
    return document;
  })();
  return registered;
}

/** A JSON pointer into the document, as a URI fragment. */
function pointer(...segments: string[]): string {
  return `${DOCUMENT_ID}#/${segments.map((s) => encodeURIComponent(s.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`;
}

async function fits(location: string, value: unknown): Promise<string | undefined> {
  const output = await validate(location, value as never, BASIC);
  return output.valid ? undefined : JSON.stringify(output.errors?.slice(0, 4));
}

interface Operation {
  readonly template: string;
  readonly method: (typeof METHODS)[number];
  readonly definition: Json;
  readonly pathParameters: Record<string, string>;
  /** Parameters of the path item and the operation, as [pointer, definition]. */
  readonly parameters: [string, Json][];
}

function operationOf(document: Json, method: string, path: string): Operation | undefined {
  const paths = document.paths as Record<string, Json>;
  for (const [template, item] of Object.entries(paths)) {
    const names: string[] = [];
    const pattern = new RegExp(`^${template.replace(/\{([^}]+)\}/g, (_, name: string) => (names.push(name), '([^/]+)'))}$`);
    const match = pattern.exec(path);
    const lower = method.toLowerCase() as Operation['method'];
    if (!match || !METHODS.includes(lower) || !item[lower]) continue;
    const parameters: [string, Json][] = [
      ...((item.parameters as Json[] | undefined) ?? []).map((p, i): [string, Json] => [pointer('paths', template, 'parameters', String(i), 'schema'), p]),
      ...(((item[lower] as Json).parameters as Json[] | undefined) ?? []).map((p, i): [string, Json] => [pointer('paths', template, lower, 'parameters', String(i), 'schema'), p]),
    ];
    return { template, method: lower, definition: item[lower] as Json, pathParameters: Object.fromEntries(names.map((name, i) => [name, match[i + 1] as string])), parameters };
  }
  return undefined;
}

/** Why the document refuses the request, or undefined when it accepts it. */
async function requestProblem(operation: Operation, query: URLSearchParams, body: unknown): Promise<string | undefined> {
  for (const [location, parameter] of operation.parameters) {
    const value = parameter.in === 'path' ? operation.pathParameters[parameter.name as string] : parameter.in === 'query' ? (query.get(parameter.name as string) ?? undefined) : undefined;
    if (value === undefined) {
      if (parameter.required) return `missing ${parameter.in} parameter ${String(parameter.name)}`;
      continue;
    }
    const problem = await fits(location, value);
    if (problem) return `${String(parameter.name)}: ${problem}`;
  }
  for (const key of query.keys()) {
    if (!operation.parameters.some(([, p]) => p.in === 'query' && p.name === key)) return `unknown query parameter ${key}`;
  }
  const requestBody = operation.definition.requestBody as Json | undefined;
  if (body === undefined) return requestBody?.required ? 'the body is required' : undefined;
  if (!requestBody) return 'the operation takes no body';
  if (typeof body === 'string') return 'the body is not JSON';
  return fits(pointer('paths', operation.template, operation.method, 'requestBody', 'content', 'application/json', 'schema'), body);
}

/** Why the document does not allow this answer, or undefined when it does. */
async function answerProblem(operation: Operation | undefined, status: number, json: unknown): Promise<string | undefined> {
  // No operation: an unknown path or method, answered with the API's error shape.
  if (!operation) return status === 404 || status === 405 ? fits(pointer('components', 'schemas', 'Error'), json) : `status ${status} for a request no operation matches`;
  const responses = operation.definition.responses as Record<string, unknown>;
  if (!responses[String(status)]) return `status ${status} is not documented for ${operation.method.toUpperCase()} ${operation.template}`;
  return fits(pointer('paths', operation.template, operation.method, 'responses', String(status), 'content', 'application/json', 'schema'), json);
}

/**
 * Calls the admin API at `base` (http://host:port) and checks request and answer against the
 * document; throws when either breaks it. `body` a string: sent as it is (not JSON, say).
 */
export async function callAdmin(base: string, defaultToken: string, method: string, path: string, body?: unknown, options: AdminCallOptions = {}): Promise<AdminAnswer> {
  const document = await documentOf(base, defaultToken);
  const token = options.token ?? defaultToken;
  const url = new URL(path, base);
  const operation = operationOf(document, method, url.pathname);
  const refused = operation ? await requestProblem(operation, url.searchParams, body) : undefined;
  const response = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const json = (await response.json()) as Record<string, unknown>;
  const what = `${method} ${path} → ${response.status} ${JSON.stringify(json).slice(0, 300)}`;
  if (refused && ![400, 401, 413].includes(response.status)) throw new Error(`the OpenAPI document refuses ${method} ${path} (${refused}), but the server took it: ${what}`);
  const problem = await answerProblem(operation, response.status, json);
  if (problem) throw new Error(`the answer breaks the OpenAPI document: ${problem}; ${what}`);
  return { status: response.status, json, headers: response.headers };
}
