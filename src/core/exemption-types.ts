// The data the exemption analysis reads (as the collector stores it, one item per object) and what it reports
// (the `exemptions` field of the check contract: fields may be added, never renamed).
import type { Verdict } from './report.js';

/** A principal another object points at (an owner), as Graph's directoryObject names it. */
export interface StoredPrincipalRef {
  id: string;
  /** `unknown`: Graph did not say what it is (a deleted object, or one the app may not read). */
  type: 'user' | 'servicePrincipal' | 'group' | 'unknown';
  displayName: string | null;
  userPrincipalName?: string | null;
}

/** An exclusion group (or a group nested in one, or a group holding an excluded role) with its owners. */
export interface StoredExclusionGroup {
  id: string;
  displayName: string | null;
  isAssignableToRole: boolean | null;
  /** `DynamicMembership` marks a dynamic group; `Unified` a Microsoft 365 group. */
  groupTypes: string[];
  membershipRule: string | null;
  /** `On` (rule applied) or `Paused`. */
  membershipRuleProcessingState: string | null;
  securityEnabled: boolean | null;
  mailEnabled: boolean | null;
  onPremisesSyncEnabled: boolean | null;
  owners: StoredPrincipalRef[];
  /**
   * A dynamic group nested in an exclusion (the roles collector watches only the groups policies name): the
   * admins among its transitive members, i.e. the admins its rule matches now. Absent for other groups.
   */
  adminMemberIds?: string[];
}

/** PIM for Groups ownership of such a group (active and eligible). */
export interface StoredPimOwners {
  id: string;
  owners: Array<{ principalId: string; assignment: 'active' | 'eligible'; endDateTime: string | null }>;
}

/** The administrative units a group is a member of. */
export interface StoredGroupUnits {
  id: string;
  units: Array<{ id: string; displayName: string | null; restricted: boolean | null }>;
}

/** A service principal that holds Microsoft Graph application permissions or a directory role that matter here. */
export interface StoredAppPrincipal {
  id: string;
  displayName: string | null;
  appId: string | null;
  servicePrincipalType: string | null;
  /** Microsoft Graph application permissions (app role values) granted to it. */
  permissions: string[];
  /** Client secrets on the service principal and its application; null when they could not be read. */
  secrets: number | null;
  certificates: number | null;
}

/** A user who can change an exclusion but is no admin: what evaluating their own MFA coverage needs. */
export interface StoredController {
  id: string;
  found: boolean;
  userPrincipalName: string | null;
  displayName: string | null;
  userType: string | null;
  accountEnabled: boolean | null;
  onPremisesSyncEnabled: boolean | null;
  /** The groups Conditional Access names that the user is a (transitive) member of; null when not read. */
  groupIds: string[] | null;
}

/** A group that holds a role an exclusion's controllers hold (its members hold the role). */
export interface StoredControllerGroup {
  id: string;
  displayName: string | null;
  memberUserIds: string[];
  memberServicePrincipalIds: string[];
}

/** A directory audit event about an exclusion (who added whom to what, when). */
export interface StoredAuditEvent {
  id: string;
  activity: string;
  category: string | null;
  time: string;
  result: string | null;
  initiatedBy: { userId: string | null; userPrincipalName: string | null; appId: string | null; appDisplayName: string | null };
  targets: Array<{ id: string; type: string | null; displayName: string | null; userPrincipalName: string | null; modified: Array<{ name: string; oldValue: string | null; newValue: string | null }> }>;
}

export interface ExemptionData {
  groups: StoredExclusionGroup[];
  pimOwners: StoredPimOwners[];
  units: StoredGroupUnits[];
  apps: StoredAppPrincipal[];
  controllers: StoredController[];
  controllerGroups: StoredControllerGroup[];
  audits: StoredAuditEvent[];
}

export function emptyExemptionData(): ExemptionData {
  return { groups: [], pimOwners: [], units: [], apps: [], controllers: [], controllerGroups: [], audits: [] };
}

