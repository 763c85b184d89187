// The local host: runs the same function definitions as Azure Functions — timers on their NCRONTAB schedules,
// HTTP functions at http://127.0.0.1:7071/api/... with function keys — against embedded Azurite and the
// simulated tenant when nothing else is configured. One full cycle runs at start-up.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import azureFunctions from '@azure/functions';
import type { HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import { Cron } from 'croner';
import type { Logger } from '../app/logger.js';
import { setRuntime } from '../app/provider.js';
import { type Runtime, configuredStorage, createRuntime, demoFixturePath, liveCredential, fixtureForServing, simulatedSource, storeFor, tenantFromCredential } from '../app/runtime.js';
import { SETTINGS, type Settings, loadSettings } from '../app/settings.js';
import { type Registration, captureRegistrations } from '../functions/lib/registry.js';
import type { TableStore } from '../storage/tables.js';
import { startAcsEmulator } from './acs-emulator.js';
import { type EmbeddedAzurite, freePort, startAzurite } from './azurite.js';
import { type GraphSimulator, startGraphSimulator } from './graph-simulator.js';

const { HttpRequest, InvocationContext: Context } = azureFunctions;

export interface HostOptions {
  env: Record<string, string | undefined>;
  /** Simulated tenant fixture; none and no Graph credentials: the bundled demo tenant. */
  tenantFile?: string;
  /** Read the real tenant through DefaultAzureCredential even without credential variables (e.g. after `az login`). */
  live?: boolean;
  dataDir?: string;
  port?: number;
  /** Start the HTTP server and timers (false: just wire up, e.g. for `run --once` and `check`). */
  serve: boolean;
  log: Logger;
}

export interface Host {
  runtime: Runtime;
  settings: Settings;
  registrations: Registration[];
  /** Where the data came from, in words ("the bundled demo tenant (simulated)"). */
  sourceDescription: string;
  url?: string;
  functionKey: string;
  invokeTimer(name: string): Promise<void>;
  /** Starts the timers on their schedules (after the start-up cycle). */
  startTimers(): void;
  invokeHttp(name: string, init: { method: string; url: string; headers?: Record<string, string>; params?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string>; body: string }>;
  stop(): Promise<void>;
}

/** Graph credentials the environment provides (service principal or managed identity). */
export function hasGraphCredentials(env: Record<string, string | undefined>): boolean {
  const sp = !!env.AZURE_TENANT_ID && !!env.AZURE_CLIENT_ID && !!(env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_CERTIFICATE_PATH || env.AZURE_FEDERATED_TOKEN_FILE);
  return sp || !!env.IDENTITY_ENDPOINT || !!env.MSI_ENDPOINT;
}

/** Values of local.settings.json (as Core Tools reads them), without overriding the environment. */
export function localSettingsValues(dir = process.cwd()): Record<string, string> {
  const file = path.join(dir, 'local.settings.json');
  if (!existsSync(file)) return {};
  try {
    const values = (JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, unknown> }).Values ?? {};
    return Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === 'string') as Array<[string, string]>);
  } catch (error) {
    throw new Error(`local.settings.json is not valid JSON: ${(error as Error).message}`);
  }
}

function functionKeyFor(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'local-function-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** Resolves `%SETTING%` in a schedule the way the Functions host resolves app settings. */
export function resolveSchedule(schedule: string, env: Record<string, string | undefined>): string {
  return schedule.replace(/%([^%]+)%/g, (_, name: string) => {
    const value = env[name]?.trim() || SETTINGS.find((s) => s.name === name)?.default;
    if (!value) throw new Error(`schedule setting ${name} is not set`);
    return value;
  });
}

/** Imports every module in the functions directory, as the Functions host loads `main`'s glob. */
async function loadFunctions(): Promise<Registration[]> {
  const registrations = captureRegistrations();
  if (registrations.length > 0) return registrations;
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../functions');
  const files = readdirSync(dir).filter((f) => (f.endsWith('.js') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))) && !f.endsWith('.map'));
  for (const file of files.sort()) await import(pathToFileURL(path.join(dir, file)).href);
  return registrations;
}

