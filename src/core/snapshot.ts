import type {
  AuthenticationStrengthPolicy,
  ConditionalAccessPolicy,
  GraphServicePrincipal,
  GraphUser,
  NamedLocation,
  PrivilegedAccessGroupAssignmentScheduleInstance,
  PrivilegedAccessGroupEligibilityScheduleInstance,
  RoleAssignmentScheduleInstance,
  RoleEligibilityScheduleInstance,
  RoleManagementPolicyAssignment,
  SecurityDefaultsPolicy,
  UnifiedRoleAssignment,
  UnifiedRoleDefinition,
  UserRegistrationDetails,
} from './graph-types.js';
import type { ExemptionData } from './exemption-types.js';
import type { SignInDigest } from './signin-digest.js';
import type { StoredPerUserMfa, StoredRecommendation, StoredSecureScore, StoredSubscribedSkus } from './microsoft-types.js';

/**
 * The datasets a collection reads. Each has its own status so one missing permission or one failed
 * endpoint costs only the verdicts that depend on it.
 */
export const DATASETS = [
  'roleDefinitions',
  'roleAssignments',
  'pimGroups',
  'groupMembers',
  /** The admin accounts (UPN, enabled, user type). */
  'accounts',
  'registration',
  'conditionalAccess',
  'authenticationStrengths',
  'securityDefaults',
  'pimSettings',
  'activations',
  'signIns',
  // Read daily by the secure score collector (docs/secure-score.md).
  'secureScore',
  'mfaRecommendation',
  'licences',
  'perUserMfa',
  // Who can change the policies' exclusions (docs/evaluation.md, section 14), read with the policies.
  'exclusionGroups',
  'exclusionPimOwners',
  'administrativeUnits',
  'appPermissions',
  'controllers',
  'directoryAudits',
] as const;
export type DatasetName = (typeof DATASETS)[number];

export type DatasetState =
  /** Read completely in the run that produced this snapshot. */
  | 'ok'
  /** Read failed this time; the snapshot holds the last complete copy (see `asOf`). */
  | 'stale'
  /** Graph refused (403) or the data never arrived: verdicts that depend on it are `unknown`. */
  | 'unavailable'
  /** The tenant has no licence for it (PIM without P2): a fallback was used. */
  | 'notLicensed';

export interface DatasetStatus {
  state: DatasetState;
  /** When the data in the snapshot was read. */
  asOf?: string | null;
  message?: string | null;
  /** The Graph application permission that would make an unavailable dataset readable. */
  permission?: string | null;
}

export interface SnapshotGroup {
  id: string;
  displayName?: string | null;
  isAssignableToRole?: boolean | null;
  /** Users that are members, directly or through nested groups. */
  memberUserIds: string[];
  /** Groups nested inside, at any depth. */
  memberGroupIds: string[];
  /** Service principals that are members, at any depth. */
  memberServicePrincipalIds?: string[];
  /**
   * `all`: every member is listed. `admins`: only members that are admins (or potential admins) were kept,
   * which is all evaluation needs for groups that only appear in Conditional Access conditions.
   */
  coverage: 'all' | 'admins';
}

/** A PIM activation as the activations collector saw it: a role or PIM-group membership active from start to end. */
export interface ActivationWindow {
  principalId: string;
  kind: 'role' | 'pimGroup';
  roleDefinitionId: string | null;
  groupId: string | null;
  directoryScopeId: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
}

/** The sign-in log as the evaluation reads it: per-user daily digests and the activations they happened in. */
export interface SignInEvidence {
  digests: SignInDigest[];
  activations: ActivationWindow[];
}

/** Everything the evaluation reads about one tenant at one moment. Built from a fixture or from storage. */
export interface TenantSnapshot {
  tenantId: string;
  tenantName?: string | null;
  capturedAt: string;
  users: GraphUser[];
  groups: SnapshotGroup[];
  servicePrincipals: GraphServicePrincipal[];
  /** Role definitions read from the tenant (built-ins are also in the catalog; custom ones only here). */
  roleDefinitions: UnifiedRoleDefinition[];
  /** False when the tenant has no PIM: `roleAssignments` then holds the active assignments. */
  pimAvailable: boolean;
  roleAssignments: UnifiedRoleAssignment[];
  activeRoleInstances: RoleAssignmentScheduleInstance[];
  eligibleRoleInstances: RoleEligibilityScheduleInstance[];
  pimGroupAssignments: PrivilegedAccessGroupAssignmentScheduleInstance[];
  pimGroupEligibilities: PrivilegedAccessGroupEligibilityScheduleInstance[];
  conditionalAccessPolicies: ConditionalAccessPolicy[];
  namedLocations: NamedLocation[];
  authenticationStrengthPolicies: AuthenticationStrengthPolicy[];
  securityDefaults: SecurityDefaultsPolicy | null;
  registrationDetails: UserRegistrationDetails[];
  roleManagementPolicyAssignments: RoleManagementPolicyAssignment[];
  /** Object ids some resource points at that resolve to nothing (deleted objects, partner groups). */
  unresolvedObjectIds: string[];
  dataSources: Partial<Record<DatasetName, DatasetStatus>>;
  /** Sign-in evidence (digests over the evidence and rollout windows); absent = not held against the verdicts. */
  signInEvidence?: SignInEvidence;
  /** Microsoft's AdminMFAV2 verdict (secure score collector); absent or null when not collected. */
  secureScore?: StoredSecureScore | null;
  /** The Entra recommendation for admin MFA with the admins it counts. */
  mfaRecommendation?: StoredRecommendation | null;
  /** The tenant's subscribed SKUs (licences decide which enforcement routes exist). */
  subscribedSkus?: StoredSubscribedSkus | null;
  /** Legacy per-user MFA states of admins and potential admins. */
  perUserMfa?: StoredPerUserMfa[];
  /** Exclusion groups' details and owners, administrative units, app permissions, controllers, audit events. */
  exemptions?: ExemptionData;
}

export function emptySnapshot(tenantId: string, capturedAt: string): TenantSnapshot {
  return {
    tenantId,
    capturedAt,
    users: [],
    groups: [],
    servicePrincipals: [],
    roleDefinitions: [],
    pimAvailable: true,
    roleAssignments: [],
    activeRoleInstances: [],
    eligibleRoleInstances: [],
    pimGroupAssignments: [],
    pimGroupEligibilities: [],
    conditionalAccessPolicies: [],
    namedLocations: [],
    authenticationStrengthPolicies: [],
    securityDefaults: null,
    registrationDetails: [],
    roleManagementPolicyAssignments: [],
    unresolvedObjectIds: [],
    dataSources: {},
  };
}
