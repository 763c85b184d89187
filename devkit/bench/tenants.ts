// npm run bench -- --tenants N --users M [--json]: many tenants through the tenant work queue, as the deployment
// runs them (docs/tenants.md). N registered tenants of M users each (one generated tenant, served under N ids,
// each with its own throttling budget in one simulator process) are collected and evaluated by one worker —
// this process: the app's queue trigger handlers run by the local host's queue runner on Azurite's queue
// service — in fan-out waves in the order the steps depend on each other's stored data (WAVES). Reported:
//   wallMs vs floorMs           the last tenant done vs one tenant's throttling floor (budgets are per tenant)
//   requests vs minRequests     Graph requests of every tenant vs the plan minimum summed over tenants
//   peakRssMiB                  the worker's peak resident memory
//   faults                      the same again with one tenant that answers only 429 and one that hangs:
//                               the others' wall against their floor, and what became of the two.
// The simulator and Azurite run in child processes: their memory is not the worker's.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/app/logger.js';
import { setRuntime } from '../../src/app/provider.js';
import { createRuntime } from '../../src/app/runtime.js';
import { loadSettings } from '../../src/app/settings.js';
import { workMessage } from '../../src/app/fanout.js';
import type { WorkStep } from '../../src/core/tenants.js';
import { parseWorkMessage } from '../../src/core/tenants.js';
import { staticTokenCredential } from '../../src/graph/gateway.js';
import { queueService } from '../../src/storage/queue.js';
import { latestRuns } from '../../src/collect/runs.js';
import { TableStore } from '../../src/storage/tables.js';
import { startAzurite } from '../emulators/azurite.js';
import { parseTenantFixtureText } from '../fixture/format.js';
import { FunctionApp } from '../host/functions.js';
import { QueueRunner, projectHostJson, queueSemantics } from '../host/queues.js';
import type { SimulatorFaultRule } from '../simulator/faults.js';
import { type Plan, floorMs } from './plan.js';

const SELF = fileURLToPath(import.meta.url);
/**
 * A first full collection as queue steps: each step reads what the steps before it stored (the queue runs
 * steps apart, like the timers: roles reads the groups the stored policies name, sign-ins the accounts the
 * roles collector stored), so the waves follow those dependencies.
 */
const WAVES: WorkStep[][] = [['policies'], ['roles'], ['activations', 'signins', 'securescore'], ['evaluate']];

export interface TenantsRound {
  tenants: number;
  /** From the first message to the last normal tenant's evaluation. */
  wallMs: number;
  /** Each normal tenant's own wall (its first message to its evaluation), the slowest. */
  slowestTenantMs: number;
  requests: number;
  /** Graph requests of each step's latest run, summed over the tenants. */
  requestsByStep: Record<string, number>;
  throttleRetries: number;
  failedDeliveries: number;
}

export interface TenantsBenchResult {
  tenants: number;
  users: number;
  concurrency: number;
  timeScale: number;
  floorMs: number;
  wallMs: number;
  wallVsFloor: number;
  requests: number;
  minRequests: number;
  requestsVsMinimum: number;
  peakRssMiB: number;
  requestsByStep: Record<string, number>;
  throttleRetries: number;
  faults: {
    wallMs: number;
    wallVsFloor: number;
    slowestOtherMs: number;
    throttledTenant: string;
    hangingTenant: string;
    /** What became of their work when the others were done (retrying, dead-lettered…). */
    faultyOutcome: Record<string, string>;
  } | null;
  plan: Plan;
  roundTripMs: number;
}

