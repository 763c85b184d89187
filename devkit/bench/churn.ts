// `npm run bench -- --users N --churn`: the change feed measured on a generated tenant (docs/performance.md,
// "The change feed"). After the full cycles, the simulated clock is the bench's: each churn scenario (an admin
// added, a policy flipped to report-only, an admin added to an exclusion group, an admin's MFA methods removed)
// is made at several moments between two feed runs, the audit log shows it after Learn's documented latency
// (the simulated tenant's `documented` model), and the feed runs every SCHEDULE_CHANGEFEED until the change is
// told. Reported per scenario: the change-to-alert latency in simulated time (the feed runs' own wall time
// included) and the Graph requests the feed spent on it; and the steady requests per hour, today's schedules
// against the change feed's, from the runs measured here.
import { Cron } from 'croner';
import { runChangeFeed } from '../../src/app/cycle.js';
import type { Runtime } from '../../src/app/runtime.js';
import type { RunRecord } from '../../src/collect/runs.js';
import type { ConditionalAccessPolicy } from '../../src/core/graph-types.js';
import type { Report } from '../../src/core/report.js';
import { loadValues } from '../../src/storage/state.js';
import type { TenantEdit } from '../simulator/edits.js';

export interface ChurnSample {
  scenario: string;
  subject: string;
  /** Simulated ms from the change to the end of the feed run that told it; null when never told. */
  latencyMs: number | null;
  /** Feed runs from the change until it was told. */
  feedRuns: number;
  /** Graph requests of those runs (the feed's own reads included), and above an idle run's. */
  requests: number;
  requestsAboveIdle: number;
}

export interface ChurnResult {
  periodMs: number;
  auditLatency: 'documented';
  samples: ChurnSample[];
  byScenario: Record<string, { told: number; of: number; p95LatencyMs: number | null; maxLatencyMs: number | null; medianRequests: number | null }>;
  p95LatencyMs: number | null;
  /** Graph requests of a feed run with nothing to do (audit log and delta links), averaged over ten minutes. */
  idleFeedRequests: number;
  requestsPerHour: { today: number; changeFeed: number; ratio: number; byRun: Record<string, { requests: number; runsPerHourToday: number; runsPerHourNow: number }> };
}

/** How often a schedule fires per hour, over a day. */
export function runsPerHour(expr: string, from = new Date('2026-12-01T00:00:00Z')): number {
  // Runs in [from, from + 1 day): nextRuns starts after its argument.
  const start = new Date(from.getTime() - 1);
  return new Cron(expr, { paused: true, timezone: 'UTC' }).nextRuns(24 * 60 * 2, start).filter((d) => d.getTime() < from.getTime() + 86_400_000).length / 24;
}

/** The pre-change-feed defaults (issue 19: "today's" schedules). */
export const TODAY_SCHEDULES = { roles: '0 */15 * * * *', policies: '0 */15 * * * *', activations: '0 */15 * * * *', signins: '0 */10 * * * *', securescore: '0 30 6 * * *' } as const;

interface Control {
  setNow(at: Date): Promise<void>;
  edit(edits: TenantEdit[]): Promise<void>;
  /** Users the simulated tenant has (for new admins): ids not in `except`. */
  users(count: number, except: ReadonlySet<string>): Promise<string[]>;
}

/** The simulated tenant's control endpoints (graph-simulator.ts), across the process boundary. */
export function simulatorControl(url: string, token: string): Control {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  };
  return {
    setNow: async (at) => void (await call('PUT', '/_simulator/clock', { now: at.toISOString() })),
    edit: async (edits) => void (await call('POST', '/_simulator/edits', edits)),
    users: async (count, except) => {
      const out: string[] = [];
      let next: string | undefined = '/v1.0/users?$select=id&$top=999';
      while (next && out.length < count) {
        const page = (await call('GET', next)) as { value: Array<{ id: string }>; '@odata.nextLink'?: string };
        for (const u of page.value) if (!except.has(u.id.toLowerCase()) && out.length < count) out.push(u.id.toLowerCase());
        next = page['@odata.nextLink']?.replace(url, '');
      }
      return out;
    },
  };
}

interface Scenario {
  name: string;
  subjects: string[];
  edit(subject: string): TenantEdit[];
  /** The edits that undo it (a policy flipped back), applied after it was told. */
  undo?(subject: string): TenantEdit[];
  told(notified: ReadonlyArray<{ type: string; subjectId: string }>, subject: string): boolean;
}

