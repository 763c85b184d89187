// The roles collector's decisions: who an instance names, which groups are read how, what may be stored.
import { describe, expect, it } from 'vitest';
import { PIM_LICENCE_GRACE_HOURS, Principals, type RoleReadOutcome, onPimLicenceError, policyPimGroups, principalGroups, roleMatcher, roleStoragePlan, targetingOnly, watchedGroups } from '../../src/collect/roles-plan.js';

const OK: RoleReadOutcome = { pimAvailable: true, modeSwitched: false, assignmentsComplete: true, pimGroups: 'ok', groupsOk: true, registrationOk: true };
const plan = (o: Partial<RoleReadOutcome>) => Object.fromEntries(roleStoragePlan({ ...OK, ...o }).map((s) => [s.partition, s.baseline ? 'baseline' : s.keepUnseen ? 'keep' : 'sync']));

describe('roleStoragePlan: only what was read completely replaces what is stored', () => {
  it.each<[string, Partial<RoleReadOutcome>, Record<string, string>]>([
    ['every read succeeded: everything synced, removals allowed', {}, { activeInstance: 'sync', eligibleInstance: 'sync', roleAssignment: 'sync', pimGroupAssignment: 'sync', pimGroupEligibility: 'sync', group: 'sync', user: 'sync', servicePrincipal: 'sync', unresolved: 'sync', registration: 'sync' }],
    ['no PIM licence: PIM-group datasets emptied, everything else synced', { pimAvailable: false, pimGroups: 'notLicensed' }, { activeInstance: 'sync', eligibleInstance: 'sync', roleAssignment: 'sync', pimGroupAssignment: 'sync', pimGroupEligibility: 'sync', group: 'sync', user: 'sync', servicePrincipal: 'sync', unresolved: 'sync', registration: 'sync' }],
    ['PIM for Groups not licensed (roles are): its datasets keep their state', { pimGroups: 'notLicensed' }, { activeInstance: 'sync', eligibleInstance: 'sync', roleAssignment: 'sync', group: 'sync', user: 'sync', servicePrincipal: 'sync', unresolved: 'sync', registration: 'sync' }],
    ['PIM-for-Groups read failed: accounts and groups stored without removals, unresolved kept', { pimGroups: 'failed' }, { activeInstance: 'sync', eligibleInstance: 'sync', roleAssignment: 'sync', group: 'keep', user: 'keep', servicePrincipal: 'keep', registration: 'keep' }],
    ['group read failed: groups kept whole, accounts stored without removals', { groupsOk: false }, { activeInstance: 'sync', eligibleInstance: 'sync', roleAssignment: 'sync', pimGroupAssignment: 'sync', pimGroupEligibility: 'sync', user: 'keep', servicePrincipal: 'keep', registration: 'keep' }],
    ['targeting-only assignments failed (no PIM): plain assignments keep their state', { pimAvailable: false, pimGroups: 'notLicensed', assignmentsComplete: false }, { activeInstance: 'sync', eligibleInstance: 'sync', pimGroupAssignment: 'sync', pimGroupEligibility: 'sync', group: 'sync', user: 'sync', servicePrincipal: 'sync', unresolved: 'sync', registration: 'sync' }],
    ['registration read failed: registrations keep their state', { registrationOk: false }, { activeInstance: 'sync', eligibleInstance: 'sync', roleAssignment: 'sync', pimGroupAssignment: 'sync', pimGroupEligibility: 'sync', group: 'sync', user: 'sync', servicePrincipal: 'sync', unresolved: 'sync' }],
    ['PIM lost for good (after the grace period): plain assignments start as a baseline, no "added" wave', { pimAvailable: false, pimGroups: 'notLicensed', modeSwitched: true }, { activeInstance: 'sync', eligibleInstance: 'sync', roleAssignment: 'baseline', pimGroupAssignment: 'sync', pimGroupEligibility: 'sync', group: 'sync', user: 'sync', servicePrincipal: 'sync', unresolved: 'sync', registration: 'sync' }],
    ['PIM gained: its instances start as a baseline', { modeSwitched: true }, { activeInstance: 'baseline', eligibleInstance: 'baseline', roleAssignment: 'sync', pimGroupAssignment: 'baseline', pimGroupEligibility: 'baseline', group: 'sync', user: 'sync', servicePrincipal: 'sync', unresolved: 'sync', registration: 'sync' }],
  ])('%s', (_name, outcome, expected) => {
    expect(plan(outcome)).toEqual(expected);
  });
});

