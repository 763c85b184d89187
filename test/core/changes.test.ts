// Change findings (src/core/changes.ts): one case per rule of docs/alerts.md "Change findings", plus the
// weakening labels and PIM-setting comparisons they rely on. Pure inputs, no storage.
import { describe, expect, it } from 'vitest';
import { ROLE } from '../../src/core/catalog.js';
import { type ChangeInputs, type CollectorHealth, type HistoryChange, changeFindings, changeKey, pimWeakening, weakeningLabels } from '../../src/core/changes.js';
import { DEFAULT_EVALUATION_OPTIONS } from '../../src/core/evaluate.js';
import type { ConditionalAccessPolicy, RoleManagementPolicyAssignment } from '../../src/core/graph-types.js';
import { diffFields } from '../../src/core/policy-diff.js';
import type { AdminOut, Report, Verdict } from '../../src/core/report.js';
import { lossesFromChange, withPolicy } from '../../src/core/what-if.js';
import { activeAdmin, tenant } from './helpers.js';

const NOW = '2026-11-25T12:00:00.000Z';
const ALICE = 'a0000000-0000-0000-0000-000000000001';
const BOB = 'a0000000-0000-0000-0000-000000000002';
const POLICY = 'd0000000-0000-0000-0000-000000000001';
const GROUP = 'b0000000-0000-0000-0000-000000000001';

function admin(id: string, verdict: Verdict, upn = `${id.slice(-1)}@contoso.test`): AdminOut {
  return {
    id,
    userPrincipalName: upn,
    displayName: null,
    accountEnabled: true,
    userType: 'Member',
    verdict,
    mfaRegistered: true,
    methodsRegistered: null,
    roles: [{ roleTemplateId: ROLE.globalAdministrator, roleName: 'Global Administrator', roleDefinitionId: ROLE.globalAdministrator, roleKind: 'builtIn', assignment: 'active', permanent: true, activatedNow: false, startDateTime: null, endDateTime: null, via: { kind: 'direct' }, directoryScopeId: '/', scope: 'tenant' }],
    gaps: verdict === 'protected' ? [] : [{ summary: 'no policy requires MFA for the Azure portal', policyIds: [POLICY], state: null, contexts: 'all' }],
    coveringPolicyIds: [],
    wouldCoverIfEnabled: [],
  };
}

function report(admins: AdminOut[], potentialAdmins: AdminOut[] = []): Report {
  return {
    generatedAt: NOW,
    tenantId: 't',
    tenantName: null,
    snapshotCapturedAt: NOW,
    monitoredRoles: [],
    dataSources: {},
    summary: { admins: admins.length, protected: 0, partial: 0, unprotected: 0, excluded: 0, unknown: 0, registered: 0, potentialAdmins: 0, workloadAdmins: 0, secureScoreEstimate: 0, secureScoreNotes: [] },
    admins,
    potentialAdmins,
    workloadAdmins: [],
    unresolvedPrincipals: [],
    policies: [],
    securityDefaultsEnabled: null,
    findings: [],
  };
}

const healthy: CollectorHealth[] = (['roles', 'policies', 'activations', 'signins'] as const).map((collector) => ({ collector, lastRunAt: NOW, status: 'succeeded', problems: [] }));

function inputs(over: Partial<ChangeInputs>): ChangeInputs {
  return {
    now: NOW,
    firstEvaluation: false,
    previousEvaluationId: 'run-1',
    previousAdmins: new Map(),
    report: report([]),
    policyChanges: [],
    weakenedFor: new Map(),
    assignmentChanges: [],
    breakGlassSignIns: [],
    health: healthy,
    staleAfterMinutes: 90,
    monitoredRoleIds: new Set([ROLE.globalAdministrator, ROLE.authenticationPolicyAdministrator]),
    ...over,
  };
}

