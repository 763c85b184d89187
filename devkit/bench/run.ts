// npm run bench: full collection cycles over generated tenants against the throttled simulated tenant, with
// the requests, wall time, table writes and memory they take, next to the theoretical floor.
//   npm run bench                          1k, 10k and 100k users, a table
//   npm run -s bench -- --users N --json   one size, one JSON object (field names are a contract)
// Each size runs in its own process, so peak memory is that size's; the tenant generator, the simulated tenant,
// Azurite and the floor computation run in child processes and do not count in it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { runCycle } from '../../src/app/cycle.js';
import { silentLogger } from '../../src/app/logger.js';
import { createRuntime } from '../../src/app/runtime.js';
import { loadSettings } from '../../src/app/settings.js';
import { snapshotFromFixture } from './snapshot.js';
import { evaluate } from '../../src/core/evaluate.js';
import { parseTenantFixtureText } from '../fixture/format.js';
import { staticTokenCredential } from '../../src/graph/gateway.js';
import { startAzurite } from '../emulators/azurite.js';
import { TableStore } from '../../src/storage/tables.js';
import { generateTenant } from '../generate/generate.js';
import { type Plan, floorMs, minimalPlan, roundTrip } from './plan.js';
import { loadBench } from './load.js';
import { type ChurnResult, churnBench, simulatorControl } from './churn.js';
import { tenantsBench } from './tenants.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../cli/main.js');
const GEN = path.resolve(here, '../generate/cli.js');
const SELF = fileURLToPath(import.meta.url);

/** Tenant shape per size: admin paths and policies grow with the tenant as they do in real ones. */
export function shape(users: number): { admins: number; policies: number; signInsPerDay: number } {
  if (users <= 2_000) return { admins: Math.max(20, Math.round(users * 0.03)), policies: 40, signInsPerDay: Math.round(users * 0.5) };
  if (users <= 20_000) return { admins: Math.round(users * 0.02), policies: 150, signInsPerDay: Math.round(users * 0.3) };
  return { admins: Math.round(users * 0.015), policies: 400, signInsPerDay: Math.round(users * 0.2) };
}

export interface BenchResult {
  users: number;
  admins: number;
  policies: number;
  requests: number;
  minRequests: number;
  wallMs: number;
  floorMs: number;
  firstRunWrites: number;
  steadyRunWrites: number;
  churnRunWrites: number;
  peakRssMiB: number;
  evalMs10kAdmins500Policies: number;
  // Context (not part of the contract):
  adminPaths: number;
  timeScale: number;
  httpRequests: number;
  throttleRetries: number;
  budgetFloorMs: number;
  chainFloorMs: number;
  roundTripMs: number;
  steadyWallMs: number;
  /** Graph requests of the second (unchanged) cycle. */
  steadyRequests: number;
  churnWallMs: number;
  plan: Plan;
  requestsByEndpoint: Record<string, number>;
  verdicts: Record<string, number>;
  /** First cycle: each collector's and the evaluation's duration, ms. */
  firstRunSteps: Record<string, number>;
  steadyWrites: { byTable: Record<string, number>; byRun: Record<string, number> };
  /** `--churn`: the change feed's change-to-alert latency and requests per scenario, and requests per hour. */
  feedChurn?: ChurnResult;
}

function run(command: string, args: string[], options: { capture?: boolean; nodeArgs?: string[] } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), command, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) => (code === 0 ? resolve(options.capture === false ? '' : out) : reject(new Error(`${path.basename(command)} ${args.join(' ')} exited with ${code}`))));
  });
}

async function generate(file: string, users: number, churnSeed?: number): Promise<{ breakGlassGroupId: string; adminPaths: number }> {
  const s = shape(users);
  const args = ['--users', String(users), '--admins', String(s.admins), '--policies', String(s.policies), '--signins-per-day', String(s.signInsPerDay), '--seed', '1', '--out', file];
  if (churnSeed !== undefined) args.push('--churn-admins', '1', '--churn-policies', '1', '--churn-seed', String(churnSeed));
  const summary = JSON.parse((await run(GEN, args)).trim().split('\n').pop() as string) as { breakGlassGroupId: string; adminPaths: number };
  return summary;
}

