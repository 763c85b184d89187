// Issue 16, "unreadable is never gone": for every Graph failure class on every endpoint the collectors read,
// a cycle that fails after a good one, then a cycle after recovery, must derive no change from the failure:
// no admin gone or added, no finding resolved or reopened, nothing told but the monitor's own health.
import { describe, expect, it } from 'vitest';
import { runChangeFeed, runCycle } from '../../src/app/cycle.js';
import type { EvaluateResult } from '../../src/app/cycle.js';
import { latestRuns } from '../../src/collect/runs.js';
import type { EndpointKey } from '../../devkit/simulator/endpoints.js';
import type { SimulatorFaultRule } from '../../devkit/simulator/faults.js';
import { findingType } from '../../src/core/finding-types.js';
import { testEnvironment } from '../helpers/environment.js';
import { T, baseTenant } from '../helpers/tenant.js';
import { ROLE } from '../../src/core/catalog.js';
import { runEvaluate } from '../../src/app/cycle.js';
import { loadState } from '../../src/storage/state.js';
import type { OpenFinding } from '../../src/alerts/decide.js';
import { decodeJson } from '../../src/storage/codec.js';

/** Every endpoint a cycle reads (the beta role-definition flags only in `privileged` mode). */
export const ENDPOINTS: readonly EndpointKey[] = [
  'roleDefinitions',
  'roleAssignmentScheduleInstances',
  'roleEligibilityScheduleInstances',
  'pimGroupEligibilityInstances',
  'pimGroupAssignmentInstances',
  'transitiveMembers',
  'users',
  'groups',
  'userRegistrationDetails',
  'conditionalAccessPolicies',
  'namedLocations',
  'authenticationStrengthPolicies',
  'securityDefaults',
  'roleManagementPolicyAssignments',
  'signIns',
  // Who can change the exclusions (collect/exemptions.ts).
  'groupOwners',
  'groupAdministrativeUnits',
  'servicePrincipals',
  'appRoleAssignedTo',
  'applications',
  'userTransitiveMemberOf',
  'directoryAudits',
];

export type FailureClass = 'forbidden403' | 'licenseError' | 'notFound404' | 'status503' | 'throttle429' | 'timeout';

function rule(kind: FailureClass, endpoint: EndpointKey): SimulatorFaultRule {
  if (kind === 'timeout') return { kind: 'delayMs', endpoint, delayMs: 1_500 };
  return { kind, endpoint } as SimulatorFaultRule;
}

const monitorOwn = (type: string) => findingType(type)?.about === 'monitor';

async function openFindings(env: Awaited<ReturnType<typeof testEnvironment>>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of env.store.partition('findings', 'open')) {
    const f = decodeJson<OpenFinding>(e);
    if (f && !monitorOwn(f.type)) out.push(f.fingerprint);
  }
  return out.sort();
}

async function verdicts(env: Awaited<ReturnType<typeof testEnvironment>>): Promise<Record<string, string>> {
  const state = await loadState<{ verdict: string }>(env.store, 'adminVerdict');
  return Object.fromEntries([...state].map(([id, item]) => [id, item.value.verdict]));
}

const told = (r: EvaluateResult) => r.alerts.notified.map((f) => f.type).filter((t) => !monitorOwn(t));

/** Fingerprints of every digest in the outbox (mailed or, without e-mail configured, recorded). */
async function outbox(env: Awaited<ReturnType<typeof testEnvironment>>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of env.store.partition('outbox', 'alert')) out.push(...(decodeJson<{ fingerprints: string[] }>(e, 'm')?.fingerprints ?? []));
  return out;
}

