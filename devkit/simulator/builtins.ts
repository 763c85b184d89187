// What Graph serves in every tenant although no fixture lists it: the built-in directory roles the monitor
// meets (role template ids and names from Learn, "Microsoft Entra built-in roles"; the PRIVILEGED label from
// the same page) and the three built-in authentication strengths (Learn, "Authentication strengths"). Kept
// here, apart from the app's own catalog, so a wrong id in one is caught by the other.

/** [template id, display name, labelled PRIVILEGED]. */
export const BUILT_IN_DIRECTORY_ROLES: ReadonlyArray<readonly [string, string, boolean]> = [
  ['62e90394-69f5-4237-9190-012177145e10', 'Global Administrator', true],
  ['194ae4cb-b126-40b2-bd5b-6091b380977d', 'Security Administrator', true],
  ['f28a1f50-f6e7-4571-818b-6a12f2af6b6c', 'SharePoint Administrator', false],
  ['29232cdf-9323-42fd-ade2-1d097af3e4de', 'Exchange Administrator', false],
  ['b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', 'Conditional Access Administrator', true],
  ['729827e3-9c14-49f7-bb1b-9608f156bbb8', 'Helpdesk Administrator', true],
  ['b0f54661-2d74-4c50-afa3-1ec803f12efe', 'Billing Administrator', false],
  ['fe930be7-5e62-47db-91af-98c3a49a38b1', 'User Administrator', true],
  ['c4e39bd9-1100-46d3-8c65-fb160da0071f', 'Authentication Administrator', true],
  ['9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', 'Application Administrator', true],
  ['158c047a-c907-4556-b7ef-446551a6b5f7', 'Cloud Application Administrator', true],
  ['966707d0-3269-4727-9be2-8c3a10f19b9d', 'Password Administrator', true],
  ['7be44c8a-adaf-4e2a-84d6-ab2649e08a13', 'Privileged Authentication Administrator', true],
  ['e8611ab8-c189-46e8-94e1-60213ab1f814', 'Privileged Role Administrator', true],
  ['0526716b-113d-4c15-b2c8-68e3c22b9f80', 'Authentication Policy Administrator', false],
  ['45d8d3c5-c802-45c6-b32a-1d70b5e1e86e', 'Identity Governance Administrator', false],
  ['8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', 'Hybrid Identity Administrator', true],
  ['fdd7a751-b60b-444a-984c-02652fe8fa1c', 'Groups Administrator', false],
];

const roleId = (name: string): string => (BUILT_IN_DIRECTORY_ROLES.find(([, n]) => n === name) as readonly [string, string, boolean])[0];

/** Role template ids by role, for fixtures and the generator. */
export const ROLE = {
  globalAdministrator: roleId('Global Administrator'),
  securityAdministrator: roleId('Security Administrator'),
  sharePointAdministrator: roleId('SharePoint Administrator'),
  exchangeAdministrator: roleId('Exchange Administrator'),
  conditionalAccessAdministrator: roleId('Conditional Access Administrator'),
  helpdeskAdministrator: roleId('Helpdesk Administrator'),
  billingAdministrator: roleId('Billing Administrator'),
  userAdministrator: roleId('User Administrator'),
  authenticationAdministrator: roleId('Authentication Administrator'),
  applicationAdministrator: roleId('Application Administrator'),
  cloudApplicationAdministrator: roleId('Cloud Application Administrator'),
  passwordAdministrator: roleId('Password Administrator'),
  privilegedAuthenticationAdministrator: roleId('Privileged Authentication Administrator'),
  privilegedRoleAdministrator: roleId('Privileged Role Administrator'),
  authenticationPolicyAdministrator: roleId('Authentication Policy Administrator'),
  identityGovernanceAdministrator: roleId('Identity Governance Administrator'),
  hybridIdentityAdministrator: roleId('Hybrid Identity Administrator'),
  groupsAdministrator: roleId('Groups Administrator'),
} as const;

/**
 * The resource actions (rolePermissions) the simulated tenant serves for built-in roles: for the roles below,
 * the `microsoft.directory/…` actions Learn's "Microsoft Entra built-in roles" lists for them that touch groups,
 * users, role assignments, Conditional Access, named locations, devices and administrative units (other
 * namespaces left out); for every other built-in role none. The dev kit's own copy, read from the docs.
 */
