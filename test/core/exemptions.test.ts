// Who can switch MFA off for an admin (docs/evaluation.md, section 14): one case per rule, with its source.
import { describe, expect, it } from 'vitest';
import { snapshotFromFixture } from '../../devkit/bench/snapshot.js';
import type { TenantFixture } from '../../devkit/fixture/format.js';
import { ROLE } from '../../src/core/catalog.js';
import { parseRule } from '../../src/core/dynamic-rule.js';
import { DEFAULT_EVALUATION_OPTIONS, evaluate } from '../../src/core/evaluate.js';
import { exemptionUsedFindings } from '../../src/core/exemption-changes.js';
import { exemptionsByAdmin } from '../../src/core/exemption-types.js';
import type { Report } from '../../src/core/report.js';
import { APP_PERMISSION_ABILITIES, classifyAction, roleAbilities } from '../../src/core/role-abilities.js';
import { EXEMPTION_IDS, T, baseTenant, withExemptions } from '../helpers/tenant.js';

const GROUPS_ADMIN = 'fdd7a751-b60b-444a-984c-02652fe8fa1c';
const NOW = '2026-11-01T08:00:00Z';

function report(fixture: TenantFixture): Report {
  return evaluate(snapshotFromFixture(fixture, NOW), { ...DEFAULT_EVALUATION_OPTIONS, excludedAccounts: [], now: NOW });
}

/** The base tenant with its exclusion group's controllers, changed by `edit`. */
function tenant(edit: (f: TenantFixture) => void = () => undefined): TenantFixture {
  const f = withExemptions(baseTenant({ signIns: 0 }), Date.parse(NOW));
  edit(f);
  return f;
}

const exclusion = (r: Report, id = T.exclusions) => r.exemptions?.exclusions.find((x) => x.targetId === id);
const controllerIds = (r: Report, id = T.exclusions) => (exclusion(r, id)?.controllers ?? []).map((c) => c.id).sort();
const findings = (r: Report, type: string) => r.findings.filter((f) => f.type === type);

function assign(f: TenantFixture, principalId: string, roleDefinitionId: string, scope = '/'): void {
  f.roleAssignmentScheduleInstances?.push({ id: `x-${principalId}-${roleDefinitionId}-${scope}`, principalId, roleDefinitionId, directoryScopeId: scope, assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null });
}

describe('dynamic membership rules (R-EXEMPT-5)', () => {
  it.each([
    ['user.department -eq "Sales"', ['user.department']],
    ['(user.department -eq "Service Accounts") -and (user.accountEnabled -eq true)', ['user.accountenabled', 'user.department']],
    ['user.extensionAttribute7 -in ["svc","bot"] -or -not (user.jobTitle -startsWith "Admin")', ['user.extensionattribute7', 'user.jobtitle']],
    ['user.assignedPlans -any (assignedPlan.servicePlanId -eq "efb87545-963c-4e0d-99df-69c6916d9eb0" -and assignedPlan.capabilityStatus -eq "Enabled")', ['user.assignedplans']],
    ['user.proxyAddresses -any (_ -contains "contoso")', ['user.proxyaddresses']],
    ['user.department eq "Sales"', ['user.department']],
    ['device.model -startsWith "Surface"', ['device.model']],
  ])('reads the attributes of %s', (rule, attributes) => {
    const parsed = parseRule(rule);
    expect(parsed.ok && parsed.attributes.map((a) => `${a.object}.${a.property}`)).toEqual(attributes);
  });

  it('memberOf clauses name the groups they depend on; "Direct Reports for" reads the manager', () => {
    const memberOf = parseRule("user.memberof -any (group.objectId -in ['b0000000-0000-0000-0000-000000000001'])");
    expect(memberOf.ok && memberOf.memberOfGroups).toEqual(['b0000000-0000-0000-0000-000000000001']);
    const reports = parseRule('Direct Reports for "a0000000-0000-0000-0000-000000000001"');
    expect(reports.ok && reports.attributes).toEqual([{ object: 'user', property: 'manager' }]);
  });

  it.each(['', 'user.department -eq', '(user.department -eq "x"', 'user.department -eq "x" -and', 'department -eq "x"', 'user.department -xx "x"', 'user.department -eq "unterminated'])('an unparsable rule (%j) is an error with its position, never "no attributes"', (rule) => {
    expect(parseRule(rule).ok).toBe(false);
  });
});

