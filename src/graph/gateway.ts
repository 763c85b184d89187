// The one way the monitor talks to Microsoft Graph: @microsoft/microsoft-graph-client with a middleware
// chain of pacing (stay inside Graph's budgets instead of bouncing off 429s), the SDK's RetryHandler
// (Retry-After, exponential backoff), a timeout/5xx normaliser so the RetryHandler also retries timeouts and
// other 5xx on the failed request only, bearer tokens from an Azure credential, and request counting.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { type Context, type Middleware, Client, GraphError, HTTPMessageHandler, RetryHandler, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { type BudgetClass, Pacer, graphPath, resourceUnits } from './budgets.js';
import { budgetClass } from './endpoints.js';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** The token scope for a Graph endpoint: national clouds have their own Graph host (graph.microsoft.us, …). */
export function graphScope(baseUrl: string): string {
  const url = new URL(baseUrl);
  return url.protocol === 'https:' ? `${url.origin}/.default` : GRAPH_SCOPE;
}

export interface GatewayOptions {
  /** https://graph.microsoft.com, or the simulated tenant's loopback URL. */
  baseUrl: string;
  credential: TokenCredential;
  /** Pace requests to Graph's budgets; `timeScale` > 1 shrinks every window (simulator benches). */
  pacing: { timeScale: number } | false;
  maxConcurrency: number;
  timeoutMs: number;
  maxRetries: number;
  /** Base retry delay in seconds (RetryHandler's `delay`). */
  retryDelaySeconds: number;
}

export interface GatewayStats {
  /** HTTP requests sent, a $batch counting once. */
  httpRequests: number;
  /** Requests as Graph's throttling counts them: every $batch inner request counts. */
  graphRequests: number;
  retries: number;
  byClass: Record<BudgetClass, number>;
  byEndpoint: Record<string, number>;
}

export interface RequestCounts {
  graphRequests: number;
  httpRequests: number;
}

/** Requests made inside one tracked scope (one collector run), even when runs share the gateway in parallel. */
const tracking = new AsyncLocalStorage<RequestCounts>();

export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string,
  ) {
    super(`Graph ${status} ${code} on ${path}: ${message}`);
    this.name = 'GraphRequestError';
  }

  get isForbidden(): boolean {
    return this.status === 403;
  }

  get isLicenseError(): boolean {
    return /PremiumLicense|LicenseRequired|P2/i.test(`${this.code} ${this.message}`) && this.status >= 400 && this.status < 500 && this.status !== 404;
  }
}

