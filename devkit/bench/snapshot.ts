// The snapshot a complete, successful collection of a fixture yields, built without collecting: for the
// evaluation benchmark and the engine's unit tests (which need many tenants fast). Membership and "current"
// come from the simulated tenant's own code, so this snapshot and the one the collectors read from the
// simulated tenant agree by construction of one algorithm, and neither is the app's.
import type { TenantFixture } from '../fixture/format.js';
import { fixtureHasPim } from '../fixture/format.js';
import { membership } from '../simulator/membership.js';
import { isCurrent } from '../simulator/routes.js';
import { BUILT_IN_CONTROL_PROFILES } from '../simulator/builtins.js';
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
  snapshot.roleDefinitions = fixture.roleDefinitions ?? [];
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
  };
  verdictData(fixture, snapshot);
  return snapshot;
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
