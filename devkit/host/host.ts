// The local host: runs the same function definitions as Azure Functions — timers on their NCRONTAB schedules,
// HTTP functions at http://127.0.0.1:7071/api/... with function keys — on the runtime the app assembles
// (assembleRuntime), handed what the dev kit stands up when nothing else is configured: a simulated tenant,
// embedded Azurite and a local mail endpoint.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { runCycle } from '../../src/app/cycle.js';
import type { Logger } from '../../src/app/logger.js';
import { setRuntime } from '../../src/app/provider.js';
import { type GraphSource, type Runtime, assembleRuntime, configuredStorage } from '../../src/app/runtime.js';
import { type Settings, loadSettings } from '../../src/app/settings.js';
import type { Registration } from '../../src/functions/lib/registry.js';
import { runLine } from '../../src/functions/lib/timers.js';
import { staticTokenCredential } from '../../src/graph/gateway.js';
import type { StorageTarget } from '../../src/storage/tables.js';
import { startAcsEmulator } from '../emulators/acs.js';
import { startWebhookReceiver } from '../emulators/webhook.js';
import { DEVELOPMENT_STORAGE_PORT, startAzurite } from '../emulators/azurite.js';
import type { TenantFixture } from '../fixture/format.js';
import { demoFixturePath, fixtureForServing } from '../fixture/load.js';
import { type GraphSimulator, type SimulatedTenantSpec, startGraphSimulator } from '../simulator/graph-simulator.js';
import type { TenantSourceFactory } from '../../src/app/tenant-runtime.js';
import { queueService } from '../../src/storage/queue.js';
import { QueueRunner, type QueueSemantics, projectHostJson, queueSemantics } from './queues.js';
import { type SimulatorFaultRule, parseFaults } from '../simulator/faults.js';
import { FunctionApp, type HttpCall, type HttpResult } from './functions.js';
import { serveFunctions } from './http.js';
import { localSettingsValues } from './local-settings.js';
import { chooseGraph, chooseStorage, localWebhookFormat, needsMailEndpoint, withFixtureSettings } from './plan.js';
import { scheduleTimers } from './timers.js';

export { matchRoute } from './http.js';
export { resolveSchedule } from './timers.js';

/** The Functions host's local port. */
const DEFAULT_PORT = 7071;

export interface HostOptions {
  env: Record<string, string | undefined>;
  /** Simulated tenant fixture; none and no Graph credentials: the bundled demo tenant. */
  tenantFile?: string;
  /** Read the real tenant through DefaultAzureCredential even without credential variables (e.g. after `az login`). */
  live?: boolean;
  dataDir?: string;
  /** HTTP port; default 7071, or a free one when 7071 is taken. */
  port?: number;
  /** Start the HTTP server and timers (false: just wire up, e.g. for `run --once` and `check`). */
  serve: boolean;
  /** Keep embedded storage in memory (one-shot commands that need nothing afterwards). */
  ephemeral?: boolean;
  /** Fault rules for the simulated tenant from the start (docs/simulator.md, "Faults"). */
  faults?: SimulatorFaultRule[];
  /** More simulated tenants on the same simulator, for registered tenants (docs/tenants.md); each its own token. */
  tenants?: SimulatedTenantSpec[];
  /** Queue trigger semantics other than host.json's (tests: no retry delay). */
  queueSemantics?: Partial<QueueSemantics>;
  log: Logger;
}

export interface Host {
  runtime: Runtime;
  /** Starts work the host must let finish before it stops (the start-up cycle); refused (never started) once stopping. */
  run<T>(work: () => Promise<T>): Promise<T>;
  settings: Settings;
  registrations: Registration[];
  /** Where the data came from, in words ("the bundled demo tenant (simulated)"). */
  sourceDescription: string;
  dataDir: string;
  url?: string;
  functionKey: string;
  /** The simulated tenant, when one is served (its faults can be switched: setFaults). */
  simulator?: GraphSimulator;
  invokeTimer(name: string): Promise<void>;
  /** Starts the timers on their schedules (after the start-up cycle). */
  startTimers(): void;
  invokeHttp(name: string, call: HttpCall): Promise<HttpResult>;
  /** The queue triggers on the storage's queue service (undefined when the storage has no queue endpoint). */
  queues?: QueueRunner;
  /**
   * Graceful stop: accept no new work (timers paused, HTTP closed), let work in flight finish (up to
   * STOP_GRACE_MS; what is still running then is abandoned at whatever point it reached, which the monitor's
   * write order makes safe), then stop the local endpoints and, last, the embedded storage (which saves).
   */
  stop(): Promise<void>;
}

