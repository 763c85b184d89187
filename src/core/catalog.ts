// Built-in facts the tenant does not send: role template IDs, built-in authentication strengths and the
// sign-in error codes that mean "interrupted". Sources are in docs/evaluation.md and entra-facts.md.

export interface BuiltInRole {
  templateId: string;
  displayName: string;
  /** Graph's `isPrivileged` flag (beta), copied so evaluation works when the flag cannot be read. */
  privileged: boolean;
}

export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  sharePointAdministrator: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
  exchangeAdministrator: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  conditionalAccessAdministrator: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  billingAdministrator: 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  passwordAdministrator: '966707d0-3269-4727-9be2-8c3a10f19b9d',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  authenticationPolicyAdministrator: '0526716b-113d-4c15-b2c8-68e3c22b9f80',
  identityGovernanceAdministrator: '45d8d3c5-c802-45c6-b32a-1d70b5e1e86e',
  hybridIdentityAdministrator: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2',
} as const;

/** The 14 roles of the Conditional Access template "Require multifactor authentication for admins". */
export const CORE_ADMIN_ROLE_IDS: readonly string[] = [
  ROLE.globalAdministrator,
  ROLE.securityAdministrator,
  ROLE.sharePointAdministrator,
  ROLE.exchangeAdministrator,
  ROLE.conditionalAccessAdministrator,
  ROLE.helpdeskAdministrator,
  ROLE.billingAdministrator,
  ROLE.userAdministrator,
  ROLE.authenticationAdministrator,
  ROLE.applicationAdministrator,
  ROLE.cloudApplicationAdministrator,
  ROLE.passwordAdministrator,
  ROLE.privilegedAuthenticationAdministrator,
  ROLE.privilegedRoleAdministrator,
];

/** Security defaults require MFA on every sign-in for the 14 core roles plus these two. */
export const SECURITY_DEFAULTS_ROLE_IDS: readonly string[] = [
  ...CORE_ADMIN_ROLE_IDS,
  ROLE.authenticationPolicyAdministrator,
  ROLE.identityGovernanceAdministrator,
];

/**
 * Built-in directory roles the monitor knows by name. Roles Graph flags `isPrivileged` are marked so
 * `MONITOR_ADMIN_ROLES=privileged` works even when the beta flag cannot be read.
 */
export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  { templateId: ROLE.globalAdministrator, displayName: 'Global Administrator', privileged: true },
  { templateId: ROLE.securityAdministrator, displayName: 'Security Administrator', privileged: true },
  { templateId: ROLE.sharePointAdministrator, displayName: 'SharePoint Administrator', privileged: false },
  { templateId: ROLE.exchangeAdministrator, displayName: 'Exchange Administrator', privileged: false },
  { templateId: ROLE.conditionalAccessAdministrator, displayName: 'Conditional Access Administrator', privileged: true },
  { templateId: ROLE.helpdeskAdministrator, displayName: 'Helpdesk Administrator', privileged: true },
  { templateId: ROLE.billingAdministrator, displayName: 'Billing Administrator', privileged: false },
  { templateId: ROLE.userAdministrator, displayName: 'User Administrator', privileged: true },
  { templateId: ROLE.authenticationAdministrator, displayName: 'Authentication Administrator', privileged: true },
  { templateId: ROLE.applicationAdministrator, displayName: 'Application Administrator', privileged: true },
  { templateId: ROLE.cloudApplicationAdministrator, displayName: 'Cloud Application Administrator', privileged: true },
  { templateId: ROLE.passwordAdministrator, displayName: 'Password Administrator', privileged: true },
  { templateId: ROLE.privilegedAuthenticationAdministrator, displayName: 'Privileged Authentication Administrator', privileged: true },
  { templateId: ROLE.privilegedRoleAdministrator, displayName: 'Privileged Role Administrator', privileged: true },
  { templateId: ROLE.authenticationPolicyAdministrator, displayName: 'Authentication Policy Administrator', privileged: false },
  { templateId: ROLE.identityGovernanceAdministrator, displayName: 'Identity Governance Administrator', privileged: false },
  { templateId: ROLE.hybridIdentityAdministrator, displayName: 'Hybrid Identity Administrator', privileged: true },
];

const builtInById = new Map(BUILT_IN_ROLES.map((r) => [r.templateId, r]));

export function builtInRole(templateId: string): BuiltInRole | undefined {
  return builtInById.get(templateId.toLowerCase());
}

