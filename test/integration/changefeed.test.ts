// The change feed end to end over Azurite and the simulated tenant: each change is read where it happened
// (targeted reads, counted), only the affected admins are evaluated, alerts go out once; a deleted object
// resolves cleanly; an expired delta link or a watermark beyond the audit log's retention falls back to a full
// read with a health finding and no false change; what the feed missed is reported by reconciliation.
import { describe, expect, it } from 'vitest';
import { runChangeFeed, runCycle, runEvaluate } from '../../src/app/cycle.js';
import { latestRun } from '../../src/collect/runs.js';
import { ROLE } from '../../src/core/catalog.js';
import { findingType } from '../../src/core/finding-types.js';
import { loadState } from '../../src/storage/state.js';
import { testEnvironment } from '../helpers/environment.js';
import { T, baseTenant } from '../helpers/tenant.js';

const filler0 = 'f0000000-0000-4000-8000-000000000000';
const monitorOwn = (type: string) => findingType(type)?.about === 'monitor';

/** A test clock shared by the monitor and the simulated tenant; it ticks a millisecond per reading, as time passes. */
function clock(start = Date.now()) {
  let t = start;
  return { now: () => new Date(t++), advance: (ms: number) => (t += ms) };
}

async function feedEnvironment(options: { auditLatency?: number; deltaLifetimeHours?: number } = {}) {
  const c = clock();
  const env = await testEnvironment(baseTenant({ signIns: 3 }), { now: c.now, simulatorNow: c.now, simulator: options });
  const first = await runCycle(env.rt, 'baseline');
  expect(first.ok).toBe(true);
  c.advance(60_000);
  const start = await runChangeFeed(env.rt, 'feed start');
  expect(start.runs[0]?.status).toBe('succeeded');
  return { env, clock: c };
}

