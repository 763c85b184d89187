// Who can switch MFA off for an admin, over the real SDKs (Azurite, the simulated tenant): the exemption reads
// of the policies collector, each finding end to end, the exemption-used alert told once with who and when, a
// steady run that writes nothing, a missing permission that costs only its own dataset, and the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCycle, runEvaluate } from '../../src/app/cycle.js';
import { type AdminVerdictRecord, adminVerdictSpec } from '../../src/app/evaluation.js';
import { parseHistoryQuery, queryHistory } from '../../src/app/history.js';
import { PARTITIONS } from '../../src/collect/specs.js';
import type { StoredAppPrincipal, StoredExclusionGroup, StoredPimOwners } from '../../src/core/exemption-types.js';
import { loadValues } from '../../src/storage/state.js';
import { exemptionsText, exemptionsView } from '../../devkit/cli/exemptions.js';
import { type TestEnvironment, testEnvironment } from '../helpers/environment.js';
import { EXEMPTION_IDS, T, baseTenant } from '../helpers/tenant.js';

describe('exemptions end to end', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    const fixture = baseTenant({ signIns: 2, exemptions: true });
    // A dynamic group nested in the exclusion group: Erin matches its rule.
    fixture.groups?.push({ id: '90000000-0000-4000-8000-000000000009', displayName: 'Dynamic service accounts', securityEnabled: true, groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Service"', membershipRuleProcessingState: 'On', members: [T.erin] });
    fixture.groups?.find((g) => g.id === T.exclusions)?.members?.push('90000000-0000-4000-8000-000000000009');
    // Dave is an eligible owner of the exclusion group (PIM for Groups): read by the roles collector (R-PIMGROUP-5).
    fixture.privilegedAccessGroupEligibilityScheduleInstances?.push({ id: 'pge-dave-owner', groupId: T.exclusions, principalId: T.dave, accessId: 'owner', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null });
    env = await testEnvironment(fixture);
  });
  afterAll(() => env.close());

  it('reads every exemption dataset in a cycle and raises each finding', async () => {
    const cycle = await runCycle(env.rt, 'test');
    const policies = cycle.runs.find((r) => r.collector === 'policies');
    expect(Object.fromEntries(['exclusionGroups', 'exclusionPimOwners', 'administrativeUnits', 'appPermissions', 'controllers', 'directoryAudits'].map((d) => [d, policies?.datasets[d as keyof typeof policies.datasets]?.state]))).toEqual({
      exclusionGroups: 'ok',
      exclusionPimOwners: 'ok',
      administrativeUnits: 'ok',
      appPermissions: 'ok',
      controllers: 'ok',
      directoryAudits: 'ok',
    });
    const groups = await loadValues<StoredExclusionGroup>(env.store, PARTITIONS.exemptionGroup);
    expect(groups.find((g) => g.id === T.exclusions)?.owners.map((o) => [o.id, o.type])).toEqual([[EXEMPTION_IDS.owner, 'user']]);
    expect(groups.find((g) => g.groupTypes.includes('DynamicMembership'))?.membershipRule).toBe('user.department -eq "Service"');
    // The PIM owners of the group a policy names come from what the roles collector stored.
    const pimOwners = await loadValues<StoredPimOwners>(env.store, PARTITIONS.exemptionPimOwner);
    expect(pimOwners.map((p) => [p.id, p.owners.map((o) => `${o.assignment}:${o.principalId}`)])).toEqual([[T.exclusions, [`eligible:${T.dave}`]]]);
    const apps = await loadValues<StoredAppPrincipal>(env.store, PARTITIONS.appPermission);
    expect(apps.find((a) => a.id === T.sp)).toMatchObject({ permissions: ['GroupMember.ReadWrite.All'], secrets: 1 });

    const report = cycle.report;
    const types = (t: string) => report.findings.filter((f) => f.type === t).map((f) => f.subjectId).sort();
    // The non-admin owner (evaluated from the groups the controllers read says they are in), and the app with a secret.
    expect(types('exemption-controller-unprotected')).toEqual(expect.arrayContaining([EXEMPTION_IDS.owner, T.sp]));
    // The nested dynamic group's rule (medium), and the admin it matches now (high), in the first cycle: the
    // exemption read finds the admins among its members.
    expect(report.findings.filter((f) => f.type === 'exemption-dynamic-rule').map((f) => `${f.severity}:${f.subjectId}`).sort()).toEqual([`high:${T.erin}`, 'medium:90000000-0000-4000-8000-000000000009'].sort());
    expect(groups.find((g) => g.id === '90000000-0000-4000-8000-000000000009')?.adminMemberIds).toEqual([T.erin]);
    expect(types('exemption-group-unprotected')).toEqual(expect.arrayContaining([T.exclusions]));
    // exemption-used from the audit log, on the first evaluation (like break-glass sign-ins), with who.
    const used = cycle.runs.length > 0 ? (await env.store.get('findings', 'event', `exemption-used:${EXEMPTION_IDS.audit}`)) : undefined;
    expect(used).toBeDefined();
  });

  it('history carries the same data: the admin excluded through the group, the exemption datasets, the findings', async () => {
    const history = (dataset: string, params: Record<string, string>) => {
      const parsed = parseHistoryQuery(dataset, params);
      return queryHistory(env.store, parsed.dataset, parsed.query);
    };
    const admin = await history('admins', { principal: 'breakglass@contoso.test' });
    expect(admin.items[0]).toMatchObject({ after: { excludedThrough: ["group 'CA exclusions'"] } });
    const groups = await history('policies', { type: 'exemptionGroup' });
    expect(groups.items.map((i) => (i as { id?: string }).id).sort()).toEqual([T.exclusions, '90000000-0000-4000-8000-000000000009'].sort());
    const used = await history('findings', { type: 'exemption-used' });
    expect(used.items).toHaveLength(1);
    // The history line says which exclusion an admin joined or left.
    const record = (admin.items[0] as { after: AdminVerdictRecord }).after;
    expect(adminVerdictSpec.describe?.('changed', { ...record, excludedThrough: undefined }, record)).toBe(`breakglass@contoso.test: now excluded through group 'CA exclusions' (${record.verdict})`);
    expect(adminVerdictSpec.describe?.('changed', record, { ...record, excludedThrough: undefined })).toBe(`breakglass@contoso.test: no longer excluded through group 'CA exclusions' (${record.verdict})`);
  });

  it('the next cycle tells the same: nothing about the dynamic rule changes', async () => {
    const cycle = await runCycle(env.rt, 'second');
    expect(cycle.report.findings.filter((f) => f.type === 'exemption-dynamic-rule').map((f) => `${f.severity}:${f.subjectId}`).sort()).toEqual(['high:' + T.erin, 'medium:90000000-0000-4000-8000-000000000009'].sort());
    expect(cycle.runs.find((r) => r.collector === 'evaluate')?.counts).toMatchObject({ opened: 0, changeFindings: 0 });
  });

  it('a steady cycle writes nothing for the exemption datasets and tells nothing again', async () => {
    const before = env.store.writes;
    const cycle = await runCycle(env.rt, 'steady');
    const policies = cycle.runs.find((r) => r.collector === 'policies');
    expect(policies?.writes).toBe(1);
    const evaluation = cycle.runs.find((r) => r.collector === 'evaluate');
    expect(evaluation?.counts?.changeFindings ?? 0).toBe(0);
    expect(env.store.writes - before).toBeLessThan(20);
  });

  it('a missing permission costs only its own dataset, and resolves nothing', async () => {
    env.sim.setFaults([{ kind: 'forbidden403', endpoint: 'appRoleAssignedTo' }]);
    const cycle = await runCycle(env.rt, 'forbidden');
    env.sim.setFaults([]);
    const policies = cycle.runs.find((r) => r.collector === 'policies');
    expect(policies?.datasets.appPermissions).toMatchObject({ state: 'unavailable', permission: 'Application.Read.All' });
    expect(policies?.datasets.exclusionGroups?.state).toBe('ok');
    const after = await runEvaluate(env.rt, 'forbidden again');
    expect(after.alerts.resolved.filter((f) => f.type.startsWith('exemption-'))).toEqual([]);
  });

  it('the CLI view narrows to one admin', () => {
    return (async () => {
      const report = (await runEvaluate(env.rt, 'cli')).report;
      const view = exemptionsView(report, 'breakglass@contoso.test');
      expect(view?.exemptions.excludedNow.map((a) => a.exclusionKeys)).toEqual([[`group:${T.exclusions}`]]);
      expect(exemptionsText(view as NonNullable<typeof view>)).toContain('EXCLUDED NOW');
      expect(exemptionsView(report, 'nobody@contoso.test')).toBeNull();
    })();
  });
});
