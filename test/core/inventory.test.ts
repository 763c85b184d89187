// Admin inventory and role states: paths to a role (direct, role-assignable group, PIM for Groups, nested
// groups, owners), PIM activations, AU-scoped and custom roles, workload identities, unresolved principals.
import { describe, expect, it } from 'vitest';
import { type Case, ROLE, activeAdmin, adminOf, findingsOf, runCase, tenant } from './helpers.js';

const USERS = 'Learn: concept-conditional-access-users-groups';
const PIM_GROUPS = 'Learn: concept-pim-for-groups';
const ADMIN_MFA = 'Learn: howto-conditional-access-policy-admin-mfa';
const roleTargeted = { users: { includeRoles: [ROLE.securityAdministrator, ROLE.globalAdministrator, ROLE.userAdministrator] } };

const cases: Case[] = [
  {
    name: 'R-PATH-1 every path records role, active/eligible, permanence, via, scope and role kind (Graph: unifiedRoleAssignmentScheduleInstance, unifiedRoleEligibilityScheduleInstance)',
    build: (t) => {
      const id = t.user('alice');
      t.assign(id, ROLE.exchangeAdministrator, { end: '2026-12-31T00:00:00Z' });
      t.makeEligible(id, ROLE.userAdministrator, { scope: '/administrativeUnits/0aaa0000-0000-0000-0000-000000000002' });
      t.policy('Everyone MFA');
      return id;
    },
    verdict: 'protected',
    check: (_r, admin) => {
      expect(admin.roles).toEqual([
        expect.objectContaining({ roleName: 'Exchange Administrator', roleKind: 'builtIn', assignment: 'active', permanent: false, endDateTime: '2026-12-31T00:00:00Z', via: { kind: 'direct' }, directoryScopeId: '/', scope: 'tenant' }),
        expect.objectContaining({ roleName: 'User Administrator', assignment: 'eligible', permanent: false, directoryScopeId: '/administrativeUnits/0aaa0000-0000-0000-0000-000000000002', scope: 'administrativeUnit' }),
      ]);
    },
  },
  {
    name: `R-ROLESTATE-1 an eligible admin is covered by a role-targeted policy in the activated state (${USERS}: "users actively assigned")`,
    build: (t) => {
      const id = t.user('alice');
      t.makeEligible(id, ROLE.securityAdministrator);
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    verdict: 'protected',
    check: (_r, admin) => {
      expect(admin.roles).toHaveLength(1);
      expect(admin.roles[0]).toMatchObject({ roleTemplateId: ROLE.securityAdministrator, assignment: 'eligible', permanent: false, activatedNow: false, via: { kind: 'direct' } });
    },
  },
  {
    name: `R-ROLESTATE-1 a gap that exists only while an eligible role is activated names that state (${USERS})`,
    build: (t) => {
      const id = t.user('alice');
      t.assign(id, ROLE.helpdeskAdministrator);
      t.makeEligible(id, ROLE.globalAdministrator);
      t.policy('Admins MFA', { users: { includeRoles: [ROLE.helpdeskAdministrator], excludeRoles: [ROLE.globalAdministrator] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    gaps: ["while 'Global Administrator' is activated: no enabled policy requires MFA for this admin", "excludes role 'Global Administrator'"],
  },
  {
    name: `R-ROLESTATE-1 a gap already present in the standing state is not repeated for each activation (${USERS})`,
    build: (t) => {
      const id = t.user('alice');
      t.assign(id, ROLE.securityAdministrator);
      t.makeEligible(id, ROLE.globalAdministrator);
      t.makeEligible(id, ROLE.userAdministrator);
      t.policy('iOS MFA', { platforms: { includePlatforms: ['iOS'] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 1,
    notInGaps: ['is activated'],
  },
  {
    name: `R-ROLESTATE-1 gaps that differ per activation are each kept, the "all activated" repeat is not (${USERS})`,
    build: (t) => {
      const id = t.user('alice');
      t.makeEligible(id, ROLE.globalAdministrator);
      t.makeEligible(id, ROLE.userAdministrator);
      t.policy('Admins MFA', { platforms: { includePlatforms: ['iOS'] }, users: { includeRoles: [ROLE.globalAdministrator, ROLE.userAdministrator] } });
      return id;
    },
    verdict: 'partial',
    gapCount: 2,
    gaps: ["while 'Global Administrator' is activated", "while 'User Administrator' is activated"],
    notInGaps: ['while all eligible roles are activated'],
  },
  {
    name: `R-PIM-1 an activation is the eligible path in its activated state, not a new active path (Graph: unifiedRoleAssignmentScheduleInstance assignmentType)`,
    build: (t) => {
      const id = t.user('alice');
      t.makeEligible(id, ROLE.securityAdministrator);
      t.activate(id, ROLE.securityAdministrator);
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    verdict: 'protected',
    noFindings: ['permanent-privileged-assignment'],
    check: (_r, admin) => {
      expect(admin.roles).toHaveLength(1);
      expect(admin.roles[0]).toMatchObject({ assignment: 'eligible', activatedNow: true });
    },
  },
  {
    name: `R-PIM-1 an activation of an eligibility held through a role-assignable group is not a new path either (Graph: unifiedRoleAssignmentScheduleInstance memberType)`,
    build: (t) => {
      const id = t.user('alice');
      const group = t.group('PIM Security Admins', [id], { roleAssignable: true });
      t.makeEligible(group, ROLE.securityAdministrator);
      t.makeEligible(id, ROLE.securityAdministrator, { memberType: 'Group' });
      t.activate(id, ROLE.securityAdministrator);
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    verdict: 'protected',
    check: (_r, admin) => {
      expect(admin.roles).toHaveLength(1);
      expect(admin.roles[0]).toMatchObject({ assignment: 'eligible', activatedNow: true, via: { kind: 'group' } });
    },
  },
  {
    name: 'R-PIM-2 eligible-activation-without-mfa when the PIM role setting requires neither MFA nor an authentication context (Graph: unifiedRoleManagementPolicyEnablementRule)',
    build: (t) => {
      const id = t.user('alice');
      t.makeEligible(id, ROLE.securityAdministrator);
      t.pimSetting({ roleId: ROLE.securityAdministrator }, ['Justification']);
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    reportFindings: ['eligible-activation-without-mfa'],
    check: (report) => {
      const f = findingsOf(report, 'eligible-activation-without-mfa', ROLE.securityAdministrator)[0];
      expect(f?.severity).toBe('medium');
      expect(f?.message).toContain("role 'Security Administrator'");
    },
  },
  {
    name: 'R-PIM-2 no finding when activation requires MFA or an authentication context (Graph: unifiedRoleManagementPolicyAuthenticationContextRule)',
    build: (t) => {
      const id = t.user('alice');
      t.makeEligible(id, ROLE.securityAdministrator);
      t.makeEligible(id, ROLE.userAdministrator);
      t.pimSetting({ roleId: ROLE.securityAdministrator }, ['MultiFactorAuthentication', 'Justification']);
      t.pimSetting({ roleId: ROLE.userAdministrator }, ['Justification'], 'c1');
      return id;
    },
    check: (report) => expect(findingsOf(report, 'eligible-activation-without-mfa')).toEqual([]),
  },
  {
    name: 'R-PIM-2 eligible PIM group membership whose activation requires no MFA is flagged for the group (Learn: concept-pim-for-groups)',
    build: (t) => {
      const id = t.user('alice');
      const group = t.group('Tier 0', [], { roleAssignable: true });
      t.assign(group, ROLE.securityAdministrator);
      t.pimGroupMember(group, id, 'eligible');
      t.pimSetting({ groupId: group }, []);
      return id;
    },
    check: (report) => {
      const f = findingsOf(report, 'eligible-activation-without-mfa')[0];
      expect(f?.message).toContain("membership of PIM group 'Tier 0'");
    },
  },
  {
    name: 'R-PERM-1 permanent-privileged-assignment for an active assignment with no end date (Graph: unifiedRoleAssignmentScheduleInstance endDateTime)',
    build: (t) => {
      const id = activeAdmin(t, 'alice', ROLE.globalAdministrator);
      t.policy('Admins MFA');
      return id;
    },
    findings: ['permanent-privileged-assignment'],
    check: (report, admin) => {
      expect(admin.roles[0]).toMatchObject({ assignment: 'active', permanent: true });
      expect(findingsOf(report, 'permanent-privileged-assignment', admin.id)[0]?.severity).toBe('medium');
    },
  },
  {
    name: 'R-PERM-1 no permanent-privileged-assignment for a time-bound assignment or a non-privileged role (Graph: unifiedRoleDefinition isPrivileged)',
    build: (t) => {
      const id = t.user('alice');
      t.assign(id, ROLE.securityAdministrator, { end: '2026-12-31T00:00:00Z' });
      t.assign(id, ROLE.exchangeAdministrator);
      t.policy('Admins MFA');
      return id;
    },
    noFindings: ['permanent-privileged-assignment'],
    check: (_r, admin) => expect(admin.roles.map((r) => r.permanent).sort()).toEqual([false, true]),
  },
  {
    name: 'R-PERM-1 a role the tenant flags isPrivileged counts as privileged for permanent-privileged-assignment (Graph beta: unifiedRoleDefinition isPrivileged)',
    build: (t) => {
      const intune = '3a2c62db-5318-420d-8d74-23affee5d9d5';
      t.roleDefinitions.push({ id: intune, templateId: intune, displayName: 'Intune Administrator', isBuiltIn: true, isPrivileged: true });
      const id = activeAdmin(t, 'alice', intune);
      t.policy('Admins MFA');
      return id;
    },
    options: { adminRoles: { mode: 'privileged', roleIds: [] } },
    findings: ['permanent-privileged-assignment'],
  },
  {
    name: `R-GROUP-1 a member of a role-assignable group holds the role via the group and is role-targetable (Learn: groups-concept)`,
    build: (t) => {
      const id = t.user('alice');
      const group = t.group('Security admins', [id], { roleAssignable: true });
      t.assign(group, ROLE.securityAdministrator);
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    verdict: 'protected',
    check: (_r, admin) => expect(admin.roles[0]).toMatchObject({ assignment: 'active', via: { kind: 'group', groupId: expect.stringMatching(/^b0000000-/) } }),
  },
  {
    name: `R-PIMGROUP-1 an eligible member of a PIM group holding a role is an eligible admin, covered once activated (${PIM_GROUPS})`,
    build: (t) => {
      const id = t.user('alice');
      const group = t.group('Tier 0', [], { roleAssignable: true });
      t.assign(group, ROLE.globalAdministrator);
      t.pimGroupMember(group, id, 'eligible');
      t.policy('Tier 0 MFA', { users: { includeGroups: [group] } });
      return id;
    },
    verdict: 'protected',
    check: (report, admin) => {
      expect(admin.roles).toEqual([expect.objectContaining({ roleName: 'Global Administrator', assignment: 'eligible', via: expect.objectContaining({ kind: 'pimGroup' }) })]);
      expect(report.summary.secureScoreNotes.join(' ')).toContain('PIM for Groups');
    },
  },
  {
    name: `R-PIMGROUP-1 an eligible PIM group member is unprotected when only non-members are targeted (${PIM_GROUPS})`,
    build: (t) => {
      const id = t.user('alice');
      const group = t.group('Tier 0', [], { roleAssignable: true });
      t.assign(group, ROLE.globalAdministrator);
      t.pimGroupMember(group, id, 'eligible');
      t.policy('Everyone but Tier 0', { users: { includeUsers: ['All'], excludeGroups: [group] } });
      return id;
    },
    verdict: 'unprotected',
    gaps: ["while 'Global Administrator' is activated (eligible membership of group 'Tier 0')", "excludes this admin through group 'Tier 0'"],
  },
  {
    name: `R-PIMGROUP-1 an active PIM group member is a member of the group for policies that target it (${PIM_GROUPS})`,
    build: (t) => {
      const id = t.user('alice');
      const group = t.group('Tier 0', [], { roleAssignable: true });
      t.assign(group, ROLE.securityAdministrator);
      t.pimGroupMember(group, id, 'active');
      t.policy('Tier 0 MFA', { users: { includeGroups: [group] } });
      return id;
    },
    verdict: 'protected',
    check: (_r, admin) => expect(admin.roles[0]).toMatchObject({ assignment: 'active', permanent: true, via: { kind: 'pimGroup' } }),
  },
  {
    name: `R-PIMGROUP-2 members of a non-role-assignable group nested (eligible) in a PIM group inherit its role (${PIM_GROUPS}: "Privileged Identity Management and group nesting")`,
    build: (t) => {
      const id = t.user('bob');
      const team = t.group('Ops team', [id]);
      const pim = t.group('Tier 0', [], { roleAssignable: true });
      t.assign(pim, ROLE.userAdministrator);
      t.pimGroupMember(pim, team, 'eligible');
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    verdict: 'protected',
    check: (_r, admin) => {
      expect(admin.roles).toHaveLength(1);
      expect(admin.roles[0]).toMatchObject({ roleName: 'User Administrator', assignment: 'eligible', via: { kind: 'pimGroup', throughGroupName: 'Ops team' } });
    },
  },
  {
    name: `R-PIMGROUP-3 an activated PIM group membership is the eligible path activated, for a user eligible through a nested group (${PIM_GROUPS})`,
    build: (t) => {
      const id = t.user('bob');
      const team = t.group('Ops team', [id]);
      const pim = t.group('Tier 0', [], { roleAssignable: true });
      t.assign(pim, ROLE.userAdministrator);
      t.pimGroupMember(pim, team, 'eligible');
      t.pimGroupMember(pim, id, 'activated');
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    verdict: 'protected',
    check: (_r, admin) => {
      expect(admin.roles).toHaveLength(1);
      expect(admin.roles[0]).toMatchObject({ assignment: 'eligible', activatedNow: true });
    },
  },
  {
    name: `R-PIMGROUP-3 an activated direct PIM group membership is the eligible path activated (${PIM_GROUPS})`,
    build: (t) => {
      const id = t.user('alice');
      const pim = t.group('Tier 0', [id], { roleAssignable: true });
      t.assign(pim, ROLE.userAdministrator);
      t.pimGroupMember(pim, id, 'eligible');
      t.pimGroupMember(pim, id, 'activated');
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    verdict: 'protected',
    check: (_r, admin) => {
      expect(admin.roles).toHaveLength(1);
      expect(admin.roles[0]).toMatchObject({ assignment: 'eligible', activatedNow: true, via: { kind: 'pimGroup' } });
    },
  },
  {
    name: `R-USERS-4 an AU-scoped role is invisible to role-targeted policies: gap and role-scope-not-targetable (${ADMIN_MFA}: "not enforced for … administrative unit-scoped")`,
    build: (t) => {
      const id = t.user('alice');
      t.assign(id, ROLE.userAdministrator, { scope: '/administrativeUnits/0aaa0000-0000-0000-0000-000000000001' });
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    verdict: 'unprotected',
    gaps: ["policy 'Admin roles MFA' targets role 'User Administrator', but this admin holds it scoped to /administrativeUnits/0aaa0000-0000-0000-0000-000000000001"],
    findings: ['role-scope-not-targetable', 'admin-unprotected'],
    check: (_r, admin) => expect(admin.roles[0]).toMatchObject({ scope: 'administrativeUnit' }),
  },
  {
    name: `R-USERS-4 an AU-scoped admin is covered by a policy that targets users, not roles (${USERS})`,
    build: (t) => {
      const id = t.user('alice');
      t.assign(id, ROLE.userAdministrator, { scope: '/administrativeUnits/0aaa0000-0000-0000-0000-000000000001' });
      t.policy('Everyone MFA');
      return id;
    },
    verdict: 'protected',
    noFindings: ['role-scope-not-targetable'],
  },
  {
    name: `R-USERS-4 a custom role is invisible to role targeting: gap and role-scope-not-targetable (${ADMIN_MFA}: "not enforced for … custom roles")`,
    build: (t) => {
      const id = t.user('alice');
      const custom = t.customRole('Tier 1 helpdesk');
      t.assign(id, custom);
      t.policy('Admin roles MFA', roleTargeted);
      return id;
    },
    options: { adminRoles: { mode: 'list', roleIds: ['f1000000-0000-0000-0000-000000000001', ROLE.globalAdministrator] } },
    verdict: 'unprotected',
    gaps: ["policy 'Admin roles MFA' targets roles only; 'Tier 1 helpdesk' is a custom role and cannot be targeted"],
    findings: ['role-scope-not-targetable'],
    check: (_r, admin) => expect(admin.roles[0]).toMatchObject({ roleKind: 'custom', roleName: 'Tier 1 helpdesk' }),
  },
  {
    name: 'R-PIM-3 a tenant without PIM: roleAssignments are active permanent paths (Graph: unifiedRoleAssignment)',
    build: (t) => {
      const id = t.user('alice');
      t.withoutPim([{ principalId: id, roleDefinitionId: ROLE.securityAdministrator }]);
      t.policy('Admins MFA');
      return id;
    },
    verdict: 'protected',
    check: (report, admin) => {
      expect(admin.roles[0]).toMatchObject({ assignment: 'active', permanent: true });
      expect(report.dataSources.pimGroups?.state).toBe('notLicensed');
    },
  },
];

describe('inventory, PIM and role states (R-ROLESTATE, R-PIM, R-GROUP, R-PIMGROUP, R-PERM)', () => {
  it.each(cases)('$name', (c) => {
    runCase(c);
  });
});

describe('inventory outside the admin list', () => {
  it(`R-PIMGROUP-4 an owner of a role-holding PIM group is a potential admin, evaluated as if a member (${PIM_GROUPS})`, () => {
    const t = tenant();
    const owner = t.user('carol');
    const pim = t.group('Tier 0', [], { roleAssignable: true });
    t.assign(pim, ROLE.securityAdministrator);
    t.pimGroupMember(pim, owner, 'active', 'owner');
    t.policy('Admin roles MFA', roleTargeted);
    const report = t.evaluate();
    expect(report.admins.map((a) => a.id)).not.toContain(owner);
    const potential = report.potentialAdmins.find((p) => p.id === owner);
    expect(potential?.ownerOf).toEqual([expect.objectContaining({ groupId: pim, groupName: 'Tier 0', assignment: 'active', roles: ['Security Administrator'] })]);
    // The role-targeted policy would cover the owner once they add themselves and the role is active.
    expect(potential?.verdict).toBe('protected');
    expect(findingsOf(report, 'potential-admin-unprotected')).toEqual([]);
  });

  it(`R-PIMGROUP-4 an owner who would be unprotected as a member gets potential-admin-unprotected (${PIM_GROUPS})`, () => {
    const t = tenant();
    const owner = t.user('carol');
    const pim = t.group('Tier 0', [], { roleAssignable: true });
    t.assign(pim, ROLE.securityAdministrator);
    t.pimGroupMember(pim, owner, 'eligible', 'owner');
    t.policy('Everyone but Tier 0', { users: { includeUsers: ['All'], excludeGroups: [pim] } });
    const report = t.evaluate();
    expect(report.potentialAdmins.find((p) => p.id === owner)?.verdict).toBe('unprotected');
    expect(findingsOf(report, 'potential-admin-unprotected', owner)).toHaveLength(1);
    expect(report.summary.potentialAdmins).toBe(1);
    expect(report.summary.admins).toBe(0);
  });

  it('R-WORKLOAD-1 service principals holding roles are listed separately, never as admins (Learn: concept-conditional-access-users-groups#workload-identities)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const sp = t.servicePrincipal('Provisioning app');
    t.assign(sp, ROLE.userAdministrator);
    const group = t.group('Automation', [sp], { roleAssignable: true });
    t.assign(group, ROLE.applicationAdministrator);
    t.policy('Admins MFA');
    const report = t.evaluate();
    expect(report.admins.map((a) => a.id)).toEqual([alice]);
    const workload = report.workloadAdmins.find((w) => w.id === sp);
    expect(workload?.displayName).toBe('Provisioning app');
    expect(workload?.roles.map((r) => r.roleName).sort()).toEqual(['Application Administrator', 'User Administrator']);
    expect(report.summary.workloadAdmins).toBe(1);
  });

  it('R-UNRESOLVED-1 a role assigned to an object that resolves to nothing is reported, not a crash (Graph: unifiedRoleAssignmentScheduleInstance principalId)', () => {
    const t = tenant();
    activeAdmin(t);
    const ghost = '0dead000-0000-0000-0000-000000000001';
    t.assign(ghost, ROLE.globalAdministrator);
    t.policy('Admins MFA');
    const report = t.evaluate();
    expect(report.unresolvedPrincipals).toEqual([expect.objectContaining({ id: ghost, roles: ['Global Administrator'] })]);
    expect(findingsOf(report, 'principal-unresolved', ghost)).toHaveLength(1);
  });

  it('R-ROLES-1 core mode monitors the 14 roles of the admin-MFA template only (Learn: howto-conditional-access-policy-admin-mfa)', () => {
    const t = tenant();
    const alice = activeAdmin(t, 'alice', ROLE.hybridIdentityAdministrator);
    const report = t.evaluate();
    expect(report.monitoredRoles).toHaveLength(14);
    expect(report.admins.map((a) => a.id)).not.toContain(alice);
  });

  it('R-ROLES-2 privileged mode adds the isPrivileged roles (catalog copy when the beta flag is absent) and Hybrid Identity Administrator (Graph beta: unifiedRoleDefinition isPrivileged)', () => {
    const t = tenant();
    const alice = activeAdmin(t, 'alice', ROLE.hybridIdentityAdministrator);
    const report = t.evaluate({ adminRoles: { mode: 'privileged', roleIds: [] } });
    expect(adminOf(report, alice).roles[0]?.roleName).toBe('Hybrid Identity Administrator');
    expect(report.monitoredRoles.length).toBeGreaterThan(14);
  });

  it('R-ROLES-2 privileged mode also takes roles the tenant flags isPrivileged (Graph beta: unifiedRoleDefinition isPrivileged)', () => {
    const t = tenant();
    const roleId = '3a2c62db-5318-420d-8d74-23affee5d9d5'; // Intune Administrator
    t.roleDefinitions.push({ id: roleId, templateId: roleId, displayName: 'Intune Administrator', isBuiltIn: true, isPrivileged: true });
    const alice = activeAdmin(t, 'alice', roleId);
    const core = t.evaluate();
    expect(core.admins.map((a) => a.id)).not.toContain(alice);
    const privileged = t.evaluate({ adminRoles: { mode: 'privileged', roleIds: [] } });
    expect(adminOf(privileged, alice).roles[0]?.roleName).toBe('Intune Administrator');
  });

  it('R-ROLES-3 list mode monitors exactly the listed role ids (issue 3: MONITOR_ADMIN_ROLES)', () => {
    const t = tenant();
    const alice = activeAdmin(t, 'alice', ROLE.securityAdministrator);
    const bob = activeAdmin(t, 'bob', ROLE.exchangeAdministrator);
    const report = t.evaluate({ adminRoles: { mode: 'list', roleIds: [ROLE.exchangeAdministrator.toUpperCase()] } });
    expect(report.admins.map((a) => a.id)).toEqual([bob]);
    expect(report.admins.map((a) => a.id)).not.toContain(alice);
  });
});
