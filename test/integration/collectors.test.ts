// Collectors over the real Graph SDK, the simulated tenant and Azurite (issue 4's done-when list).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runCollector, runCycle } from '../../src/app/cycle.js';
import { loadSnapshot } from '../../src/collect/snapshot.js';
import { latestRuns } from '../../src/collect/runs.js';
import { ROLE } from '../../src/core/catalog.js';
import type { ConditionalAccessPolicy } from '../../src/core/graph-types.js';
import { decodeJson, decodeJsonText, escapeKey } from '../../src/storage/codec.js';
import type { TableName, TableStore } from '../../src/storage/tables.js';
import { type TestEnvironment, stopAzurite, testEnvironment } from '../helpers/environment.js';
import { T, baseTenant, clone } from '../helpers/tenant.js';

async function count(store: TableStore, table: TableName, partition: string): Promise<number> {
  let n = 0;
  for await (const _ of store.partition(table, partition)) n++;
  return n;
}

let env: TestEnvironment;

afterAll(async () => {
  await env?.close();
  await stopAzurite();
});

describe('collection into Table Storage', () => {
  beforeEach(async () => {
    await env?.close();
    env = await testEnvironment(baseTenant());
  });

  it('fills the tables on the first run and writes only the run records on an unchanged second run', async () => {
    const first = await runCycle(env.rt, 'test');
    expect(first.ok).toBe(true);
    const firstWrites = env.store.writes;
    expect(firstWrites).toBeGreaterThan(60);
    expect(await count(env.store, 'state', 'activeInstance')).toBe(5);
    expect(await count(env.store, 'state', 'eligibleInstance')).toBe(1);
    expect(await count(env.store, 'state', 'pimGroupEligibility')).toBe(2);
    expect(await count(env.store, 'state', 'caPolicy')).toBe(3);
    expect(await count(env.store, 'assignments', 'all')).toBeGreaterThanOrEqual(8);

    const before = env.store.writes;
    const second = await runCycle(env.rt, 'test');
    expect(second.ok).toBe(true);
    // One run record per collector and one for the evaluation: nothing else changed, nothing else written.
    expect(env.store.writes - before).toBe(5);
    expect(second.runs.map((r) => r.writes)).toEqual([1, 1, 1, 1, 1]);
  });

  it('records one changed assignment as exactly one history entity', async () => {
    await runCycle(env.rt, 'test');
    const historyBefore = await count(env.store, 'assignments', 'all');
    const changed = clone(baseTenant());
    // Alice's permanent Global Administrator becomes time-bound.
    const alice = changed.roleAssignmentScheduleInstances?.find((i) => i.id === 'rasi-alice-ga');
    if (!alice) throw new Error('fixture changed');
    alice.endDateTime = '2030-01-01T00:00:00Z';
    env.setTenant(changed);
    const run = await runCollector(env.rt, 'roles', 'test');
    expect(run.datasets.roleAssignments?.changed).toBe(1);
    expect(await count(env.store, 'assignments', 'all')).toBe(historyBefore + 1);
    const entities = [];
    for await (const e of env.store.partition('assignments', `p|${T.alice}`)) entities.push(e);
    const latest = entities[0];
    expect(latest?.change).toBe('changed');
    expect(decodeJson<{ endDateTime: string | null }>(latest as Record<string, unknown>, 'b')?.endDateTime).toBeNull();
    expect(decodeJson<{ endDateTime: string | null }>(latest as Record<string, unknown>, 'a')?.endDateTime).toBe('2030-01-01T00:00:00Z');
    // Indexed by role too: a range scan per role finds it.
    let byRole = 0;
    for await (const e of env.store.partition('assignments', `r|${ROLE.globalAdministrator}`)) if (e.itemId === 'rasi-alice-ga') byRole++;
    expect(byRole).toBe(2);
  });

  it('keeps every policy version whole: a change is a new version and the old one stays readable', async () => {
    await runCycle(env.rt, 'test');
    const changed = clone(baseTenant());
    const policy = changed.conditionalAccessPolicies?.find((p) => p.id === T.policyAdmins) as ConditionalAccessPolicy;
    policy.state = 'enabledForReportingButNotEnforced';
    env.setTenant(changed);
    await runCollector(env.rt, 'policies', 'test');
    const versions = [];
    for await (const e of env.store.partition('policies', `v|caPolicy|${escapeKey(T.policyAdmins)}`)) versions.push(e);
    expect(versions).toHaveLength(2);
    const [newest, oldest] = versions;
    expect(decodeJson<ConditionalAccessPolicy>(newest as Record<string, unknown>, 'a')?.state).toBe('enabledForReportingButNotEnforced');
    expect(decodeJson<ConditionalAccessPolicy>(oldest as Record<string, unknown>, 'a')?.state).toBe('enabled');
    expect(String(newest?.summary)).toContain('state: "enabled" → "enabledForReportingButNotEnforced"');
  });

  it('round-trips a 100 KiB policy byte for byte', async () => {
    const big = clone(baseTenant());
    const policy = big.conditionalAccessPolicies?.find((p) => p.id === T.policyLegacy) as ConditionalAccessPolicy;
    // Real tenants hit this with long exclusion lists; ids are random, so they barely compress.
    policy.conditions.users = { includeUsers: ['All'], excludeUsers: Array.from({ length: 2800 }, (_, i) => `${crypto.randomUUID().slice(0, 24)}${String(i).padStart(12, '0')}`) };
    env.setTenant(big);
    await runCollector(env.rt, 'policies', 'test');
    const stored = await env.store.get('state', 'caPolicy', escapeKey(T.policyLegacy));
    const text = decodeJsonText(stored as Record<string, unknown>);
    expect(text).toBeDefined();
    expect(Buffer.byteLength(text as string)).toBeGreaterThan(100 * 1024);
    // Byte for byte: the stored JSON equals the JSON of what Graph returned.
    const fromGraph = (await env.rt.graph.all<ConditionalAccessPolicy>('/identity/conditionalAccess/policies')).find((p) => p.id === T.policyLegacy);
    expect(text).toBe(JSON.stringify(fromGraph));
    const snapshot = await loadSnapshot(env.store, env.rt.source.tenant, new Date().toISOString());
    expect(snapshot.conditionalAccessPolicies.find((p) => p.id === T.policyLegacy)?.conditions.users?.excludeUsers).toHaveLength(2800);
  });
});