describe('resource actions (R-EXEMPT-1..4, 6, 9)', () => {
  it.each([
    ['microsoft.directory/groups/members/update', ['groupMembers'], false],
    ['microsoft.directory/groups.security.assignedMembership/members/update', ['groupMembers'], false],
    ['microsoft.directory/groups/owners/update', ['groupOwners'], false],
    ['microsoft.directory/groups/dynamicMembershipRule/update', ['groupRule'], false],
    ['microsoft.directory/groups/allProperties/allTasks', ['groupMembers', 'groupOwners', 'groupRule'], false],
    ['microsoft.directory/groupsAssignableToRoles/allProperties/update', ['roleAssignableGroups'], false],
    ['microsoft.directory/users/basic/update', ['userAttributes'], false],
    ['microsoft.directory/users/manager/update', ['userAttributes'], false],
    ['microsoft.directory/roleAssignments/allProperties/allTasks', ['roleAssignments'], false],
    ['microsoft.directory/conditionalAccessPolicies/basic/update', ['conditionalAccess'], false],
    ['microsoft.directory/namedLocations/create', ['namedLocations'], false],
    ['microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin', ['consent'], false],
    ['microsoft.directory/groups/basic/update', [], false],
    ['microsoft.directory/users/password/update', [], false],
    ['microsoft.directory/groups/members/read', [], false],
    ['microsoft.office365.exchange/allEntities/basic/allTasks', [], false],
    ['microsoft.directory/groups/lifecyclePolicies/update', [], true],
    ['microsoft.directory/users/somethingNew/update', [], true],
  ])('%s gives %j (unknown: %s)', (action, abilities, unknown) => {
    const c = classifyAction(action);
    expect(c.grants.map((g) => g.ability)).toEqual(abilities);
    expect(c.unknown).toBe(unknown);
  });

  it('a role whose permissions could not be read has unknown abilities, not none', () => {
    expect(roleAbilities(null)).toBeNull();
    expect(roleAbilities([])?.grants).toEqual([]);
  });

  it('R-EXEMPT-1 an unclassified action and a role without permissions are reported as unknown', () => {
    const r = report(
      tenant((f) => {
        f.roleDefinitions = [{ id: 'f1000000-0000-0000-0000-000000000001', displayName: 'Odd role', isBuiltIn: false, rolePermissions: [{ allowedResourceActions: ['microsoft.directory/groups/lifecyclePolicies/update'] }] }];
        assign(f, T.bob, 'f1000000-0000-0000-0000-000000000001');
      }),
    );
    expect(r.exemptions?.unknowns.some((u) => u.includes("'Odd role'") && u.includes('lifecyclePolicies/update'))).toBe(true);
  });
});

