// The simulated Microsoft Graph tenant: a Graph-compatible HTTP server on loopback that serves a tenant
// fixture (format version 1) at the real v1.0 / beta paths the collectors call, with Graph's paging,
// query options, errors, `$batch`, switchable faults and (optionally) Graph's throttling budgets.
// docs/simulator.md describes what it serves; the pieces live in ./simulator/.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TenantFixture } from '../fixture/format.js';
import type { EndpointKey } from './endpoints.js';
import { ENDPOINTS } from './endpoints.js';
import { GraphHttpError, badRequest, errorBody, licenseRequired, tooManyRequests, unauthorized } from './errors.js';
import type { SimulatorFaultRule } from './faults.js';
import { FaultInjector, parseFaults } from './faults.js';
import type { FilterNode } from './filter.js';
import { compileFilter, evaluateFilter } from './filter.js';
import type { RawQuery } from './query.js';
import { applySelect, nextLinkFor, pageSize, parseQueryOptions, parseRawQuery, peekPage, rawOption } from './query.js';
import type { ApiVersion, Route, RouteContext } from './routes.js';
import { API_VERSIONS, matchRoute } from './routes.js';
import type { Item } from './tenant.js';
import { TenantIndex } from './tenant.js';
import type { ThrottleClass } from './throttle.js';
import { THROTTLE_CLASSES, Throttle, directoryCost } from './throttle.js';

export const DEFAULT_SIMULATOR_TOKEN = 'simulated-graph-token';
export const MAX_BATCH_REQUESTS = 20;

export interface GraphSimulatorOptions {
  /** Already validated (parseTenantFixture). */
  fixture: TenantFixture;
  /** Default 0 = any free port; the host is always 127.0.0.1. */
  port?: number;
  /** The bearer token every request must carry; default 'simulated-graph-token'. */
  token?: string;
  /** Clock for the tenant's data: which schedule instances are current, which sign-ins have happened. */
  now?: () => Date;
  /** Enforce Graph's request budgets; `timeScale` 10 makes every window 10x shorter. Default off. */
  throttle?: { timeScale: number } | false;
  /** Added to every HTTP response (a `$batch` answer is one response). Default 0. */
  latencyMs?: number;
}

export interface SimulatorStats {
  /** HTTP requests received (a `$batch` POST counts once). */
  totalRequests: number;
  /** Graph requests routed: HTTP requests other than `$batch`, plus every request inside a `$batch`. */
  graphRequests: number;
  /** Requests that arrived inside a `$batch`. */
  batchInnerRequests: number;
  /** Routed requests per endpoint key (inner batch requests under their own key; `batch` = the POSTs; `unknown` = no route). */
  byEndpoint: Partial<Record<EndpointKey | 'unknown', number>>;
  /** Routed requests per throttle class, admitted or not. */
  byThrottleClass: Record<ThrottleClass, number>;
  /** 429 answers sent, from budgets and from fault rules, inner batch answers included. */
  throttled429: number;
  /** 429 answers from the throttling budgets only, per class. */
  throttledByClass: Record<ThrottleClass, number>;
  /** Answers per HTTP status (inner batch answers included, `$batch` envelopes too). */
  byStatus: Record<string, number>;
}

export interface GraphSimulator {
  /** e.g. http://127.0.0.1:53211 (no trailing slash); Graph paths are url + '/v1.0/...' and '/beta/...'. */
  url: string;
  token: string;
  /** Swap the tenant data (caches are rebuilt; throttling state and stats are kept). */
  setFixture(fixture: TenantFixture): void;
  /** Replace the fault rules (their counters restart). */
  setFaults(rules: SimulatorFaultRule[]): void;
  stats(): SimulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

function emptyStats(): SimulatorStats {
  const perClass = (): Record<ThrottleClass, number> =>
    Object.fromEntries(THROTTLE_CLASSES.map((c) => [c, 0])) as Record<ThrottleClass, number>;
  return {
    totalRequests: 0,
    graphRequests: 0,
    batchInnerRequests: 0,
    byEndpoint: {},
    byThrottleClass: perClass(),
    throttled429: 0,
    throttledByClass: perClass(),
    byStatus: {},
  };
}

function cloneStats(stats: SimulatorStats): SimulatorStats {
  return {
    ...stats,
    byEndpoint: { ...stats.byEndpoint },
    byThrottleClass: { ...stats.byThrottleClass },
    throttledByClass: { ...stats.throttledByClass },
    byStatus: { ...stats.byStatus },
  };
}

/** Splits `/a/b%20c/` into decoded segments (a trailing slash is ignored). */
function decodeSegments(pathname: string): string[] {
  const parts = pathname.split('/').slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw badRequest(`The path segment '${p}' has an invalid percent-encoding.`);
    }
  });
}

