// npm run bench -- --tenants N --users M [--mixed] [--instances W] [--json]: many tenants through the tenant
// work queue, as the deployment onboards them (docs/tenants.md). N registered tenants (M users each, or with
// --mixed an MSP's mix of M, M/2, M/4 and M/10 users) each get their first collection as one `cycle` message,
// as the tenants API enqueues it. W worker processes — the Functions instances the plan's scale controller
// would run for that queue (target-based scaling: queued messages ÷ host.json batchSize, at most the Bicep's
// maximumInstanceCount) — each run the app's queue triggers through the local host's queue runner with
// host.json's concurrency (batchSize + newBatchThreshold) on one Azurite queue service. Reported:
//   wallMs vs floorMs           the last tenant done vs the largest tenant's throttling floor (budgets are per
//                               tenant, so every tenant can run at its own floor at once)
//   requests vs minRequests     Graph requests of every tenant vs the plan minimum summed over tenants
//   peakRssMiB                  the largest worker's peak resident memory (one instance)
//   cpu                         CPU seconds of the workers, the storage emulator and the simulator, and whether
//                               this machine's cores, not the design, bounded the wall
//   faults                      the same again with one tenant that answers only 429 and one that hangs: each
//                               other tenant's wall against its own floor, and what became of the two.
// The simulator (every tenant, each with its own budget) and Azurite run in child processes of their own.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { workMessage } from '../../src/app/fanout.js';
import { silentLogger } from '../../src/app/logger.js';
import { setRuntime } from '../../src/app/provider.js';
import { createRuntime } from '../../src/app/runtime.js';
import { loadSettings } from '../../src/app/settings.js';
import { latestRuns } from '../../src/collect/runs.js';
import { parseWorkMessage, slotOf } from '../../src/core/tenants.js';
import { staticTokenCredential } from '../../src/graph/gateway.js';
import { queueService } from '../../src/storage/queue.js';
import { TABLES, TableStore } from '../../src/storage/tables.js';
import { startAzurite } from '../emulators/azurite.js';
import { parseTenantFixtureText } from '../fixture/format.js';
import { FunctionApp } from '../host/functions.js';
import { QueueRunner, type QueueSemantics, projectHostJson, queueSemantics } from '../host/queues.js';
import type { SimulatorFaultRule } from '../simulator/faults.js';
import { type Plan, floorMs, roundTrip } from './plan.js';

const SELF = fileURLToPath(import.meta.url);

/** The Bicep's default `maximumInstanceCount` (infra/main.bicep): the scale controller never runs more. */
export const MAX_INSTANCES = 40;

/** --mixed: an MSP's tenants are mostly small; every fourth is the full size. */
const MIX = [1, 1 / 2, 1 / 4, 1 / 10];

interface WorkerSpec {
  connectionString: string;
  simUrl: string;
  tokens: Record<string, string>;
  prefix: string;
  workQueue: string;
  timeScale: number;
  semantics: QueueSemantics;
}

type WorkerLine =
  | { k: 'done'; tenant: string; step: string; at: number }
  | { k: 'failed'; tenant: string; step: string; delivery: number; at: number }
  | { k: 'dead'; tenant: string; step: string; at: number }
  | { k: 'stats'; requests: number; retries: number; rssMiB: number; cpuMs: number; tenants: number };

export interface TenantsRound {
  tenants: number;
  instances: number;
  /** From the first message to the last normal tenant's evaluation. */
  wallMs: number;
  /** Each normal tenant's wall (its message to its evaluation) over its own floor: the worst. */
  worstVsOwnFloor: number;
  requests: number;
  /** Graph requests of each collector's latest run, summed over the tenants. */
  requestsByStep: Record<string, number>;
  throttleRetries: number;
  failedDeliveries: number;
  peakRssMiB: number;
  /**
   * CPU seconds of each kind of process; `busy`: all of them over the machine's cores and the wall;
   * `storageBusy`: the storage emulator's share of one core (Azurite runs on one thread).
   */
  cpu: { workersS: number; storageS: number; simulatorS: number; cores: number; busy: number; storageBusy: number };
}

