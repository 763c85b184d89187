// Microsoft Graph resource shapes as Graph returns them (v1.0, or beta where only beta has the resource).
// One zod schema per resource is both the TypeScript type and the validator for fixtures and Graph pages.
// Only the properties the monitor reads are declared; every object is loose, so Graph's other properties
// pass through untouched (a user can paste real Graph output into a fixture). nullish() mirrors Graph:
// `$select` can leave a property out and Graph sends many properties as null.
import { z } from 'zod';

const str = z.string();
const optStr = z.string().nullish();
const optBool = z.boolean().nullish();
const optStrArray = z.array(z.string()).nullish();

export const graphUserSchema = z.looseObject({
  id: str,
  userPrincipalName: optStr,
  displayName: optStr,
  accountEnabled: optBool,
  userType: optStr,
  onPremisesSyncEnabled: optBool,
  mail: optStr,
});
export type GraphUser = z.infer<typeof graphUserSchema>;

export const graphGroupSchema = z.looseObject({
  id: str,
  displayName: optStr,
  isAssignableToRole: optBool,
  securityEnabled: optBool,
  mailEnabled: optBool,
});
export type GraphGroup = z.infer<typeof graphGroupSchema>;

export const graphServicePrincipalSchema = z.looseObject({
  id: str,
  displayName: optStr,
  appId: optStr,
  servicePrincipalType: optStr,
  accountEnabled: optBool,
});
export type GraphServicePrincipal = z.infer<typeof graphServicePrincipalSchema>;

export const unifiedRoleDefinitionSchema = z.looseObject({
  id: str,
  displayName: str,
  templateId: optStr,
  isBuiltIn: optBool,
  isEnabled: optBool,
  /** beta only (preview): Microsoft's "privileged" flag. */
  isPrivileged: optBool,
  description: optStr,
  /** What the role allows (resource actions); read to decide who can change an exclusion (R-EXEMPT-1). */
  rolePermissions: z.array(z.looseObject({ allowedResourceActions: optStrArray, condition: optStr })).nullish(),
});
export type UnifiedRoleDefinition = z.infer<typeof unifiedRoleDefinitionSchema>;

/** `/roleManagement/directory/roleAssignments` (tenants without PIM). */
export const unifiedRoleAssignmentSchema = z.looseObject({
  id: str,
  principalId: str,
  roleDefinitionId: str,
  directoryScopeId: optStr,
  appScopeId: optStr,
});
export type UnifiedRoleAssignment = z.infer<typeof unifiedRoleAssignmentSchema>;

/** `/roleManagement/directory/roleAssignmentScheduleInstances`. */
export const roleAssignmentScheduleInstanceSchema = z.looseObject({
  id: str,
  principalId: str,
  roleDefinitionId: str,
  directoryScopeId: optStr,
  appScopeId: optStr,
  /** `Assigned` (an assignment) or `Activated` (a PIM activation of an eligible assignment). */
  assignmentType: optStr,
  /** `Direct`, `Group` (through a role-assignable group) or `Inherited`. */
  memberType: optStr,
  startDateTime: optStr,
  /** null = permanent. */
  endDateTime: optStr,
  roleAssignmentOriginId: optStr,
  roleAssignmentScheduleId: optStr,
});
export type RoleAssignmentScheduleInstance = z.infer<typeof roleAssignmentScheduleInstanceSchema>;

/** `/roleManagement/directory/roleEligibilityScheduleInstances`. */
export const roleEligibilityScheduleInstanceSchema = z.looseObject({
  id: str,
  principalId: str,
  roleDefinitionId: str,
  directoryScopeId: optStr,
  appScopeId: optStr,
  memberType: optStr,
  startDateTime: optStr,
  endDateTime: optStr,
  roleEligibilityScheduleId: optStr,
});
export type RoleEligibilityScheduleInstance = z.infer<typeof roleEligibilityScheduleInstanceSchema>;

/** `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances` (enums: compare case-insensitively). */
export const pimGroupAssignmentInstanceSchema = z.looseObject({
  id: str,
  groupId: str,
  principalId: str,
  /** `member` or `owner`. */
  accessId: str,
  /** `assigned` or `activated`. */
  assignmentType: optStr,
  /** `direct` or `group`. */
  memberType: optStr,
  startDateTime: optStr,
  endDateTime: optStr,
});
export type PrivilegedAccessGroupAssignmentScheduleInstance = z.infer<typeof pimGroupAssignmentInstanceSchema>;

/** `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`. */
export const pimGroupEligibilityInstanceSchema = z.looseObject({
  id: str,
  groupId: str,
  principalId: str,
  accessId: str,
  memberType: optStr,
  startDateTime: optStr,
  endDateTime: optStr,
});
export type PrivilegedAccessGroupEligibilityScheduleInstance = z.infer<typeof pimGroupEligibilityInstanceSchema>;

const requestScheduleSchema = z.looseObject({
  startDateTime: optStr,
  expiration: z
    .looseObject({ type: optStr, endDateTime: optStr, duration: optStr })
    .nullish(),
});