describe('change feed', () => {
  it('an idle run reads the audit log and the exclusion groups\' delta (the users delta every 10 minutes), writes its run record and evaluates nothing', async () => {
    const { env, clock: c } = await feedEnvironment();
    try {
      c.advance(120_000);
      const writes = env.store.writes;
      const idle = await runChangeFeed(env.rt, 'idle');
      expect(idle.evaluation).toBeNull();
      const run = idle.runs[0];
      expect(run?.collector).toBe('changefeed');
      expect(run?.writes).toBe(1);
      expect(env.store.writes - writes).toBe(1);
      // The audit log and the delta of the groups policies exclude; the users delta was read 2 minutes ago.
      expect(run?.graphRequests).toBe(2);
      c.advance(10 * 60_000);
      expect((await runChangeFeed(env.rt, 'idle, users delta due')).runs[0]?.graphRequests).toBe(3);
    } finally {
      await env.close();
    }
  });

  it('an admin added: one principal read, only that admin evaluated, told once', async () => {
    const { env, clock: c } = await feedEnvironment();
    try {
      env.sim.edit([{ op: 'addRoleAssignment', principalId: filler0, roleDefinitionId: ROLE.securityAdministrator }]);
      c.advance(120_000);
      const r = await runChangeFeed(env.rt, 'admin added');
      const feed = r.runs[0];
      expect(feed?.counts?.eventsApplied).toBe(1);
      expect(r.evaluation?.run.counts?.scope).toBe(1);
      const told = r.evaluation?.alerts.notified ?? [];
      expect(told.map((f) => f.type)).toEqual(expect.arrayContaining(['new-admin-partial', 'permanent-assignment-added']));
      expect(new Set(told.map((f) => f.subjectId))).toEqual(new Set([filler0]));
      // Role instances of one principal (2), the account (1), registration (1), the groups the user is in (1), the feed's own 3.
      expect(feed?.graphRequests).toBeLessThanOrEqual(8);
      // Stored like a full collection stores it: the next full cycle finds nothing new and tells nothing.
      const full = await runCycle(env.rt, 'reconcile');
      expect(full.runs.find((x) => x.collector === 'roles')?.datasets.roleAssignments?.added ?? 0).toBe(0);
      const after = await runEvaluate(env.rt, 'again');
      expect(after.alerts.notified.filter((f) => !monitorOwn(f.type))).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('a policy flipped to report-only: the policy read by id, every admin evaluated, the weakening told', async () => {
    const { env, clock: c } = await feedEnvironment();
    try {
      env.sim.edit([{ op: 'updatePolicy', policyId: T.policyAdmins, set: { state: 'enabledForReportingButNotEnforced' } }]);
      c.advance(120_000);
      const r = await runChangeFeed(env.rt, 'report-only');
      const told = r.evaluation?.alerts.notified.map((f) => f.type) ?? [];
      expect(told).toContain('policy-weakened');
      expect(told).toContain('admin-lost-protection');
      expect(r.evaluation?.run.counts?.scope).toBeUndefined();
      expect(r.runs[0]?.counts?.actions).toBe(1);
    } finally {
      await env.close();
    }
  });

  it('an admin added to an exclusion group: the group read again, that admin evaluated', async () => {
    const { env, clock: c } = await feedEnvironment();
    try {
      env.sim.edit([{ op: 'addGroupMember', groupId: T.exclusions, memberId: T.alice }]);
      c.advance(120_000);
      const r = await runChangeFeed(env.rt, 'exclusion');
      expect(r.evaluation?.run.counts?.scope).toBe(1);
      expect(r.evaluation?.alerts.notified.map((f) => [f.type, f.subjectId])).toContainEqual(['admin-lost-protection', T.alice]);
    } finally {
      await env.close();
    }
  });

  it('an MFA method removed: the admin\'s registration read, admin-not-registered opened', async () => {
    const { env, clock: c } = await feedEnvironment();
    try {
      env.sim.edit([{ op: 'removeAuthMethods', userId: T.alice }]);
      c.advance(120_000);
      const r = await runChangeFeed(env.rt, 'mfa removed');
      expect(r.evaluation?.alerts.opened.map((f) => [f.type, f.subjectId])).toContainEqual(['admin-not-registered', T.alice]);
    } finally {
      await env.close();
    }
  });

  it('an activation that ends by the clock: the principal\'s roles are read again, no event needed', async () => {
    const c = clock();
    const tenant = baseTenant({ signIns: 3 });
    const end = new Date(c.now().getTime() + 10 * 60_000).toISOString();
    tenant.roleAssignmentScheduleInstances?.push({ id: 'rasi-bob-ua-activated', principalId: T.bob, roleDefinitionId: ROLE.userAdministrator, directoryScopeId: '/', assignmentType: 'Activated', memberType: 'Direct', startDateTime: c.now().toISOString(), endDateTime: end });
    const env = await testEnvironment(tenant, { now: c.now, simulatorNow: c.now });
    try {
      expect((await runCycle(env.rt, 'baseline')).ok).toBe(true);
      expect((await loadState(env.store, 'activeInstance')).has('rasi-bob-ua-activated')).toBe(true);
      c.advance(60_000);
      await runChangeFeed(env.rt, 'feed start');
      c.advance(15 * 60_000);
      const r = await runChangeFeed(env.rt, 'after the end');
      expect(r.runs[0]?.counts?.actions).toBe(1);
      expect((await loadState(env.store, 'activeInstance')).has('rasi-bob-ua-activated')).toBe(false);
      expect(r.evaluation?.run.counts?.scope).toBe(1);
    } finally {
      await env.close();
    }
  });

  it('a deleted admin resolves cleanly: the admin is gone, nothing else changes', async () => {
    const { env, clock: c } = await feedEnvironment();
    try {
      env.sim.edit([{ op: 'deleteUser', userId: T.bob }]);
      c.advance(120_000);
      const r = await runChangeFeed(env.rt, 'deleted');
      expect(r.runs[0]?.status).toBe('succeeded');
      const verdicts = await loadState<{ id: string }>(env.store, 'adminVerdict');
      expect(verdicts.has(T.bob)).toBe(false);
      expect(verdicts.has(T.alice)).toBe(true);
      expect(r.evaluation?.alerts.changeFindings.filter((f) => !monitorOwn(f.type)).map((f) => f.subjectId).filter((s) => s !== T.bob)).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('an expired delta link: a full read, a resync finding, no false change', async () => {
    const { env, clock: c } = await feedEnvironment({ deltaLifetimeHours: 1 });
    try {
      c.advance(2 * 3_600_000);
      const r = await runChangeFeed(env.rt, 'expired');
      expect(r.runs.map((x) => x.collector)).toEqual(['changefeed', 'roles', 'policies', 'activations', 'evaluate']);
      const findings = r.evaluation?.alerts.changeFindings ?? [];
      expect(findings.filter((f) => !monitorOwn(f.type))).toEqual([]);
      expect(findings.map((f) => f.type)).toContain('change-feed-resync');
      c.advance(120_000);
      expect((await runChangeFeed(env.rt, 'after')).runs.map((x) => x.collector)).toEqual(['changefeed']);
    } finally {
      await env.close();
    }
  });

  it('a watermark beyond the audit log\'s retention: a full read and a resync finding', async () => {
    const { env, clock: c } = await feedEnvironment();
    try {
      c.advance(8 * 86_400_000);
      const r = await runChangeFeed(env.rt, 'late');
      expect(r.runs.map((x) => x.collector)).toContain('roles');
      expect((r.evaluation?.alerts.changeFindings ?? []).map((f) => [f.type, f.subjectId])).toContainEqual(['change-feed-resync', 'auditLog']);
      expect((r.evaluation?.alerts.changeFindings ?? []).filter((f) => !monitorOwn(f.type))).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('reconciliation reports a change the feed missed (its audit event later than the overlap)', async () => {
    const { env, clock: c } = await feedEnvironment({ auditLatency: 3 * 3600 });
    try {
      env.sim.edit([{ op: 'removeAuthMethods', userId: T.alice }]);
      c.advance(120_000);
      expect((await runChangeFeed(env.rt, 'nothing yet')).evaluation).toBeNull();
      const full = await runCycle(env.rt, 'full');
      expect(full.ok).toBe(true);
      c.advance(20 * 60_000);
      const r = await runChangeFeed(env.rt, 'judge');
      expect(r.runs[0]?.counts?.missed).toBe(1);
      expect((await latestRun(env.store, 'changefeed'))?.feed?.reconciled.roles).toBe(full.runs.find((x) => x.collector === 'roles')?.runId);
      const told = await runEvaluate(env.rt, 'evaluate');
      expect(told.alerts.changeFindings.map((f) => [f.type, f.subjectId])).toContainEqual(['change-feed-missed', `registration:${T.alice}`]);
      // Told once.
      expect((await runEvaluate(env.rt, 'again')).alerts.changeFindings.map((f) => f.type)).not.toContain('change-feed-missed');
    } finally {
      await env.close();
    }
  });

  it('a change the feed applied before a full collection is not reported as missed', async () => {
    const { env, clock: c } = await feedEnvironment();
    try {
      env.sim.edit([{ op: 'addGroupMember', groupId: T.roleGroup, memberId: filler0 }]);
      c.advance(120_000);
      await runChangeFeed(env.rt, 'applied');
      const full = await runCycle(env.rt, 'full');
      expect(full.runs.find((x) => x.collector === 'roles')?.changes ?? []).toEqual([]);
      c.advance(20 * 60_000);
      const r = await runChangeFeed(env.rt, 'judge');
      expect(r.runs[0]?.counts?.missed ?? 0).toBe(0);
      expect((await latestRun(env.store, 'changefeed'))?.feed?.reconciled.roles).toBe(full.runs.find((x) => x.collector === 'roles')?.runId);
    } finally {
      await env.close();
    }
  });
});
