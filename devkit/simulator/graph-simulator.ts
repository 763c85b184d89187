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
import { GraphHttpError, badRequest, errorBody, licenseRequired, notConsented, tooManyRequests, unauthorized } from './errors.js';
import type { SimulatorFaultRule } from './faults.js';
import { type FaultOutcome, FaultInjector, parseFaults } from './faults.js';
import type { FilterNode } from './filter.js';
import { compileFilter, evaluateFilter } from './filter.js';
import type { RawQuery } from './query.js';
import { applySelect, nextLinkFor, pageSize, parseQueryOptions, parseRawQuery, peekPage, rawOption } from './query.js';
import type { ApiVersion, Route, RouteContext } from './routes.js';
import { API_VERSIONS, matchRoute } from './routes.js';
import type { Item } from './tenant.js';
import { TenantIndex } from './tenant.js';
import type { ThrottleClass } from './throttle.js';
import { type AuditLatency, ChangeTracker } from './changes.js';
import { deltaAnswer } from './delta.js';
import { type TenantEdit, applyEdits, parseEdits } from './edits.js';
import { THROTTLE_CLASSES, Throttle, directoryCost } from './throttle.js';

export const DEFAULT_SIMULATOR_TOKEN = 'simulated-graph-token';
export const MAX_BATCH_REQUESTS = 20;

/** One simulated tenant of a multi-tenant simulator: its own data, throttling budgets, faults and audit log. */
export interface SimulatedTenantSpec {
  /** The tenant id the token stands for; when it differs from `fixture.tenantId`, the fixture is served under this id. */
  tenantId: string;
  /** Already validated (parseTenantFixture). */
  fixture: TenantFixture;
  /** Fault rules from the start (as setFaults(rules, tenantId)). */
  faults?: SimulatorFaultRule[];
  /** false: the app is not consented in this tenant: every Graph call answers 403 Authorization_RequestDenied. Default true. */
  consent?: boolean;
  /** This tenant's bearer token; default `simulated-graph-token.<tenantId>` (tokenFor gives it). */
  token?: string;
}

export interface GraphSimulatorOptions {
  /** The single tenant of today's simulator (already validated, parseTenantFixture); its token is `token`. */
  fixture?: TenantFixture;
  /** More tenants on the same server (or all of them, without `fixture`); the bearer token picks the tenant. */
  tenants?: readonly SimulatedTenantSpec[];
  /** Default 0 = any free port; the host is always 127.0.0.1. */
  port?: number;
  /** The bearer token of `fixture`'s tenant; default 'simulated-graph-token'. */
  token?: string;
  /** Clock for the tenant's data: which schedule instances are current, which sign-ins have happened. */
  now?: () => Date;
  /** Enforce Graph's request budgets (per tenant: Graph's budgets are per app per tenant); `timeScale` 10 makes every window 10x shorter. Default off. */
  throttle?: { timeScale: number } | false;
  /** Added to every HTTP response (a `$batch` answer is one response). Default 0. */
  latencyMs?: number;
  /** How late the directory audit log shows an event (seconds, or Learn's documented distribution). Default 0. */
  auditLatency?: AuditLatency;
  /** How long a delta link stays valid, hours (Graph: 7 days for directory objects). Default 168. */
  deltaLifetimeHours?: number;
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
  /** Requests a `hang` fault left unanswered until their client went away (counted once the client has gone). */
  hung: number;
}

