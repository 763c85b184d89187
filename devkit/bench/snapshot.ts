// The snapshot a complete, successful collection of a fixture yields, built without collecting: for the
// evaluation benchmark and the engine's unit tests (which need many tenants fast). Membership and "current"
// come from the simulated tenant's own code, so this snapshot and the one the collectors read from the
// simulated tenant agree by construction of one algorithm, and neither is the app's.
import type { TenantFixture } from '../fixture/format.js';
import { fixtureHasPim } from '../fixture/format.js';
import { membership } from '../simulator/membership.js';
import { isCurrent } from '../simulator/routes.js';
import { BUILT_IN_CONTROL_PROFILES, BUILT_IN_DIRECTORY_ROLES, BUILT_IN_ROLE_ACTIONS, MICROSOFT_GRAPH_APP_ID, MICROSOFT_GRAPH_APP_ROLES } from '../simulator/builtins.js';
import type { ExemptionData } from '../../src/core/exemption-types.js';
import type { SecureScoreControlProfile, StoredSecureScore } from '../../src/core/microsoft-types.js';
import type { GraphUser, GraphServicePrincipal } from '../../src/core/graph-types.js';
import type { SnapshotGroup, TenantSnapshot } from '../../src/core/snapshot.js';
import { emptySnapshot } from '../../src/core/snapshot.js';

const lower = (id: string): string => id.trim().toLowerCase();

export function snapshotFromFixture(fixture: TenantFixture, capturedAt: string): TenantSnapshot {
  const members = membership(fixture);
  const snapshot = emptySnapshot(fixture.tenantId, capturedAt);
  snapshot.tenantName = fixture.displayName ?? null;
  snapshot.users = (fixture.users ?? []) as GraphUser[];
  snapshot.servicePrincipals = (fixture.servicePrincipals ?? []) as GraphServicePrincipal[];
  const unresolved = new Set<string>();
  snapshot.groups = (fixture.groups ?? []).map((group): SnapshotGroup => {
    const m = members.transitive(group.id);
    for (const id of m.other) unresolved.add(id);
    return {
      id: lower(group.id),
      displayName: group.displayName ?? null,
      isAssignableToRole: group.isAssignableToRole ?? null,
      memberUserIds: m.user,
      memberGroupIds: m.group,
      memberServicePrincipalIds: m.servicePrincipal,
      coverage: 'all',
    };
  });
  const pim = fixtureHasPim(fixture);
  snapshot.pimAvailable = pim;
  // Built-in roles with the resource actions the simulated tenant serves, then the fixture's own.
  const own = new Set((fixture.roleDefinitions ?? []).map((d) => lower(d.id)));
  snapshot.roleDefinitions = [
    ...BUILT_IN_DIRECTORY_ROLES.filter(([id]) => !own.has(id)).map(([id, displayName]) => ({ id, templateId: id, displayName, isBuiltIn: true, rolePermissions: [{ allowedResourceActions: [...(BUILT_IN_ROLE_ACTIONS[id] ?? [])], condition: null }] })),
    ...(fixture.roleDefinitions ?? []),
  ];
  snapshot.roleAssignments = pim ? [] : (fixture.roleAssignments ?? []);
  const at = Date.parse(capturedAt);
  const current = <T extends { startDateTime?: string | null; endDateTime?: string | null }>(items: T[] | undefined): T[] => (items ?? []).filter((i) => isCurrent(i, at));
  snapshot.activeRoleInstances = current(fixture.roleAssignmentScheduleInstances);
  snapshot.eligibleRoleInstances = current(fixture.roleEligibilityScheduleInstances);
  snapshot.pimGroupAssignments = current(fixture.privilegedAccessGroupAssignmentScheduleInstances);
  snapshot.pimGroupEligibilities = current(fixture.privilegedAccessGroupEligibilityScheduleInstances);
  snapshot.conditionalAccessPolicies = fixture.conditionalAccessPolicies ?? [];
  snapshot.namedLocations = fixture.namedLocations ?? [];
  snapshot.authenticationStrengthPolicies = fixture.authenticationStrengthPolicies ?? [];
  snapshot.securityDefaults = fixture.securityDefaults ?? { isEnabled: false };
  snapshot.registrationDetails = fixture.userRegistrationDetails ?? [];
  snapshot.roleManagementPolicyAssignments = fixture.roleManagementPolicyAssignments ?? [];
  // Ids policies or assignments point at that the directory does not have.
  const known = (id: string): boolean => members.kindOf(id) !== 'other';
  for (const policy of snapshot.conditionalAccessPolicies) {
    const u = policy.conditions.users;
    for (const id of [...(u?.includeUsers ?? []), ...(u?.excludeUsers ?? []), ...(u?.includeGroups ?? []), ...(u?.excludeGroups ?? [])]) {
      if (/^[0-9a-f-]{36}$/i.test(id) && !known(lower(id))) unresolved.add(lower(id));
    }
  }
  snapshot.unresolvedObjectIds = [...unresolved].sort();
  const asOf = capturedAt;
  snapshot.dataSources = {
    roleDefinitions: { state: 'ok', asOf },
    roleAssignments: { state: 'ok', asOf },
    pimGroups: pim ? { state: 'ok', asOf } : { state: 'notLicensed', asOf, message: 'the tenant has no PIM (Entra ID P2) data' },
    groupMembers: { state: 'ok', asOf },
    accounts: { state: 'ok', asOf },
    registration: fixture.userRegistrationDetails ? { state: 'ok', asOf } : { state: 'unavailable', message: 'no registration details' },
    conditionalAccess: { state: 'ok', asOf },
    authenticationStrengths: { state: 'ok', asOf },
    securityDefaults: { state: 'ok', asOf },
    pimSettings: pim ? { state: 'ok', asOf } : { state: 'notLicensed', asOf },
    secureScore: { state: 'ok', asOf },
    mfaRecommendation: { state: 'ok', asOf },
    licences: { state: 'ok', asOf },
    perUserMfa: { state: 'ok', asOf },
    exclusionGroups: { state: 'ok', asOf },
    exclusionPimOwners: pim ? { state: 'ok', asOf } : { state: 'notLicensed', asOf },
    administrativeUnits: { state: 'ok', asOf },
    appPermissions: { state: 'ok', asOf },
    controllers: { state: 'ok', asOf },
    directoryAudits: { state: 'ok', asOf },
  };
  verdictData(fixture, snapshot);
  snapshot.exemptions = exemptionData(fixture, members, snapshot);
  return snapshot;
}

