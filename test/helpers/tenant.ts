// A small tenant for integration tests: every path kind the collectors read, in Graph's shapes.
import { ROLE } from '../../src/core/catalog.js';
import { type TenantFixture, parseTenantFixture } from '../../devkit/fixture/format.js';

export const T = {
  tenant: '7e57e57e-0000-4000-8000-000000000001',
  alice: 'a11ce000-0000-4000-8000-000000000001',
  bob: 'b0b00000-0000-4000-8000-000000000002',
  carol: 'ca201000-0000-4000-8000-000000000003',
  dave: 'da7e0000-0000-4000-8000-000000000004',
  erin: 'e1e10000-0000-4000-8000-000000000005',
  breakGlass: 'b1a55000-0000-4000-8000-000000000006',
  roleGroup: '90000000-0000-4000-8000-000000000001',
  pimGroup: '90000000-0000-4000-8000-000000000002',
  nested: '90000000-0000-4000-8000-000000000003',
  exclusions: '90000000-0000-4000-8000-000000000004',
  everyone: '90000000-0000-4000-8000-000000000005',
  sp: '5e000000-0000-4000-8000-000000000001',
  hq: '10c00000-0000-4000-8000-000000000001',
  policyAdmins: 'c0000000-0000-4000-8000-000000000001',
  policyAll: 'c0000000-0000-4000-8000-000000000002',
  policyLegacy: 'c0000000-0000-4000-8000-000000000003',
} as const;

export const FILLER_USERS = 40;