/** One failure class on every endpoint. */
export function failureClass(kind: FailureClass): void {
  describe(`${kind}: no false change finding`, () => {
    it.each(ENDPOINTS)(`%s fails (${kind}), then recovers`, async (endpoint) => {
      // One retry and a 1 s timeout: failures beyond the retries come quickly.
      const env = await testEnvironment(baseTenant({ signIns: 5, exemptions: true }), { env: { GRAPH_MAX_RETRIES: '1', GRAPH_TIMEOUT_SECONDS: '1' } });
      try {
        const good = await runCycle(env.rt, 'baseline');
        expect(good.ok).toBe(true);
        const openBefore = await openFindings(env);
        const toldBefore = await outbox(env);
        const verdictsBefore = await verdicts(env);
        const admins = good.report.summary.admins;

        env.sim.setFaults([rule(kind, endpoint)]);
        const failing = await runCycle(env.rt, 'failing');
        const failingEvaluation = await runEvaluate(env.rt, 'failing again');
        for (const r of [failing.runs.at(-1), failingEvaluation.run]) expect(r?.collector).toBe('evaluate');
        const runs = await latestRuns(env.store);
        const problems = Object.values(runs).flatMap((r) => Object.entries(r?.datasets ?? {}).filter(([, d]) => d?.state !== 'ok' && d?.state !== 'notLicensed'));
        expect(problems.length, 'the failure is recorded on some dataset').toBeGreaterThan(0);
        expect(failing.report.summary.admins, 'no admin gone or added').toBe(admins);
        expect(failingEvaluation.alerts.changeFindings.map((f) => f.type).filter((t) => !monitorOwn(t)), 'no change finding').toEqual([]);
        expect(failingEvaluation.alerts.resolved.map((f) => f.type).filter((t) => !monitorOwn(t)), 'nothing resolved').toEqual([]);
        expect(told(failingEvaluation), 'nothing told but the monitor\'s health').toEqual([]);
        const health = [...failingEvaluation.alerts.changeFindings, ...failingEvaluation.report.findings].filter((f) => monitorOwn(f.type));
        expect(health.length, 'the failure is told (monitor-unhealthy or data-unavailable)').toBeGreaterThan(0);
        expect(await openFindings(env), 'open findings unchanged').toEqual(openBefore);

        env.sim.setFaults([]);
        const recovered = await runCycle(env.rt, 'recovered');
        expect(recovered.ok).toBe(true);
        const after = await runEvaluate(env.rt, 'recovered again');
        expect(after.alerts.changeFindings.map((f) => f.type).filter((t) => !monitorOwn(t)), 'no change finding after recovery').toEqual([]);
        expect(await openFindings(env), 'open findings as before').toEqual(openBefore);
        expect(await verdicts(env), 'verdict records as before').toEqual(verdictsBefore);
        expect([...after.report.findings, ...after.alerts.changeFindings].filter((f) => monitorOwn(f.type)), 'healthy again').toEqual([]);
        const toldSince = (await outbox(env)).filter((f) => !toldBefore.includes(f));
        expect(toldSince.filter((f) => !/^(monitor-unhealthy|data-unavailable):/.test(f)), "nothing but the monitor's health was told, through failure and recovery").toEqual([]);
      } finally {
        await env.close();
      }
    });
  });
}

const FILLER0 = 'f0000000-0000-4000-8000-000000000000';
const FILLER1 = 'f0000000-0000-4000-8000-000000000001';

/**
 * Issue 19: the change feed's endpoints. After a good cycle and a first feed run, the tenant changes; the feed's
 * read of the endpoint fails, then recovers. While it fails nothing is derived from the failure (no change, no
 * resolution, nothing told but the monitor's health); after recovery the feed applies the change and tells
 * exactly what the change itself calls for.
 */
export const FEED_SCENARIOS: ReadonlyArray<{ endpoint: EndpointKey; change: string; edit: (env: Awaited<ReturnType<typeof testEnvironment>>) => void; told: Array<[string, string]>; /** ms until the endpoint is read (the users delta: every 10 minutes) */ wait?: number }> = [
  { endpoint: 'directoryAudits', change: 'an admin renamed', edit: (env) => env.sim.edit([{ op: 'updateUser', userId: T.alice, set: { displayName: 'Alice A.' } }]), told: [] },
  { endpoint: 'usersDelta', change: 'an admin renamed', edit: (env) => env.sim.edit([{ op: 'updateUser', userId: T.alice, set: { displayName: 'Alice A.' } }]), told: [], wait: 10 * 60_000 },
  { endpoint: 'groupsDelta', change: 'a user (no admin) added to an exclusion group', edit: (env) => env.sim.edit([{ op: 'addGroupMember', groupId: T.exclusions, memberId: FILLER1 }]), told: [] },
  {
    endpoint: 'userTransitiveMemberOf',
    change: 'an admin added',
    edit: (env) => env.sim.edit([{ op: 'addRoleAssignment', principalId: FILLER0, roleDefinitionId: ROLE.securityAdministrator }]),
    told: [
      ['admin-partially-protected', FILLER0],
      ['new-admin-partial', FILLER0],
      ['permanent-assignment-added', FILLER0],
    ],
  },
  { endpoint: 'conditionalAccessPolicy', change: 'a policy renamed', edit: (env) => env.sim.edit([{ op: 'updatePolicy', policyId: T.policyAll, set: { displayName: 'MFA for everyone (renamed)' } }]), told: [] },
  {
    endpoint: 'namedLocation',
    change: 'a named location renamed',
    edit: (env) => {
      const next = baseTenant({ signIns: 3 });
      next.namedLocations = (next.namedLocations ?? []).map((l) => ({ ...l, displayName: 'HQ (renamed)' }));
      env.setTenant(next);
    },
    told: [],
  },
];