export const BUILT_IN_ROLE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  // Global Administrator.
  '62e90394-69f5-4237-9190-012177145e10': [
    'microsoft.directory/administrativeUnits/allProperties/allTasks',
    'microsoft.directory/conditionalAccessPolicies/allProperties/allTasks',
    'microsoft.directory/devices/allProperties/allTasks',
    'microsoft.directory/groups/allProperties/allTasks',
    'microsoft.directory/groupsAssignableToRoles/allProperties/update',
    'microsoft.directory/groupsAssignableToRoles/create',
    'microsoft.directory/namedLocations/basic/update',
    'microsoft.directory/namedLocations/create',
    'microsoft.directory/namedLocations/delete',
    'microsoft.directory/namedLocations/standard/read',
    'microsoft.directory/roleAssignments/allProperties/allTasks',
    'microsoft.directory/scopedRoleMemberships/allProperties/allTasks',
    'microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin',
    'microsoft.directory/users/allProperties/allTasks',
  ],
  // Privileged Role Administrator.
  'e8611ab8-c189-46e8-94e1-60213ab1f814': [
    'microsoft.directory/administrativeUnits/allProperties/allTasks',
    'microsoft.directory/directoryRoles/allProperties/allTasks',
    'microsoft.directory/groupsAssignableToRoles/allProperties/update',
    'microsoft.directory/groupsAssignableToRoles/create',
    'microsoft.directory/groupsAssignableToRoles/delete',
    'microsoft.directory/privilegedIdentityManagement/allProperties/allTasks',
    'microsoft.directory/roleAssignments/allProperties/allTasks',
    'microsoft.directory/scopedRoleMemberships/allProperties/allTasks',
    'microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin',
  ],
  // User Administrator.
  'fe930be7-5e62-47db-91af-98c3a49a38b1': [
    'microsoft.directory/groups/basic/update',
    'microsoft.directory/groups/create',
    'microsoft.directory/groups/delete',
    'microsoft.directory/groups/dynamicMembershipRule/update',
    'microsoft.directory/groups/groupType/update',
    'microsoft.directory/groups/members/update',
    'microsoft.directory/groups/owners/update',
    'microsoft.directory/users/basic/update',
    'microsoft.directory/users/create',
    'microsoft.directory/users/delete',
    'microsoft.directory/users/manager/update',
    'microsoft.directory/users/password/update',
    'microsoft.directory/users/userPrincipalName/update',
  ],
  // Groups Administrator.
  'fdd7a751-b60b-444a-984c-02652fe8fa1c': [
    'microsoft.directory/groups/basic/update',
    'microsoft.directory/groups/create',
    'microsoft.directory/groups/delete',
    'microsoft.directory/groups/dynamicMembershipRule/update',
    'microsoft.directory/groups/groupType/update',
    'microsoft.directory/groups/hiddenMembers/read',
    'microsoft.directory/groups/members/update',
    'microsoft.directory/groups/owners/update',
  ],
  // Conditional Access Administrator.
  'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9': [
    'microsoft.directory/conditionalAccessPolicies/basic/update',
    'microsoft.directory/conditionalAccessPolicies/create',
    'microsoft.directory/conditionalAccessPolicies/delete',
    'microsoft.directory/conditionalAccessPolicies/standard/read',
    'microsoft.directory/namedLocations/basic/update',
    'microsoft.directory/namedLocations/create',
    'microsoft.directory/namedLocations/delete',
    'microsoft.directory/namedLocations/standard/read',
  ],
  // Exchange Administrator.
  '29232cdf-9323-42fd-ade2-1d097af3e4de': [
    'microsoft.directory/groups.unified/basic/update',
    'microsoft.directory/groups.unified/create',
    'microsoft.directory/groups.unified/delete',
    'microsoft.directory/groups.unified/members/update',
    'microsoft.directory/groups.unified/owners/update',
    'microsoft.directory/groups/hiddenMembers/read',
  ],
};

