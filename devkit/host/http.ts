// The local HTTP front: http://127.0.0.1:<port>/api/<route> for every HTTP function, with function-key
// authentication like the Functions host (`?code=` or `x-functions-key`) and Graph-style JSON errors.
import { timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Logger } from '../../src/app/logger.js';
import type { FunctionApp, HttpRegistration } from './functions.js';

/** Matches a Functions route template (`history/{dataset}`, `check/{id?}`) against a path. */
export function matchRoute(template: string, pathname: string): Record<string, string> | undefined {
  const parts = template.split('/').filter(Boolean);
  const actual = pathname.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < Math.max(parts.length, actual.length); i++) {
    const p = parts[i];
    const a = actual[i];
    if (p === undefined) return undefined;
    const param = /^\{([^}:?]+)(?::[^}?]+)?(\?)?\}$/.exec(p);
    if (param) {
      if (a === undefined) {
        if (param[2]) continue;
        return undefined;
      }
      params[param[1] as string] = decodeURIComponent(a);
    } else if (a === undefined || p.toLowerCase() !== a.toLowerCase()) return undefined;
  }
  return params;
}

/** The largest request body the local host reads (the functions take small JSON bodies or none). */
export const MAX_BODY_BYTES = 1_000_000;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function keyMatches(given: string | null | undefined, key: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

function json(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
}

/** The function a request is for, with its route parameters. */
function route(functions: HttpRegistration[], method: string, path: string): { registration: HttpRegistration; params: Record<string, string> } | undefined {
  for (const registration of functions) {
    const methods = (registration.options.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase());
    const params = matchRoute(registration.options.route ?? registration.name, path);
    if (params && methods.includes(method)) return { registration, params };
  }
  return undefined;
}

/** A local-only control route (the simulated tenant's faults), beside the functions. */
export type AdminRoute = (method: string, body: string) => { status: number; body: unknown };

async function handle(app: FunctionApp, functionKey: string, req: IncomingMessage, res: ServerResponse, track: <T>(work: () => Promise<T>) => Promise<T>, admin?: AdminRoute): Promise<void> {
  const requestUrl = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  try {
    decodeURIComponent(requestUrl.pathname);
  } catch {
    return json(res, 400, 'BadRequest', 'the path has a malformed %-escape');
  }
  if (requestUrl.pathname === '/admin/simulator/faults') {
    const given = requestUrl.searchParams.get('code') ?? (req.headers['x-functions-key'] as string | undefined);
    if (!keyMatches(given, functionKey)) return json(res, 401, 'Unauthorized', 'missing or wrong function key: pass ?code=<key> or the x-functions-key header');
    if (!admin) return json(res, 404, 'NotFound', 'no simulated tenant is served (faults apply to a simulated tenant)');
    const answer = admin((req.method ?? 'GET').toUpperCase(), req.method === 'PUT' ? await readBody(req) : '');
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    return;
  }
  if (!requestUrl.pathname.startsWith('/api/')) return json(res, 404, 'NotFound', 'functions are under /api/');
  const method = (req.method ?? 'GET').toUpperCase();
  const match = route(app.https, method, requestUrl.pathname.replace(/^\/api\/?/, ''));
  if (!match) return json(res, 404, 'NotFound', `no function at ${requestUrl.pathname}`);
  if ((match.registration.options.authLevel ?? 'function') !== 'anonymous') {
    const given = requestUrl.searchParams.get('code') ?? (req.headers['x-functions-key'] as string | undefined);
    if (!keyMatches(given, functionKey)) return json(res, 401, 'Unauthorized', 'missing or wrong function key: pass ?code=<key> or the x-functions-key header');
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  const result = await track(() => app.invokeHttp(match.registration.name, { method, url: requestUrl.toString(), headers, params: match.params, ...(body !== undefined ? { body } : {}) }));
  res.writeHead(result.status, result.headers).end(result.body);
}

/** Serves the HTTP functions on 127.0.0.1:`port` (0: any free port); resolves once listening. */
export async function serveFunctions(app: FunctionApp, functionKey: string, port: number, log: Logger, track: <T>(work: () => Promise<T>) => Promise<T>, admin?: AdminRoute): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    handle(app, functionKey, req, res, track, admin).catch((e: unknown) => {
      if (e instanceof BodyTooLarge) {
        if (!res.headersSent) res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ error: { code: 'PayloadTooLarge', message: `the request body is over ${MAX_BODY_BYTES} bytes` } }));
        req.resume();
        return;
      }
      if ((e as { code?: string }).code === 'HOST_STOPPING') {
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '10' });
        res.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'the host is stopping' } }));
        return;
      }
      // The function key travels in the query string: never log it.
      log.error(`HTTP ${req.method} ${(req.url ?? '').replace(/([?&]code=)[^&]*/i, '$1***')}: ${(e as Error).stack ?? (e as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'InternalServerError', message: 'the function failed; see the host log' } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.keepAliveTimeout = 1000;
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}` };
}