/** The error code of work refused because the host is stopping. */
export const HOST_STOPPING = 'HOST_STOPPING';

/** How long a stop waits for work in flight. */
export const STOP_GRACE_MS = 60_000;

/** Work in flight, so a stop can wait for it. */
class InFlight {
  private readonly work = new Set<Promise<unknown>>();
  stopping = false;
  track<T>(work: Promise<T>): Promise<T> {
    if (this.stopping) {
      work.catch(() => undefined);
      return Promise.reject(Object.assign(new Error('the host is stopping'), { code: HOST_STOPPING }));
    }
    this.work.add(work);
    const done = () => this.work.delete(work);
    work.then(done, done);
    return work;
  }
  /** Starts work unless the host is stopping (then the work never starts). */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.stopping) return Promise.reject(Object.assign(new Error('the host is stopping'), { code: HOST_STOPPING }));
    return this.track(work());
  }
  /** Resolves when everything in flight has settled, or after `ms`; says whether anything was left. */
  async settle(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
    const result = await Promise.race([Promise.allSettled([...this.work]).then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    return result === 'done';
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

/** A Graph source for a Graph-compatible endpoint the dev kit runs (no pacing, no retry delay). */
export function simulatedSource(url: string, token: string, fixture: TenantFixture, pacing: { timeScale: number } | false = false): GraphSource {
  return {
    baseUrl: url,
    credential: staticTokenCredential(token),
    tenant: { id: fixture.tenantId, tenantId: fixture.tenantId, displayName: fixture.displayName ?? null },
    pacing,
    retryDelaySeconds: 0,
  };
}

/** Things the host started, stopped in reverse order. */
class Resources {
  private readonly stops: Array<() => Promise<void>> = [];
  constructor(private readonly log: Logger) {}
  add(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }
  async stopAll(): Promise<void> {
    for (const stop of this.stops.reverse()) await stop().catch((e: unknown) => this.log.warn(`shutdown: ${(e as Error).message}`));
    this.stops.length = 0;
  }
}

async function embeddedStorage(dataDir: string | null, port: number, resources: Resources): Promise<{ target: StorageTarget; description: string }> {
  const azurite = await startAzurite({ dataDir, port });
  resources.add(() => azurite.stop());
  return { target: { kind: 'connectionString', connectionString: azurite.connectionString }, description: `; storage: embedded Azurite ${azurite.location ? `in ${azurite.location}` : 'in memory'}` };
}

/** Storage as configured, else embedded Azurite (on the port the OS gives it). */
async function storageFor(env: Record<string, string | undefined>, dataDir: string | null, resources: Resources): Promise<{ target: StorageTarget; description: string }> {
  const choice = chooseStorage(configuredStorage(env));
  if (choice.kind === 'configured') return { target: choice.target, description: '; storage: configured AzureWebJobsStorage' };
  if (choice.kind === 'embedded') return embeddedStorage(dataDir, 0, resources);
  // UseDevelopmentStorage=true: serve that port ourselves unless an emulator already does.
  try {
    return await embeddedStorage(dataDir, DEVELOPMENT_STORAGE_PORT, resources);
  } catch (error) {
    if (!/EADDRINUSE/.test(String((error as Error).message ?? error))) throw error;
    return { target: choice.target, description: `; storage: the emulator on port ${DEVELOPMENT_STORAGE_PORT} (UseDevelopmentStorage=true)` };
  }
}

export async function startHost(options: HostOptions): Promise<Host> {
  const log = options.log;
  let env: Record<string, string | undefined> = { ...localSettingsValues(), ...options.env };
  if (options.dataDir) env.MONITOR_DATA_DIR = options.dataDir;
  if (options.tenantFile) env.MONITOR_TENANT_FIXTURE = options.tenantFile;
  const dataDir = env.MONITOR_DATA_DIR?.trim() || '.data';
  const resources = new Resources(log);
  try {
    const graph = chooseGraph(env, options.live === true, demoFixturePath());
    const fixture = graph.fixtureFile ? fixtureForServing(graph.fixtureFile, new Date(), path.join(dataDir, 'fixture-clock.json')) : undefined;
    env = withFixtureSettings(env, fixture?.settings);
    // Settings are validated before anything starts, so a bad one costs nothing to report.
    const settings = loadSettings(env);
    const storage = await storageFor(env, options.ephemeral ? null : dataDir, resources);
    let mail = '';
    const hookFormat = localWebhookFormat(env);
    if (hookFormat) {
      // A secret of its own each start: the receiver checks the signatures the monitor sends.
      const secret = randomBytes(32).toString('base64url');
      const receiver = await startWebhookReceiver({ dir: path.join(dataDir, 'webhooks'), secret });
      resources.add(() => receiver.close());
      env = { ...env, WEBHOOK_URL: receiver.url, WEBHOOK_FORMAT: hookFormat, WEBHOOK_SECRET: secret };
      mail = `; webhook: local receiver (${hookFormat}) in ${path.join(dataDir, 'webhooks')}`;
    }
    if (needsMailEndpoint(settings)) {
      const emulator = await startAcsEmulator({ mailDir: path.join(dataDir, 'mail') });
      resources.add(() => emulator.close());
      env = { ...env, ACS_CONNECTION_STRING: emulator.connectionString };
      mail += `; mail: local outbox in ${path.join(dataDir, 'mail')}`;
    }
    let source: GraphSource | undefined;
    let description: string;
    let sim: GraphSimulator | undefined;
    if (options.faults?.length && !fixture) throw new Error('faults: they apply to a simulated tenant (--tenant or the demo), not to Microsoft Graph');
    if (options.tenants?.length && !fixture) throw new Error('tenants: simulated tenants are served beside a simulated default tenant, not beside Microsoft Graph');
    let tenantSource: TenantSourceFactory | undefined;
    if (fixture) {
      sim = await startGraphSimulator({ fixture, ...(options.tenants?.length ? { tenants: options.tenants } : {}) });
      const served = sim;
      resources.add(() => served.close());
      if (options.faults) sim.setFaults(options.faults);
      source = simulatedSource(sim.url, sim.token, fixture);
      tenantSource = simulatedTenantSource(served);
      const name = fixture.displayName ?? fixture.tenantId;
      description = graph.demo ? `the bundled demo tenant '${name}' (simulated; pass --tenant FILE or Graph credentials to change)` : `simulated tenant '${name}' from ${graph.fixtureFile}`;
    }
    const runtime = await assembleRuntime({ env, log, storage: storage.target, ...(source ? { source } : {}), ...(tenantSource ? { tenantSource } : {}) });
    description ??= `Microsoft Graph (${runtime.settings.graphBaseUrl}), tenant ${runtime.source.tenant.tenantId}`;
    setRuntime(runtime);

    const app = await FunctionApp.load(log);
    const inFlight = new InFlight();
    const functionKey = functionKeyFor(dataDir);
    let server: Server | undefined;
    let url: string | undefined;
    const timers = options.serve ? scheduleTimers(app, env, log, (work) => inFlight.run(work)) : undefined;
    const queues = await queueRunnerFor(app, storage.target, env, log, (work) => inFlight.run(work), options.queueSemantics);
    if (queues && options.serve) resources.add(async () => queues.stop());
    if (timers) {
      resources.add(async () => timers.stop());
      const track = <T>(work: () => Promise<T>) => inFlight.run(work);
      const admin = sim ? faultControl(sim) : undefined;
      ({ server, url } = await serveFunctions(app, functionKey, options.port ?? DEFAULT_PORT, log, track, admin).catch((error: unknown) => {
        // Another host has 7071: take any free port (the URL is printed), unless a port was asked for.
        if (options.port !== undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        log.warn(`port ${DEFAULT_PORT} is taken (another host?): serving on a free port instead`);
        return serveFunctions(app, functionKey, 0, log, track, admin);
      }));
      const listening = server;
      resources.add(() => new Promise<void>((resolve) => listening.close(() => resolve())));
    }
    return {
      runtime,
      settings: runtime.settings,
      registrations: app.registrations,
      sourceDescription: description + mail + storage.description,
      dataDir,
      url,
      functionKey,
      ...(sim ? { simulator: sim } : {}),
      run: (work) => inFlight.run(work),
      invokeTimer: (name) => inFlight.run(() => app.invokeTimer(name)),
      invokeHttp: (name, call) => inFlight.run(() => app.invokeHttp(name, call)),
      startTimers: () => {
        timers?.start();
        queues?.start();
      },
      ...(queues ? { queues } : {}),
      stop: async () => {
        inFlight.stopping = true;
        timers?.stop();
        queues?.stop();
        // No new connections; those open finish their request.
        server?.close();
        if (!(await inFlight.settle(STOP_GRACE_MS))) log.warn(`work still running after ${STOP_GRACE_MS / 1000} s was abandoned at the point it reached`);
        server?.closeAllConnections();
        await resources.stopAll();
      },
    };
  } catch (error) {
    await resources.stopAll();
    throw error;
  }
}

/** Registered tenants read from the simulator, each with its own token (one the simulator does not serve gets 401). */
export function simulatedTenantSource(sim: GraphSimulator): TenantSourceFactory {
  return (tenant) => {
    let token: string;
    try {
      token = sim.tokenFor(tenant.tenantId);
    } catch {
      token = `not-served.${tenant.tenantId}`;
    }
    return { baseUrl: sim.url, credential: staticTokenCredential(token), tenant: { id: tenant.tenantId, tenantId: tenant.tenantId, displayName: tenant.displayName }, pacing: false, retryDelaySeconds: 0 };
  };
}

/** The queue triggers on the storage's queue service; none when it has no queue endpoint (a table-only emulator). */
async function queueRunnerFor(app: FunctionApp, target: StorageTarget, env: Record<string, string | undefined>, log: Logger, track: <T>(work: () => Promise<T>) => Promise<T>, semantics?: Partial<QueueSemantics>): Promise<QueueRunner | undefined> {
  if (app.queues.length === 0) return undefined;
  let service;
  try {
    service = queueService(target);
  } catch (error) {
    log.warn(`queue triggers not run: ${(error as Error).message}`);
    return undefined;
  }
  const runner = new QueueRunner(app, service, env, log, track, { ...queueSemantics(projectHostJson()), ...semantics });
  await runner.ensureQueues();
  return runner;
}

/** The local admin endpoint for the simulated tenant's faults: GET shows the rules, PUT replaces them. */
function faultControl(sim: GraphSimulator): (method: string, body: string) => { status: number; body: unknown } {
  let current: SimulatorFaultRule[] = [];
  return (method, body) => {
    if (method === 'GET') return { status: 200, body: { value: current } };
    if (method !== 'PUT') return { status: 405, body: { error: { code: 'MethodNotAllowed', message: 'GET or PUT /admin/simulator/faults' } } };
    try {
      current = parseFaults(body);
      sim.setFaults(current);
      return { status: 200, body: { value: current } };
    } catch (error) {
      return { status: 400, body: { error: { code: 'BadRequest', message: (error as Error).message } } };
    }
  };
}

/** One full cycle (the app's cycle runner), each run logged as its timer would log it. False when a step failed. */
export async function runStartupCycle(host: Host): Promise<boolean> {
  const log = host.runtime.log;
  try {
    const result = await host.run(() => runCycle(host.runtime, 'startup'));
    for (const run of result.runs) {
      if (run.status === 'failed') log.error(runLine(run));
      else log.info(runLine(run));
    }
    return result.ok;
  } catch (error) {
    log.error(`cycle: ${(error as Error).message}`);
    return false;
  }
}