function tenantId(i: number): string {
  return `5e0c0000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** The simulator with every tenant, in its own process; prints {url, tokens}. */
async function simulatorChild(spec: { file: string; ids: string[]; timeScale: number; faults: Record<string, SimulatorFaultRule[]> }): Promise<{ url: string; tokens: Record<string, string>; child: ChildProcess }> {
  const child = spawn(process.execPath, [SELF, '--serve-tenants', JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] as string);
    });
    child.once('exit', (code) => reject(new Error(`tenant simulator exited with ${code}`)));
  });
  child.removeAllListeners('exit');
  return { ...(JSON.parse(line) as { url: string; tokens: Record<string, string> }), child };
}

async function serveTenants(specText: string): Promise<void> {
  const spec = JSON.parse(specText) as { file: string; ids: string[]; timeScale: number; faults: Record<string, SimulatorFaultRule[]> };
  const { startGraphSimulator } = await import('../simulator/graph-simulator.js');
  const fixture = parseTenantFixtureText(readFileSync(spec.file, 'utf8'), spec.file);
  const sim = await startGraphSimulator({ tenants: spec.ids.map((id) => ({ tenantId: id, fixture, ...(spec.faults[id] ? { faults: spec.faults[id] } : {}) })), throttle: { timeScale: spec.timeScale } });
  process.stdout.write(`${JSON.stringify({ url: sim.url, tokens: Object.fromEntries(spec.ids.map((id) => [id, sim.tokenFor(id)])) })}\n`);
  process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
  process.stdin.resume();
}

async function round(o: { fixtureFile: string; tenants: string[]; faulty: Record<string, SimulatorFaultRule[]>; timeScale: number; concurrency: number; prefix: string }): Promise<TenantsRound & { outcome: Record<string, string> }> {
  const ids = [...o.tenants, ...Object.keys(o.faulty)];
  const azurite = await startAzurite({ dataDir: null, mode: 'child' });
  const sim = await simulatorChild({ file: o.fixtureFile, ids, timeScale: o.timeScale, faults: o.faulty });
  try {
    const settings = loadSettings({ MONITOR_TABLE_PREFIX: o.prefix, MONITOR_WORK_QUEUE: `${o.prefix.toLowerCase()}-work` });
    const target = { kind: 'connectionString' as const, connectionString: azurite.connectionString };
    const store = new TableStore(target, settings.tablePrefix);
    await store.ensureTables([...(await import('../../src/storage/tables.js')).TABLES, 'tenants']);
    const rt = createRuntime({
      settings,
      store,
      log: silentLogger,
      source: { baseUrl: sim.url, credential: staticTokenCredential('none'), tenant: { id: 'msp', tenantId: 'msp', displayName: 'MSP' }, pacing: { timeScale: o.timeScale }, retryDelaySeconds: 0 },
      tenantSource: (t) => ({ baseUrl: sim.url, credential: staticTokenCredential(sim.tokens[t.tenantId] ?? 'none'), tenant: { id: t.tenantId, tenantId: t.tenantId, displayName: t.displayName }, pacing: { timeScale: o.timeScale }, retryDelaySeconds: 0 }),
    });
    const now = new Date().toISOString();
    for (const [i, id] of ids.entries()) await rt.registry.put({ tenantId: id, displayName: `tenant ${i}`, enabled: true, settings: {} }, now);
    setRuntime(rt);
    const app = await FunctionApp.load(silentLogger);
    const done = new Map<string, number>();
    const started = new Map<string, number>();
    const outcome: Record<string, string> = {};
    let failedDeliveries = 0;
    const invoke = app.invokeQueue.bind(app);
    app.invokeQueue = async (name, body, meta) => {
      const m = parseWorkMessage(body);
      const key = typeof m === 'string' ? '' : `${m.tenantId}|${m.step}`;
      try {
        await invoke(name, body, meta);
        if (name === 'tenantWork') done.set(key, performance.now());
        else if (typeof m !== 'string') outcome[m.tenantId] = `${m.step} dead-lettered after ${meta.dequeueCount} poison delivery`;
      } catch (error) {
        failedDeliveries++;
        if (typeof m !== 'string') outcome[m.tenantId] = `${m.step}: delivery ${meta.dequeueCount} failed`;
        throw error;
      }
    };
    const semantics = { ...queueSemantics(projectHostJson()), batchSize: o.concurrency };
    const runner = new QueueRunner(app, queueService(target), { MONITOR_WORK_QUEUE: settings.tenants.workQueue }, silentLogger, (w) => w(), semantics);
    await runner.ensureQueues();
    runner.start();
    const t0 = performance.now();
    for (const wave of WAVES) {
      const queue = rt.workQueue();
      const slot = new Date().toISOString();
      for (const id of ids) for (const step of wave) await queue.send(workMessage(id, step, slot, new Date()));
      for (const id of o.tenants) if (!started.has(id)) started.set(id, performance.now());
      // The wave is over when every normal tenant's steps are done (the faulty ones go on retrying meanwhile).
      while (!o.tenants.every((id) => wave.every((s) => done.has(`${id}|${s}`)))) await new Promise((r) => setTimeout(r, 20));
      for (const id of o.tenants) {
        for (const s of wave) {
          done.set(`${id}|${s}|t`, done.get(`${id}|${s}`) ?? performance.now());
          done.delete(`${id}|${s}`);
        }
      }
    }
    const wallMs = performance.now() - t0;
    runner.stop();
    const slowest = Math.max(...o.tenants.map((id) => (done.get(`${id}|evaluate|t`) ?? 0) - (started.get(id) ?? 0)));
    let requests = 0;
    let retries = 0;
    const byStep: Record<string, number> = {};
    for (const id of o.tenants) {
      const record = await rt.registry.get(id);
      if (!record) continue;
      const trt = rt.tenants.forTenant(record);
      requests += trt.graph.stats.graphRequests;
      retries += trt.graph.stats.retries;
      for (const run of Object.values(await latestRuns(trt.store))) if (run) byStep[run.collector] = (byStep[run.collector] ?? 0) + run.graphRequests;
    }
    for (const id of Object.keys(o.faulty)) outcome[id] ??= 'no delivery finished yet';
    return { tenants: o.tenants.length, wallMs: Math.round(wallMs), slowestTenantMs: Math.round(slowest), requests, requestsByStep: byStep, throttleRetries: retries, failedDeliveries, outcome };
  } finally {
    sim.child.stdin?.end();
    sim.child.kill('SIGTERM');
    await azurite.stop();
  }
}

async function roundTrip(url: string, token: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    await (await fetch(`${url}/v1.0/policies/identitySecurityDefaultsEnforcementPolicy`, { headers: { authorization: `Bearer ${token}` } })).text();
    if (i >= 5) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export async function tenantsBench(o: { tenants: number; users: number; timeScale: number; concurrency: number; faults: boolean; generate: (file: string, users: number) => Promise<{ breakGlassGroupId: string }>; plan: (file: string, excluded: string) => Promise<Plan> }): Promise<TenantsBenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'amm-bench-tenants-'));
  try {
    const file = path.join(dir, 'tenant.json');
    const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
    log(`generating a tenant of ${o.users} users`);
    const summary = await o.generate(file, o.users);
    const plan = await o.plan(file, summary.breakGlassGroupId);
    const ids = Array.from({ length: o.tenants }, (_, i) => tenantId(i + 1));
    const probe = await simulatorChild({ file, ids: [ids[0] as string], timeScale: o.timeScale, faults: {} });
    const rtt = await roundTrip(probe.url, probe.tokens[ids[0] as string] as string);
    probe.child.stdin?.end();
    probe.child.kill('SIGTERM');
    const floor = Math.round(floorMs(plan, o.timeScale, rtt).floorMs);
    log(`round 1: ${o.tenants} tenants, concurrency ${o.concurrency}, floor ${floor} ms`);
    const clean = await round({ fixtureFile: file, tenants: ids, faulty: {}, timeScale: o.timeScale, concurrency: o.concurrency, prefix: 'benchmt' });
    let faults: TenantsBenchResult['faults'] = null;
    if (o.faults) {
      const throttled = tenantId(90_001);
      const hanging = tenantId(90_002);
      log('round 2: the same with an always-429 tenant and a hanging one');
      const r = await round({ fixtureFile: file, tenants: ids, faulty: { [throttled]: [{ kind: 'throttle429', retryAfterSeconds: 1 }], [hanging]: [{ kind: 'hang' }] }, timeScale: o.timeScale, concurrency: o.concurrency, prefix: 'benchmf' });
      faults = { wallMs: r.wallMs, wallVsFloor: round2(r.wallMs / Math.max(1, floor)), slowestOtherMs: r.slowestTenantMs, throttledTenant: throttled, hangingTenant: hanging, faultyOutcome: r.outcome };
    }
    return {
      tenants: o.tenants,
      users: o.users,
      concurrency: o.concurrency,
      timeScale: o.timeScale,
      floorMs: floor,
      wallMs: clean.wallMs,
      wallVsFloor: round2(clean.wallMs / Math.max(1, floor)),
      requests: clean.requests,
      minRequests: plan.minRequests * o.tenants,
      requestsVsMinimum: round2(clean.requests / Math.max(1, plan.minRequests * o.tenants)),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      requestsByStep: clean.requestsByStep,
      throttleRetries: clean.throttleRetries,
      faults,
      plan,
      roundTripMs: Math.round(rtt * 100) / 100,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

// Child entry: the simulator of every tenant.
if (process.argv[1] && path.resolve(process.argv[1]) === SELF && process.argv[2] === '--serve-tenants') await serveTenants(process.argv[3] ?? '{}');