describe('controllers of an exclusion group (R-EXEMPT-2, -3, -6, -8)', () => {
  it('R-EXEMPT-2 an owner controls it; an owner who is not protected is a finding (R-EXEMPT-10)', () => {
    const r = report(tenant());
    expect(controllerIds(r)).toContain(EXEMPTION_IDS.owner);
    const owner = r.exemptions?.controllers.find((c) => c.id === EXEMPTION_IDS.owner);
    // Only 'Block legacy authentication' applies to them: partly protected.
    expect(owner?.verdict).toBe('partial');
    expect(findings(r, 'exemption-controller-unprotected').map((f) => f.subjectId)).toContain(EXEMPTION_IDS.owner);
  });

  it('R-EXEMPT-2 a Groups Administrator controls a group that is not role-assignable; R-EXEMPT-3 not a role-assignable one', () => {
    const plain = report(tenant((f) => assign(f, T.carol, GROUPS_ADMIN)));
    expect(controllerIds(plain)).toContain(T.carol);
    const roleAssignable = report(
      tenant((f) => {
        assign(f, T.carol, GROUPS_ADMIN);
        const g = f.groups?.find((x) => x.id === T.exclusions);
        if (g) g.isAssignableToRole = true;
      }),
    );
    expect(controllerIds(roleAssignable)).not.toContain(T.carol);
    // Global Administrator (Alice) manages role-assignable groups (groupsAssignableToRoles/allProperties/update).
    expect(controllerIds(roleAssignable)).toContain(T.alice);
  });

  it('R-EXEMPT-6 an app with GroupMember.ReadWrite.All controls it; with a client secret it is a finding, with a certificate only it is not', () => {
    const secret = report(tenant());
    expect(controllerIds(secret)).toContain(T.sp);
    expect(findings(secret, 'exemption-controller-unprotected').map((f) => f.subjectId)).toContain(T.sp);
    const certificate = report(
      tenant((f) => {
        const app = f.applications?.[0];
        if (app) Object.assign(app, { passwordCredentials: [], keyCredentials: [{ keyId: 'c1' }] });
      }),
    );
    expect(certificate.exemptions?.controllers.find((c) => c.id === T.sp)?.verdict).toBe('noSecret');
    expect(findings(certificate, 'exemption-controller-unprotected').map((f) => f.subjectId)).not.toContain(T.sp);
  });

  it('R-EXEMPT-3 a group Graph reads with isAssignableToRole null is not role-assignable (D-8): Groups Administrators control it', () => {
    const r = report(
      tenant((f) => {
        assign(f, T.carol, GROUPS_ADMIN);
        const g = f.groups?.find((x) => x.id === T.exclusions);
        if (g) g.isAssignableToRole = null;
      }),
    );
    expect(exclusion(r)?.group?.roleAssignable).toBe(false);
    expect(controllerIds(r)).toContain(T.carol);
    expect(exclusion(r)?.unknowns.some((u) => u.includes('role-assignable is unknown'))).toBe(false);
  });

  it('R-EXEMPT-8 a restricted-management administrative unit blocks owners, tenant-scoped roles and app permissions; a role scoped to the unit still reaches it', () => {
    const r = report(
      tenant((f) => {
        const au = f.administrativeUnits?.[0];
        if (au) au.isMemberManagementRestricted = true;
        assign(f, T.carol, GROUPS_ADMIN);
        assign(f, T.dave, GROUPS_ADMIN, `/administrativeUnits/${EXEMPTION_IDS.unit}`);
      }),
    );
    const ids = controllerIds(r);
    expect(ids).not.toContain(EXEMPTION_IDS.owner);
    expect(ids).not.toContain(T.carol);
    expect(ids).not.toContain(T.sp);
    expect(ids).toContain(T.dave);
  });

  it('R-EXEMPT-8 a unit whose restriction Graph does not say (read without AdministrativeUnit.Read.All) leaves the group unknown, never unprotected', () => {
    const r = report(tenant((f) => Object.assign(f.administrativeUnits?.[0] ?? {}, { isMemberManagementRestricted: null })));
    expect(exclusion(r)?.group?.unitsKnown).toBe(false);
    expect(exclusion(r)?.unknowns.some((u) => u.includes('restrict management could not be read'))).toBe(true);
    expect(findings(r, 'exemption-group-unprotected').map((f) => f.subjectId)).not.toContain(T.exclusions);
    // Controllers a restricted unit would block are still listed (pessimistic).
    expect(controllerIds(r)).toContain(EXEMPTION_IDS.owner);
  });

  it('R-EXEMPT-7 an eligible owner through PIM for Groups controls it (in two steps)', () => {
    const r = report(tenant((f) => f.privilegedAccessGroupEligibilityScheduleInstances?.push({ id: 'pim-own', groupId: T.exclusions, principalId: T.erin, accessId: 'owner', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null })));
    const erin = exclusion(r)?.controllers.find((c) => c.id === T.erin);
    expect(erin?.paths.map((p) => [p.how, p.steps])).toEqual([['eligibleOwner', 'twoSteps']]);
  });

  it('R-EXEMPT-2 a deleted owner is reported as unknown, never left out', () => {
    const r = report(tenant((f) => f.groups?.find((g) => g.id === T.exclusions)?.owners?.push('a0000000-dead-4000-8000-000000000000')));
    expect(r.exemptions?.controllers.find((c) => c.id === 'a0000000-dead-4000-8000-000000000000')?.verdict).toBe('unknown');
  });
});