export function toGraphError(error: unknown, path: string): GraphRequestError {
  if (error instanceof GraphRequestError) return error;
  if (error instanceof GraphError) {
    const original = error.headers?.get('x-original-status');
    return new GraphRequestError(original ? Number(original) : error.statusCode, error.code ?? 'Unknown', error.message, path);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GraphRequestError(0, 'NetworkError', message, path);
}

/** Short endpoint name for counting: the path with ids replaced. */
export function endpointKey(path: string): string {
  return path
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
    .replace(/\?.*$/, '');
}

class TokenMiddleware implements Middleware {
  private next?: Middleware;
  private token?: AccessToken;
  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
  ) {}
  async execute(context: Context): Promise<void> {
    if (!this.token || this.token.expiresOnTimestamp - Date.now() < 120_000) {
      const token = await this.credential.getToken(this.scope);
      if (!token) throw new Error('the credential returned no token for Microsoft Graph');
      this.token = token;
    }
    const headers = new Headers((context.options?.headers as ConstructorParameters<typeof Headers>[0]) ?? {});
    headers.set('Authorization', `Bearer ${this.token.token}`);
    context.options = { ...(context.options ?? {}), headers };
    await this.next?.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Paces each request (and each $batch inner request) through the budget it belongs to. */
class PacingMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly pacer: Pacer | undefined,
    private readonly stats: GatewayStats,
    private readonly slots: Semaphore,
  ) {}
  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const { path } = graphPath(url);
    const inner = path === '/$batch' ? batchInnerUrls(context) : [url];
    // A slot first, then the budget: a request admitted by the pacer must not then wait in a queue, or it
    // would reach Graph later than its admission and bunch up with the next window's requests.
    await this.slots.run(async () => {
      const answered: Array<() => void> = [];
      for (const innerUrl of inner) {
        const p = graphPath(innerUrl);
        const cls = budgetClass(p.path);
        this.stats.graphRequests++;
        const tracked = tracking.getStore();
        if (tracked) tracked.graphRequests++;
        this.stats.byClass[cls]++;
        const key = endpointKey(p.path);
        this.stats.byEndpoint[key] = (this.stats.byEndpoint[key] ?? 0) + 1;
        if (this.pacer) answered.push(await this.pacer.pace(cls, cls === 'directory' ? resourceUnits(p.path, p.query) : 1));
      }
      this.stats.httpRequests++;
      const tracked = tracking.getStore();
      if (tracked) tracked.httpRequests++;
      try {
        await this.next?.execute(context);
      } finally {
        for (const done of answered) done();
      }
    });
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

function batchInnerUrls(context: Context): string[] {
  const body = context.options?.body;
  if (typeof body !== 'string') return [];
  try {
    const parsed = JSON.parse(body) as { requests?: Array<{ url: string }> };
    return (parsed.requests ?? []).map((r) => r.url);
  } catch {
    return [];
  }
}

/** Turns timeouts and 5xx other than 503/504 into a 504 the RetryHandler retries; the real status travels in a header. */
class TransientMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly timeoutMs: number,
    private readonly stats: GatewayStats,
  ) {}
  async execute(context: Context): Promise<void> {
    if (context.options?.headers && new Headers(context.options.headers as ConstructorParameters<typeof Headers>[0]).has('Retry-Attempt')) this.stats.retries++;
    const signal = AbortSignal.timeout(this.timeoutMs);
    context.options = { ...(context.options ?? {}), signal };
    try {
      await this.next?.execute(context);
      // Read the body here, under the same timeout: a connection that stalls or breaks mid-body is retried like
      // one that never answered (the SDK would otherwise read it outside the retry chain).
      const response = context.response;
      if (response) {
        const body = await response.arrayBuffer();
        context.response = new Response(response.status === 204 || response.status === 304 ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
      }
    } catch (error) {
      if (isTransientNetworkError(error)) {
        const e = error as { name?: string; message?: string; cause?: { code?: string } };
        context.response = synthetic(504, 'Timeout', e.name === 'TimeoutError' || e.name === 'AbortError' ? `no complete answer within ${this.timeoutMs} ms` : `network error: ${e.cause?.code ?? e.message ?? 'unknown'}`);
        return;
      }
      throw error;
    }
    const status = context.response?.status ?? 0;
    if (status >= 500 && status !== 503 && status !== 504) {
      const text = await context.response?.text();
      context.response = synthetic(504, 'ServerError', `HTTP ${status}: ${text?.slice(0, 500) ?? ''}`, status);
    }
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);

/** Timeouts and connection failures (undici reports them as TypeError('fetch failed', { cause: { code } })). */
export function isTransientNetworkError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } } | null;
  if (!e) return false;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  if (e.cause?.code && TRANSIENT_CODES.has(e.cause.code)) return true;
  return e.cause?.name === 'TimeoutError' || e.cause?.name === 'SocketError';
}

function synthetic(status: number, code: string, message: string, original?: number): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (original) headers['x-original-status'] = String(original);
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers });
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export interface BatchResponse<T = unknown> {
  id: string;
  status: number;
  body: T;
  headers?: Record<string, string>;
}

export class GraphGateway {
  readonly stats: GatewayStats = {
    httpRequests: 0,
    graphRequests: 0,
    retries: 0,
    byClass: { reports: 0, conditionalAccess: 0, security: 0, directory: 0, unmetered: 0 },
    byEndpoint: {},
  };
  private readonly client: Client;

  constructor(readonly options: GatewayOptions) {
    const slots = new Semaphore(options.maxConcurrency);
    const pacing = new PacingMiddleware(options.pacing ? new Pacer(options.pacing.timeScale) : undefined, this.stats, slots);
    const retry = new RetryHandler(new RetryHandlerOptions(options.retryDelaySeconds, options.maxRetries));
    const transient = new TransientMiddleware(options.timeoutMs, this.stats);
    const token = new TokenMiddleware(options.credential, graphScope(options.baseUrl));
    const http = new HTTPMessageHandler();
    // Retry wraps pacing so every retry is paced again; the token is refreshed per attempt.
    retry.setNext(pacing);
    pacing.setNext(token);
    token.setNext(transient);
    transient.setNext(http);
    this.client = Client.initWithMiddleware({ baseUrl: options.baseUrl.replace(/\/$/, ''), defaultVersion: 'v1.0', middleware: retry });
  }

