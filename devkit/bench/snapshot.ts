// The snapshot a complete, successful collection of a fixture yields, built without collecting: for the
// evaluation benchmark and the engine's unit tests (which need many tenants fast). Membership and "current"
// come from the simulated tenant's own code, so this snapshot and the one the collectors read from the
// simulated tenant agree by construction of one algorithm, and neither is the app's.
import type { TenantFixture } from '../fixture/format.js';
import { fixtureHasPim } from '../fixture/format.js';
import { membership } from '../simulator/membership.js';
import { isCurrent } from '../simulator/routes.js';
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
  };
  return snapshot;
}
