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
import { type ActivationWindow, type DatasetName, type DatasetStatus, type SignInEvidence, type SnapshotGroup, type TenantSnapshot, emptySnapshot } from '../core/snapshot.js';
import type { SignInDigest } from '../core/signin-digest.js';
import { decodeJson, newestFirstKey } from '../storage/codec.js';
import { loadValues } from '../storage/state.js';
import type { TableStore } from '../storage/tables.js';
import { type CollectorName, type LatestRuns, type RunRecord, latestRuns } from './runs.js';
import { PARTITIONS } from './specs.js';
import type { ActivationEvent } from './activity.js';
import { DIGEST_PARTITION } from './signins.js';

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

/** Activations last at most a day or so (PIM's maximum is 24 hours): ones started this long before the window still count. */
const ACTIVATION_LEAD_MS = 2 * 86_400_000;

/** The daily sign-in digests of the last `days` days and the PIM activations they can have happened in. */
export async function loadSignInEvidence(store: TableStore, at: string, days: number): Promise<SignInEvidence> {
  const fromMs = Date.parse(at) - days * 86_400_000;
  const digests: SignInDigest[] = [];
  for await (const e of store.partition('state', DIGEST_PARTITION, { fromRow: new Date(fromMs).toISOString().slice(0, 10) })) {
    const d = decodeJson<SignInDigest>(e);
    if (d) digests.push(d);
  }
  const activations: ActivationWindow[] = [];
  for await (const e of store.partition('activations', 'all', { toRow: `${newestFirstKey(fromMs - ACTIVATION_LEAD_MS)}~` })) {
    const a = decodeJson<ActivationEvent>(e);
    if (a) activations.push({ principalId: a.principalId, kind: a.kind, roleDefinitionId: a.roleDefinitionId, groupId: a.groupId, directoryScopeId: a.directoryScopeId, startDateTime: a.startDateTime, endDateTime: a.endDateTime });
  }
  return { digests, activations };
}

/** `runs`: the latest runs, when the caller has read them already. `evidenceDays`: also load that many days of sign-in evidence. */
export async function loadSnapshot(store: TableStore, tenant: TenantInfo | undefined, capturedAt: string, runs?: LatestRuns, evidenceDays?: number): Promise<TenantSnapshot> {
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
  if (evidenceDays !== undefined) snapshot.signInEvidence = await loadSignInEvidence(store, capturedAt, evidenceDays);
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