export function feedFailureClass(kind: FailureClass): void {
  describe(`${kind} in the change feed: no false change finding`, () => {
    it.each(FEED_SCENARIOS)(`$endpoint fails (${kind}) while $change, then recovers`, async ({ endpoint, edit, told: expected, wait }) => {
      let t = Date.now();
      const now = () => new Date(t++);
      const env = await testEnvironment(baseTenant({ signIns: 3 }), { now, simulatorNow: now, env: { GRAPH_MAX_RETRIES: '1', GRAPH_TIMEOUT_SECONDS: '1' } });
      try {
        expect((await runCycle(env.rt, 'baseline')).ok).toBe(true);
        t += 60_000;
        await runChangeFeed(env.rt, 'feed start');
        const openBefore = await openFindings(env);
        const verdictsBefore = await verdicts(env);

        edit(env);
        env.sim.setFaults([rule(kind, endpoint)]);
        t += wait ?? 120_000;
        const failing = await runChangeFeed(env.rt, 'failing');
        const failingEvaluation = await runEvaluate(env.rt, 'failing evaluation');
        const during = [...(failing.evaluation ? [failing.evaluation] : []), failingEvaluation];
        const feedRun = failing.runs[0];
        expect(Object.values(feedRun?.datasets ?? {}).some((d) => d?.state !== 'ok'), 'the failure is recorded on the feed run').toBe(true);
        // A read that cannot be made (403, 404, a licence error) is left to a full collection, which may read the
        // change itself: then it is told now, and only what the change calls for.
        const fellBack = failing.runs.some((x) => x.collector === 'roles' || x.collector === 'policies');
        const pair = (f: { type: string; subjectId: string }) => `${f.type}|${f.subjectId}`;
        const allowed = new Set(fellBack ? expected.map(([type, subjectId]) => pair({ type, subjectId })) : []);
        const toldDuring = during.flatMap((r) => r.alerts.notified.filter((f) => !monitorOwn(f.type)));
        for (const r of during) {
          expect(r.alerts.changeFindings.filter((f) => !monitorOwn(f.type) && !allowed.has(pair(f))).map(pair), 'no false change finding').toEqual([]);
          expect(r.alerts.resolved.map((f) => f.type).filter((x) => !monitorOwn(x)), 'nothing resolved').toEqual([]);
        }
        expect(toldDuring.filter((f) => !allowed.has(pair(f))).map(pair), 'nothing told but the monitor\'s health (and the change, read by a full collection)').toEqual([]);
        expect([...failingEvaluation.report.findings, ...failingEvaluation.alerts.changeFindings].some((f) => monitorOwn(f.type)), 'the failure is told').toBe(true);
        if (!fellBack) {
          expect(await openFindings(env), 'open findings unchanged').toEqual(openBefore);
          expect(await verdicts(env), 'verdicts unchanged').toEqual(verdictsBefore);
        }

        env.sim.setFaults([]);
        t += 120_000;
        const recovered = await runChangeFeed(env.rt, 'recovered');
        const after = await runEvaluate(env.rt, 'recovered evaluation');
        const toldAfter = [...toldDuring, ...[...(recovered.evaluation ? [recovered.evaluation] : []), after].flatMap((r) => r.alerts.notified.filter((f) => !monitorOwn(f.type)))].map((f) => [f.type, f.subjectId] as [string, string]);
        expect(toldAfter.sort(), 'what the change calls for, told once').toEqual([...expected].sort());
        expect([...after.report.findings, ...after.alerts.changeFindings].filter((f) => monitorOwn(f.type)), 'healthy again').toEqual([]);
      } finally {
        await env.close();
      }
    });
  });
}