/**
 * What the exemption reads yield: every group's details and owners, PIM-for-Groups owners, administrative
 * units, the service principals with Microsoft Graph application permissions (and their credentials), and the
 * audit events. Controllers need no records: the snapshot holds every user and every group whole.
 */
function exemptionData(fixture: TenantFixture, members: ReturnType<typeof membership>, snapshot: TenantSnapshot): ExemptionData {
  const kind = (id: string) => members.kindOf(lower(id));
  const ownerRef = (id: string) => {
    const k = kind(id);
    const user = (fixture.users ?? []).find((u) => lower(u.id) === lower(id));
    return { id: lower(id), type: k === 'other' ? ('unknown' as const) : k, displayName: user?.displayName ?? null, ...(k === 'user' ? { userPrincipalName: user?.userPrincipalName ?? null } : {}) };
  };
  const groups = (fixture.groups ?? []).map((g) => ({
    id: lower(g.id),
    displayName: g.displayName ?? null,
    isAssignableToRole: g.isAssignableToRole ?? false,
    groupTypes: [...(g.groupTypes ?? [])].sort(),
    membershipRule: g.membershipRule ?? null,
    membershipRuleProcessingState: g.membershipRuleProcessingState ?? null,
    securityEnabled: g.securityEnabled ?? true,
    mailEnabled: g.mailEnabled ?? false,
    onPremisesSyncEnabled: g.onPremisesSyncEnabled ?? null,
    owners: (g.owners ?? []).map(ownerRef),
  }));
  const pimOwners = new Map<string, Array<{ principalId: string; assignment: 'active' | 'eligible'; endDateTime: string | null }>>();
  for (const [list, assignment] of [[snapshot.pimGroupAssignments, 'active'], [snapshot.pimGroupEligibilities, 'eligible']] as const) {
    for (const i of list) if (i.accessId.toLowerCase() === 'owner') pimOwners.set(lower(i.groupId), [...(pimOwners.get(lower(i.groupId)) ?? []), { principalId: lower(i.principalId), assignment, endDateTime: i.endDateTime ?? null }]);
  }
  const units = (fixture.groups ?? []).map((g) => ({
    id: lower(g.id),
    units: (fixture.administrativeUnits ?? []).filter((u) => (u.members ?? []).some((m) => lower(m) === lower(g.id))).map((u) => ({ id: lower(u.id), displayName: u.displayName ?? null, restricted: u.isMemberManagementRestricted === undefined ? false : u.isMemberManagementRestricted })),
  }));
  const graphSp = (fixture.servicePrincipals ?? []).find((sp) => (sp.appId ?? '').toLowerCase() === MICROSOFT_GRAPH_APP_ID);
  const appRoles = new Map((graphSp?.appRoles ?? MICROSOFT_GRAPH_APP_ROLES).map((r) => [lower(r.id), r.value ?? '']));
  const permissions = new Map<string, Set<string>>();
  for (const a of fixture.appRoleAssignments ?? []) {
    const value = appRoles.get(lower(a.appRoleId));
    if (value) permissions.set(lower(a.principalId), new Set([...(permissions.get(lower(a.principalId)) ?? []), value]));
  }
  const apps = (fixture.servicePrincipals ?? []).filter((sp) => permissions.has(lower(sp.id)) || snapshot.activeRoleInstances.some((i) => lower(i.principalId) === lower(sp.id))).map((sp) => {
    const app = (fixture.applications ?? []).find((a) => a.appId.toLowerCase() === (sp.appId ?? '').toLowerCase());
    return {
      id: lower(sp.id),
      displayName: sp.displayName ?? null,
      appId: sp.appId ?? null,
      servicePrincipalType: sp.servicePrincipalType ?? null,
      permissions: [...(permissions.get(lower(sp.id)) ?? [])].filter((p) => p !== 'User.Read.All' && p !== 'Policy.Read.All').sort(),
      secrets: (sp.passwordCredentials?.length ?? 0) + (app?.passwordCredentials?.length ?? 0),
      certificates: (sp.keyCredentials?.length ?? 0) + (app?.keyCredentials?.length ?? 0),
    };
  });
  const audits = (fixture.directoryAudits ?? []).map((a) => ({
    id: a.id,
    activity: a.activityDisplayName,
    category: a.category ?? null,
    time: a.activityDateTime,
    result: a.result ?? null,
    initiatedBy: { userId: a.initiatedBy?.user?.id ? lower(a.initiatedBy.user.id) : null, userPrincipalName: a.initiatedBy?.user?.userPrincipalName ?? null, appId: a.initiatedBy?.app?.appId ?? null, appDisplayName: a.initiatedBy?.app?.displayName ?? null },
    targets: (a.targetResources ?? []).map((t) => ({ id: lower(t.id ?? ''), type: t.type ?? null, displayName: t.displayName ?? null, userPrincipalName: t.userPrincipalName ?? null, modified: (t.modifiedProperties ?? []).map((m) => ({ name: m.displayName ?? '', oldValue: m.oldValue ?? null, newValue: m.newValue ?? null })) })),
  }));
  return { groups, pimOwners: [...pimOwners].map(([id, owners]) => ({ id, owners })), units, apps, controllers: [], controllerGroups: [], audits };
}

