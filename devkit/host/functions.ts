// The function app as the Functions host sees it: every module in src/functions registers its timers and
// HTTP routes; here they are captured and invoked with the same request, timer and context objects.
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import azureFunctions from '@azure/functions';
import type { HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import type { Logger } from '../../src/app/logger.js';
import { type Registration, captureRegistrations } from '../../src/functions/lib/registry.js';

const { HttpRequest, InvocationContext: Context } = azureFunctions;

export type TimerRegistration = Extract<Registration, { kind: 'timer' }>;
export type HttpRegistration = Extract<Registration, { kind: 'http' }>;
export type QueueRegistration = Extract<Registration, { kind: 'queue' }>;

/** What the Functions host passes a queue trigger about the message (InvocationContext.triggerMetadata). */
export interface QueueMessageMetadata {
  id: string;
  dequeueCount: number;
  insertionTime: string;
  expirationTime: string;
  nextVisibleTime: string;
  popReceipt: string;
}

export interface HttpCall {
  method: string;
  url: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  body?: string;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Imports every module in the functions directory, as the Functions host loads `main`'s glob. */
async function loadFunctions(): Promise<Registration[]> {
  const registrations = captureRegistrations();
  if (registrations.length > 0) return registrations;
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/functions');
  const files = readdirSync(dir).filter((f) => (f.endsWith('.js') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))) && !f.endsWith('.map'));
  for (const file of files.sort()) await import(pathToFileURL(path.join(dir, file)).href);
  return registrations;
}

const TRIGGERS = { timer: { type: 'timerTrigger', name: 'timer' }, http: { type: 'httpTrigger', name: 'request' }, queue: { type: 'queueTrigger', name: 'queueItem' } } as const;

function contextFor(name: string, log: Logger, trigger: 'timer' | 'http' | 'queue', triggerMetadata?: Record<string, unknown>): InvocationContext {
  return new Context({
    invocationId: randomUUID(),
    functionName: name,
    ...(triggerMetadata ? { triggerMetadata } : {}),
    options: { trigger: TRIGGERS[trigger], extraInputs: [], extraOutputs: [] },
    logHandler: (level, ...args) => {
      const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      if (level === 'error' || level === 'critical') log.error(`${name}: ${text}`);
      else if (level === 'warning') log.warn(`${name}: ${text}`);
      else if (level === 'debug' || level === 'trace') log.debug(`${name}: ${text}`);
      else log.info(`${name}: ${text}`);
    },
  });
}

async function toHttpResult(result: unknown): Promise<HttpResult> {
  if (result instanceof azureFunctions.HttpResponse) {
    const headers: Record<string, string> = {};
    result.headers.forEach((v, k) => (headers[k] = v));
    return { status: result.status, headers, body: await result.text() };
  }
  const init = (result ?? {}) as HttpResponseInit;
  const headers: Record<string, string> = {};
  if (init.headers) new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).forEach((v, k) => (headers[k] = v));
  let body = '';
  if (init.jsonBody !== undefined) {
    body = JSON.stringify(init.jsonBody);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  } else if (typeof init.body === 'string') body = init.body;
  else if (init.body instanceof Uint8Array) body = Buffer.from(init.body).toString('utf8');
  return { status: init.status ?? 200, headers, body };
}

export class FunctionApp {
  private constructor(
    readonly registrations: Registration[],
    private readonly log: Logger,
  ) {}

  static async load(log: Logger): Promise<FunctionApp> {
    return new FunctionApp(await loadFunctions(), log);
  }

  get timers(): TimerRegistration[] {
    return this.registrations.filter((r): r is TimerRegistration => r.kind === 'timer');
  }

  get https(): HttpRegistration[] {
    return this.registrations.filter((r): r is HttpRegistration => r.kind === 'http');
  }

  get queues(): QueueRegistration[] {
    return this.registrations.filter((r): r is QueueRegistration => r.kind === 'queue');
  }

  /** Runs a queue trigger on one message (its body decoded as the host decodes it: JSON when it parses). */
  async invokeQueue(name: string, body: unknown, metadata: QueueMessageMetadata): Promise<void> {
    const registration = this.queues.find((q) => q.name === name);
    if (!registration) throw new Error(`no queue function ${name}`);
    await registration.options.handler(body, contextFor(name, this.log, 'queue', { ...metadata }));
  }

  async invokeTimer(name: string): Promise<void> {
    const registration = this.timers.find((t) => t.name === name);
    if (!registration) throw new Error(`no timer function ${name}`);
    const now = new Date().toISOString();
    const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: now, next: now, lastUpdated: now } };
    await registration.options.handler(timer, contextFor(name, this.log, 'timer'));
  }

  async invokeHttp(name: string, call: HttpCall): Promise<HttpResult> {
    const registration = this.https.find((h) => h.name === name);
    if (!registration) throw new Error(`no HTTP function ${name}`);
    // The query comes from the URL, every value of a repeated parameter kept (as the Functions host passes it).
    const request = new HttpRequest({
      method: call.method,
      url: call.url,
      headers: call.headers ?? {},
      params: call.params ?? {},
      body: call.body !== undefined ? { string: call.body } : undefined,
    });
    return toHttpResult(await registration.options.handler(request, contextFor(name, this.log, 'http')));
  }
}