/** Subjects for each scenario, from the first cycle's report and the stored policies (the bench composes app and dev kit). */
async function scenarios(rt: Runtime, report: Report, control: Control, samples: number): Promise<Scenario[]> {
  const policies = await loadValues<ConditionalAccessPolicy>(rt.store, 'caPolicy');
  const byId = new Map(policies.map((p) => [p.id.toLowerCase(), p]));
  const protectedAdmins = report.admins.filter((a) => a.verdict === 'protected');
  // A policy that alone covers some admin: flipping it to report-only weakens that admin's coverage.
  const sole = [...new Set(report.admins.filter((a) => a.coveringPolicyIds.length === 1).map((a) => a.coveringPolicyIds[0] as string))].filter((id) => byId.get(id.toLowerCase())?.state === 'enabled');
  // A protected admin and a group every policy covering them excludes: adding them to it takes them out.
  const excludable = protectedAdmins.flatMap((a) => {
    const covering = a.coveringPolicyIds.map((id) => byId.get(id.toLowerCase()));
    if (covering.length === 0 || covering.some((p) => !p)) return [];
    const [first, ...rest] = covering.map((p) => new Set((p?.conditions?.users?.excludeGroups ?? []).map((g) => g.toLowerCase())));
    const common = [...(first ?? [])].filter((g) => rest.every((r) => r.has(g)));
    return common.length > 0 ? [`${a.id}|${common[0]}`] : [];
  });
  const registered = protectedAdmins.filter((a) => a.mfaRegistered === true).map((a) => a.id);
  const admins = new Set([...report.admins, ...report.potentialAdmins].map((a) => a.id));
  const fresh = await control.users(samples, admins);
  const pick = (list: string[]) => Array.from({ length: Math.min(samples, list.length === 0 ? 0 : samples) }, (_, i) => list[i % list.length] as string);
  const told = (types: string[]) => (notified: ReadonlyArray<{ type: string; subjectId: string }>, subject: string) => notified.some((f) => types.includes(f.type) && f.subjectId.toLowerCase() === subject.split('|')[0]?.toLowerCase());
  return [
    { name: 'admin added', subjects: fresh, edit: (u) => [{ op: 'addRoleAssignment', principalId: u, roleDefinitionId: '194ae4cb-b126-40b2-bd5b-6091b380977d' }], told: (n, u) => n.some((f) => f.subjectId.toLowerCase() === u) },
    {
      name: 'policy flipped to report-only',
      subjects: pick(sole),
      edit: (p) => [{ op: 'updatePolicy', policyId: p, set: { state: 'enabledForReportingButNotEnforced' } }],
      undo: (p) => [{ op: 'updatePolicy', policyId: p, set: { state: 'enabled' } }],
      told: told(['policy-weakened']),
    },
    {
      name: 'exclusion group member added',
      subjects: excludable.slice(0, samples),
      edit: (s) => [{ op: 'addGroupMember', groupId: s.split('|')[1] as string, memberId: s.split('|')[0] as string }],
      undo: (s) => [{ op: 'removeGroupMember', groupId: s.split('|')[1] as string, memberId: s.split('|')[0] as string }],
      told: told(['admin-lost-protection', 'admin-unprotected', 'admin-partially-protected', 'exclusion-inconsistent']),
    },
    { name: 'MFA method removed', subjects: registered.slice(0, samples), edit: (a) => [{ op: 'removeAuthMethods', userId: a }], told: told(['admin-not-registered', 'admin-lost-protection']) },
  ];
}