function splitTarget(target: string): { pathname: string; search: string } {
  const q = target.indexOf('?');
  return q === -1 ? { pathname: target, search: '' } : { pathname: target.slice(0, q), search: target.slice(q + 1) };
}

class SimulatorServer {
  private tenant: TenantIndex;
  private readonly faults = new FaultInjector();
  private readonly throttle: Throttle | null;
  private counters = emptyStats();
  private readonly now: () => Date;
  readonly server: Server;
  url = '';

  constructor(
    options: GraphSimulatorOptions,
    readonly token: string,
  ) {
    this.tenant = new TenantIndex(options.fixture);
    this.now = options.now ?? (() => new Date());
    this.throttle = options.throttle ? new Throttle(options.throttle.timeScale) : null;
    const latencyMs = options.latencyMs ?? 0;
    this.server = createServer((req, res) => {
      this.handle(req)
        .then(async (answer) => {
          if (latencyMs > 0) await sleep(latencyMs);
          this.write(req, res, answer);
        })
        .catch((error: unknown) => {
          this.write(req, res, this.errorAnswer(new GraphHttpError(500, 'generalException', error instanceof Error ? error.message : String(error))));
        });
    });
  }

  setFixture(fixture: TenantFixture): void {
    this.tenant = new TenantIndex(fixture);
  }

  private faultRules: SimulatorFaultRule[] = [];

  setFaults(rules: SimulatorFaultRule[]): void {
    this.faults.set(rules);
    this.faultRules = [...rules];
  }

  stats(): SimulatorStats {
    return cloneStats(this.counters);
  }

  resetStats(): void {
    this.counters = emptyStats();
  }

  // ------------------------------------------------------------------------------------- HTTP layer