  /**
   * Splits an absolute URL (a nextLink) into version and path. The SDK only parses https:// URLs itself, and
   * following a link to another host would hand it our token, so anything but our base origin is refused.
   */
  private resolve(path: string, version: 'v1.0' | 'beta'): { path: string; version: string } {
    if (!/^https?:\/\//i.test(path)) return { path, version };
    const url = new URL(path);
    const base = new URL(this.options.baseUrl);
    if (url.origin !== base.origin) throw new GraphRequestError(0, 'ForeignLink', `refusing to follow a link to ${url.origin}`, path);
    const match = /^\/(v1\.0|beta)(\/.*)$/i.exec(url.pathname);
    if (!match) throw new GraphRequestError(0, 'BadLink', 'link without a Graph version segment', path);
    return { version: match[1] as string, path: `${match[2] as string}${url.search}` };
  }

  private request(path: string, version: 'v1.0' | 'beta') {
    const target = this.resolve(path, version);
    return this.client.api(target.path).version(target.version);
  }

  async get<T>(path: string, version: 'v1.0' | 'beta' = 'v1.0', headers?: Record<string, string>): Promise<T> {
    try {
      const request = this.request(path, version);
      if (headers) request.headers(headers);
      return (await request.get()) as T;
    } catch (error) {
      throw toGraphError(error, path);
    }
  }

  /** Runs `fn` with its own request counter (see requestCounts). */
  tracked<T>(fn: () => Promise<T>): Promise<T> {
    return tracking.run({ graphRequests: 0, httpRequests: 0 }, fn);
  }

  /** Requests so far in the current tracked scope, or of the whole gateway outside one. */
  requestCounts(): RequestCounts {
    const t = tracking.getStore() ?? this.stats;
    return { graphRequests: t.graphRequests, httpRequests: t.httpRequests };
  }

  /** Pages of a collection, following @odata.nextLink; a retry repeats only the failed page. `headers` go with every page. */
  async *pages<T>(path: string, version: 'v1.0' | 'beta' = 'v1.0', headers?: Record<string, string>): AsyncIterable<T[]> {
    let next: string | undefined = path;
    while (next) {
      const page: { value?: T[]; '@odata.nextLink'?: string } = await this.get(next, version, headers);
      yield page.value ?? [];
      next = page['@odata.nextLink'];
    }
  }

  async all<T>(path: string, version: 'v1.0' | 'beta' = 'v1.0'): Promise<T[]> {
    const out: T[] = [];
    for await (const page of this.pages<T>(path, version)) out.push(...page);
    return out;
  }

  /**
   * Sends GETs in JSON batches of 20. An inner 429/5xx is retried (in a later batch) after its Retry-After
   * or a backoff, up to maxRetries; other inner errors are returned as they are.
   */
  async batch<T>(requests: ReadonlyArray<{ id: string; url: string }>, version: 'v1.0' | 'beta' = 'v1.0'): Promise<Map<string, BatchResponse<T>>> {
    const results = new Map<string, BatchResponse<T>>();
    // Reports, Conditional Access and Security budgets count requests in short windows: a batch's inner requests all
    // arrive at once, so batching them saves nothing and would burst the window. Those go one by one.
    const windowed = requests.filter((r) => {
      const cls = budgetClass(graphPath(r.url).path);
      return cls === 'reports' || cls === 'conditionalAccess' || cls === 'security';
    });
    await Promise.all(
      windowed.map(async (r) => {
        try {
          results.set(r.id, { id: r.id, status: 200, body: await this.get<T>(r.url, version) });
        } catch (error) {
          const e = toGraphError(error, r.url);
          results.set(r.id, { id: r.id, status: e.status, body: { error: { code: e.code, message: e.message } } as T });
        }
      }),
    );
    let pending = requests.filter((r) => !windowed.includes(r));
    for (let attempt = 0; pending.length > 0; attempt++) {
      const retry: Array<{ id: string; url: string }> = [];
      let waitSeconds = 0;
      const chunks: Array<typeof pending> = [];
      for (let i = 0; i < pending.length; i += 20) chunks.push(pending.slice(i, i + 20));
      await Promise.all(
        chunks.map(async (chunk) => {
          const body = { requests: chunk.map((r) => ({ id: r.id, method: 'GET', url: r.url })) };
          let answer: { responses?: Array<BatchResponse<T>> };
          try {
            answer = (await this.request('/$batch', version).post(body)) as { responses?: Array<BatchResponse<T>> };
          } catch (error) {
            throw toGraphError(error, '/$batch');
          }
          for (const response of answer.responses ?? []) {
            const request = chunk.find((r) => r.id === response.id);
            const transient = response.status === 429 || response.status >= 500;
            if (transient && request && attempt < this.options.maxRetries) {
              retry.push(request);
              const after = Number(response.headers?.['Retry-After'] ?? response.headers?.['retry-after']);
              waitSeconds = Math.max(waitSeconds, Number.isFinite(after) && after > 0 ? after : Math.min(60, this.options.retryDelaySeconds * 2 ** attempt));
              this.stats.retries++;
            } else results.set(response.id, response);
          }
        }),
      );
      if (retry.length > 0) await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
      pending = retry;
    }
    return results;
  }
}

/** A credential that hands out a fixed token: the simulated tenant's. */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}