/**
 * Microsoft's verdict, the SKUs and per-user MFA as the simulated tenant serves them: the latest Secure Score
 * day, the AdminMFAV2 profile (the fixture's or the built-in one), the adminMFAV2 recommendation with its
 * impacted resources, and every user's per-user MFA state (`disabled` unless the fixture says otherwise).
 */
function verdictData(fixture: TenantFixture, snapshot: TenantSnapshot): void {
  const latest = [...(fixture.secureScores ?? [])].sort((a, b) => Date.parse(b.createdDateTime) - Date.parse(a.createdDateTime))[0];
  const controls = latest?.controlScores ?? [];
  const adminMfa = controls.find((c) => c.controlName.toLowerCase() === 'adminmfav2');
  const profile = (fixture.secureScoreControlProfiles ?? []).find((p) => p.id.toLowerCase() === 'adminmfav2') ?? BUILT_IN_CONTROL_PROFILES.find((p) => p.id === 'AdminMFAV2');
  const secureScore: StoredSecureScore = {
    id: 'AdminMFAV2',
    score: latest
      ? { id: latest.id, createdDateTime: latest.createdDateTime, controlNames: controls.length, adminMfa: adminMfa ? { ...adminMfa, description: undefined } : null, sampleControlNames: adminMfa ? [] : controls.map((c) => c.controlName).slice(0, 6) }
      : null,
    profile: (profile as SecureScoreControlProfile | undefined) ?? null,
  };
  snapshot.secureScore = secureScore;
  const rec = (fixture.directoryRecommendations ?? []).find((r) => (r.recommendationType ?? '').toLowerCase() === 'adminmfav2');
  const { impactedResources = [], ...recommendation } = rec ?? { id: '' };
  snapshot.mfaRecommendation = { id: 'adminMFAV2', recommendation: rec ? recommendation : null, impactedResources };
  snapshot.subscribedSkus = { id: 'subscribedSkus', skus: fixture.subscribedSkus ?? [] };
  const own = new Map(Object.entries(fixture.authenticationRequirements ?? {}).map(([id, r]) => [lower(id), r.perUserMfaState]));
  snapshot.perUserMfa = (fixture.users ?? []).map((u) => ({ id: lower(u.id), perUserMfaState: own.get(lower(u.id)) ?? 'disabled' }));
}