function filler(i: number): string {
  return `f0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

export interface TenantOptions {
  signIns?: number;
  /**
   * Who can change the exclusion group (docs/evaluation.md, section 14): an owner who is no admin, an
   * administrative unit, an app with GroupMember.ReadWrite.All and a client secret, and the audit event of an
   * admin added to the group.
   */
  exemptions?: boolean;
}

export const EXEMPTION_IDS = {
  owner: filler(0),
  unit: 'a0000000-0000-4000-8000-0000000000a1',
  graph: '5e000000-0000-4000-8000-000000000003',
  app: 'a0000000-0000-4000-8000-0000000000a2',
  audit: 'Directory_test_add_member',
} as const;

/** The exemption data of `baseTenant({ exemptions: true })`, added to a fixture. */
export function withExemptions(fixture: TenantFixture, now = Date.now()): TenantFixture {
  const f = structuredClone(fixture);
  const group = f.groups?.find((g) => g.id === T.exclusions);
  if (group) group.owners = [EXEMPTION_IDS.owner];
  f.administrativeUnits = [{ id: EXEMPTION_IDS.unit, displayName: 'Exclusions unit', isMemberManagementRestricted: false, members: [T.exclusions] }];
  f.servicePrincipals = [
    ...(f.servicePrincipals ?? []),
    { id: EXEMPTION_IDS.graph, appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph', appRoles: [{ id: 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695', value: 'GroupMember.ReadWrite.All' }] },
  ];
  f.appRoleAssignments = [{ id: 'ara-1', principalId: T.sp, principalType: 'ServicePrincipal', resourceId: EXEMPTION_IDS.graph, appRoleId: 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695' }];
  f.applications = [{ id: EXEMPTION_IDS.app, appId: 'a0000000-0000-4000-8000-000000000001', displayName: 'Automation', passwordCredentials: [{ keyId: 'k1' }], keyCredentials: [] }];
  f.directoryAudits = [
    {
      id: EXEMPTION_IDS.audit,
      activityDateTime: new Date(now - 3_600_000).toISOString(),
      activityDisplayName: 'Add member to group',
      category: 'GroupManagement',
      result: 'success',
      initiatedBy: { user: { id: EXEMPTION_IDS.owner, userPrincipalName: 'user0@contoso.test' } },
      targetResources: [
        { id: T.breakGlass, type: 'User', userPrincipalName: 'breakglass@contoso.test' },
        { id: T.exclusions, type: 'Group', displayName: 'CA exclusions' },
      ],
    },
  ];
  return f;
}

/** The base tenant; tests mutate a copy (structuredClone) to model changes. */
export function baseTenant(options: TenantOptions = {}): TenantFixture {
  const users = [
    { id: T.alice, userPrincipalName: 'alice@contoso.test', displayName: 'Alice Admin', accountEnabled: true, userType: 'Member' },
    { id: T.bob, userPrincipalName: 'bob@contoso.test', displayName: 'Bob Eligible', accountEnabled: true, userType: 'Member' },
    { id: T.carol, userPrincipalName: 'carol@contoso.test', displayName: 'Carol Group', accountEnabled: true, userType: 'Member' },
    { id: T.dave, userPrincipalName: 'dave@contoso.test', displayName: 'Dave PIM-group', accountEnabled: true, userType: 'Member' },
    { id: T.erin, userPrincipalName: 'erin@contoso.test', displayName: 'Erin Nested', accountEnabled: true, userType: 'Member' },
    { id: T.breakGlass, userPrincipalName: 'breakglass@contoso.test', displayName: 'Break Glass', accountEnabled: true, userType: 'Member' },
    ...Array.from({ length: FILLER_USERS }, (_, i) => ({ id: filler(i), userPrincipalName: `user${i}@contoso.test`, displayName: `User ${i}`, accountEnabled: true, userType: 'Member' })),
  ];
  const now = Date.now();
  const signIns = Array.from({ length: options.signIns ?? 30 }, (_, i) => ({
    id: `5191e000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    createdDateTime: new Date(now - (i + 1) * 30_000).toISOString(),
    userId: i % 10 === 0 ? T.breakGlass : T.alice,
    userPrincipalName: i % 10 === 0 ? 'breakglass@contoso.test' : 'alice@contoso.test',
    appDisplayName: 'Azure Portal',
    ipAddress: '203.0.113.7',
    clientAppUsed: 'Browser',
    status: { errorCode: i % 10 === 0 ? 0 : i % 2 === 0 ? 50074 : 50076, failureReason: null },
    location: { city: 'Berlin', countryOrRegion: 'DE' },
  }));
  const fixture = parseTenantFixture({
    version: 1,
    tenantId: T.tenant,
    displayName: 'Contoso Test',
    users,
    groups: [
      { id: T.roleGroup, displayName: 'Role group: Helpdesk', isAssignableToRole: true, securityEnabled: true, members: [T.carol] },
      { id: T.pimGroup, displayName: 'PIM group: Exchange', isAssignableToRole: true, securityEnabled: true, members: [] },
      { id: T.nested, displayName: 'Nested contractors', isAssignableToRole: false, securityEnabled: true, members: [T.erin] },
      { id: T.exclusions, displayName: 'CA exclusions', securityEnabled: true, members: [T.breakGlass] },
      { id: T.everyone, displayName: 'Everyone', securityEnabled: true, members: users.map((u) => u.id) },
    ],
    servicePrincipals: [{ id: T.sp, displayName: 'Automation', appId: 'a0000000-0000-4000-8000-000000000001' }],
    roleAssignmentScheduleInstances: [
      { id: 'rasi-alice-ga', principalId: T.alice, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null },
      { id: 'rasi-bg-ga', principalId: T.breakGlass, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null },
      { id: 'rasi-group-hd', principalId: T.roleGroup, roleDefinitionId: ROLE.helpdeskAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null },
      { id: 'rasi-pimgroup-exo', principalId: T.pimGroup, roleDefinitionId: ROLE.exchangeAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null },
      { id: 'rasi-sp-app', principalId: T.sp, roleDefinitionId: ROLE.applicationAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null },
    ],
    roleEligibilityScheduleInstances: [
      { id: 'resi-bob-ua', principalId: T.bob, roleDefinitionId: ROLE.userAdministrator, directoryScopeId: '/', memberType: 'Direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: '2030-01-01T00:00:00Z' },
    ],
    privilegedAccessGroupEligibilityScheduleInstances: [
      { id: 'pge-dave', groupId: T.pimGroup, principalId: T.dave, accessId: 'member', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
      { id: 'pge-nested', groupId: T.pimGroup, principalId: T.nested, accessId: 'member', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
    ],
    privilegedAccessGroupAssignmentScheduleInstances: [],
    roleAssignmentScheduleRequests: [],
    roleManagementPolicyAssignments: [
      {
        id: 'Directory_tenant_ua',
        policyId: 'p-ua',
        scopeId: '/',
        scopeType: 'DirectoryRole',
        roleDefinitionId: ROLE.userAdministrator,
        policy: {
          id: 'p-ua',
          displayName: 'User Administrator settings',
          rules: [
            { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication', 'Justification'] },
            { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT8H', isExpirationRequired: true },
            { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule', id: 'Approval_EndUser_Assignment', setting: { isApprovalRequired: true } },
          ],
        },
      },
    ],
    namedLocations: [{ '@odata.type': '#microsoft.graph.ipNamedLocation', id: T.hq, displayName: 'HQ', isTrusted: true, ipRanges: [{ cidrAddress: '203.0.113.0/24' }] }],
    conditionalAccessPolicies: [
      {
        id: T.policyAdmins,
        displayName: 'Require MFA for admins',
        state: 'enabled',
        conditions: {
          users: { includeRoles: [ROLE.globalAdministrator, ROLE.helpdeskAdministrator, ROLE.userAdministrator, ROLE.exchangeAdministrator], excludeGroups: [T.exclusions] },
          applications: { includeApplications: ['All'] },
          clientAppTypes: ['all'],
        },
        grantControls: { operator: 'OR', builtInControls: ['mfa'] },
      },
      {
        id: T.policyAll,
        displayName: 'MFA for everyone',
        state: 'enabledForReportingButNotEnforced',
        conditions: { users: { includeGroups: [T.everyone] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
        grantControls: { operator: 'OR', builtInControls: ['mfa'] },
      },
      {
        id: T.policyLegacy,
        displayName: 'Block legacy authentication',
        state: 'enabled',
        conditions: { users: { includeUsers: ['All'], excludeGroups: [T.exclusions] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['exchangeActiveSync', 'other'] },
        grantControls: { operator: 'OR', builtInControls: ['block'] },
      },
    ],
    authenticationStrengthPolicies: [],
    securityDefaults: { isEnabled: false },
    userRegistrationDetails: users.slice(0, 6).map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName, isAdmin: true, isMfaRegistered: u.id !== T.erin, isMfaCapable: true, methodsRegistered: ['microsoftAuthenticatorPush'] })),
    signIns,
  });
  return options.exemptions ? withExemptions(fixture) : fixture;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