describe('roles that are not monitored', () => {
  beforeEach(async () => {
    await env?.close();
    env = await testEnvironment(baseTenant());
  });

  it('a policy excluding one: its standing holders are read, excluded, and not counted as admins', async () => {
    const readers = '88d8e3e3-8f55-4a1e-953a-9b9898b8876b';
    const tenant = clone(baseTenant());
    tenant.roleAssignmentScheduleInstances?.push(
      { id: 'rasi-alice-readers', principalId: T.alice, roleDefinitionId: readers, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null },
      { id: 'rasi-filler-readers', principalId: 'f1110000-0000-4000-8000-000000000000', roleDefinitionId: readers, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null },
    );
    const before = await runCycle(env.rt, 'test');
    expect(before.report.admins.find((a) => a.id === T.alice)?.coveringPolicyIds).toContain(T.policyAdmins);
    const policy = tenant.conditionalAccessPolicies?.find((p) => p.id === T.policyAdmins);
    if (policy) policy.conditions.users = { ...policy.conditions.users, excludeRoles: [readers] };
    env.setTenant(tenant);
    const after = await runCycle(env.rt, 'test');
    const alice = after.report.admins.find((a) => a.id === T.alice);
    expect(alice?.coveringPolicyIds).not.toContain(T.policyAdmins);
    expect(after.report.admins.map((a) => a.id).sort()).toEqual(before.report.admins.map((a) => a.id).sort());
  });

  it('R-PIMGROUP-5 / R-USERS-8 eligible exemptions are read: PIM-for-Groups eligibility of an exclusion group (also through a group) and eligible roles a policy excludes', async () => {
    const readers = '88d8e3e3-8f55-4a1e-953a-9b9898b8876b';
    const tenant = clone(baseTenant());
    // Alice may activate her membership of the exclusion group; Erin through the nested group; Carol may activate Directory Readers, which the admin policy excludes.
    tenant.privilegedAccessGroupEligibilityScheduleInstances?.push(
      { id: 'pge-alice-excl', groupId: T.exclusions, principalId: T.alice, accessId: 'member', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
      { id: 'pge-nested-excl', groupId: T.exclusions, principalId: T.nested, accessId: 'member', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
    );
    tenant.roleEligibilityScheduleInstances?.push({ id: 'resi-carol-readers', principalId: T.carol, roleDefinitionId: readers, directoryScopeId: '/', memberType: 'Direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: '2030-01-01T00:00:00Z' });
    const policy = tenant.conditionalAccessPolicies?.find((p) => p.id === T.policyAdmins);
    if (policy) policy.conditions.users = { ...policy.conditions.users, excludeRoles: [readers] };
    env.setTenant(tenant);
    const cycle = await runCycle(env.rt, 'test');
    expect(cycle.ok).toBe(true);
    const gaps = (id: string) => cycle.report.admins.find((a) => a.id === id)?.gaps.map((g) => g.summary).join('\n') ?? '';
    expect(gaps(T.alice)).toContain("while the membership of group 'CA exclusions' is activated: no enabled policy requires MFA");
    expect(gaps(T.erin)).toContain("while the membership of group 'PIM group: Exchange' ('Exchange Administrator') and the membership of group 'CA exclusions' are both activated");
    expect(gaps(T.carol)).toContain(`while 'role ${readers}' is activated: no MFA when signing in with browser or mobile apps and desktop clients (policy 'Require MFA for admins' excludes role`);
    // Stored as read: the exclusion group's instances, the eligible Directory Readers assignment; Carol is no new admin.
    const snapshot = await loadSnapshot(env.store, undefined, new Date().toISOString());
    expect(snapshot.pimGroupEligibilities.map((i) => i.id).sort()).toEqual(['pge-alice-excl', 'pge-dave', 'pge-nested', 'pge-nested-excl']);
    expect(snapshot.eligibleRoleInstances.map((i) => i.id).sort()).toEqual(['resi-bob-ua', 'resi-carol-readers']);
    expect(cycle.report.admins.find((a) => a.id === T.carol)?.roles.map((r) => r.roleName)).toEqual(['Helpdesk Administrator']);
  });
});

describe('reliability', () => {
  beforeEach(async () => {
    await env?.close();
    env = await testEnvironment(baseTenant({ signIns: 2500 }), { env: { MONITOR_EXCLUDED_ACCOUNTS: T.breakGlass } });
  });

  it('loses and duplicates no sign-in when a run is interrupted after some pages', async () => {
    // Page 2 of every sign-in query fails for good: the run stores the first pages (the admins' sign-ins and the
    // interrupted ones overlap) and fails without moving the watermark.
    env.sim.setFaults([{ kind: 'status503', endpoint: 'signIns', page: 2, times: 100 }]);
    const broken = await runCollector(env.restart({ GRAPH_MAX_RETRIES: '1' }), 'signins', 'test');
    expect(broken.status).toBe('failed');
    expect(broken.watermark).toBeUndefined();
    const partial = await count(env.store, 'signins', 'all');
    expect(partial).toBeGreaterThanOrEqual(1000);
    expect(partial).toBeLessThan(2500);
    env.sim.setFaults([]);
    const fresh = env.restart();
    const ok = await runCollector(fresh, 'signins', 'test');
    expect(ok.status).toBe('succeeded');
    expect(await count(env.store, 'signins', 'all')).toBe(2500);
    // Re-reading the overlap window stores nothing twice.
    const again = await runCollector(fresh, 'signins', 'test');
    expect(again.counts?.new).toBe(0);
    expect(await count(env.store, 'signins', 'all')).toBe(2500);
    // Break-glass sign-ins are indexed by user.
    expect(await count(env.store, 'signins', `p|${T.breakGlass}`)).toBe(250);
  });

  it('retries 429 with and without Retry-After and a 503 in the middle of paging, on the failed page only', async () => {
    env.sim.setFaults([
      { kind: 'throttle429', endpoint: 'conditionalAccessPolicies', times: 2 },
      { kind: 'throttle429', endpoint: 'roleAssignmentScheduleInstances', retryAfterSeconds: 1, times: 1 },
      { kind: 'status503', endpoint: 'signIns', page: 2, times: 1 },
    ]);
    const result = await runCycle(env.rt, 'test');
    expect(result.ok).toBe(true);
    expect(result.runs.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await count(env.store, 'signins', 'all')).toBe(2500);
    const stats = env.sim.stats();
    // signIns: 3 pages of the monitored accounts' sign-ins (alice and the break-glass account: all 2,500), 3 pages
    // of interrupts, 1 of the report-only policy's hits (none), + the retried page 2; CA policies: 1 + 2 throttled.
    expect(stats.byEndpoint.signIns).toBe(8);
    expect(stats.byEndpoint.conditionalAccessPolicies).toBe(3);
  });

  it('turns a 403 into data-unavailable naming the permission, and nothing else fails', async () => {
    env.sim.setFaults([{ kind: 'forbidden403', endpoint: 'userRegistrationDetails', permission: 'AuditLog.Read.All' }]);
    const result = await runCycle(env.rt, 'test');
    const roles = result.runs.find((r) => r.collector === 'roles');
    expect(roles?.status).toBe('partial');
    expect(roles?.datasets.registration?.state).toBe('unavailable');
    expect(roles?.datasets.registration?.permission).toBe('AuditLog.Read.All');
    expect(roles?.datasets.roleAssignments?.state).toBe('ok');
    expect(result.runs.filter((r) => r.collector !== 'roles').every((r) => r.status === 'succeeded')).toBe(true);
    const finding = result.report.findings.find((f) => f.type === 'data-unavailable');
    expect(finding?.message).toContain('AuditLog.Read.All');
    expect(result.report.admins.every((a) => a.mfaRegistered === null)).toBe(true);
    expect(result.report.admins.find((a) => a.id === T.alice)?.verdict).toBe('protected');
  });

  it('falls back to roleAssignments in a tenant without PIM and says the PIM data is not licensed', async () => {
    const noPim = clone(baseTenant());
    for (const key of ['roleAssignmentScheduleInstances', 'roleEligibilityScheduleInstances', 'privilegedAccessGroupAssignmentScheduleInstances', 'privilegedAccessGroupEligibilityScheduleInstances', 'roleAssignmentScheduleRequests', 'roleManagementPolicyAssignments'] as const) delete noPim[key];
    noPim.roleAssignments = [
      { id: 'ra-alice', principalId: T.alice, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/' },
      { id: 'ra-group', principalId: T.roleGroup, roleDefinitionId: ROLE.helpdeskAdministrator, directoryScopeId: '/' },
    ];
    env.setTenant(noPim);
    const result = await runCycle(env.rt, 'test');
    expect(result.ok).toBe(true);
    const roles = result.runs.find((r) => r.collector === 'roles');
    expect(roles?.datasets.pimGroups?.state).toBe('notLicensed');
    expect(result.report.admins.map((a) => a.userPrincipalName).sort()).toEqual(['alice@contoso.test', 'carol@contoso.test']);
    expect(result.report.dataSources.pimSettings?.state).toBe('notLicensed');
  });

  it('keeps the previous state of a dataset whose read failed, marks it stale, and evaluates on it', async () => {
    await runCycle(env.rt, 'test');
    env.sim.setFaults([{ kind: 'status503', endpoint: 'conditionalAccessPolicies', times: 100 }]);
    const result = await runCycle(env.restart({ GRAPH_MAX_RETRIES: '1' }), 'test');
    const policies = result.runs.find((r) => r.collector === 'policies');
    expect(policies?.datasets.conditionalAccess?.state).toBe('stale');
    expect(await count(env.store, 'state', 'caPolicy')).toBe(3);
    expect(result.report.dataSources.conditionalAccess?.state).toBe('stale');
    expect(result.report.admins.find((a) => a.id === T.alice)?.verdict).toBe('protected');
    const runs = await latestRuns(env.store);
    expect(runs.policies?.status).not.toBe('succeeded');
  });

  it('a failed PIM-for-Groups read removes none of the admins, groups or registrations it leads to', async () => {
    const before = await runCycle(env.rt, 'test');
    const admins = before.report.admins.map((a) => a.id).sort();
    expect(admins).toContain(T.dave);
    const rows = { users: await count(env.store, 'state', 'user'), groups: await count(env.store, 'state', 'group'), registration: await count(env.store, 'state', 'registration') };
    env.sim.setFaults([{ kind: 'status503', endpoint: ['pimGroupEligibilityInstances', 'pimGroupAssignmentInstances'], times: 100 }]);
    const after = await runCycle(env.restart({ GRAPH_MAX_RETRIES: '1' }), 'test');
    expect(after.runs.find((r) => r.collector === 'roles')?.datasets.pimGroups?.state).toBe('stale');
    expect(after.report.admins.map((a) => a.id).sort()).toEqual(admins);
    expect({ users: await count(env.store, 'state', 'user'), groups: await count(env.store, 'state', 'group'), registration: await count(env.store, 'state', 'registration') }).toEqual(rows);
    let removed = 0;
    for await (const e of env.store.partition('assignments', 'all')) if (e.change === 'removed') removed++;
    expect(removed).toBe(0);
  });

  it('a policy naming a new group: the policies timer reads the admins in it, and a failed read costs only that', async () => {
    await runCycle(env.rt, 'test');
    const contractors = '9a0c0000-0000-4000-8000-000000000009';
    const next = clone(baseTenant({ signIns: 2500 }));
    next.groups?.push({ id: contractors, displayName: 'Contractors', securityEnabled: true, members: [T.alice] });
    const admins = next.conditionalAccessPolicies?.find((p) => p.id === T.policyAdmins);
    if (admins) admins.conditions.users = { ...admins.conditions.users, excludeGroups: [contractors] };
    env.setTenant(next);
    env.sim.setFaults([{ kind: 'status503', endpoint: 'transitiveMembers', times: 100 }]);
    const failed = await runCollector(env.restart({ GRAPH_MAX_RETRIES: '1' }), 'policies', 'test');
    expect(failed.datasets.conditionalAccess?.state).toBe('ok');
    expect(await env.store.get('state', 'group', contractors)).toBeUndefined();
    env.sim.setFaults([]);
    await runCollector(env.restart(), 'policies', 'test');
    const group = await env.store.get('state', 'group', contractors);
    expect(decodeJson<{ memberUserIds: string[] }>(group as Record<string, unknown>)?.memberUserIds).toEqual([T.alice]);
    // Groups the roles collector stored are left as they were.
    expect(await count(env.store, 'state', 'group')).toBeGreaterThan(1);
  });

  it('when account details cannot be read, stored accounts are kept and a new admin is kept by id', async () => {
    await runCycle(env.rt, 'test');
    const frank = 'f7a4c000-0000-4000-8000-000000000007';
    const next = clone(baseTenant({ signIns: 2500 }));
    next.users?.push({ id: frank, userPrincipalName: 'frank@contoso.test', displayName: 'Frank', accountEnabled: true, userType: 'Member' });
    next.roleAssignmentScheduleInstances?.push({ id: 'rasi-frank', principalId: frank, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null });
    env.setTenant(next);
    env.sim.setFaults([{ kind: 'status503', endpoint: 'users', times: 100 }]);
    const failed = await runCycle(env.restart({ GRAPH_MAX_RETRIES: '1' }), 'test');
    const byId = new Map(failed.report.admins.map((a) => [a.id, a]));
    expect(byId.get(T.alice)?.userPrincipalName).toBe('alice@contoso.test');
    expect(byId.get(frank)?.userPrincipalName).toBeNull();
    expect(failed.report.unresolvedPrincipals.map((p) => p.id)).not.toContain(frank);
    env.sim.setFaults([]);
    const healed = await runCycle(env.restart(), 'test');
    expect(healed.report.admins.find((a) => a.id === frank)?.userPrincipalName).toBe('frank@contoso.test');
  });
});