describe('a licence error from PIM (issue 16: unreadable is never gone)', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it.each<[string, { counts?: Record<string, number> } | undefined, string]>([
    ['first run: no PIM in this tenant, read plain assignments', undefined, 'plainAssignments'],
    ['PIM never answered: a tenant without P2', { counts: { pimAvailable: 0 } }, 'plainAssignments'],
    ['PIM answered last run: a failure, keep the stored assignments', { counts: { pimAvailable: 1 } }, 'previousState'],
    ['errors for less than the grace period: still a failure', { counts: { pimAvailable: 1, pimLicenceErrorSince: now - 3_600_000 } }, 'previousState'],
    ['errors for longer than the grace period: the licence changed', { counts: { pimAvailable: 1, pimLicenceErrorSince: now - (PIM_LICENCE_GRACE_HOURS + 1) * 3_600_000 } }, 'plainAssignments'],
  ])('%s', (_name, previous, use) => {
    expect(onPimLicenceError(previous, now).use).toBe(use);
  });
});

describe('principals named by role and PIM-group instances', () => {
  it('sorts users, groups, service principals and what resolves to nothing', () => {
    const p = new Principals();
    p.note({ principalId: 'U1', principal: { '@odata.type': '#microsoft.graph.user', id: 'U1' } });
    p.note({ principalId: 'g1', principal: { '@odata.type': '#microsoft.graph.group', id: 'g1' } });
    p.note({ principalId: 's1', principal: { '@odata.type': '#microsoft.graph.servicePrincipal', id: 's1', displayName: 'App', appId: 'a1' } });
    p.note({ principalId: 'x1', principal: null });
    p.note({ principalId: 'd1', principal: { '@odata.type': '#microsoft.graph.device', id: 'd1' } });
    expect([...p.users.keys()]).toEqual(['u1']);
    expect([...p.roleGroups]).toEqual(['g1']);
    expect(p.servicePrincipals.get('s1')).toEqual({ id: 's1', displayName: 'App', appId: 'a1' });
    expect([...p.unresolved].sort()).toEqual(['d1', 'x1']);
    // PIM members and owners that are groups are read whole (their members inherit the role).
    expect(p.pimPrincipalGroups([{ principalId: 'u1' }, { principalId: 'G2' }, { principalId: 's1' }])).toEqual(['g2']);
  });
});

describe('roles: monitored, and targeting-only (R-USERS-8)', () => {
  const isMonitored = roleMatcher(new Set(['62e90394-69f5-4237-9190-012177145e10']), [{ id: 'custom-1', templateId: '62e90394-69f5-4237-9190-012177145e10' }]);
  it('a custom copy of a monitored template is monitored', () => {
    expect(isMonitored('62E90394-69F5-4237-9190-012177145E10')).toBe(true);
    expect(isMonitored('custom-1')).toBe(true);
    expect(isMonitored('other')).toBe(false);
  });
  it('a role a policy names but nobody monitors matters through its standing (Assigned) holders only', () => {
    const t = targetingOnly(new Set(['62e90394-69f5-4237-9190-012177145e10', 'r2']), isMonitored);
    expect([...t.roles]).toEqual(['r2']);
    expect(t.holds({ roleDefinitionId: 'R2', assignmentType: 'Assigned' })).toBe(true);
    expect(t.holds({ roleDefinitionId: 'r2' })).toBe(true);
    expect(t.holds({ roleDefinitionId: 'r2', assignmentType: 'Activated' })).toBe(false);
  });
  it('R-USERS-8 eligible assignments of such a role are kept (activating one is a state of its own); of monitored roles they are kept anyway', () => {
    const t = targetingOnly(new Set(['62e90394-69f5-4237-9190-012177145e10', 'r2']), isMonitored);
    expect(t.eligible({ roleDefinitionId: 'R2' })).toBe(true);
    expect(t.eligible({ roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10' })).toBe(false);
    expect(t.eligible({ roleDefinitionId: 'r3' })).toBe(false);
  });
});

describe('PIM for Groups on groups policies name (R-PIMGROUP-5)', () => {
  const g = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
  it('reads the policy groups not read already as role-holding groups (object ids only)', () => {
    expect(policyPimGroups(new Set([g(3), g(1), g(2), 'All']), new Set([g(2)]))).toEqual([g(1), g(3)]);
  });
  it('watches the groups among eligible or active members and owners (their members inherit)', () => {
    const instance = (principalId: string, type: string) => ({ principalId, principal: { '@odata.type': `#microsoft.graph.${type}`, id: principalId } });
    expect(principalGroups([instance(g(1), 'group'), instance(g(2), 'user'), instance(g(1), 'group'), instance(g(3), 'servicePrincipal')])).toEqual([g(1)]);
  });
});

describe('watched groups', () => {
  it('reads policy and targeting groups for admins only, excluded-account groups whole, never a group already read whole', () => {
    const g = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    const w = watchedGroups({
      policyGroups: new Set([g(1), g(2)]),
      targetingGroups: new Set([g(3)]),
      excludedAccounts: [g(4), 'breakglass@contoso.test', g(2), g(5)],
      wholeGroups: new Set([g(1), g(5)]),
      adminIds: new Set(),
    });
    expect(w.whole).toEqual([g(4), g(2)]);
    expect(w.forAdmins.sort()).toEqual([g(3)]);
  });
});