/** The q-quantile (nearest rank); a sample never told counts as later than any (null when it decides). */
function quantile(values: Array<number | null>, q: number): number | null {
  if (values.length === 0) return null;
  const sorted = values.map((v) => v ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const v = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return Number.isFinite(v) ? v : null;
}

/**
 * The churn measurement. `clock` is the runtime's clock (the bench sets it with the simulated tenant's);
 * `steady` are the run records of a steady full cycle, `daily` the first cycle's secure score run.
 */
 
export async function churnBench(input: { rt: Runtime; clock: { set(at: number): void }; control: Control; report: Report; steady: RunRecord[]; daily: RunRecord | undefined; samplesPerScenario: number; start: number }): Promise<ChurnResult> {
  const { rt, control } = input;
  const periodMs = 120_000;
  let now = input.start;
  const at = async (t: number) => {
    now = t;
    input.clock.set(t);
    await control.setNow(new Date(t));
  };
  const feed = async () => {
    const before = rt.graph.stats.graphRequests;
    const t0 = performance.now();
    const result = await runChangeFeed(rt, 'bench churn');
    return { result, ms: performance.now() - t0, requests: rt.graph.stats.graphRequests - before };
  };
  // The feed starts (delta links from now), then idles: what a run with nothing to do costs.
  await at(now);
  await feed();
  // Ten minutes of idle runs: the users delta is read once in that time (USERS_DELTA_MINUTES).
  const idle: number[] = [];
  for (let i = 0; i < 5; i++) {
    await at(now + periodMs);
    idle.push((await feed()).requests);
  }
  const idleFeedRequests = Math.round((idle.reduce((a, b) => a + b, 0) / idle.length) * 10) / 10;
  const samples: ChurnSample[] = [];
  for (const scenario of await scenarios(rt, input.report, control, input.samplesPerScenario)) {
    for (const [i, subject] of scenario.subjects.entries()) {
      const sample: ChurnSample = { scenario: scenario.name, subject, latencyMs: null, feedRuns: 0, requests: 0, requestsAboveIdle: 0 };
      samples.push(sample);
      // The change happens at phase i of the period between two feed runs; the next run is at the period's end.
      const tick = Math.ceil(now / periodMs) * periodMs;
      const changeAt = tick + Math.round(((i + 0.5) / scenario.subjects.length) * periodMs);
      await at(changeAt);
      await control.edit(scenario.edit(subject));
      let t = tick + periodMs;
      for (let run = 0; run < 15; run++, t += periodMs) {
        await at(t);
        const r = await feed();
        sample.feedRuns++;
        sample.requests += r.requests;
        if (scenario.told(r.result.evaluation?.alerts.notified ?? [], subject)) {
          sample.latencyMs = Math.round(t + r.ms - changeAt);
          break;
        }
      }
      sample.requestsAboveIdle = Math.max(0, Math.round(sample.requests - sample.feedRuns * idleFeedRequests));
      if (scenario.undo) {
        await control.edit(scenario.undo(subject));
        // The undo is read like any change before the next sample starts.
        for (let run = 0; run < 4; run++) {
          t += periodMs;
          await at(t);
          await feed();
        }
      }
    }
  }
  const byScenario: ChurnResult['byScenario'] = {};
  for (const name of [...new Set(samples.map((s) => s.scenario))]) {
    const of = samples.filter((s) => s.scenario === name);
    const told = of.filter((s) => s.latencyMs !== null);
    byScenario[name] = { told: told.length, of: of.length, p95LatencyMs: quantile(of.map((s) => s.latencyMs), 0.95), maxLatencyMs: told.length === of.length && told.length > 0 ? Math.max(...told.map((s) => s.latencyMs as number)) : null, medianRequests: quantile(of.map((s) => s.requests), 0.5) };
  }
  // Steady requests per hour: each collector's steady run times how often it runs, today and with the feed.
  const byRun: ChurnResult['requestsPerHour']['byRun'] = {};
  const steadyOf = (c: string) => (c === 'securescore' ? input.daily : input.steady.find((r) => r.collector === c))?.graphRequests ?? 0;
  for (const c of ['roles', 'policies', 'activations', 'signins', 'securescore'] as const) {
    const nowExpr = c === 'securescore' ? rt.settings.schedules.secureScore : rt.settings.schedules[c];
    byRun[c] = { requests: steadyOf(c), runsPerHourToday: runsPerHour(TODAY_SCHEDULES[c]), runsPerHourNow: runsPerHour(nowExpr) };
  }
  byRun.changefeed = { requests: idleFeedRequests, runsPerHourToday: 0, runsPerHourNow: runsPerHour(rt.settings.schedules.changefeed) };
  const today = Object.values(byRun).reduce((n, r) => n + r.requests * r.runsPerHourToday, 0);
  const changeFeed = Object.values(byRun).reduce((n, r) => n + r.requests * r.runsPerHourNow, 0);
  return {
    periodMs,
    auditLatency: 'documented',
    samples,
    byScenario,
    p95LatencyMs: quantile(samples.map((s) => s.latencyMs), 0.95),
    idleFeedRequests,
    requestsPerHour: { today: Math.round(today), changeFeed: Math.round(changeFeed), ratio: Math.round((changeFeed / Math.max(1, today)) * 1000) / 1000, byRun },
  };
}