/** A simulated tenant in its own process, throttled like Graph (time-scaled). */
async function simulator(file: string, timeScale: number, now: string): Promise<{ url: string; token: string; child: ChildProcess }> {
  // Learn's documented audit-log latency: the change feed measured with `--churn` reads the log as Graph serves it.
  const child = spawn(process.execPath, [CLI, 'simulate', '--tenant', file, '--throttle-scale', String(timeScale), '--now', now, '--audit-latency', 'documented'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] as string);
    });
    child.once('exit', (code) => reject(new Error(`simulate exited with ${code}`)));
  });
  child.removeAllListeners('exit');
  return { ...(JSON.parse(line) as { url: string; token: string }), child };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Evaluation speed: 10,000 admins × 500 policies, median of five runs after a warm-up. */
export async function evalBench(): Promise<number> {
  const chunks: string[] = [];
  await generateTenant({ users: 20_000, admins: 10_000, policies: 500, signInsPerDay: 10, seed: 1, registration: 'admins' }, (c) => {
    chunks.push(c);
  });
  const fixture = parseTenantFixtureText(chunks.join(''), 'eval bench');
  chunks.length = 0;
  const snapshot = snapshotFromFixture(fixture, fixture.referenceTime as string);
  const options = { adminRoles: { mode: 'core' as const, roleIds: [] }, excludedAccounts: [fixture.settings?.MONITOR_EXCLUDED_ACCOUNTS ?? ''].filter(Boolean), globalAdminMin: 2, globalAdminMax: 8 };
  evaluate(snapshot, options);
  // Median of seven, after a warm-up run (the first run compiles; a scheduled evaluation runs warm too).
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    evaluate(snapshot, options);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[3] as number);
}