export interface TenantsBenchResult {
  tenants: number;
  /** Users of each size of tenant, and how many tenants have it. */
  sizes: Record<string, number>;
  instances: number;
  /** Messages one instance runs at once (host.json batchSize + newBatchThreshold). */
  perInstance: number;
  timeScale: number;
  /** The largest tenant's throttling floor. */
  floorMs: number;
  wallMs: number;
  wallVsFloor: number;
  worstVsOwnFloor: number;
  requests: number;
  minRequests: number;
  requestsVsMinimum: number;
  peakRssMiB: number;
  cpu: TenantsRound['cpu'];
  /**
   * This machine, not the design, bounded the wall: its cores were busy most of it (busy ≥ 0.8), or the storage
   * emulator's one thread was (storageBusy ≥ 0.8; Azure Table Storage is a service of many servers).
   */
  machineBound: boolean;
  requestsByStep: Record<string, number>;
  throttleRetries: number;
  faults: {
    wallMs: number;
    wallVsFloor: number;
    worstVsOwnFloor: number;
    throttledTenant: string;
    hangingTenant: string;
    /** What became of their work when the others were done (retrying, dead-lettered…). */
    faultyOutcome: Record<string, string>;
    machineBound: boolean;
  } | null;
  plans: Record<string, Plan>;
  roundTripMs: number;
}