/** The Microsoft Graph service principal every tenant has, with the application permissions (app roles) it offers. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** The object id the simulated tenant gives Microsoft Graph's service principal when a fixture has none. */
export const MICROSOFT_GRAPH_SP_ID = '5e0b5d2c-0000-4000-8000-000000000003';
export const MICROSOFT_GRAPH_APP_ROLES: ReadonlyArray<{ id: string; value: string }> = [
  { id: 'df021288-bdef-4463-88db-98f22de89214', value: 'User.Read.All' },
  { id: '741f803b-c850-494e-b5df-cde7c675a1ca', value: 'User.ReadWrite.All' },
  { id: '62a82d76-70ea-41e2-9197-370581804d09', value: 'Group.ReadWrite.All' },
  { id: 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695', value: 'GroupMember.ReadWrite.All' },
  { id: '19dbc75e-c2e2-444c-a770-ec69d8559fc7', value: 'Directory.ReadWrite.All' },
  { id: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8', value: 'RoleManagement.ReadWrite.Directory' },
  { id: '01c0a623-fc9b-48e9-b794-0756f8e8f067', value: 'Policy.ReadWrite.ConditionalAccess' },
  { id: '06b708a9-e830-4db3-a914-8e69da51d44f', value: 'AppRoleAssignment.ReadWrite.All' },
  { id: '1138cb37-bd11-4084-a2b7-9f71582aeddb', value: 'Device.ReadWrite.All' },
  { id: '246dd0d5-5bd0-4def-940b-0421030a5b68', value: 'Policy.Read.All' },
];

/** The 14 roles the Conditional Access template "Require multifactor authentication for admins" includes (the first 14 above). */
export const ADMIN_TEMPLATE_ROLES: readonly string[] = BUILT_IN_DIRECTORY_ROLES.slice(0, 14).map(([id]) => id);

/** First-party application ids (Learn, "Verify first-party Microsoft applications in sign-in reports"). */
export const APP_ID = {
  exchangeOnline: '00000002-0000-0ff1-ce00-000000000000',
  sharePointOnline: '00000003-0000-0ff1-ce00-000000000000',
  teamsServices: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe',
  azurePortal: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
  azureServiceManagement: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
} as const;

export function isPrivilegedBuiltIn(templateId: string): boolean | undefined {
  return BUILT_IN_DIRECTORY_ROLES.find(([id]) => id === templateId.toLowerCase())?.[2];
}

const PASSWORDLESS = ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'];
const SECOND_FACTORS = ['microsoftAuthenticatorPush', 'softwareOath', 'hardwareOath', 'sms', 'voice'];

/** `policies/authenticationStrengthPolicies` built-ins, ids 00000000-0000-0000-0000-00000000000{2,3,4}. */
export const BUILT_IN_STRENGTHS: ReadonlyArray<{ id: string; displayName: string; allowedCombinations: string[] }> = [
  {
    id: '00000000-0000-0000-0000-000000000002',
    displayName: 'Multifactor authentication',
    allowedCombinations: [
      ...PASSWORDLESS,
      'deviceBasedPush',
      'temporaryAccessPassOneTime',
      'temporaryAccessPassMultiUse',
      ...SECOND_FACTORS.map((m) => `password,${m}`),
      'federatedMultiFactor',
      ...SECOND_FACTORS.map((m) => `${m},federatedSingleFactor`),
    ],
  },
  { id: '00000000-0000-0000-0000-000000000003', displayName: 'Passwordless MFA', allowedCombinations: [...PASSWORDLESS, 'deviceBasedPush'] },
  { id: '00000000-0000-0000-0000-000000000004', displayName: 'Phishing-resistant MFA', allowedCombinations: [...PASSWORDLESS] },
];

/**
 * secureScoreControlProfiles every tenant has: the one the monitor reads (Graph: secureScoreControlProfile;
 * `maxScore` 10 as Secure Score documents it for "Require MFA for administrative roles").
 */
export const BUILT_IN_CONTROL_PROFILES: ReadonlyArray<Record<string, unknown>> = [
  {
    id: 'AdminMFAV2',
    controlName: 'AdminMFAV2',
    title: 'Ensure multifactor authentication is enabled for all users in administrative roles',
    controlCategory: 'Identity',
    actionType: 'Config',
    service: 'AzureAD',
    maxScore: 10,
    tier: 'Core',
    userImpact: 'Low',
    implementationCost: 'Low',
    rank: 1,
    deprecated: false,
    remediation: 'Create a Conditional Access policy that requires multifactor authentication for administrative roles.',
    controlStateUpdates: [],
    vendorInformation: { provider: 'SecureScore', vendor: 'Microsoft' },
  },
];