describe('dynamic exclusion groups (R-EXEMPT-5, -11)', () => {
  const dynamic = (rule: string) => (f: TenantFixture) => {
    const g = f.groups?.find((x) => x.id === T.exclusions);
    if (g) Object.assign(g, { groupTypes: ['DynamicMembership'], membershipRule: rule, membershipRuleProcessingState: 'On' });
  };

  it('R-EXEMPT-11 a rule reading an attribute roles below Global Administrator write is a medium finding; the admin who matches it a high one', () => {
    const r = report(tenant(dynamic('user.department -eq "Break Glass"')));
    const dyn = findings(r, 'exemption-dynamic-rule');
    expect(dyn.map((f) => `${f.severity}:${f.subjectId}`).sort()).toEqual([`high:${T.breakGlass}`, `medium:${T.exclusions}`]);
    expect(dyn.find((f) => f.severity === 'medium')?.message).toContain('User Administrator');
    // Bob, eligible User Administrator, writes user.department (users/basic/update): a controller of the group.
    expect(exclusion(r)?.controllers.find((c) => c.id === T.bob)?.paths.some((p) => p.detail.includes('user.department'))).toBe(true);
  });

  it('R-EXEMPT-5 a rule on a self-service attribute lets every user exempt themselves', () => {
    const r = report(tenant(dynamic('user.mobile -eq "+1 555 0100"')));
    expect(exclusion(r)?.controllers.some((c) => c.id === 'everyone')).toBe(true);
  });

  it('R-EXEMPT-5 an unparsable rule is unknown and a finding, never safe', () => {
    const r = report(tenant(dynamic('user.department -eq')));
    expect(exclusion(r)?.group?.ruleError).not.toBeNull();
    expect(exclusion(r)?.unknowns.some((u) => u.includes('could not be parsed'))).toBe(true);
    expect(findings(r, 'exemption-dynamic-rule').some((f) => f.subjectId === T.exclusions && f.message.includes('cannot parse'))).toBe(true);
  });
});