function tenantId(i: number): string {
  return `5e0c0000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** The instances target-based scaling asks for: queued messages ÷ batchSize, within the plan's limit. */
export function scaleOut(messages: number, semantics: QueueSemantics, maxInstances = MAX_INSTANCES): number {
  return Math.max(1, Math.min(maxInstances, Math.ceil(messages / semantics.batchSize)));
}

/** A child of this file in `mode`; its stdout lines are handed to `onLine`. */
function child(mode: string, spec: unknown, onLine: (line: string) => void): ChildProcess {
  // The bench's own node flags too: `node --cpu-prof dist/devkit/bench/run.js --tenants …` profiles every process.
  const c = spawn(process.execPath, [...process.execArgv, SELF, mode, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'inherit'] });
  if (c.stdout) createInterface({ input: c.stdout }).on('line', onLine);
  return c;
}

/** The simulator with every tenant, in its own process; prints {url, tokens}. */
async function simulatorChild(spec: { files: Record<string, string>; timeScale: number; faults: Record<string, SimulatorFaultRule[]> }): Promise<{ url: string; tokens: Record<string, string>; child: ChildProcess }> {
  let c: ChildProcess | undefined;
  const first = await new Promise<string>((resolve, reject) => {
    c = child('--serve-tenants', spec, resolve);
    c.once('exit', (code) => reject(new Error(`tenant simulator exited with ${code}`)));
  });
  c?.removeAllListeners('exit');
  return { ...(JSON.parse(first) as { url: string; tokens: Record<string, string> }), child: c as ChildProcess };
}

async function serveTenants(specText: string): Promise<void> {
  const spec = JSON.parse(specText) as { files: Record<string, string>; timeScale: number; faults: Record<string, SimulatorFaultRule[]> };
  const { startGraphSimulator } = await import('../simulator/graph-simulator.js');
  const fixtures = new Map<string, ReturnType<typeof parseTenantFixtureText>>();
  const fixtureOf = (file: string) => fixtures.get(file) ?? fixtures.set(file, parseTenantFixtureText(readFileSync(file, 'utf8'), file)).get(file);
  const ids = Object.keys(spec.files);
  const sim = await startGraphSimulator({ tenants: ids.map((id) => ({ tenantId: id, fixture: fixtureOf(spec.files[id] as string) as ReturnType<typeof parseTenantFixtureText>, ...(spec.faults[id] ? { faults: spec.faults[id] } : {}) })), throttle: { timeScale: spec.timeScale } });
  process.stdout.write(`${JSON.stringify({ url: sim.url, tokens: Object.fromEntries(ids.map((id) => [id, sim.tokenFor(id)])) })}\n`);
  process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
  process.stdin.resume();
}

function workerRuntime(spec: WorkerSpec) {
  const settings = loadSettings({ MONITOR_TABLE_PREFIX: spec.prefix, MONITOR_WORK_QUEUE: spec.workQueue });
  const target = { kind: 'connectionString' as const, connectionString: spec.connectionString };
  const pacing = { timeScale: spec.timeScale };
  return {
    target,
    settings,
    rt: createRuntime({
      settings,
      store: new TableStore(target, settings.tablePrefix),
      log: silentLogger,
      source: { baseUrl: spec.simUrl, credential: staticTokenCredential('none'), tenant: { id: 'msp', tenantId: 'msp', displayName: 'MSP' }, pacing, retryDelaySeconds: 0 },
      tenantSource: (t) => ({ baseUrl: spec.simUrl, credential: staticTokenCredential(spec.tokens[t.tenantId] ?? 'none'), tenant: { id: t.tenantId, tenantId: t.tenantId, displayName: t.displayName }, pacing, retryDelaySeconds: 0 }),
    }),
  };
}

/** One Functions instance: the app's queue triggers on the work queue until stdin ends; reports on stdout. */
async function worker(specText: string): Promise<void> {
  const spec = JSON.parse(specText) as WorkerSpec;
  const { rt, target, settings } = workerRuntime(spec);
  setRuntime(rt);
  const app = await FunctionApp.load(silentLogger);
  const say = (line: WorkerLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const seen = new Set<string>();
  const invoke = app.invokeQueue.bind(app);
  app.invokeQueue = async (name, body, meta) => {
    const m = parseWorkMessage(body);
    const tenant = typeof m === 'string' ? '' : m.tenantId;
    const step = typeof m === 'string' ? '' : m.step;
    seen.add(tenant);
    try {
      await invoke(name, body, meta);
      say(name === 'tenantWork' ? { k: 'done', tenant, step, at: Date.now() } : { k: 'dead', tenant, step, at: Date.now() });
    } catch (error) {
      say({ k: 'failed', tenant, step, delivery: meta.dequeueCount, at: Date.now() });
      throw error;
    }
  };
  const runner = new QueueRunner(app, queueService(target), { MONITOR_WORK_QUEUE: settings.tenants.workQueue }, silentLogger, (w) => w(), spec.semantics);
  runner.start();
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  runner.stop();
  let requests = 0;
  let retries = 0;
  for (const id of seen) {
    const record = id ? await rt.registry.get(id) : undefined;
    if (!record) continue;
    const stats = rt.tenants.forTenant(record).graph.stats;
    requests += stats.graphRequests;
    retries += stats.retries;
  }
  const cpu = process.cpuUsage();
  say({ k: 'stats', requests, retries, rssMiB: Math.round(process.resourceUsage().maxRSS / 1024), cpuMs: Math.round((cpu.user + cpu.system) / 1000), tenants: seen.size });
  // A hanging tenant's request may still be open: do not wait for it.
  process.exit(0);
}

/** CPU seconds a process has used so far (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function round(o: { files: Record<string, string>; excluded: Record<string, string>; floors: Record<string, number>; normal: string[]; faulty: Record<string, SimulatorFaultRule[]>; timeScale: number; instances: number; semantics: QueueSemantics; prefix: string }): Promise<TenantsRound & { outcome: Record<string, string> }> {
  const ids = Object.keys(o.files);
  const azurite = await startAzurite({ dataDir: null, mode: 'child' });
  const sim = await simulatorChild({ files: o.files, timeScale: o.timeScale, faults: o.faulty });
  const workers: ChildProcess[] = [];
  try {
    const spec: WorkerSpec = { connectionString: azurite.connectionString, simUrl: sim.url, tokens: sim.tokens, prefix: o.prefix, workQueue: `${o.prefix.toLowerCase()}-work`, timeScale: o.timeScale, semantics: o.semantics };
    const { rt } = workerRuntime(spec);
    await rt.store.ensureTables([...TABLES, 'tenants']);
    const now = new Date();
    // Each with its break-glass group excluded, as the plan (and the single-tenant bench) assumes.
    for (const [i, id] of ids.entries()) await rt.registry.put({ tenantId: id, displayName: `tenant ${i}`, enabled: true, settings: o.excluded[id] ? { MONITOR_EXCLUDED_ACCOUNTS: o.excluded[id] } : {} }, now.toISOString());
    const queue = rt.workQueue();
    await queue.ensure();
    const done = new Map<string, number>();
    const outcome: Record<string, string> = {};
    const stats: Array<Extract<WorkerLine, { k: 'stats' }>> = [];
    let failedDeliveries = 0;
    const onLine = (text: string) => {
      const line = JSON.parse(text) as WorkerLine;
      if (line.k === 'stats') stats.push(line);
      else if (line.k === 'done' && line.step === 'cycle') done.set(line.tenant, line.at);
      else if (line.k === 'failed') {
        failedDeliveries++;
        outcome[line.tenant] = `${line.step}: delivery ${line.delivery} failed`;
      } else if (line.k === 'dead') outcome[line.tenant] = `${line.step} dead-lettered`;
    };
    const cpuBefore = { storage: cpuSeconds(azurite.pid), simulator: cpuSeconds(sim.child.pid) };
    // As onboarding: one cycle message per tenant; the instances the scale controller starts for them poll it.
    const t0 = Date.now();
    const slot = slotOf(now);
    for (let i = 0; i < ids.length; i += 32) await Promise.all(ids.slice(i, i + 32).map((id) => queue.send(workMessage(id, 'cycle', slot, now))));
    for (let i = 0; i < o.instances; i++) workers.push(child('--worker', spec, onLine));
    const limit = t0 + 30 * 60_000;
    while (!o.normal.every((id) => done.has(id))) {
      if (Date.now() > limit) throw new Error(`tenants bench: ${o.normal.filter((id) => !done.has(id)).length} tenants not done after 30 minutes`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const wallMs = Math.max(...o.normal.map((id) => done.get(id) as number)) - t0;
    const cpu = { storage: cpuSeconds(azurite.pid) - cpuBefore.storage, simulator: cpuSeconds(sim.child.pid) - cpuBefore.simulator };
    const exited = Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
    for (const w of workers) w.stdin?.end();
    await exited;
    const byStep: Record<string, number> = {};
    for (const id of o.normal) {
      const record = await rt.registry.get(id);
      if (!record) continue;
      for (const run of Object.values(await latestRuns(rt.tenants.forTenant(record).store))) if (run) byStep[run.collector] = (byStep[run.collector] ?? 0) + run.graphRequests;
    }
    for (const id of Object.keys(o.faulty)) outcome[id] ??= 'no delivery finished yet';
    const workersS = stats.reduce((a, s) => a + s.cpuMs, 0) / 1000;
    const cores = availableParallelism();
    return {
      tenants: o.normal.length,
      instances: o.instances,
      wallMs,
      worstVsOwnFloor: round2(Math.max(...o.normal.map((id) => ((done.get(id) as number) - t0) / Math.max(1, o.floors[id] ?? 1)))),
      requests: stats.reduce((a, s) => a + s.requests, 0),
      requestsByStep: byStep,
      throttleRetries: stats.reduce((a, s) => a + s.retries, 0),
      failedDeliveries,
      peakRssMiB: Math.max(0, ...stats.map((s) => s.rssMiB)),
      // Worker CPU includes start-up and the last idle polls: a slight overstatement.
      cpu: { workersS: round2(workersS), storageS: round2(cpu.storage), simulatorS: round2(cpu.simulator), cores, busy: round2((workersS + cpu.storage + cpu.simulator) / cores / (wallMs / 1000)), storageBusy: round2(cpu.storage / (wallMs / 1000)) },
      outcome,
    };
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    sim.child.stdin?.end();
    sim.child.kill('SIGTERM');
    await azurite.stop();
  }
}

export async function tenantsBench(o: { tenants: number; users: number; mixed: boolean; timeScale: number; instances?: number; faults: boolean; generate: (file: string, users: number) => Promise<{ breakGlassGroupId: string }>; plan: (file: string, excluded: string) => Promise<Plan> }): Promise<TenantsBenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'amm-bench-tenants-'));
  try {
    const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
    const sizes = [...new Set((o.mixed ? MIX : [1]).map((f) => Math.max(50, Math.round(o.users * f))))];
    const fileOf = new Map<number, string>();
    const breakGlassOf = new Map<number, string>();
    const plans: Record<string, Plan> = {};
    for (const users of sizes) {
      const file = path.join(dir, `tenant-${users}.json`);
      log(`generating a tenant of ${users} users`);
      const summary = await o.generate(file, users);
      plans[users] = await o.plan(file, summary.breakGlassGroupId);
      fileOf.set(users, file);
      breakGlassOf.set(users, summary.breakGlassGroupId);
    }
    const sizeOf = (i: number) => sizes[i % sizes.length] as number;
    const ids = Array.from({ length: o.tenants }, (_, i) => tenantId(i + 1));
    const files = Object.fromEntries(ids.map((id, i) => [id, fileOf.get(sizeOf(i)) as string]));
    const excluded = Object.fromEntries(ids.map((id, i) => [id, breakGlassOf.get(sizeOf(i)) as string]));
    const largest = sizes[0] as number;
    const probe = await simulatorChild({ files: { [ids[0] as string]: fileOf.get(largest) as string }, timeScale: o.timeScale, faults: {} });
    const rtt = await roundTrip(probe.url, probe.tokens[ids[0] as string] as string);
    probe.child.stdin?.end();
    probe.child.kill('SIGTERM');
    const floorOf = Object.fromEntries(sizes.map((u) => [u, Math.round(floorMs(plans[u] as Plan, o.timeScale, rtt).floorMs)]));
    const floors = Object.fromEntries(ids.map((id, i) => [id, floorOf[sizeOf(i)] as number]));
    const floor = floorOf[largest] as number;
    const semantics = queueSemantics(projectHostJson());
    const instances = o.instances ?? scaleOut(o.tenants, semantics);
    log(`round 1: ${o.tenants} tenants (${sizes.join(', ')} users), ${instances} instances of ${semantics.batchSize}+${semantics.newBatchThreshold}, largest floor ${floor} ms`);
    const clean = await round({ files, excluded, floors, normal: ids, faulty: {}, timeScale: o.timeScale, instances, semantics, prefix: 'benchmt' });
    const bound = (r: TenantsRound) => r.cpu.busy >= 0.8 || r.cpu.storageBusy >= 0.8;
    let faults: TenantsBenchResult['faults'] = null;
    if (o.faults) {
      const throttled = tenantId(90_001);
      const hanging = tenantId(90_002);
      log('round 2: the same with an always-429 tenant and a hanging one');
      const faultyFile = fileOf.get(sizes[sizes.length - 1] as number) as string;
      const r = await round({ files: { ...files, [throttled]: faultyFile, [hanging]: faultyFile }, excluded, floors, normal: ids, faulty: { [throttled]: [{ kind: 'throttle429', retryAfterSeconds: 1 }], [hanging]: [{ kind: 'hang' }] }, timeScale: o.timeScale, instances: o.instances ?? scaleOut(o.tenants + 2, semantics), semantics, prefix: 'benchmf' });
      faults = { wallMs: r.wallMs, wallVsFloor: round2(r.wallMs / Math.max(1, floor)), worstVsOwnFloor: r.worstVsOwnFloor, throttledTenant: throttled, hangingTenant: hanging, faultyOutcome: r.outcome, machineBound: bound(r) };
    }
    const minRequests = ids.reduce((a, _id, i) => a + (plans[sizeOf(i)] as Plan).minRequests, 0);
    return {
      tenants: o.tenants,
      sizes: Object.fromEntries(sizes.map((u) => [u, ids.filter((_id, i) => sizeOf(i) === u).length])),
      instances,
      perInstance: semantics.batchSize + semantics.newBatchThreshold,
      timeScale: o.timeScale,
      floorMs: floor,
      wallMs: clean.wallMs,
      wallVsFloor: round2(clean.wallMs / Math.max(1, floor)),
      worstVsOwnFloor: clean.worstVsOwnFloor,
      requests: clean.requests,
      minRequests,
      requestsVsMinimum: round2(clean.requests / Math.max(1, minRequests)),
      peakRssMiB: clean.peakRssMiB,
      cpu: clean.cpu,
      machineBound: bound(clean),
      requestsByStep: clean.requestsByStep,
      throttleRetries: clean.throttleRetries,
      faults,
      plans,
      roundTripMs: Math.round(rtt * 100) / 100,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

// Child entries: the simulator of every tenant; one worker instance.
if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  if (process.argv[2] === '--serve-tenants') await serveTenants(process.argv[3] ?? '{}');
  if (process.argv[2] === '--worker') await worker(process.argv[3] ?? '{}');
}