  private write(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
    if (res.headersSent || res.destroyed) return;
    const clientRequestId = req.headers['client-request-id'];
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'Content-Type': JSON_CONTENT_TYPE,
      'Cache-Control': 'no-cache',
      'request-id': randomUUID(),
      'client-request-id': typeof clientRequestId === 'string' ? clientRequestId : randomUUID(),
      ...answer.headers,
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  private count(status: number): void {
    const key = String(status);
    this.counters.byStatus[key] = (this.counters.byStatus[key] ?? 0) + 1;
    if (status === 429) this.counters.throttled429++;
  }

  private errorAnswer(error: GraphHttpError): Answer {
    return { status: error.status, headers: { ...error.headers }, body: errorBody(error, new Date()) };
  }

  private async handle(req: IncomingMessage): Promise<Answer> {
    this.counters.totalRequests++;
    try {
      return await this.handleOuter(req);
    } catch (error) {
      if (error instanceof GraphHttpError) return this.counted(this.errorAnswer(error));
      throw error;
    }
  }

  private async handleOuter(req: IncomingMessage): Promise<Answer> {
    const body = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH' ? await readBody(req) : null;
    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
    if (!bearer) return this.counted(this.errorAnswer(unauthorized('Access token is empty.')));
    if (bearer[1] !== this.token) {
      return this.counted(this.errorAnswer(unauthorized('Access token validation failure. Invalid audience.')));
    }
    const { pathname, search } = splitTarget(req.url ?? '/');
    // The control endpoint (not Graph): read or replace the fault rules, with the same bearer token.
    if (pathname === '/_simulator/faults') return this.faultControl(req.method ?? 'GET', body);
    let segments: string[];
    try {
      segments = decodeSegments(pathname);
    } catch (error) {
      return this.counted(this.errorAnswer(error as GraphHttpError));
    }
    const version = segments[0];
    if (!API_VERSIONS.includes(version as ApiVersion)) {
      return this.counted(this.errorAnswer(badRequest(`Invalid version: '${version ?? ''}'. Use /v1.0/ or /beta/.`)));
    }
    const rest = segments.slice(1);
    if (rest.length === 1 && rest[0]?.toLowerCase() === '$batch') {
      return this.counted(await this.batch(req.method ?? 'GET', version as ApiVersion, search, body));
    }
    return this.dispatch(req.method ?? 'GET', version as ApiVersion, rest, search, false, prefersUnknownEnums(req.headers.prefer));
  }

  private faultControl(method: string, body: Buffer | null): Answer {
    const json = (status: number, value: unknown): Answer => ({ status, headers: { 'content-type': 'application/json' }, body: value });
    if (method === 'GET') return json(200, { value: this.faultRules });
    if (method !== 'PUT') return json(405, { error: { code: 'MethodNotAllowed', message: 'GET or PUT /_simulator/faults' } });
    try {
      const rules = parseFaults(body?.toString('utf8') ?? '');
      this.setFaults(rules);
      return json(200, { value: rules });
    } catch (error) {
      return json(400, { error: { code: 'BadRequest', message: (error as Error).message } });
    }
  }

  private counted(answer: Answer): Answer {
    this.count(answer.status);
    return answer;
  }

  // ---------------------------------------------------------------------------------------- $batch

  private async batch(method: string, version: ApiVersion, search: string, body: Buffer | null): Promise<Answer> {
    this.counters.byEndpoint.batch = (this.counters.byEndpoint.batch ?? 0) + 1;
    try {
      if (method !== 'POST') throw new GraphHttpError(405, 'BadRequest', `The HTTP method '${method}' is not allowed on $batch; use POST.`);
      if (search !== '') throw badRequest('$batch takes no query options.');
      const outcome = this.faults.apply({ key: 'batch', target: `/${version}/$batch`, page: 1 });
      if (outcome.delayMs > 0) await sleep(outcome.delayMs);
      if (outcome.error) throw outcome.error;
      let payload: unknown;
      try {
        payload = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
      } catch {
        throw badRequest('Invalid batch payload format: the body is not JSON.');
      }
      const requests = (payload as { requests?: unknown } | null)?.requests;
      if (!Array.isArray(requests)) throw badRequest("Invalid batch payload format: expected an object with a 'requests' array.");
      if (requests.length === 0) throw badRequest('Invalid batch payload format: the batch has no requests.');
      if (requests.length > MAX_BATCH_REQUESTS) {
        throw badRequest(`The number of batch requests (${requests.length}) exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
      }
      const ids = new Set<string>();
      for (const [index, request] of requests.entries()) {
        const r = request as { id?: unknown; method?: unknown; url?: unknown };
        if (typeof r !== 'object' || r === null) throw badRequest(`Invalid batch payload format: requests[${index}] is not an object.`);
        if (typeof r.id !== 'string' || r.id === '') throw badRequest(`Invalid batch payload format: requests[${index}].id must be a non-empty string.`);
        if (ids.has(r.id)) throw badRequest(`Invalid batch payload format: request id '${r.id}' is used more than once.`);
        ids.add(r.id);
        if (typeof r.method !== 'string') throw badRequest(`Invalid batch payload format: requests[${index}].method is missing.`);
        if (typeof r.url !== 'string') throw badRequest(`Invalid batch payload format: requests[${index}].url is missing.`);
      }
      const statusById = new Map<string, number>();
      const responses: Array<{ id: string; status: number; headers: Record<string, string>; body: unknown }> = [];
      for (const request of requests as Array<{ id: string; method: string; url: string; dependsOn?: unknown; headers?: Record<string, unknown> }>) {
        let answer: Answer;
        const failedDependency = Array.isArray(request.dependsOn)
          ? request.dependsOn.find((dep) => typeof dep === 'string' && (statusById.get(dep) ?? 0) >= 400)
          : undefined;
        if (failedDependency !== undefined) {
          this.counters.graphRequests++;
          this.counters.batchInnerRequests++;
          answer = this.counted(this.errorAnswer(new GraphHttpError(424, 'FailedDependency', `The request depends on '${String(failedDependency)}', which failed.`)));
        } else {
          answer = await this.inner(request, version);
        }
        statusById.set(request.id, answer.status);
        responses.push({
          id: request.id,
          status: answer.status,
          headers: { 'Cache-Control': 'no-cache', 'Content-Type': JSON_CONTENT_TYPE, ...answer.headers },
          body: answer.body,
        });
      }
      return { status: 200, headers: {}, body: { responses } };
    } catch (error) {
      if (error instanceof GraphHttpError) return this.errorAnswer(error);
      throw error;
    }
  }

  private async inner(request: { method: string; url: string; headers?: Record<string, unknown> }, version: ApiVersion): Promise<Answer> {
    const url = request.url.trim();
    if (/^[a-z]+:\/\//i.test(url)) {
      this.counters.graphRequests++;
      this.counters.batchInnerRequests++;
      return this.counted(this.errorAnswer(badRequest(`Batch request urls must be relative to /${version}/, not absolute: '${url}'.`)));
    }
    const { pathname, search } = splitTarget(url.startsWith('/') ? url : `/${url}`);
    let segments: string[];
    try {
      segments = decodeSegments(pathname);
    } catch (error) {
      this.counters.graphRequests++;
      this.counters.batchInnerRequests++;
      return this.counted(this.errorAnswer(error as GraphHttpError));
    }
    const prefer = Object.entries(request.headers ?? {}).find(([k]) => k.toLowerCase() === 'prefer')?.[1];
    return this.dispatch(request.method.toUpperCase(), version, segments, search, true, prefersUnknownEnums(typeof prefer === 'string' ? prefer : undefined));
  }

  // -------------------------------------------------------------------------------------- dispatch

  /** Routes one Graph request (top-level or inside a `$batch`): faults, budget, then the data. */
  private async dispatch(method: string, version: ApiVersion, segments: string[], search: string, inner: boolean, unknownEnums: boolean): Promise<Answer> {
    this.counters.graphRequests++;
    if (inner) this.counters.batchInnerRequests++;
    const match = matchRoute(version, segments);
    if (!match) {
      this.counters.byEndpoint.unknown = (this.counters.byEndpoint.unknown ?? 0) + 1;
      const known = segments.length > 0 ? segments.join('/') : '(none)';
      return this.counted(this.errorAnswer(badRequest(`Resource not found for the segment '${known}'.`)));
    }
    const { route, params } = match;
    const info = ENDPOINTS[route.key];
    this.counters.byEndpoint[route.key] = (this.counters.byEndpoint[route.key] ?? 0) + 1;
    this.counters.byThrottleClass[info.throttleClass]++;
    try {
      if (method !== 'GET') {
        throw new GraphHttpError(405, 'Request_BadRequest', `The simulated tenant is read-only: '${method}' is not supported on this resource.`);
      }
      const raw = parseRawQuery(search);
      const pathForLinks = `/${version}/${segments.map(encodeURIComponent).join('/')}`;
      const target = raw.length > 0 ? `${pathForLinks}?${raw.map(([k, v]) => `${k}=${v}`).join('&')}` : pathForLinks;
      const outcome = this.faults.apply({ key: route.key, target, page: peekPage(raw) });
      if (outcome.delayMs > 0) await sleep(outcome.delayMs);
      if (outcome.error) throw outcome.error;
      const headers: Record<string, string> = {};
      if (info.throttleClass === 'directory') {
        const top = rawOption(raw, '$top');
        const cost = directoryCost(
          info.baseCost,
          rawOption(raw, '$select') !== undefined,
          rawOption(raw, '$expand') !== undefined,
          top !== undefined && /^\d+$/.test(top.trim()) ? Number(top) : undefined,
        );
        headers['x-ms-resource-unit'] = String(cost);
        if (this.throttle) this.admit(info.throttleClass, cost);
      } else if (this.throttle) this.admit(info.throttleClass, 1);
      const body = this.respond(route, version, params, raw, pathForLinks, unknownEnums);
      return this.counted({ status: 200, headers, body });
    } catch (error) {
      if (error instanceof GraphHttpError) return this.counted(this.errorAnswer(error));
      throw error;
    }
  }

  private admit(cls: ThrottleClass, cost: number): void {
    const decision = (this.throttle as Throttle).check(cls, cost);
    if (decision.ok) return;
    this.counters.throttledByClass[cls]++;
    throw tooManyRequests(decision.retryAfterSeconds);
  }

  private respond(route: Route, version: ApiVersion, params: Record<string, string>, raw: RawQuery, pathForLinks: string, unknownEnums: boolean): Record<string, unknown> {
    const tenant = this.tenant;
    if (ENDPOINTS[route.key].pim && !tenant.hasPim) throw licenseRequired();
    const options = parseQueryOptions(raw, {
      resource: route.resource,
      collection: route.kind === 'collection',
      page: route.kind === 'collection' ? route.page : undefined,
      filter: route.kind === 'collection' && route.filter !== undefined,
      select: route.select,
      expand: route.kind === 'collection' ? route.expand : [],
      count: route.kind === 'collection' && route.count === true,
    });
    const schema = route.kind === 'collection' ? route.filter : undefined;
    const filter: FilterNode | undefined = options.filterText !== undefined ? compileFilter(options.filterText, schema, route.resource) : undefined;
    const ctx: RouteContext = { version, params, options, filter, tenant, now: this.now(), unknownEnums };
    route.check?.(ctx);
    const contextUrl = `${this.url}/${version}/$metadata#${route.context}${options.select ? `(${options.select.join(',')})` : ''}`;
    if (route.kind === 'entity') {
      return { '@odata.context': contextUrl, ...applySelect(route.read(ctx), options.select, []) };
    }
    let items: readonly unknown[];
    if (filter && schema) {
      const run = (): readonly unknown[] => route.source(ctx).filter((item) => evaluateFilter(filter, item, schema));
      items = route.cacheable ? tenant.cached(`${route.key}\n${version}\n${JSON.stringify(params)}\n${unknownEnums}\n${options.filterText}`, run) : run();
    } else items = route.source(ctx);
    if (route.narrow) items = route.narrow(items, ctx);
    const size = pageSize(options, route.page);
    const offset = options.skip.offset;
    const value = items.slice(offset, offset + size).map((item) => {
      const served = route.project ? route.project(item, ctx) : (item as Item);
      return applySelect(served, options.select, route.navigation ?? []);
    });
    const body: Record<string, unknown> = { '@odata.context': contextUrl };
    if (options.count) body['@odata.count'] = items.length;
    if (offset + size < items.length) {
      body['@odata.nextLink'] = nextLinkFor(this.url, pathForLinks, raw, { offset: offset + size, page: options.skip.page + 1 });
    }
    body.value = value;
    return body;
  }
}

/** `Prefer: include-unknown-enum-members` (one of possibly several comma-separated preferences). */
function prefersUnknownEnums(header: string | string[] | undefined): boolean {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  return values.some((v) => v.split(',').some((p) => p.trim().toLowerCase() === 'include-unknown-enum-members'));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new GraphHttpError(413, 'RequestEntityTooLarge', `The request body exceeds ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the simulated tenant on 127.0.0.1 and resolves once it is listening. */
export async function startGraphSimulator(options: GraphSimulatorOptions): Promise<GraphSimulator> {
  const token = options.token ?? DEFAULT_SIMULATOR_TOKEN;
  const sim = new SimulatorServer(options, token);
  const { server } = sim;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  sim.url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: sim.url,
    token,
    setFixture: (fixture) => sim.setFixture(fixture),
    setFaults: (rules) => sim.setFaults(rules),
    stats: () => sim.stats(),
    resetStats: () => sim.resetStats(),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