const previous = (id: string, verdict: Verdict) => new Map([[id, { id, userPrincipalName: null, displayName: null, verdict, potential: false }]]);
const change = (dataset: string, kind: HistoryChange['change'], before: Record<string, unknown> | null, after: Record<string, unknown> | null, itemId = POLICY): HistoryChange<Record<string, unknown>> => ({ dataset, itemId, change: kind, before, after, observedAt: '2026-11-25T11:55:00.000Z' });
const types = (over: Partial<ChangeInputs>) => changeFindings(inputs(over)).map((f) => `${f.type}/${f.severity}`).sort();

const enabledPolicy = { id: POLICY, displayName: 'Admins MFA', state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['mfa'] } };
const instance = (over: Record<string, unknown>) => ({ id: 'i1', principalId: BOB, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: NOW, endDateTime: null, ...over });

describe('change findings (docs/alerts.md "Change findings")', () => {
  const cases: Array<[string, Partial<ChangeInputs>, string[]]> = [
    ['first evaluation: no new-admin noise', { firstEvaluation: true, report: report([admin(ALICE, 'unprotected')]) }, []],
    ['new-admin-unprotected: a new admin without enforced MFA', { report: report([admin(ALICE, 'unprotected')]) }, ['new-admin-unprotected/high']],
    ['new-admin-partial: a new admin only partly protected', { report: report([admin(ALICE, 'partial')]) }, ['new-admin-partial/medium']],
    ['a new protected admin is not a finding', { report: report([admin(ALICE, 'protected')]) }, []],
    ['a new potential admin (PIM group owner) is not a new admin', { report: report([], [admin(ALICE, 'unprotected')]) }, []],
    ['admin-lost-protection: protected → partial', { previousAdmins: previous(ALICE, 'protected'), report: report([admin(ALICE, 'partial')]) }, ['admin-lost-protection/high']],
    ['admin-lost-protection: protected → unprotected', { previousAdmins: previous(ALICE, 'protected'), report: report([admin(ALICE, 'unprotected')]) }, ['admin-lost-protection/high']],
    ['partial → unprotected is not "lost protection" (still open as a snapshot finding)', { previousAdmins: previous(ALICE, 'partial'), report: report([admin(ALICE, 'unprotected')]) }, []],
    ['admin-protected-again: unprotected → protected', { previousAdmins: previous(ALICE, 'unprotected'), report: report([admin(ALICE, 'protected')]) }, ['admin-protected-again/low']],
    ['excluded → protected is not "protected again"', { previousAdmins: previous(ALICE, 'excluded'), report: report([admin(ALICE, 'protected')]) }, []],
    ['policy-weakened: a CA change that reduced coverage', { policyChanges: [change('caPolicy', 'changed', enabledPolicy, { ...enabledPolicy, state: 'disabled' })], weakenedFor: new Map([[changeKey(change('caPolicy', 'changed', null, null)), [ALICE]]]) }, ['policy-weakened/high']],
    ['a CA change that reduced nobody\'s coverage is not alerted', { policyChanges: [change('caPolicy', 'changed', enabledPolicy, { ...enabledPolicy, state: 'disabled' })], weakenedFor: new Map() }, []],
    ['security-defaults-disabled', { policyChanges: [change('securityDefaults', 'changed', { isEnabled: true }, { isEnabled: false }, 'securityDefaults')] }, ['security-defaults-disabled/high']],
    ['security defaults turned on is not a finding', { policyChanges: [change('securityDefaults', 'changed', { isEnabled: false }, { isEnabled: true }, 'securityDefaults')] }, []],
    ['permanent-assignment-added: core role, active, no end date', { assignmentChanges: [change('activeInstance', 'added', null, instance({}), 'i1')] }, ['permanent-assignment-added/high']],
    ['permanent-assignment-added: other monitored role is medium', { assignmentChanges: [change('activeInstance', 'added', null, instance({ roleDefinitionId: ROLE.authenticationPolicyAdministrator }), 'i1')] }, ['permanent-assignment-added/medium']],
    ['a PIM activation is not a permanent assignment', { assignmentChanges: [change('activeInstance', 'added', null, instance({ assignmentType: 'Activated' }), 'i1')] }, []],
    ['an assignment with an end date is not permanent', { assignmentChanges: [change('activeInstance', 'added', null, instance({ endDateTime: '2027-01-01T00:00:00Z' }), 'i1')] }, []],
    ['an assignment of a role that is not monitored is ignored', { assignmentChanges: [change('activeInstance', 'added', null, instance({ roleDefinitionId: ROLE.passwordAdministrator }), 'i1')] }, []],
    ['break-glass-sign-in: every sign-in', { breakGlassSignIns: [{ id: 's1', createdDateTime: NOW, userId: BOB, userPrincipalName: 'bg@contoso.test', appDisplayName: 'Azure Portal', ipAddress: '203.0.113.1', errorCode: 0, location: null }] }, ['break-glass-sign-in/high']],
    ['monitor-unhealthy: a collector never ran', { health: [{ collector: 'roles', lastRunAt: null, status: 'never', problems: [] }] }, ['monitor-unhealthy/high']],
    ['monitor-unhealthy: a collector failed', { health: [{ collector: 'roles', lastRunAt: NOW, status: 'failed', error: 'boom', problems: [] }] }, ['monitor-unhealthy/high']],
    ['monitor-unhealthy: a collector is stale', { health: [{ collector: 'roles', lastRunAt: '2026-11-25T09:00:00.000Z', status: 'succeeded', problems: [] }] }, ['monitor-unhealthy/high']],
    ['monitor-unhealthy: a dataset is unavailable', { health: [{ collector: 'policies', lastRunAt: NOW, status: 'partial', problems: [{ dataset: 'conditionalAccess', state: 'unavailable', asOf: NOW, message: '403' }] }] }, ['monitor-unhealthy/high']],
    // Issue 16: a failed read raises monitor-unhealthy on the first failed run, not once the data is old.
    ['a dataset whose read failed in the latest run is unhealthy at once', { health: [{ collector: 'policies', lastRunAt: NOW, status: 'partial', problems: [{ dataset: 'conditionalAccess', state: 'stale', asOf: '2026-11-25T11:30:00.000Z', message: 'timeout' }] }] }, ['monitor-unhealthy/high']],
    ['a dataset the tenant has no licence for is healthy', { health: [{ collector: 'roles', lastRunAt: NOW, status: 'succeeded', problems: [] }] }, []],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(types(over)).toEqual(expected);
  });

  it('admin fingerprints name the previous evaluation: a retried evaluation reproduces them', () => {
    const over = { report: report([admin(ALICE, 'unprotected')]) };
    const a = changeFindings(inputs({ ...over, now: NOW }));
    const b = changeFindings(inputs({ ...over, now: '2026-11-25T12:05:00.000Z' }));
    expect(a.map((f) => f.fingerprint)).toEqual(b.map((f) => f.fingerprint));
    const later = changeFindings(inputs({ ...over, previousEvaluationId: 'run-2' }));
    expect(later[0]?.fingerprint).not.toBe(a[0]?.fingerprint);
  });

  it('admin-lost-protection names the group change and the policy change that caused it', () => {
    const policy = change('caPolicy', 'changed', enabledPolicy, { ...enabledPolicy, state: 'enabledForReportingButNotEnforced' });
    const [lost] = changeFindings(
      inputs({
        previousAdmins: previous(ALICE, 'protected'),
        report: report([admin(ALICE, 'unprotected')]),
        policyChanges: [policy],
        weakenedFor: new Map([[changeKey(policy), [ALICE]]]),
        assignmentChanges: [change('group', 'changed', { displayName: 'CA exclusions', memberUserIds: [] }, { displayName: 'CA exclusions', memberUserIds: [ALICE] }, GROUP)],
      }),
    ).filter((f) => f.type === 'admin-lost-protection');
    expect(lost?.message).toContain("policy 'Admins MFA' was changed (set to report-only)");
    expect(lost?.message).toContain("they were added to group 'CA exclusions'");
  });

  it('a policy changed twice in the window is judged change by change', () => {
    const first = { ...change('caPolicy', 'changed', enabledPolicy, { ...enabledPolicy, state: 'disabled' }), observedAt: '2026-11-25T11:00:00.000Z' };
    const second = { ...change('caPolicy', 'changed', { ...enabledPolicy, state: 'disabled' }, enabledPolicy), observedAt: '2026-11-25T11:30:00.000Z' };
    const found = changeFindings(inputs({ policyChanges: [first, second], weakenedFor: new Map([[changeKey(first), [ALICE]], [changeKey(second), []]]) }));
    expect(found.map((f) => f.fingerprint)).toEqual([`policy-weakened:${POLICY}:2026-11-25T11:00:00.000Z`]);
  });
});