/** Built-in authentication strengths (ids `00000000-0000-0000-0000-00000000000N`). */
export const BUILT_IN_AUTHENTICATION_STRENGTHS = [
  {
    id: '00000000-0000-0000-0000-000000000002',
    displayName: 'Multifactor authentication',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: [
      'windowsHelloForBusiness',
      'fido2',
      'x509CertificateMultiFactor',
      'deviceBasedPush',
      'temporaryAccessPassOneTime',
      'temporaryAccessPassMultiUse',
      'password,microsoftAuthenticatorPush',
      'password,softwareOath',
      'password,hardwareOath',
      'password,sms',
      'password,voice',
      'federatedMultiFactor',
      'microsoftAuthenticatorPush,federatedSingleFactor',
      'softwareOath,federatedSingleFactor',
      'hardwareOath,federatedSingleFactor',
      'sms,federatedSingleFactor',
      'voice,federatedSingleFactor',
    ],
  },
  {
    id: '00000000-0000-0000-0000-000000000003',
    displayName: 'Passwordless MFA',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor', 'deviceBasedPush'],
  },
  {
    id: '00000000-0000-0000-0000-000000000004',
    displayName: 'Phishing-resistant MFA',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'],
  },
] as const;

/**
 * Authentication method modes that are one factor on their own. A combination made of exactly one of
 * these does not satisfy MFA (Graph `authenticationMethodModes`).
 */
export const SINGLE_FACTOR_MODES: ReadonlySet<string> = new Set([
  'password',
  'sms',
  'voice',
  'email',
  'federatedSingleFactor',
  'x509CertificateSingleFactor',
  'qrCodePin',
]);

/** Sign-in error codes the portal groups as "Interrupted" (entra-facts.md §5). 53003 is a failure, not an interrupt. */
export const DEFAULT_INTERRUPT_ERROR_CODES: readonly number[] = [
  50074, 500121, 50076, 50079, 50072, 50097, 50155, 50158, 50125, 50140, 50199, 16000,
];

/** Human names for CA condition values, used in gap sentences. */
export const CLIENT_APP_TYPE_NAMES: Record<string, string> = {
  browser: 'browser',
  mobileAppsAndDesktopClients: 'mobile apps and desktop clients',
  exchangeActiveSync: 'Exchange ActiveSync clients',
  other: 'other legacy clients',
};

export const PLATFORM_NAMES: Record<string, string> = {
  android: 'Android',
  iOS: 'iOS',
  windows: 'Windows',
  windowsPhone: 'Windows Phone',
  macOS: 'macOS',
  linux: 'Linux',
  unknown: 'unknown platforms',
};

/** App ids Conditional Access's app groupings contain (R-APP-1). */
export const APP_ID = {
  exchangeOnline: '00000002-0000-0ff1-ce00-000000000000',
  sharePointOnline: '00000003-0000-0ff1-ce00-000000000000',
  skypeForBusinessOnline: '00000004-0000-0ff1-ce00-000000000000',
  vivaEngage: '00000005-0000-0ff1-ce00-000000000000',
  teamsServices: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe',
  azurePortal: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
  azureServiceManagement: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
} as const;

/**
 * App groupings Conditional Access treats as one target, with the member app ids the monitor knows (a subset:
 * Learn lists the Office 365 suite by name only). A policy naming the group applies to these members too, so
 * excluding the group excludes them (R-APP-1). Sources: Learn reference-office-365-application-contents,
 * concept-conditional-access-cloud-apps (Microsoft Admin Portals, Windows Azure Service Management API).
 */
export const APP_GROUP_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  Office365: [APP_ID.exchangeOnline, APP_ID.sharePointOnline, APP_ID.skypeForBusinessOnline, APP_ID.vivaEngage, APP_ID.teamsServices],
  MicrosoftAdminPortals: [APP_ID.azurePortal],
  [APP_ID.azureServiceManagement]: [APP_ID.azurePortal],
};

export const APPLICATION_NAMES: Record<string, string> = {
  All: 'all cloud apps',
  Office365: 'Office 365',
  MicrosoftAdminPortals: 'Microsoft Admin Portals',
  '797f4846-ba00-4fd7-ba43-dac1f8f63013': 'Windows Azure Service Management API',
  '00000003-0000-0000-c000-000000000000': 'Microsoft Graph',
  '00000002-0000-0ff1-ce00-000000000000': 'Office 365 Exchange Online',
  '00000003-0000-0ff1-ce00-000000000000': 'Office 365 SharePoint Online',
  '00000004-0000-0ff1-ce00-000000000000': 'Skype for Business Online',
  '00000005-0000-0ff1-ce00-000000000000': 'Viva Engage',
  'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe': 'Microsoft Teams Services',
  'c44b4083-3bb0-49c1-b47d-974e53cbdf3c': 'Azure portal',
};