function contextFor(name: string, log: Logger, trigger: 'timer' | 'http'): InvocationContext {
  return new Context({
    invocationId: randomUUID(),
    functionName: name,
    options: { trigger: { type: trigger === 'timer' ? 'timerTrigger' : 'httpTrigger', name: trigger === 'timer' ? 'timer' : 'request' }, extraInputs: [], extraOutputs: [] },
    logHandler: (level, ...args) => {
      const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      if (level === 'error' || level === 'critical') log.error(`${name}: ${text}`);
      else if (level === 'warning') log.warn(`${name}: ${text}`);
      else if (level === 'debug' || level === 'trace') log.debug(`${name}: ${text}`);
      else log.info(`${name}: ${text}`);
    },
  });
}

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

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function toHttpResult(result: unknown): Promise<{ status: number; headers: Record<string, string>; body: string }> {
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

function keyMatches(given: string | null | undefined, key: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startHost(options: HostOptions): Promise<Host> {
  const env = { ...localSettingsValues(), ...options.env };
  if (options.dataDir) env.MONITOR_DATA_DIR = options.dataDir;
  if (options.tenantFile) env.MONITOR_TENANT_FIXTURE = options.tenantFile;
  const log = options.log;
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((e: unknown) => log.warn(`shutdown: ${(e as Error).message}`));
  };
  try {
    // Graph: a simulated tenant (fixture or the demo) unless credentials for the real one are present.
    const explicitFixture = env.MONITOR_TENANT_FIXTURE?.trim() ?? '';
    const fixtureFile = explicitFixture || (options.live || hasGraphCredentials(env) ? '' : demoFixturePath());
    const dataDir = env.MONITOR_DATA_DIR?.trim() || '.data';
    const fixture = fixtureFile ? fixtureForServing(fixtureFile, new Date(), path.join(dataDir, 'fixture-clock.json')) : undefined;
    // A fixture may carry settings (the demo names its break-glass group and a mailbox); the environment wins.
    for (const [name, value] of Object.entries(fixture?.settings ?? {})) if (!env[name]?.trim()) env[name] = value;
    let settings = loadSettings(env);

    // Storage: configured, else embedded Azurite under the data dir ("UseDevelopmentStorage=true" too).
    let target = configuredStorage(env);
    let azurite: EmbeddedAzurite | undefined;
    const devStorage = target?.kind === 'connectionString' && /UseDevelopmentStorage=true/i.test(target.connectionString);
    if (!target || (devStorage && (await freePort(10002)) === 10002)) {
      azurite = await startAzurite({ dataDir: settings.dataDir, port: 10002 });
      cleanups.push(() => (azurite as EmbeddedAzurite).stop());
      target = { kind: 'connectionString', connectionString: azurite.connectionString };
    }
    const store: TableStore = storeFor(target, settings);
    await store.ensureTables();

    // Mail: without an ACS resource, a local ACS-compatible endpoint writes the mails under the data dir.
    let mailDescription = '';
    if (settings.alertRecipients.length > 0 && !settings.acsEndpoint && !settings.acsConnectionString) {
      const emulator = await startAcsEmulator({ mailDir: path.join(settings.dataDir, 'mail') });
      cleanups.push(() => emulator.close());
      settings = { ...settings, acsConnectionString: emulator.connectionString };
      mailDescription = `; mail: local outbox in ${path.join(settings.dataDir, 'mail')}`;
    }

    let runtime: Runtime;
    let sourceDescription: string;
    if (fixture) {
      const sim: GraphSimulator = await startGraphSimulator({ fixture });
      cleanups.push(() => sim.close());
      const demo = !explicitFixture;
      sourceDescription = demo
        ? `the bundled demo tenant '${fixture.displayName ?? fixture.tenantId}' (simulated; pass --tenant FILE or Graph credentials to change)`
        : `simulated tenant '${fixture.displayName ?? fixture.tenantId}' from ${fixtureFile}`;
      runtime = createRuntime({ settings, store, source: simulatedSource(sim.url, sim.token, fixture, demo ? 'demo' : fixtureFile), log });
    } else {
      const credential = liveCredential();
      const tenant = await tenantFromCredential(credential, settings.graphBaseUrl);
      sourceDescription = `Microsoft Graph (${settings.graphBaseUrl}), tenant ${tenant.tenantId}`;
      runtime = createRuntime({ settings, store, source: { kind: 'live', baseUrl: settings.graphBaseUrl, credential, tenant, pacing: { timeScale: 1 } }, log });
    }
    sourceDescription += mailDescription;
    sourceDescription += azurite ? `; storage: embedded Azurite in ${azurite.location}` : '; storage: configured AzureWebJobsStorage';
    setRuntime(runtime);

    const registrations = await loadFunctions();
    const functionKey = functionKeyFor(settings.dataDir);
    const timers = registrations.filter((r): r is Extract<Registration, { kind: 'timer' }> => r.kind === 'timer');
    const https = registrations.filter((r): r is Extract<Registration, { kind: 'http' }> => r.kind === 'http');

    const invokeTimer = async (name: string): Promise<void> => {
      const registration = timers.find((t) => t.name === name);
      if (!registration) throw new Error(`no timer function ${name}`);
      const now = new Date();
      const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: now.toISOString(), next: now.toISOString(), lastUpdated: now.toISOString() } };
      await registration.options.handler(timer, contextFor(name, log, 'timer'));
    };

    const invokeHttp: Host['invokeHttp'] = async (name, init) => {
      const registration = https.find((h) => h.name === name);
      if (!registration) throw new Error(`no HTTP function ${name}`);
      const url = new URL(init.url);
      const request = new HttpRequest({
        method: init.method,
        url: init.url,
        headers: init.headers ?? {},
        query: Object.fromEntries(url.searchParams),
        params: init.params ?? {},
        body: init.body !== undefined ? { string: init.body } : undefined,
      });
      const result = await registration.options.handler(request, contextFor(name, log, 'http'));
      return toHttpResult(result);
    };

    let server: Server | undefined;
    let url: string | undefined;
    const crons: Cron[] = [];
    if (options.serve) {
      for (const t of timers) {
        const expression = resolveSchedule(String(t.options.schedule), env);
        crons.push(
          // Paused until startTimers(): the start-up cycle must not overlap a scheduled run.
          new Cron(expression, { paused: true, protect: true, catch: (e: unknown) => log.error(`${t.name}: ${(e as Error).message}`) }, async () => {
            try {
              await invokeTimer(t.name);
            } catch (e) {
              log.error(`${t.name} failed: ${(e as Error).message}`);
            }
          }),
        );
      }
      cleanups.push(async () => crons.forEach((c) => c.stop()));
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        void (async () => {
          try {
            const requestUrl = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
            const route = requestUrl.pathname.replace(/^\/api\/?/, '');
            if (!requestUrl.pathname.startsWith('/api/')) {
              res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NotFound', message: 'functions are under /api/' } }));
              return;
            }
            for (const h of https) {
              const methods = (h.options.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase());
              const params = matchRoute(h.options.route ?? h.name, route);
              if (!params || !methods.includes((req.method ?? 'GET').toUpperCase())) continue;
              if ((h.options.authLevel ?? 'function') !== 'anonymous') {
                const given = requestUrl.searchParams.get('code') ?? (req.headers['x-functions-key'] as string | undefined);
                if (!keyMatches(given, functionKey)) {
                  res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'Unauthorized', message: 'missing or wrong function key: pass ?code=<key> or the x-functions-key header' } }));
                  return;
                }
              }
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
              const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
              const result = await invokeHttp(h.name, { method: req.method ?? 'GET', url: requestUrl.toString(), headers, params, ...(body !== undefined ? { body } : {}) });
              res.writeHead(result.status, result.headers).end(result.body);
              return;
            }
            res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NotFound', message: `no function at ${requestUrl.pathname}` } }));
          } catch (e) {
            // The function key travels in the query string: never log it.
            log.error(`HTTP ${req.method} ${(req.url ?? '').replace(/([?&]code=)[^&]*/i, '$1***')}: ${(e as Error).stack ?? (e as Error).message}`);
            if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { code: 'InternalServerError', message: 'the function failed; see the host log' } }));
          }
        })();
      });
      const port = options.port ?? 7071;
      await new Promise<void>((resolve, reject) => {
        (server as Server).once('error', reject);
        (server as Server).listen(port, '127.0.0.1', () => resolve());
      });
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
      cleanups.push(() => new Promise<void>((resolve) => (server as Server).close(() => resolve())));
      server.keepAliveTimeout = 1000;
    }

    return {
      runtime,
      settings,
      registrations,
      sourceDescription,
      url,
      functionKey,
      invokeTimer,
      invokeHttp,
      startTimers: () => crons.forEach((c) => c.resume()),
      stop: async () => {
        server?.closeAllConnections();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The timer functions in the order one full cycle runs them. */
export const STARTUP_ORDER = ['collectRoles', 'collectPolicies', 'collectActivations', 'collectSignIns', 'evaluate'] as const;

/** Runs one full cycle through the timer handlers. Returns false when any step failed. */
export async function runStartupCycle(host: Host): Promise<boolean> {
  let ok = true;
  for (const name of STARTUP_ORDER) {
    try {
      await host.invokeTimer(name);
    } catch (e) {
      ok = false;
      host.runtime.log.error(`${name}: ${(e as Error).message}`);
    }
  }
  return ok;
}