describe('weakening labels (Graph conditionalAccessPolicy fields)', () => {
  interface Shape {
    state: string;
    conditions: { users: { includeRoles: string[]; excludeUsers: string[] }; applications: { includeApplications: string[]; excludeApplications?: string[] }; clientAppTypes: string[] };
    grantControls: { operator: string; builtInControls: string[] };
  }
  const base: Shape = { state: 'enabled', conditions: { users: { includeRoles: [ROLE.globalAdministrator], excludeUsers: [] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] }, grantControls: { operator: 'AND', builtInControls: ['mfa'] } };
  const cases: Array<[string, (p: Shape) => unknown, string]> = [
    ['disabled', (p) => (p.state = 'disabled'), 'disabled'],
    ['report-only', (p) => (p.state = 'enabledForReportingButNotEnforced'), 'set to report-only'],
    ['role removed from include', (p) => (p.conditions.users.includeRoles = []), 'roles removed from include'],
    ['exclusion added', (p) => (p.conditions.users.excludeUsers = [ALICE]), 'exclusions added'],
    ['applications narrowed', (p) => (p.conditions.applications = { includeApplications: ['All'], excludeApplications: ['x'] }), 'applications narrowed'],
    ['client apps narrowed', (p) => (p.conditions.clientAppTypes = ['browser']), 'client apps narrowed'],
    ['MFA removed from the grant', (p) => (p.grantControls = { operator: 'AND', builtInControls: ['compliantDevice'] }), 'MFA removed from grant'],
    ['AND → OR', (p) => (p.grantControls = { operator: 'OR', builtInControls: ['mfa'] }), 'grant changed from AND to OR'],
  ];
  it.each(cases)('%s', (_name, mutate, label) => {
    const after = structuredClone(base);
    mutate(after);
    const [b, a] = [base, after] as unknown as Array<Record<string, unknown>>;
    expect(weakeningLabels(b ?? null, a ?? null, diffFields(b, a))).toContain(label);
  });

  it('a deleted policy is labelled deleted', () => {
    expect(weakeningLabels(base as unknown as Record<string, unknown>, null, [])).toEqual(['deleted']);
  });
});