export interface GraphSimulator {
  /** e.g. http://127.0.0.1:53211 (no trailing slash); Graph paths are url + '/v1.0/...' and '/beta/...'. */
  url: string;
  /** The default tenant's token (`fixture`'s, else the first of `tenants`). */
  token: string;
  /** The tenant ids served, in the order given (`fixture`'s first). */
  tenantIds(): string[];
  /** The bearer token of a tenant; throws for a tenant the simulator does not serve. */
  tokenFor(tenantId: string): string;
  /**
   * Swap a tenant's data (caches are rebuilt; throttling state and stats are kept). What changed is written to
   * the directory audit log and the delta change log at the simulated time, as the directory would. Without
   * `tenantId`: the default tenant (an error when several tenants were given without `fixture`).
   */
  setFixture(fixture: TenantFixture, tenantId?: string): void;
  /** Change a tenant by edits (edits.ts), recorded like setFixture. */
  edit(edits: readonly TenantEdit[], tenantId?: string): void;
  /** The simulated time, shared by every tenant; `setNow` fixes it (null: follow the `now` option again). */
  now(): Date;
  setNow(at: Date | null): void;
  /** Replace the fault rules (their counters restart) of one tenant, or without `tenantId` of every tenant. */
  setFaults(rules: SimulatorFaultRule[], tenantId?: string): void;
  /** Grant (true) or withdraw (false) the app's consent in a tenant: without it every Graph call answers 403. */
  setConsent(consent: boolean, tenantId: string): void;
  /** Serve one more tenant (its token works from now on). */
  addTenant(spec: SimulatedTenantSpec): void;
  /** Stop serving a tenant: its token gets 401 from now on. */
  removeTenant(tenantId: string): void;
  /** Counters of one tenant, or without `tenantId` of the whole server (requests with a bad token included). */
  stats(tenantId?: string): SimulatorStats;
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
    hung: 0,
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

/** The sum of several tenants' counters (the server-wide view). */
function sumStats(all: readonly SimulatorStats[]): SimulatorStats {
  const sum = emptyStats();
  const add = <K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void => {
    for (const [k, v] of Object.entries(from) as Array<[K, number]>) into[k] = (into[k] ?? 0) + v;
  };
  for (const s of all) {
    sum.totalRequests += s.totalRequests;
    sum.graphRequests += s.graphRequests;
    sum.batchInnerRequests += s.batchInnerRequests;
    sum.throttled429 += s.throttled429;
    sum.hung += s.hung;
    add(sum.byEndpoint, s.byEndpoint);
    add(sum.byThrottleClass, s.byThrottleClass);
    add(sum.throttledByClass, s.throttledByClass);
    add(sum.byStatus, s.byStatus);
  }
  return sum;
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

/** One tenant's state: Graph keeps data, budgets (per app per tenant) and the audit log per tenant. */
class SimulatedTenant {
  index: TenantIndex;
  readonly faults = new FaultInjector();
  faultRules: SimulatorFaultRule[] = [];
  counters = emptyStats();
  readonly changes: ChangeTracker;
  readonly throttle: Throttle | null;

  constructor(
    readonly tenantId: string,
    readonly token: string,
    fixture: TenantFixture,
    public consent: boolean,
    options: GraphSimulatorOptions,
  ) {
    this.index = new TenantIndex(fixture);
    this.changes = new ChangeTracker({ latency: options.auditLatency ?? 0, deltaLifetimeMs: (options.deltaLifetimeHours ?? 168) * 3_600_000 });
    this.throttle = options.throttle ? new Throttle(options.throttle.timeScale) : null;
  }

  setFaults(rules: readonly SimulatorFaultRule[]): void {
    this.faults.set(rules);
    this.faultRules = [...rules];
  }
}

/** Ends a hung request's handling once its client has gone; never answered, never counted as a status. */
class ClientGone extends Error {
  constructor() {
    super('The client closed the connection while the tenant hung.');
    this.name = 'ClientGone';
  }
}

/** The tenant a request is for (from its token) and the signal that fires when its client goes away. */
interface RequestScope {
  t: SimulatedTenant;
  signal: AbortSignal;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

class SimulatorServer {
  private readonly tenants = new Map<string, SimulatedTenant>();
  private readonly byToken = new Map<string, SimulatedTenant>();
  /** Requests no tenant answers for (missing or unknown token). */
  private anonymous = emptyStats();
  private readonly defaultTenantId: string | null;
  private readonly clock: () => Date;
  private fixedNow: Date | null = null;
  readonly server: Server;
  url = '';

  constructor(private readonly options: GraphSimulatorOptions) {
    this.clock = options.now ?? (() => new Date());
    if (options.fixture) this.addTenant({ tenantId: options.fixture.tenantId, fixture: options.fixture, token: options.token ?? DEFAULT_SIMULATOR_TOKEN });
    for (const spec of options.tenants ?? []) this.addTenant(spec);
    if (this.tenants.size === 0) throw new Error('startGraphSimulator: give a fixture or at least one entry in tenants');
    this.defaultTenantId = options.fixture ? options.fixture.tenantId : this.tenants.size === 1 ? [...this.tenants.values()][0]!.tenantId : null;
    const latencyMs = options.latencyMs ?? 0;
    this.server = createServer((req, res) => {
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      this.handle(req, gone.signal)
        .then(async (answer) => {
          if (latencyMs > 0) await sleep(latencyMs);
          this.write(req, res, answer);
        })
        .catch((error: unknown) => {
          this.write(req, res, this.errorAnswer(new GraphHttpError(500, 'generalException', error instanceof Error ? error.message : String(error))));
        });
    });
  }

  // ------------------------------------------------------------------------------------- tenants

  addTenant(spec: SimulatedTenantSpec): void {
    if (typeof spec.tenantId !== 'string' || spec.tenantId.trim() === '') throw new Error('tenants[].tenantId: expected a non-empty tenant id');
    if (this.find(spec.tenantId)) throw new Error(`tenants: the tenant ${spec.tenantId} is given twice`);
    const token = spec.token ?? `${DEFAULT_SIMULATOR_TOKEN}.${spec.tenantId.toLowerCase()}`;
    if (this.byToken.has(token)) throw new Error(`tenants: the token of ${spec.tenantId} is already another tenant's`);
    const fixture = spec.fixture.tenantId === spec.tenantId ? spec.fixture : { ...spec.fixture, tenantId: spec.tenantId };
    const t = new SimulatedTenant(spec.tenantId, token, fixture, spec.consent ?? true, this.options);
    if (spec.faults) t.setFaults(spec.faults);
    this.tenants.set(spec.tenantId.toLowerCase(), t);
    this.byToken.set(token, t);
  }

  removeTenant(tenantId: string): void {
    const t = this.tenant(tenantId);
    this.tenants.delete(t.tenantId.toLowerCase());
    this.byToken.delete(t.token);
    // Its counters stay in the server-wide stats.
    this.anonymous = sumStats([this.anonymous, t.counters]);
  }

  tenantIds(): string[] {
    return [...this.tenants.values()].map((t) => t.tenantId);
  }

  private find(tenantId: string): SimulatedTenant | undefined {
    return this.tenants.get(tenantId.toLowerCase());
  }

  /** A tenant by id; without an id the default tenant. */
  tenant(tenantId?: string): SimulatedTenant {
    const id = tenantId ?? this.defaultTenantId;
    if (id === null) throw new Error(`the simulator serves ${this.tenants.size} tenants: name the tenant (one of ${this.tenantIds().join(', ')})`);
    const t = this.find(id);
    if (!t) throw new Error(`the simulator does not serve the tenant ${id} (it serves ${this.tenantIds().join(', ') || 'none'})`);
    return t;
  }

  now(): Date {
    return this.fixedNow ?? this.clock();
  }

  setNow(at: Date | null): void {
    this.fixedNow = at;
  }

  setFixture(fixture: TenantFixture, tenantId?: string): void {
    const t = this.tenant(tenantId);
    const next = same(fixture.tenantId, t.tenantId) ? fixture : { ...fixture, tenantId: t.tenantId };
    t.changes.record(t.index.fixture, next, this.now());
    t.index = new TenantIndex(next);
  }

  edit(edits: readonly TenantEdit[], tenantId?: string): void {
    const t = this.tenant(tenantId);
    this.setFixture(applyEdits(t.index.fixture, edits, this.now()), t.tenantId);
  }

  setFaults(rules: SimulatorFaultRule[], tenantId?: string): void {
    const targets = tenantId === undefined ? [...this.tenants.values()] : [this.tenant(tenantId)];
    for (const t of targets) t.setFaults(rules);
  }

  stats(tenantId?: string): SimulatorStats {
    if (tenantId !== undefined) return cloneStats(this.tenant(tenantId).counters);
    return sumStats([this.anonymous, ...[...this.tenants.values()].map((t) => t.counters)]);
  }

  resetStats(): void {
    this.anonymous = emptyStats();
    for (const t of this.tenants.values()) t.counters = emptyStats();
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

  private errorAnswer(error: GraphHttpError): Answer {
    return { status: error.status, headers: { ...error.headers }, body: errorBody(error, new Date()) };
  }

  private async handle(req: IncomingMessage, signal: AbortSignal): Promise<Answer> {
    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
    const t = bearer ? this.byToken.get(bearer[1] as string) : undefined;
    const counters = t ? t.counters : this.anonymous;
    counters.totalRequests++;
    try {
      const body = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH' ? await readBody(req) : null;
      if (!bearer) return counted(counters, this.errorAnswer(unauthorized('Access token is empty.')));
      if (!t) return counted(counters, this.errorAnswer(unauthorized('Access token validation failure. Invalid audience.')));
      return await this.handleOuter(req, body, { t, signal });
    } catch (error) {
      if (error instanceof GraphHttpError) return counted(counters, this.errorAnswer(error));
      throw error;
    }
  }

  private async handleOuter(req: IncomingMessage, body: Buffer | null, scope: RequestScope): Promise<Answer> {
    const { t } = scope;
    const { pathname, search } = splitTarget(req.url ?? '/');
    // The control endpoints (not Graph), with a tenant's bearer token: fault rules, the clock, tenant edits.
    if (pathname.startsWith('/_simulator/')) return this.control(pathname, search, req.method ?? 'GET', body, t);
    if (!t.consent) return counted(t.counters, this.errorAnswer(notConsented()));
    let segments: string[];
    try {
      segments = decodeSegments(pathname);
    } catch (error) {
      return counted(t.counters, this.errorAnswer(error as GraphHttpError));
    }
    const version = segments[0];
    if (!API_VERSIONS.includes(version as ApiVersion)) {
      return counted(t.counters, this.errorAnswer(badRequest(`Invalid version: '${version ?? ''}'. Use /v1.0/ or /beta/.`)));
    }
    const rest = segments.slice(1);
    if (rest.length === 1 && rest[0]?.toLowerCase() === '$batch') {
      return counted(t.counters, await this.batch(req.method ?? 'GET', version as ApiVersion, search, body, scope));
    }
    return this.dispatch(req.method ?? 'GET', version as ApiVersion, rest, search, false, prefersUnknownEnums(req.headers.prefer), scope);
  }

  // ------------------------------------------------------------------------------- control endpoints

  /** `/_simulator/{faults,clock,edits}[?tenant=<id>]`: the tenant is `?tenant=` or the token's (`*`: every tenant, faults only). */
  private control(pathname: string, search: string, method: string, body: Buffer | null, own: SimulatedTenant): Answer {
    const named = new URLSearchParams(search).get('tenant');
    try {
      if (pathname === '/_simulator/clock') return this.clockControl(method, body);
      if (pathname === '/_simulator/tenants' && method === 'GET') return json(200, { value: this.tenantIds().map((id) => ({ tenantId: id, consent: this.tenant(id).consent })) });
      if (pathname === '/_simulator/faults' && named === '*') return this.faultControl(method, body, [...this.tenants.values()]);
      const t = named === null ? own : this.find(named);
      if (!t) return json(404, { error: { code: 'NotFound', message: `tenant=${named}: the simulator does not serve this tenant` } });
      if (pathname === '/_simulator/faults') return this.faultControl(method, body, [t]);
      if (pathname === '/_simulator/edits') return this.editControl(method, body, t);
      return json(404, { error: { code: 'NotFound', message: `${pathname}: expected /_simulator/faults, /_simulator/clock, /_simulator/edits or /_simulator/tenants` } });
    } catch (error) {
      return json(400, { error: { code: 'BadRequest', message: (error as Error).message } });
    }
  }

  private faultControl(method: string, body: Buffer | null, targets: SimulatedTenant[]): Answer {
    if (method === 'GET') return json(200, targets.length === 1 ? { value: targets[0]!.faultRules } : { value: targets.map((t) => ({ tenantId: t.tenantId, rules: t.faultRules })) });
    if (method !== 'PUT') return json(405, { error: { code: 'MethodNotAllowed', message: 'GET or PUT /_simulator/faults' } });
    const rules = parseFaults(body?.toString('utf8') ?? '');
    for (const t of targets) t.setFaults(rules);
    return json(200, { value: rules });
  }

  private clockControl(method: string, body: Buffer | null): Answer {
    if (method === 'GET') return json(200, { now: this.now().toISOString(), fixed: this.fixedNow !== null });
    if (method !== 'PUT') return json(405, { error: { code: 'MethodNotAllowed', message: 'GET or PUT /_simulator/clock' } });
    const value = JSON.parse(body?.toString('utf8') || '{}') as { now?: unknown };
    if (value.now === null) this.setNow(null);
    else {
      const at = typeof value.now === 'string' ? new Date(value.now) : new Date(Number.NaN);
      if (Number.isNaN(at.getTime())) throw new Error('now: expected an ISO date-time (or null to follow the real clock)');
      this.setNow(at);
    }
    return json(200, { now: this.now().toISOString(), fixed: this.fixedNow !== null });
  }

  private editControl(method: string, body: Buffer | null, t: SimulatedTenant): Answer {
    if (method !== 'POST') return json(405, { error: { code: 'MethodNotAllowed', message: 'POST /_simulator/edits' } });
    const edits = parseEdits(body?.toString('utf8') ?? '');
    const before = t.changes.events.length;
    this.edit(edits, t.tenantId);
    return json(200, { tenantId: t.tenantId, applied: edits.length, auditEvents: t.changes.events.slice(before).map((e) => ({ id: e.id, activityDisplayName: e.activityDisplayName, activityDateTime: e.activityDateTime, availableAt: new Date(e.availableAt).toISOString() })) });
  }

  // ---------------------------------------------------------------------------------------- $batch

  private async batch(method: string, version: ApiVersion, search: string, body: Buffer | null, scope: RequestScope): Promise<Answer> {
    const { t } = scope;
    t.counters.byEndpoint.batch = (t.counters.byEndpoint.batch ?? 0) + 1;
    try {
      if (method !== 'POST') throw new GraphHttpError(405, 'BadRequest', `The HTTP method '${method}' is not allowed on $batch; use POST.`);
      if (search !== '') throw badRequest('$batch takes no query options.');
      await this.applyFaults(t.faults.apply({ key: 'batch', target: `/${version}/$batch`, page: 1 }), scope);
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
          t.counters.graphRequests++;
          t.counters.batchInnerRequests++;
          answer = counted(t.counters, this.errorAnswer(new GraphHttpError(424, 'FailedDependency', `The request depends on '${String(failedDependency)}', which failed.`)));
        } else {
          answer = await this.inner(request, version, scope);
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

  private async inner(request: { method: string; url: string; headers?: Record<string, unknown> }, version: ApiVersion, scope: RequestScope): Promise<Answer> {
    const { counters } = scope.t;
    const url = request.url.trim();
    if (/^[a-z]+:\/\//i.test(url)) {
      counters.graphRequests++;
      counters.batchInnerRequests++;
      return counted(counters, this.errorAnswer(badRequest(`Batch request urls must be relative to /${version}/, not absolute: '${url}'.`)));
    }
    const { pathname, search } = splitTarget(url.startsWith('/') ? url : `/${url}`);
    let segments: string[];
    try {
      segments = decodeSegments(pathname);
    } catch (error) {
      counters.graphRequests++;
      counters.batchInnerRequests++;
      return counted(counters, this.errorAnswer(error as GraphHttpError));
    }
    const prefer = Object.entries(request.headers ?? {}).find(([k]) => k.toLowerCase() === 'prefer')?.[1];
    return this.dispatch(request.method.toUpperCase(), version, segments, search, true, prefersUnknownEnums(typeof prefer === 'string' ? prefer : undefined), scope);
  }

  // -------------------------------------------------------------------------------------- dispatch

  /** A fault's delay, hang (until the client goes away) or error. */
  private async applyFaults(outcome: FaultOutcome, scope: RequestScope): Promise<void> {
    if (outcome.delayMs > 0) await sleep(outcome.delayMs);
    if (outcome.hang) {
      await new Promise<void>((resolve) => {
        if (scope.signal.aborted) resolve();
        else scope.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      scope.t.counters.hung++;
      // Nobody is listening any more: no answer, none counted (write() drops whatever reaches a closed response).
      throw new ClientGone();
    }
    if (outcome.error) throw outcome.error;
  }

  /** Routes one Graph request (top-level or inside a `$batch`): faults, budget, then the data. */
  private async dispatch(method: string, version: ApiVersion, segments: string[], search: string, inner: boolean, unknownEnums: boolean, scope: RequestScope): Promise<Answer> {
    const { t } = scope;
    const { counters } = t;
    counters.graphRequests++;
    if (inner) counters.batchInnerRequests++;
    const match = matchRoute(version, segments);
    if (!match) {
      counters.byEndpoint.unknown = (counters.byEndpoint.unknown ?? 0) + 1;
      const known = segments.length > 0 ? segments.join('/') : '(none)';
      return counted(counters, this.errorAnswer(badRequest(`Resource not found for the segment '${known}'.`)));
    }
    const { route, params } = match;
    const info = ENDPOINTS[route.key];
    counters.byEndpoint[route.key] = (counters.byEndpoint[route.key] ?? 0) + 1;
    counters.byThrottleClass[info.throttleClass]++;
    try {
      if (method !== 'GET') {
        throw new GraphHttpError(405, 'Request_BadRequest', `The simulated tenant is read-only: '${method}' is not supported on this resource.`);
      }
      const raw = parseRawQuery(search);
      const pathForLinks = `/${version}/${segments.map(encodeURIComponent).join('/')}`;
      const target = raw.length > 0 ? `${pathForLinks}?${raw.map(([k, v]) => `${k}=${v}`).join('&')}` : pathForLinks;
      await this.applyFaults(t.faults.apply({ key: route.key, target, page: peekPage(raw) }), scope);
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
        admit(t, info.throttleClass, cost);
      } else admit(t, info.throttleClass, 1);
      const body = route.kind === 'delta' ? deltaAnswer({ resource: route.delta, raw, tenant: t.index, changes: t.changes, now: this.now().getTime(), linkBase: `${this.url}${pathForLinks}` }) : this.respond(route, version, params, raw, pathForLinks, unknownEnums, t);
      return counted(counters, { status: 200, headers, body });
    } catch (error) {
      if (error instanceof GraphHttpError) return counted(counters, this.errorAnswer(error));
      throw error;
    }
  }

  private respond(route: Exclude<Route, { kind: 'delta' }>, version: ApiVersion, params: Record<string, string>, raw: RawQuery, pathForLinks: string, unknownEnums: boolean, t: SimulatedTenant): Record<string, unknown> {
    const tenant = t.index;
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
    const ctx: RouteContext = { version, params, options, filter, tenant, now: this.now(), unknownEnums, changes: t.changes };
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

function counted(counters: SimulatorStats, answer: Answer): Answer {
  const key = String(answer.status);
  counters.byStatus[key] = (counters.byStatus[key] ?? 0) + 1;
  if (answer.status === 429) counters.throttled429++;
  return answer;
}

function json(status: number, value: unknown): Answer {
  return { status, headers: { 'content-type': 'application/json' }, body: value };
}

/** The tenant's own budget for this class (no budgets: always admitted). */
function admit(t: SimulatedTenant, cls: ThrottleClass, cost: number): void {
  if (!t.throttle) return;
  const decision = t.throttle.check(cls, cost);
  if (decision.ok) return;
  t.counters.throttledByClass[cls]++;
  throw tooManyRequests(decision.retryAfterSeconds);
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
  const sim = new SimulatorServer(options);
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
    token: sim.tenant(sim.tenantIds()[0]).token,
    tenantIds: () => sim.tenantIds(),
    tokenFor: (tenantId) => sim.tenant(tenantId).token,
    setFixture: (fixture, tenantId) => sim.setFixture(fixture, tenantId),
    edit: (edits, tenantId) => sim.edit(edits, tenantId),
    now: () => sim.now(),
    setNow: (at) => sim.setNow(at),
    setFaults: (rules, tenantId) => sim.setFaults(rules, tenantId),
    setConsent: (consent, tenantId) => {
      sim.tenant(tenantId).consent = consent;
    },
    addTenant: (spec) => sim.addTenant(spec),
    removeTenant: (tenantId) => sim.removeTenant(tenantId),
    stats: (tenantId) => sim.stats(tenantId),
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