async function one(users: number, timeScale: number, keep: boolean, churn?: { samples: number }): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), `amm-bench-${users}-`));
  const base = path.join(dir, 'tenant.json');
  const churned = path.join(dir, 'tenant-churn.json');
  try {
    const summary = await generate(base, users);
    await generate(churned, users, 2);
    const plan = JSON.parse(await run(SELF, ['--plan', base, '--excluded', summary.breakGlassGroupId])) as Plan;
    const s = shape(users);
    // In its own process: its memory is not the monitor's.
    const azurite = await startAzurite({ dataDir: null, mode: 'child' });
    const now = new Date().toISOString();
    let sim = await simulator(base, timeScale, now);
    try {
      const rtt = await roundTrip(sim.url, sim.token);
      const settings = loadSettings({ MONITOR_TABLE_PREFIX: `bench${users}`, MONITOR_EXCLUDED_ACCOUNTS: summary.breakGlassGroupId, GRAPH_MAX_CONCURRENCY: '8' });
      const store = new TableStore({ kind: 'connectionString', connectionString: azurite.connectionString }, settings.tablePrefix);
      await store.ensureTables();
      const tenant = { id: 'bench', tenantId: 'bench', displayName: `bench ${users}` };
      const runtime = (url: string, token: string) =>
        createRuntime({ settings, store, log: silentLogger, source: { baseUrl: url, credential: staticTokenCredential(token), tenant, pacing: { timeScale }, retryDelaySeconds: 0 } });
      let rt = runtime(sim.url, sim.token);
      const t1 = performance.now();
      const first = await runCycle(rt, 'bench');
      const wallMs = Math.round(performance.now() - t1);
      if (!first.ok) throw new Error(`first cycle failed: ${first.runs.map((r) => `${r.collector} ${r.status} ${r.error ?? ''}`).join('; ')}`);
      const stats = { ...rt.graph.stats, byEndpoint: { ...rt.graph.stats.byEndpoint } };
      const firstRunWrites = store.writes;
      const requestsBeforeSteady = rt.graph.stats.graphRequests;
      const byTable = new Map(store.writesByTable);
      const t2 = performance.now();
      const steady = await runCycle(rt, 'bench');
      const steadyWallMs = Math.round(performance.now() - t2);
      const steadyRunWrites = store.writes - firstRunWrites;
      const steadyRequests = rt.graph.stats.graphRequests - requestsBeforeSteady;
      const steadyWrites = Object.fromEntries([...store.writesByTable].map(([t, n]) => [t, n - (byTable.get(t) ?? 0)]).filter(([, n]) => Number(n) > 0));
      const steadyByRun = Object.fromEntries(steady.runs.map((r) => [r.collector, r.writes]));
      await stop(sim.child);
      sim = await simulator(churned, timeScale, now);
      rt = runtime(sim.url, sim.token);
      const before = store.writes;
      const t3 = performance.now();
      await runCycle(rt, 'bench');
      const churnWallMs = Math.round(performance.now() - t3);
      const churnRunWrites = store.writes - before;
      const floor = floorMs(plan, timeScale, rtt);
      const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
      let feedChurn: ChurnResult | undefined;
      if (churn) {
        // From here the bench owns the clock: the monitor's and the simulated tenant's move together.
        let simulated = Date.now();
        const clocked = createRuntime({ settings, store, log: silentLogger, now: () => new Date(simulated), source: { baseUrl: sim.url, credential: staticTokenCredential(sim.token), tenant, pacing: { timeScale }, retryDelaySeconds: 0 } });
        feedChurn = await churnBench({
          rt: clocked,
          clock: { set: (t) => (simulated = t) },
          control: simulatorControl(sim.url, sim.token),
          report: first.report,
          steady: steady.runs,
          daily: first.runs.find((r) => r.collector === 'securescore'),
          samplesPerScenario: churn.samples,
          start: simulated,
        });
      }
      const evalMs = Number((await run(SELF, ['--eval'])).trim());
      const verdicts = { protected: first.report.summary.protected, partial: first.report.summary.partial, unprotected: first.report.summary.unprotected, excluded: first.report.summary.excluded, unknown: first.report.summary.unknown };
      return {
        users,
        admins: first.report.summary.admins,
        policies: s.policies,
        requests: stats.graphRequests,
        minRequests: plan.minRequests,
        wallMs,
        floorMs: Math.round(floor.floorMs),
        firstRunWrites,
        steadyRunWrites,
        churnRunWrites,
        peakRssMiB,
        evalMs10kAdmins500Policies: evalMs,
        adminPaths: summary.adminPaths,
        timeScale,
        httpRequests: stats.httpRequests,
        throttleRetries: stats.retries,
        budgetFloorMs: Math.round(floor.budgetMs),
        chainFloorMs: Math.round(floor.chainMs),
        roundTripMs: Math.round(rtt * 100) / 100,
        steadyWallMs,
        steadyRequests,
        churnWallMs,
        plan,
        requestsByEndpoint: stats.byEndpoint,
        verdicts,
        firstRunSteps: Object.fromEntries(first.runs.map((r) => [r.collector, Date.parse(r.endedAt) - Date.parse(r.startedAt)])),
        steadyWrites: { byTable: steadyWrites, byRun: steadyByRun },
        ...(feedChurn ? { feedChurn } : {}),
      };
    } finally {
      await stop(sim.child);
      await azurite.stop();
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

function table(results: BenchResult[]): string {
  const rows: Array<[string, (r: BenchResult) => string]> = [
    ['users', (r) => r.users.toLocaleString('en')],
    ['admins (paths)', (r) => `${r.admins} (${r.adminPaths})`],
    ['policies', (r) => String(r.policies)],
    ['Graph requests / minimum', (r) => `${r.requests} / ${r.minRequests} (${(r.requests / r.minRequests).toFixed(2)}×)`],
    ['wall / floor (ms)', (r) => `${r.wallMs} / ${r.floorMs} (${(r.wallMs / Math.max(1, r.floorMs)).toFixed(2)}×)`],
    ['writes: first run', (r) => String(r.firstRunWrites)],
    ['writes: steady run', (r) => `${r.steadyRunWrites} (${((100 * r.steadyRunWrites) / r.firstRunWrites).toFixed(2)} %)`],
    ['writes: 1 % churn', (r) => String(r.churnRunWrites)],
    ['peak RSS (MiB)', (r) => String(r.peakRssMiB)],
    ['eval 10k admins × 500 policies (ms)', (r) => String(r.evalMs10kAdmins500Policies)],
    ['time scale', (r) => `${r.timeScale}×`],
    ...(results.some((r) => r.feedChurn)
      ? ([
          ['requests / hour: today → change feed', (r) => (r.feedChurn ? `${r.feedChurn.requestsPerHour.today} → ${r.feedChurn.requestsPerHour.changeFeed} (${(r.feedChurn.requestsPerHour.ratio * 100).toFixed(1)} %)` : '')],
          ['change to alert p95 (simulated)', (r) => (r.feedChurn?.p95LatencyMs !== null && r.feedChurn?.p95LatencyMs !== undefined ? `${(r.feedChurn.p95LatencyMs / 1000).toFixed(0)} s` : 'not all told')],
          ...['admin added', 'policy flipped to report-only', 'exclusion group member added', 'MFA method removed'].map(
            (name) => [`  ${name}: p95 / requests`, (r: BenchResult) => {
              const s = r.feedChurn?.byScenario[name];
              return s ? `${s.p95LatencyMs !== null ? `${(s.p95LatencyMs / 1000).toFixed(0)} s` : '—'} / ${s.medianRequests ?? '—'} (${s.told}/${s.of})` : '';
            }] as [string, (r: BenchResult) => string],
          ),
        ] as Array<[string, (r: BenchResult) => string]>)
      : []),
  ];
  const width = Math.max(...rows.map(([h]) => h.length));
  const cols = results.map((r) => Math.max(...rows.map(([, f]) => f(r).length)));
  return rows.map(([h, f]) => `${h.padEnd(width)}  ${results.map((r, i) => f(r).padStart(cols[i] as number)).join('  ')}`).join('\n');
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

const program = new Command()
  .name('bench')
  .option('--users <n>', 'one tenant size (default: 1000, 10000 and 100000)', positive)
  .option('--json', 'print one JSON object (with --users)')
  .option('--scale <n>', 'time scale of the throttling budgets (10 = windows 10× shorter; 1 = Graph\'s real budgets)', positive, 1)
  .option('--keep', 'keep the generated tenants')
  .option('--plan <file>', '(internal) print the minimal request plan of a fixture')
  .option('--excluded <ids>', '(internal) break-glass accounts for --plan')
  .option('--eval', '(internal) print the evaluation benchmark in ms')
  .option('--load', 'the HTTP functions under concurrent callers (50 checks, 500 history reads) on the demo tenant')
  .option('--churn', 'also measure the change feed: churn scenarios, change-to-alert latency, requests per hour')
  .option('--churn-samples <n>', 'moments per churn scenario (default 6)', positive, 6)
  .option('--tenants <n>', 'many tenants through the work queue (docs/tenants.md): N tenants of --users users each (default 1000)', positive)
  .option('--mixed', '--tenants: an MSP\'s mix of sizes (--users, 1/2, 1/4 and 1/10 of it) instead of one size')
  .option('--instances <n>', '--tenants: worker instances (default: what target-based scaling runs for the queue, messages ÷ host.json batchSize, at most 40)', positive)
  .option('--no-faults', '--tenants: skip the round with an always-429 tenant and a hanging one');

program.action(async (o: { users?: number; json?: boolean; scale: number; keep?: boolean; plan?: string; excluded?: string; eval?: boolean; load?: boolean; churn?: boolean; churnSamples: number; tenants?: number; mixed?: boolean; instances?: number; faults: boolean }) => {
  if (o.tenants) {
    const result = await tenantsBench({
      tenants: o.tenants,
      users: o.users ?? 1_000,
      mixed: o.mixed === true,
      timeScale: o.scale,
      ...(o.instances ? { instances: o.instances } : {}),
      faults: o.faults,
      generate: (file, users) => generate(file, users),
      plan: async (file, excluded) => JSON.parse(await run(SELF, ['--plan', file, '--excluded', excluded])) as Plan,
    });
    console.log(JSON.stringify(result, null, o.json ? undefined : 2));
    return;
  }
  if (o.load) {
    const result = await loadBench();
    console.log(JSON.stringify(result, null, o.json ? undefined : 2));
    // The hanging tenant's requests are still open (they time out after GRAPH_TIMEOUT_SECONDS): do not wait for them.
    process.exit(0);
  }
  if (o.plan) {
    const fixture = parseTenantFixtureText(readFileSync(o.plan, 'utf8'), o.plan);
    // The app's own defaults decide what it reads (the interrupt codes among them).
    process.stdout.write(JSON.stringify(minimalPlan({ fixture, excludedAccounts: (o.excluded ?? '').split(',').filter(Boolean), interruptCodes: loadSettings({}).interruptCodes })));
    return;
  }
  if (o.eval) {
    process.stdout.write(String(await evalBench()));
    return;
  }
  if (o.users) {
    const result = await one(o.users, o.scale, o.keep === true, o.churn ? { samples: o.churnSamples } : undefined);
    if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else console.log(table([result]));
    return;
  }
  const results: BenchResult[] = [];
  for (const users of [1_000, 10_000, 100_000]) {
    console.error(`bench: ${users.toLocaleString('en')} users…`);
    results.push(JSON.parse(await run(SELF, ['--users', String(users), '--json', '--scale', String(o.scale), ...(o.churn ? ['--churn', '--churn-samples', String(o.churnSamples)] : [])])) as BenchResult);
  }
  console.log(table(results));
});

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