/** `/roleManagement/directory/roleAssignmentScheduleRequests`. */
export const roleAssignmentScheduleRequestSchema = z.looseObject({
  id: str,
  action: str,
  status: optStr,
  principalId: str,
  roleDefinitionId: str,
  directoryScopeId: optStr,
  createdDateTime: str,
  completedDateTime: optStr,
  justification: optStr,
  scheduleInfo: requestScheduleSchema.nullish(),
  isValidationOnly: optBool,
});
export type RoleAssignmentScheduleRequest = z.infer<typeof roleAssignmentScheduleRequestSchema>;

export const roleManagementPolicyRuleSchema = z.looseObject({
  '@odata.type': z.string().optional(),
  id: str,
  enabledRules: optStrArray,
  isEnabled: optBool,
  claimValue: optStr,
  maximumDuration: optStr,
  isExpirationRequired: optBool,
  setting: z.looseObject({ isApprovalRequired: optBool }).nullish(),
  target: z.looseObject({ caller: optStr, level: optStr }).nullish(),
});
export type RoleManagementPolicyRule = z.infer<typeof roleManagementPolicyRuleSchema>;

/** `/policies/roleManagementPolicyAssignments` with `$expand=policy($expand=rules)`. */
export const roleManagementPolicyAssignmentSchema = z.looseObject({
  id: str,
  policyId: str,
  scopeId: str,
  /** `DirectoryRole` (or `Directory`) or `Group`. */
  scopeType: str,
  /** A role template id, or `member` / `owner` for groups. */
  roleDefinitionId: optStr,
  policy: z
    .looseObject({ id: str, displayName: optStr, rules: z.array(roleManagementPolicyRuleSchema).nullish() })
    .nullish(),
});
export type RoleManagementPolicyAssignment = z.infer<typeof roleManagementPolicyAssignmentSchema>;

const guestsOrExternalUsersSchema = z.looseObject({
  /** Comma-separated flags: internalGuest, b2bCollaborationGuest, b2bCollaborationMember, b2bDirectConnectUser, otherExternalUser, serviceProvider. */
  guestOrExternalUserTypes: optStr,
  externalTenants: z.looseObject({ membershipKind: optStr, members: optStrArray }).nullish(),
});
export type ConditionalAccessGuestsOrExternalUsers = z.infer<typeof guestsOrExternalUsersSchema>;

export const conditionalAccessUsersSchema = z.looseObject({
  includeUsers: optStrArray,
  excludeUsers: optStrArray,
  includeGroups: optStrArray,
  excludeGroups: optStrArray,
  includeRoles: optStrArray,
  excludeRoles: optStrArray,
  includeGuestsOrExternalUsers: guestsOrExternalUsersSchema.nullish(),
  excludeGuestsOrExternalUsers: guestsOrExternalUsersSchema.nullish(),
});
export type ConditionalAccessUsers = z.infer<typeof conditionalAccessUsersSchema>;

const filterSchema = z.looseObject({ mode: optStr, rule: optStr });

export const conditionalAccessPolicySchema = z.looseObject({
  id: str,
  displayName: str,
  /** `enabled`, `disabled` or `enabledForReportingButNotEnforced`. */
  state: z.string(),
  createdDateTime: optStr,
  modifiedDateTime: optStr,
  templateId: optStr,
  conditions: z.looseObject({
    users: conditionalAccessUsersSchema.nullish(),
    applications: z
      .looseObject({
        includeApplications: optStrArray,
        excludeApplications: optStrArray,
        includeUserActions: optStrArray,
        includeAuthenticationContextClassReferences: optStrArray,
        applicationFilter: filterSchema.nullish(),
      })
      .nullish(),
    clientApplications: z
      .looseObject({ includeServicePrincipals: optStrArray, excludeServicePrincipals: optStrArray })
      .nullish(),
    clientAppTypes: optStrArray,
    platforms: z.looseObject({ includePlatforms: optStrArray, excludePlatforms: optStrArray }).nullish(),
    locations: z.looseObject({ includeLocations: optStrArray, excludeLocations: optStrArray }).nullish(),
    devices: z.looseObject({ deviceFilter: filterSchema.nullish() }).nullish(),
    signInRiskLevels: optStrArray,
    userRiskLevels: optStrArray,
    servicePrincipalRiskLevels: optStrArray,
    /** Flag enum as a comma-separated string: minor, moderate, elevated. */
    insiderRiskLevels: optStr,
    /** `transferMethods` is a comma-separated flag string: deviceCodeFlow, authenticationTransfer. */
    authenticationFlows: z.looseObject({ transferMethods: optStr }).nullish(),
  }),
  grantControls: z
    .looseObject({
      operator: optStr,
      builtInControls: optStrArray,
      customAuthenticationFactors: optStrArray,
      termsOfUse: optStrArray,
      authenticationStrength: z.looseObject({ id: str, displayName: optStr }).nullish(),
    })
    .nullish(),
  sessionControls: z.record(z.string(), z.unknown()).nullish(),
});
export type ConditionalAccessPolicy = z.infer<typeof conditionalAccessPolicySchema>;