describe('application permissions (R-EXEMPT-6)', () => {
  it.each([
    ['GroupMember.ReadWrite.All', ['groupMembers']],
    ['Group.ReadWrite.All', ['groupMembers', 'groupOwners', 'groupRule']],
    ['User.ReadWrite.All', ['userAttributes']],
    ['Policy.ReadWrite.ConditionalAccess', ['conditionalAccess', 'namedLocations']],
    ['RoleManagement.ReadWrite.Directory', ['roleAssignments', 'roleAssignableGroups']],
    ['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', ['groupMembers', 'groupOwners', 'roleAssignableGroups']],
    ['AppRoleAssignment.ReadWrite.All', ['consent']],
    ['Group.Read.All', undefined],
    ['GroupMember.Read.All', undefined],
  ])('%s gives %j', (permission, abilities) => {
    expect(APP_PERMISSION_ABILITIES[permission]).toEqual(abilities);
  });

  it('R-EXEMPT-3 GroupMember.ReadWrite.All does not reach a role-assignable group; RoleManagement.ReadWrite.Directory does', () => {
    const r = report(
      tenant((f) => {
        const g = f.groups?.find((x) => x.id === T.exclusions);
        if (g) g.isAssignableToRole = true;
      }),
    );
    expect(controllerIds(r)).not.toContain(T.sp);
    const withRoleManagement = report(
      tenant((f) => {
        const g = f.groups?.find((x) => x.id === T.exclusions);
        if (g) g.isAssignableToRole = true;
        const graph = f.servicePrincipals?.find((s) => s.id === EXEMPTION_IDS.graph);
        graph?.appRoles?.push({ id: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8', value: 'RoleManagement.ReadWrite.Directory' });
        f.appRoleAssignments?.push({ id: 'ara-2', principalId: T.sp, principalType: 'ServicePrincipal', resourceId: EXEMPTION_IDS.graph, appRoleId: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8' });
      }),
    );
    expect(controllerIds(withRoleManagement)).toContain(T.sp);
  });
});

describe('other kinds of exclusion (R-EXEMPT-4, -5, -9)', () => {
  const policy = (f: TenantFixture) => f.conditionalAccessPolicies?.find((p) => p.id === T.policyAdmins);

  it('R-EXEMPT-4 an excluded role is controlled through the groups that hold it (a role-assignable group: Global Administrators)', () => {
    const r = report(
      tenant((f) => {
        const users = policy(f)?.conditions?.users;
        if (users) users.excludeRoles = [ROLE.helpdeskAdministrator];
      }),
    );
    const x = r.exemptions?.exclusions.find((e) => e.kind === 'role');
    expect(x?.targetName).toBe('Helpdesk Administrator');
    // Role group: Helpdesk (role-assignable) holds it: Alice (Global Administrator) manages its members.
    expect(x?.controllers.find((c) => c.id === T.alice)?.paths[0]?.detail).toContain("holds 'Helpdesk Administrator'");
    expect(x?.memberAdminIds).toEqual([T.carol]);
  });

  it('R-EXEMPT-9 an AllTrusted exclusion is controlled by whoever edits named locations; a platform exclusion by whoever signs in', () => {
    const r = report(
      tenant((f) => {
        const c = policy(f)?.conditions;
        if (c) Object.assign(c, { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] }, platforms: { includePlatforms: ['all'], excludePlatforms: ['linux'] } });
      }),
    );
    const location = r.exemptions?.exclusions.find((e) => e.kind === 'location');
    expect(location?.targetName).toBe('all trusted locations');
    expect(location?.controllers.map((c) => c.id)).toContain(T.alice);
    const platform = r.exemptions?.exclusions.find((e) => e.kind === 'platform');
    expect(platform?.controllers.map((c) => [c.id, c.paths[0]?.how])).toEqual([['sign-in', 'clientReported']]);
  });

  it('R-EXEMPT-5 a device filter on a property the device reports is steered by whoever signs in; one on an extension attribute by device writers only', () => {
    const filtered = (rule: string) =>
      report(
        tenant((f) => {
          const c = policy(f)?.conditions;
          if (c) Object.assign(c, { devices: { deviceFilter: { mode: 'exclude', rule } } });
        }),
      ).exemptions?.exclusions.find((e) => e.kind === 'deviceFilter');
    expect(filtered('device.model -startsWith "Surface"')?.controllers.map((c) => c.id)).toContain('sign-in');
    expect(filtered('device.extensionAttribute1 -eq "kiosk"')?.controllers.map((c) => c.id)).not.toContain('sign-in');
    expect(filtered('device.model -eq')?.unknowns.some((u) => u.includes('could not be parsed'))).toBe(true);
  });

  it('R-EXEMPT-5 a user attribute writer scoped to an administrative unit, and on-premises Active Directory, control a dynamic rule', () => {
    const r = report(
      tenant((f) => {
        const g = f.groups?.find((x) => x.id === T.exclusions);
        if (g) Object.assign(g, { groupTypes: ['DynamicMembership'], membershipRule: 'user.jobTitle -eq "Break Glass"', membershipRuleProcessingState: 'On' });
        assign(f, T.dave, ROLE.userAdministrator, `/administrativeUnits/${EXEMPTION_IDS.unit}`);
      }),
    );
    const ids = controllerIds(r);
    expect(exclusion(r)?.controllers.find((c) => c.id === T.dave)?.paths.some((p) => p.how === 'attributeWriter' && p.detail.includes('user.jobtitle'))).toBe(true);
    expect(ids).toContain('on-premises');
    expect(ids).not.toContain('everyone');
  });

  it('R-EXEMPT-5 a memberOf rule names the group it depends on as unknown', () => {
    const r = report(
      tenant((f) => {
        const g = f.groups?.find((x) => x.id === T.exclusions);
        if (g) Object.assign(g, { groupTypes: ['DynamicMembership'], membershipRule: `user.memberof -any (group.objectId -in ['${T.nested}'])`, membershipRuleProcessingState: 'On' });
      }),
    );
    expect(exclusion(r)?.unknowns.some((u) => u.includes(T.nested))).toBe(true);
  });
});

describe('exclusion groups themselves (R-EXEMPT-12)', () => {
  const edits: Record<string, (f: TenantFixture) => void> = {
    plain: () => undefined,
    roleAssignable: (f) => Object.assign(f.groups?.find((g) => g.id === T.exclusions) ?? {}, { isAssignableToRole: true }),
    restricted: (f) => Object.assign(f.administrativeUnits?.[0] ?? {}, { isMemberManagementRestricted: true }),
  };
  it.each([
    ['neither role-assignable nor in a restricted-management unit', 'plain', true],
    ['role-assignable', 'roleAssignable', false],
    ['in a restricted-management unit', 'restricted', false],
  ])('a group %s: finding %s', (_name, edit, expected) => {
    const r = report(tenant(edits[edit]));
    expect(findings(r, 'exemption-group-unprotected').some((f) => f.subjectId === T.exclusions)).toBe(expected);
  });
});

describe('policy editors and other exclusions (R-EXEMPT-4, -9)', () => {
  it('R-EXEMPT-9 Global Administrators edit the policies; R-EXEMPT-4 they also assign roles (in two steps)', () => {
    const r = report(tenant());
    const alice = r.exemptions?.policyEditors.find((c) => c.id === T.alice);
    expect(alice?.paths.some((p) => p.detail.includes('Conditional Access policies'))).toBe(true);
    expect(alice?.paths.some((p) => p.steps === 'twoSteps')).toBe(true);
  });

  it('R-EXEMPT-1 every admin row lists the exclusions that reach it, and those it is excluded through now', () => {
    const r = report(tenant());
    const by = exemptionsByAdmin(r.exemptions);
    expect(by.get(T.breakGlass)?.excludedNow).toEqual([`group:${T.exclusions}`]);
    expect(by.get(T.alice)?.excludedNow).toEqual([]);
    expect(by.get(T.alice)?.reachedBy).toContain(`group:${T.exclusions}`);
    // Admins reached by the same exclusions share one entry; the exclusion counts them.
    expect(r.exemptions?.reach.reduce((n, x) => n + x.adminIds.length, 0)).toBe(r.admins.length);
    expect(exclusion(r)?.reachableAdmins).toBe(r.exemptions?.reach.filter((x) => x.exclusionKeys.includes(`group:${T.exclusions}`)).reduce((n, x) => n + x.adminIds.length, 0));
  });
});

describe('exemption-used (R-EXEMPT-13)', () => {
  const r = report(tenant());
  const event = withExemptions(baseTenant({ signIns: 0 }), Date.parse(NOW)).directoryAudits?.[0];
  const audits = snapshotFromFixture(tenant(), NOW).exemptions?.audits ?? [];

  it('an audit event adding an admin to an exclusion group is told with who and when', () => {
    const f = exemptionUsedFindings({ report: r, audits, auditSince: '2026-10-31T00:00:00Z', auditReadable: true, assignmentChanges: [], policyChanges: [] });
    expect(f.map((x) => x.fingerprint)).toEqual([`exemption-used:${event?.id}`]);
    expect(f[0]?.message).toContain('by user0@contoso.test');
  });

  it('events before the window are not told again', () => {
    expect(exemptionUsedFindings({ report: r, audits, auditSince: '2026-11-02T00:00:00Z', auditReadable: true, assignmentChanges: [], policyChanges: [] })).toEqual([]);
  });

  it('without a readable audit log, the membership change the history recorded is told, saying who is not known', () => {
    const change = { dataset: 'group', itemId: T.exclusions, change: 'changed', before: { memberUserIds: [] }, after: { memberUserIds: [T.breakGlass] }, observedAt: NOW };
    const f = exemptionUsedFindings({ report: r, audits: [], auditSince: NOW, auditReadable: false, assignmentChanges: [change], policyChanges: [] });
    expect(f.map((x) => x.subjectId)).toEqual([T.breakGlass]);
    expect(f[0]?.message).toContain('who did it is not known');
  });

  it('a group or a policy seen for the first time is no change: nothing is told', () => {
    const group = { dataset: 'group', itemId: T.exclusions, change: 'added', before: null, after: { memberUserIds: [T.breakGlass] }, observedAt: NOW };
    const policy = { dataset: 'caPolicy', itemId: T.policyAdmins, change: 'added', before: null, after: { state: 'enabled', displayName: 'New', conditions: { users: { excludeRoles: [ROLE.globalAdministrator] } } }, observedAt: NOW };
    expect(exemptionUsedFindings({ report: r, audits: [], auditSince: NOW, auditReadable: false, assignmentChanges: [group], policyChanges: [policy] })).toEqual([]);
  });

  it('a role an admin holds, added to an enabled policy\u2019s excludeRoles, exempts them', () => {
    const before = { state: 'enabled', displayName: 'Require MFA for admins', conditions: { users: { excludeRoles: [] } } };
    const after = { ...before, conditions: { users: { excludeRoles: [ROLE.globalAdministrator] } } };
    const f = exemptionUsedFindings({ report: r, audits: [], auditSince: NOW, auditReadable: true, assignmentChanges: [], policyChanges: [{ dataset: 'caPolicy', itemId: T.policyAdmins, change: 'changed', before, after, observedAt: NOW }] });
    expect(f.map((x) => x.subjectId).sort()).toEqual([T.alice, T.breakGlass].sort());
  });
});