describe('PIM activation setting weakening (unifiedRoleManagementPolicy rules)', () => {
  const assignment = (rules: Array<Record<string, unknown>>): RoleManagementPolicyAssignment => ({ id: 'p', scopeId: '/', scopeType: 'DirectoryRole', roleDefinitionId: ROLE.globalAdministrator, policyId: 'p', policy: { id: 'p', rules } }) as RoleManagementPolicyAssignment;
  const strict = [
    { id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication', 'Justification'] },
    { id: 'AuthenticationContext_EndUser_Assignment', isEnabled: true, claimValue: 'c1' },
    { id: 'Approval_EndUser_Assignment', setting: { isApprovalRequired: true } },
    { id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT8H' },
  ];
  const without = (id: string, replacement?: Record<string, unknown>) => strict.map((r) => (r.id === id ? (replacement ?? { id }) : r));
  const cases: Array<[string, Array<Record<string, unknown>>, string[]]> = [
    ['MFA on activation removed', without('Enablement_EndUser_Assignment', { id: 'Enablement_EndUser_Assignment', enabledRules: ['Justification'] }), ['MFA on activation removed']],
    ['authentication context removed', without('AuthenticationContext_EndUser_Assignment', { id: 'AuthenticationContext_EndUser_Assignment', isEnabled: false }), ['authentication context c1 on activation removed']],
    ['approval removed', without('Approval_EndUser_Assignment', { id: 'Approval_EndUser_Assignment', setting: { isApprovalRequired: false } }), ['approval on activation removed']],
    ['maximum duration extended', without('Expiration_EndUser_Assignment', { id: 'Expiration_EndUser_Assignment', maximumDuration: 'P1D' }), ['maximum activation extended from PT8H to P1D']],
    ['maximum duration shortened is not weakening', without('Expiration_EndUser_Assignment', { id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT1H' }), []],
    ['unchanged', strict, []],
  ];
  it.each(cases)('%s', (_name, after, expected) => {
    expect(pimWeakening(assignment(strict), assignment(after))).toEqual(expected);
  });

  it('pim-setting-weakened is raised from a history change', () => {
    const found = changeFindings(inputs({ policyChanges: [change('pimSetting', 'changed', assignment(strict) as unknown as Record<string, unknown>, assignment(without('Approval_EndUser_Assignment')) as unknown as Record<string, unknown>, 'p')] }));
    expect(found.map((f) => f.type)).toEqual(['pim-setting-weakened']);
    expect(found[0]?.message).toContain("role 'Global Administrator'");
  });
});

describe('what-if: whose coverage a policy change reduced (docs/alerts.md "policy-weakened")', () => {
  // Two admins; 'Admins MFA' covers both. Each case replaces it with a new version and names the losers.
  const build = () => {
    const t = tenant();
    const alice = activeAdmin(t, 'alice', ROLE.globalAdministrator);
    const bob = activeAdmin(t, 'bob', ROLE.helpdeskAdministrator);
    const policyId = t.policy('Admins MFA', { users: { includeRoles: [ROLE.globalAdministrator, ROLE.helpdeskAdministrator] } });
    const snapshot = t.snapshot();
    const policy = snapshot.conditionalAccessPolicies.find((p) => p.id === policyId) as ConditionalAccessPolicy;
    return { alice, bob, snapshot, policy };
  };
  const cases: Array<[string, (p: ConditionalAccessPolicy, ids: { alice: string; bob: string }) => ConditionalAccessPolicy | null, (ids: { alice: string; bob: string }) => string[]]> = [
    ['deleted: everyone it covered', () => null, ({ alice, bob }) => [alice, bob]],
    ['report-only: everyone it covered', (p) => ({ ...p, state: 'enabledForReportingButNotEnforced' }), ({ alice, bob }) => [alice, bob]],
    ['one role removed: only its holder', (p) => ({ ...p, conditions: { ...p.conditions, users: { ...p.conditions.users, includeRoles: [ROLE.globalAdministrator] } } }), ({ bob }) => [bob]],
    ['one admin excluded: only that admin', (p, { alice }) => ({ ...p, conditions: { ...p.conditions, users: { ...p.conditions.users, excludeUsers: [alice] } } }), ({ alice }) => [alice]],
    ['renamed: nobody', (p) => ({ ...p, displayName: 'Renamed' }), () => []],
    // R-STATE-3 (issue 16): a state outside Graph's enum is unknown, never mailed as a weakening.
    ['set to an undocumented state: nobody (unknown, not weaker)', (p) => ({ ...p, state: 'enabledForPilot' }), () => []],
  ];
  it.each(cases)('%s', (_name, mutate, expected) => {
    const { alice, bob, snapshot, policy } = build();
    // The snapshot holds the new version; the change's "before" is the old one.
    const next = mutate(structuredClone(policy), { alice, bob });
    const now = { ...snapshot, conditionalAccessPolicies: withPolicy(snapshot.conditionalAccessPolicies, policy.id, next) };
    expect(lossesFromChange(now, DEFAULT_EVALUATION_OPTIONS, policy.id, policy).sort()).toEqual(expected({ alice, bob }).sort());
  });
});