export const namedLocationSchema = z.looseObject({
  '@odata.type': z.string().optional(),
  id: str,
  displayName: str,
  isTrusted: optBool,
  ipRanges: z.array(z.looseObject({ cidrAddress: optStr })).nullish(),
  countriesAndRegions: optStrArray,
  includeUnknownCountriesAndRegions: optBool,
  countryLookupMethod: optStr,
});
export type NamedLocation = z.infer<typeof namedLocationSchema>;

export const authenticationStrengthPolicySchema = z.looseObject({
  id: str,
  displayName: str,
  /** `builtIn` or `custom`. */
  policyType: optStr,
  /** `mfa` or `none`. */
  requirementsSatisfied: optStr,
  allowedCombinations: z.array(z.string()),
});
export type AuthenticationStrengthPolicy = z.infer<typeof authenticationStrengthPolicySchema>;

export const securityDefaultsSchema = z.looseObject({ id: z.string().optional(), isEnabled: z.boolean() });
export type SecurityDefaultsPolicy = z.infer<typeof securityDefaultsSchema>;

export const userRegistrationDetailsSchema = z.looseObject({
  id: str,
  userPrincipalName: optStr,
  userDisplayName: optStr,
  isAdmin: optBool,
  isMfaRegistered: optBool,
  isMfaCapable: optBool,
  methodsRegistered: optStrArray,
  lastUpdatedDateTime: optStr,
});
export type UserRegistrationDetails = z.infer<typeof userRegistrationDetailsSchema>;

/** appliedConditionalAccessPolicy: one policy's part in a sign-in (flag enums as comma-separated strings). */
export const appliedConditionalAccessPolicySchema = z.looseObject({
  id: str,
  displayName: optStr,
  /**
   * success, failure, notApplied, notEnabled, unknown, unknownFutureValue, and (only with the request header
   * `Prefer: include-unknown-enum-members`) reportOnlySuccess, reportOnlyFailure, reportOnlyNotApplied,
   * reportOnlyInterrupted.
   */
  result: optStr,
  enforcedGrantControls: optStrArray,
  enforcedSessionControls: optStrArray,
  /** Flag enum: application, users, devicePlatform, location, clientType, signInRisk, userRisk, … */
  conditionsSatisfied: optStr,
  conditionsNotSatisfied: optStr,
});
export type AppliedConditionalAccessPolicy = z.infer<typeof appliedConditionalAccessPolicySchema>;

/** One step of a sign-in's authentication (beta and v1.0 `authenticationDetail`). */
export const authenticationDetailSchema = z.looseObject({
  authenticationStepDateTime: optStr,
  authenticationMethod: optStr,
  authenticationMethodDetail: optStr,
  succeeded: optBool,
  authenticationStepResultDetail: optStr,
  authenticationStepRequirement: optStr,
});

/** signIn (`/auditLogs/signIns`; beta for non-interactive sign-ins, `signInEventTypes`). */
export const signInSchema = z.looseObject({
  id: str,
  createdDateTime: str,
  userId: optStr,
  userPrincipalName: optStr,
  userDisplayName: optStr,
  userType: optStr,
  appId: optStr,
  appDisplayName: optStr,
  resourceId: optStr,
  resourceDisplayName: optStr,
  ipAddress: optStr,
  clientAppUsed: optStr,
  correlationId: optStr,
  isInteractive: optBool,
  /** beta: interactiveUser, nonInteractiveUser, servicePrincipal, managedIdentity, … */
  signInEventTypes: optStrArray,
  /** singleFactorAuthentication or multiFactorAuthentication (other values: unknown). */
  authenticationRequirement: optStr,
  authenticationDetails: z.array(authenticationDetailSchema).nullish(),
  /** beta: deviceCode, ropc, … */
  authenticationProtocol: optStr,
  /** beta: none, deviceCodeFlow, authenticationTransfer. */
  originalTransferMethod: optStr,
  conditionalAccessStatus: optStr,
  riskLevelDuringSignIn: optStr,
  status: z
    .looseObject({ errorCode: z.number().nullish(), failureReason: optStr, additionalDetails: optStr })
    .nullish(),
  location: z.looseObject({ city: optStr, state: optStr, countryOrRegion: optStr }).nullish(),
  networkLocationDetails: z.array(z.looseObject({ networkType: optStr, networkNames: optStrArray })).nullish(),
  deviceDetail: z
    .looseObject({ deviceId: optStr, displayName: optStr, operatingSystem: optStr, browser: optStr, isCompliant: optBool, isManaged: optBool, trustType: optStr })
    .nullish(),
  /** Absent or null when the tenant has no Entra ID P1 or the app may not read Conditional Access details. */
  appliedConditionalAccessPolicies: z.array(appliedConditionalAccessPolicySchema).nullish(),
});
export type SignIn = z.infer<typeof signInSchema>;
