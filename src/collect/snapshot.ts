// Rebuilds the evaluation's input from storage: the last complete state of every dataset, with each
// dataset's status (ok / stale / unavailable / not licensed) from the latest collector runs.
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
  UnifiedRoleAssignment,
  UnifiedRoleDefinition,
  UserRegistrationDetails,
} from '../core/graph-types.js';
import type { ExemptionData, StoredAppPrincipal, StoredAuditEvent, StoredController, StoredControllerGroup, StoredExclusionGroup, StoredGroupUnits, StoredPimOwners } from '../core/exemption-types.js';
import type { StoredPerUserMfa, StoredRecommendation, StoredSecureScore, StoredSubscribedSkus } from '../core/microsoft-types.js';
import { type DatasetName, type DatasetStatus, type SnapshotGroup, type TenantSnapshot, emptySnapshot } from '../core/snapshot.js';
import { loadValues } from '../storage/state.js';
import type { TableStore } from '../storage/tables.js';
import { type CollectorName, type LatestRuns, type RunRecord, latestRuns } from './runs.js';
import { PARTITIONS } from './specs.js';

export interface TenantInfo {
  id: string;
  tenantId: string;
  displayName: string | null;
}

const DATASET_COLLECTOR: Record<DatasetName, CollectorName> = {
  roleDefinitions: 'roles',
  roleAssignments: 'roles',
  pimGroups: 'roles',
  groupMembers: 'roles',
  accounts: 'roles',
  registration: 'roles',
  conditionalAccess: 'policies',
  authenticationStrengths: 'policies',
  securityDefaults: 'policies',
  pimSettings: 'policies',
  activations: 'activations',
  signIns: 'signins',
  secureScore: 'securescore',
  mfaRecommendation: 'securescore',
  licences: 'securescore',
  perUserMfa: 'securescore',
  exclusionGroups: 'policies',
  exclusionPimOwners: 'policies',
  administrativeUnits: 'policies',
  appPermissions: 'policies',
  controllers: 'policies',
  directoryAudits: 'policies',
};

export function datasetStatuses(runs: Partial<Record<CollectorName, RunRecord>>): Partial<Record<DatasetName, DatasetStatus>> {
  const out: Partial<Record<DatasetName, DatasetStatus>> = {};
  for (const [dataset, collector] of Object.entries(DATASET_COLLECTOR) as Array<[DatasetName, CollectorName]>) {
    const run = runs[collector];
    const status = run?.datasets[dataset];
    if (status) {
      const { state, asOf, message, permission } = status;
      out[dataset] = { state, asOf: asOf ?? null, message: message ?? null, permission: permission ?? null };
    } else if (collector === 'roles' || collector === 'policies') {
      out[dataset] = { state: 'unavailable', asOf: null, message: run ? 'not read by the latest run' : 'never collected' };
    }
  }
  return out;
}

/** `runs`: the latest runs, when the caller has read them already. */
export async function loadSnapshot(store: TableStore, tenant: TenantInfo | undefined, capturedAt: string, runs?: LatestRuns): Promise<TenantSnapshot> {
  runs ??= await latestRuns(store);
  const snapshot = emptySnapshot(tenant?.tenantId ?? 'unknown', capturedAt);
  snapshot.tenantName = tenant?.displayName ?? null;
  const [users, groups, sps, definitions, plain, active, eligible, pimA, pimE, policies, locations, strengths, sd, registration, pimSettings, unresolved, secureScore, recommendation, skus, perUserMfa] = await Promise.all([
    loadValues<GraphUser>(store, PARTITIONS.user),
    loadValues<SnapshotGroup>(store, PARTITIONS.group),
    loadValues<GraphServicePrincipal>(store, PARTITIONS.servicePrincipal),
    loadValues<UnifiedRoleDefinition>(store, PARTITIONS.roleDefinition),
    loadValues<UnifiedRoleAssignment>(store, PARTITIONS.roleAssignment),
    loadValues<RoleAssignmentScheduleInstance>(store, PARTITIONS.activeInstance),
    loadValues<RoleEligibilityScheduleInstance>(store, PARTITIONS.eligibleInstance),
    loadValues<PrivilegedAccessGroupAssignmentScheduleInstance>(store, PARTITIONS.pimGroupAssignment),
    loadValues<PrivilegedAccessGroupEligibilityScheduleInstance>(store, PARTITIONS.pimGroupEligibility),
    loadValues<ConditionalAccessPolicy>(store, PARTITIONS.caPolicy),
    loadValues<NamedLocation>(store, PARTITIONS.namedLocation),
    loadValues<AuthenticationStrengthPolicy>(store, PARTITIONS.authStrength),
    loadValues<{ isEnabled: boolean }>(store, PARTITIONS.securityDefaults),
    loadValues<UserRegistrationDetails>(store, PARTITIONS.registration),
    loadValues<RoleManagementPolicyAssignment>(store, PARTITIONS.pimSetting),
    loadValues<{ id: string }>(store, PARTITIONS.unresolved),
    loadValues<StoredSecureScore>(store, PARTITIONS.secureScore),
    loadValues<StoredRecommendation>(store, PARTITIONS.mfaRecommendation),
    loadValues<StoredSubscribedSkus>(store, PARTITIONS.subscribedSkus),
    loadValues<StoredPerUserMfa>(store, PARTITIONS.perUserMfa),
  ]);
  Object.assign(snapshot, {
    users,
    groups,
    servicePrincipals: sps,
    roleDefinitions: definitions,
    pimAvailable: (runs.roles?.counts?.pimAvailable ?? 1) === 1,
    roleAssignments: plain,
    activeRoleInstances: active,
    eligibleRoleInstances: eligible,
    pimGroupAssignments: pimA,
    pimGroupEligibilities: pimE,
    conditionalAccessPolicies: policies,
    namedLocations: locations,
    authenticationStrengthPolicies: strengths,
    securityDefaults: sd[0] ? { isEnabled: sd[0].isEnabled } : null,
    registrationDetails: registration,
    roleManagementPolicyAssignments: pimSettings,
    unresolvedObjectIds: unresolved.map((u) => u.id),
    dataSources: datasetStatuses(runs),
    secureScore: secureScore[0] ?? null,
    mfaRecommendation: recommendation[0] ?? null,
    subscribedSkus: skus[0] ?? null,
    perUserMfa,
    exemptions: await loadExemptions(store),
  } satisfies Partial<TenantSnapshot>);
  return snapshot;
}

/** What the exemption reads stored (collect/exemptions.ts). */
export async function loadExemptions(store: TableStore): Promise<ExemptionData> {
  const [groups, pimOwners, units, apps, controllers, controllerGroups, audits] = await Promise.all([
    loadValues<StoredExclusionGroup>(store, PARTITIONS.exemptionGroup),
    loadValues<StoredPimOwners>(store, PARTITIONS.exemptionPimOwner),
    loadValues<StoredGroupUnits>(store, PARTITIONS.exemptionUnits),
    loadValues<StoredAppPrincipal>(store, PARTITIONS.appPermission),
    loadValues<StoredController>(store, PARTITIONS.controller),
    loadValues<StoredControllerGroup>(store, PARTITIONS.controllerGroup),
    loadValues<StoredAuditEvent>(store, PARTITIONS.exemptionAudit),
  ]);
  return { groups, pimOwners, units, apps, controllers, controllerGroups, audits };
}