// ---------------------------------------------------------------------------------------------- output

export type ExclusionKind = 'user' | 'group' | 'role' | 'guests' | 'location' | 'platform' | 'deviceFilter' | 'application';

/** How a controller controls an exclusion. */
export interface ControlPath {
  /** owner, eligibleOwner, role, appPermission, attributeWriter, selfService, onPremises, clientReported, policyEditor, roleAssigner. */
  how: string;
  /** The group, attribute or object it acts on, in words. */
  detail: string;
  /** The role or permission that grants it, and its scope where not the tenant. */
  grantedBy: string | null;
  /** `direct`: one change exempts an admin; `twoSteps`: it first gives itself the means (becomes owner, assigns itself a role). */
  steps: 'direct' | 'twoSteps';
}

export type ControllerKind = 'user' | 'servicePrincipal' | 'unknown' | 'everyone' | 'onPremises' | 'signIn';

/** The controller's own protection: a user's MFA verdict, a service principal's credential, or not applicable. */
export type ControllerVerdict = Verdict | 'secretCredential' | 'noSecret' | 'notApplicable';

export interface ControllerOut {
  id: string;
  kind: ControllerKind;
  name: string;
  verdict: ControllerVerdict;
  /** Why the verdict: the first gap, the credential, or why it is unknown. */
  note: string | null;
  isAdmin: boolean;
}

export interface ExclusionOut {
  key: string;
  kind: ExclusionKind;
  /** What is excluded: a group, a user, a role, a location… (id as Graph spells it). */
  targetId: string;
  targetName: string;
  policies: Array<{ id: string; displayName: string }>;
  /** Admins this exclusion takes out of at least one of its policies now (in some role state). */
  memberAdminIds: string[];
  /** How many admins the policies include, whom the exclusion could take out (which: `ExemptionsOut.reach`). */
  reachableAdmins: number;
  group?: {
    roleAssignable: boolean | null;
    dynamic: boolean;
    rule: string | null;
    ruleAttributes: string[];
    ruleError: string | null;
    nestedGroupIds: string[];
    /** The groups nested in it, each with what decides its membership. */
    nestedGroups: Array<{ id: string; name: string; dynamic: boolean; rule: string | null; roleAssignable: boolean | null }>;
    restrictedUnits: string[];
    units: string[];
    unitsKnown: boolean;
  };
  controllers: Array<{ id: string; paths: ControlPath[] }>;
  /** Who can steer it but cannot be named (a deleted owner, unreadable data, an unknown resource action). */
  unknowns: string[];
}

export interface ExemptionsOut {
  exclusions: ExclusionOut[];
  controllers: ControllerOut[];
  /** Who can edit Conditional Access policies (and so add any exclusion), and who can give itself any role. */
  policyEditors: Array<{ id: string; paths: ControlPath[] }>;
  /** Which exclusions (keys) reach which admins; admins reached by the same exclusions share one entry. */
  reach: Array<{ exclusionKeys: string[]; adminIds: string[] }>;
  /** The admins an exclusion takes out now (in some role state), with the exclusions' keys. */
  excludedNow: Array<{ adminId: string; exclusionKeys: string[] }>;
  /** Data the analysis could not rely on (unavailable datasets, roles without permissions, unknown actions). */
  unknowns: string[];
}

/** Per admin: the exclusions that reach them and those they are excluded through now (keys), for lookups. */
export function exemptionsByAdmin(out: ExemptionsOut | undefined): Map<string, { reachedBy: string[]; excludedNow: string[] }> {
  const by = new Map<string, { reachedBy: string[]; excludedNow: string[] }>();
  for (const r of out?.reach ?? []) for (const id of r.adminIds) by.set(id, { reachedBy: r.exclusionKeys, excludedNow: [] });
  for (const x of out?.excludedNow ?? []) by.set(x.adminId, { reachedBy: by.get(x.adminId)?.reachedBy ?? [], excludedNow: x.exclusionKeys });
  return by;
}
