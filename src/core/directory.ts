// Transitive group membership from direct member lists, and a snapshot straight from a fixture. The
// simulated tenant serves `transitiveMembers` from the same function, so the collected snapshot and the
// fixture's own snapshot agree by construction of one algorithm, not two.
import type { FixtureGroup, TenantFixture } from './fixture.js';
import { fixtureHasPim } from './fixture.js';
import { normId } from './ids.js';
import type { SnapshotGroup, TenantSnapshot } from './snapshot.js';
import { emptySnapshot } from './snapshot.js';

export interface TransitiveMembers {
  users: string[];
  groups: string[];
  servicePrincipals: string[];
  /** Member ids that are none of the above (deleted objects, contacts, devices). */
  other: string[];
}

export interface DirectoryKinds {
  users: ReadonlySet<string>;
  groups: ReadonlyMap<string, FixtureGroup>;
  servicePrincipals: ReadonlySet<string>;
}

export function directoryKinds(fixture: TenantFixture): DirectoryKinds {
  return {
    users: new Set((fixture.users ?? []).map((u) => normId(u.id))),
    groups: new Map((fixture.groups ?? []).map((g) => [normId(g.id), g])),
    servicePrincipals: new Set((fixture.servicePrincipals ?? []).map((s) => normId(s.id))),
  };
}

/** Members of a group at any depth, in discovery order, each once; nesting cycles are tolerated. */
export function transitiveMembers(groupId: string, kinds: DirectoryKinds): TransitiveMembers {
  const out: TransitiveMembers = { users: [], groups: [], servicePrincipals: [], other: [] };
  const seen = new Set<string>([normId(groupId)]);
  const stack = [...(kinds.groups.get(normId(groupId))?.members ?? [])].reverse();
  while (stack.length > 0) {
    const id = normId(stack.pop() as string);
    if (seen.has(id)) continue;
    seen.add(id);
    if (kinds.users.has(id)) out.users.push(id);
    else if (kinds.servicePrincipals.has(id)) out.servicePrincipals.push(id);
    else if (kinds.groups.has(id)) {
      out.groups.push(id);
      const members = kinds.groups.get(id)?.members ?? [];
      for (let i = members.length - 1; i >= 0; i--) stack.push(members[i] as string);
    } else out.other.push(id);
  }
  return out;
}

/** The snapshot a complete, successful collection of this fixture yields. */
/**
 * Graph lists schedule instances only while they are current (started, not ended); a fixture may hold expired
 * or future ones. Returns the filter for time `at` (ms).
 */
export function currentAt(at: number) {
  return <T extends { startDateTime?: string | null; endDateTime?: string | null }>(items: T[] | undefined): T[] =>
    (items ?? []).filter((i) => (!i.startDateTime || Date.parse(i.startDateTime) <= at) && (!i.endDateTime || Date.parse(i.endDateTime) > at));
}

export function snapshotFromFixture(fixture: TenantFixture, capturedAt: string): TenantSnapshot {
  const kinds = directoryKinds(fixture);
  const snapshot = emptySnapshot(fixture.tenantId, capturedAt);
  snapshot.tenantName = fixture.displayName ?? null;
  snapshot.users = fixture.users ?? [];
  snapshot.servicePrincipals = fixture.servicePrincipals ?? [];
  const unresolved = new Set<string>();
  snapshot.groups = (fixture.groups ?? []).map((group): SnapshotGroup => {
    const members = transitiveMembers(group.id, kinds);
    for (const id of members.other) unresolved.add(id);
    return {
      id: normId(group.id),
      displayName: group.displayName ?? null,
      isAssignableToRole: group.isAssignableToRole ?? null,
      memberUserIds: members.users,
      memberGroupIds: members.groups,
      memberServicePrincipalIds: members.servicePrincipals,
      coverage: 'all',
    };
  });
  const pim = fixtureHasPim(fixture);
  snapshot.pimAvailable = pim;
  snapshot.roleDefinitions = fixture.roleDefinitions ?? [];
  snapshot.roleAssignments = pim ? [] : (fixture.roleAssignments ?? []);
  const current = currentAt(Date.parse(capturedAt));
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
  const known = (id: string): boolean => kinds.users.has(id) || kinds.groups.has(id) || kinds.servicePrincipals.has(id);
  for (const policy of snapshot.conditionalAccessPolicies) {
    const u = policy.conditions.users;
    for (const id of [...(u?.includeUsers ?? []), ...(u?.excludeUsers ?? []), ...(u?.includeGroups ?? []), ...(u?.excludeGroups ?? [])]) {
      if (/^[0-9a-f-]{36}$/i.test(id) && !known(normId(id))) unresolved.add(normId(id));
    }
  }
  snapshot.unresolvedObjectIds = [...unresolved].sort();
  const asOf = capturedAt;
  snapshot.dataSources = {
    roleDefinitions: { state: 'ok', asOf },
    roleAssignments: { state: 'ok', asOf },
    pimGroups: pim ? { state: 'ok', asOf } : { state: 'notLicensed', asOf, message: 'the tenant has no PIM (Entra ID P2) data' },
    groupMembers: { state: 'ok', asOf },
    registration: fixture.userRegistrationDetails ? { state: 'ok', asOf } : { state: 'unavailable', message: 'no registration details' },
    conditionalAccess: { state: 'ok', asOf },
    authenticationStrengths: { state: 'ok', asOf },
    securityDefaults: { state: 'ok', asOf },
    pimSettings: pim ? { state: 'ok', asOf } : { state: 'notLicensed', asOf },
  };
  return snapshot;
}
