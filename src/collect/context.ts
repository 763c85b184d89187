// What every collector needs, and the shared steps: principal lookups in batches, group membership reads,
// dataset error classification.
import type { Settings } from '../app/settings.js';
import type { GraphGroup, GraphUser, PrivilegedAccessGroupAssignmentScheduleInstance, PrivilegedAccessGroupEligibilityScheduleInstance } from '../core/graph-types.js';
import { normId } from '../core/ids.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import { loadValues } from '../storage/state.js';
import { PARTITIONS } from './specs.js';
import type { DatasetName } from '../core/snapshot.js';
import { type BatchResponse, type GraphGateway, GraphRequestError, toGraphError } from '../graph/gateway.js';
import type { Logger } from '../app/logger.js';
import type { TableStore } from '../storage/tables.js';
import type { DatasetTracker } from './runs.js';

export interface CollectorDeps {
  graph: GraphGateway;
  store: TableStore;
  settings: Settings;
  now: () => Date;
  log: Logger;
  /** Set when the roles and policies collectors run side by side in one cycle (see app/cycle.ts). */
  pipeline?: CollectionPipeline;
}

/**
 * The points where the collectors depend on each other within one cycle: the roles collector reads the admins'
 * membership of the groups Conditional Access names (so it waits for the policies to be stored), the policies
 * collector reads the PIM settings of the role-holding PIM groups (so it waits for the roles), and the sign-in
 * collector reads the sign-ins of the roles collector's accounts (shared, below) for the stored report-only
 * policies. Everything else runs in parallel, each on its own Graph budget.
 */
/** The accounts the roles collector found, shared in a cycle before they are stored (see CollectionPipeline). */
export interface SharedAccounts {
  users: GraphUser[];
  groups: SnapshotGroup[];
}

export class CollectionPipeline {
  private readonly signals = new Map<'policiesStored' | 'rolesStored', { promise: Promise<void>; resolve: () => void }>();
  private resolveAccounts: (a: SharedAccounts | undefined) => void = () => undefined;
  private readonly sharedAccounts = new Promise<SharedAccounts | undefined>((r) => (this.resolveAccounts = r));

  /**
   * The roles collector shares the admin, potential admin and excluded-group accounts as soon as it knows them,
   * so the sign-in collector reads their sign-ins alongside the registration reads (both on the reports budget)
   * instead of after everything is stored. The first call wins; `undefined` (the roles run ended without them)
   * makes the sign-in collector use what is stored.
   */
  shareAccounts(accounts: SharedAccounts | undefined): void {
    this.resolveAccounts(accounts);
  }

  accounts(): Promise<SharedAccounts | undefined> {
    return this.sharedAccounts;
  }

  private signal(name: 'policiesStored' | 'rolesStored') {
    let s = this.signals.get(name);
    if (!s) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.signals.set(name, (s = { promise, resolve }));
    }
    return s;
  }

  /** Resolved (success or not) by the collector that owns the step, so a failure never blocks the other. */
  done(name: 'policiesStored' | 'rolesStored'): void {
    this.signal(name).resolve();
  }

  wait(name: 'policiesStored' | 'rolesStored'): Promise<void> {
    return this.signal(name).promise;
  }
}

/** The least-privileged application permission each dataset needs (one list: infra grants exactly these). */
export const DATASET_PERMISSIONS: Record<DatasetName, string> = {
  roleDefinitions: 'RoleManagement.Read.Directory',
  roleAssignments: 'RoleManagement.Read.Directory',
  pimGroups: 'PrivilegedEligibilitySchedule.Read.AzureADGroup, PrivilegedAssignmentSchedule.Read.AzureADGroup',
  groupMembers: 'GroupMember.Read.All',
  accounts: 'User.Read.All',
  registration: 'AuditLog.Read.All',
  conditionalAccess: 'Policy.Read.All',
  authenticationStrengths: 'Policy.Read.All',
  securityDefaults: 'Policy.Read.All',
  pimSettings: 'RoleManagement.Read.Directory, RoleManagementPolicy.Read.AzureADGroup',
  activations: 'RoleManagement.Read.Directory, PrivilegedAssignmentSchedule.Read.AzureADGroup',
  signIns: 'AuditLog.Read.All',
  secureScore: 'SecurityEvents.Read.All',
  mfaRecommendation: 'DirectoryRecommendations.Read.All',
  licences: 'LicenseAssignment.Read.All',
  perUserMfa: 'Policy.Read.All',
  exclusionGroups: 'GroupMember.Read.All',
  exclusionPimOwners: 'PrivilegedEligibilitySchedule.Read.AzureADGroup, PrivilegedAssignmentSchedule.Read.AzureADGroup',
  administrativeUnits: 'GroupMember.Read.All, AdministrativeUnit.Read.All',
  appPermissions: 'Application.Read.All',
  controllers: 'User.Read.All, GroupMember.Read.All',
  directoryAudits: 'AuditLog.Read.All, Directory.Read.All',
};

/** Every Graph application permission the collectors need, with what each is for. */
export const GRAPH_PERMISSIONS: ReadonlyArray<{ permission: string; datasets: string; withoutIt: string }> = [
  { permission: 'RoleManagement.Read.Directory', datasets: 'role definitions, active and eligible role assignments (PIM schedule instances), PIM role settings, activations', withoutIt: 'no admin inventory: every verdict is unknown' },
  { permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup', datasets: 'eligible members and owners of PIM for Groups (role-holding and exclusion groups)', withoutIt: 'PIM-for-Groups eligible admins are missed' },
  { permission: 'PrivilegedAssignmentSchedule.Read.AzureADGroup', datasets: 'active members and owners of PIM for Groups (role-holding and exclusion groups), group activations', withoutIt: 'PIM-for-Groups active members are reported as plain group members; owners are missed' },
  { permission: 'RoleManagementPolicy.Read.AzureADGroup', datasets: 'PIM settings of role-holding PIM groups', withoutIt: 'no eligible-activation-without-mfa check for PIM groups' },
  { permission: 'GroupMember.Read.All', datasets: "members of role-holding groups and of groups used in Conditional Access; exclusion groups' owners and dynamic rules; the groups of exemption controllers", withoutIt: 'group-based admins are missed and verdicts that depend on group exclusions are unknown' },
  { permission: 'User.Read.All', datasets: 'admin and exemption-controller accounts (UPN, enabled, user type, synced)', withoutIt: 'admins are listed by object id only' },
  { permission: 'Policy.Read.All', datasets: 'Conditional Access policies, named locations, authentication strengths, security defaults, admins\' per-user MFA state; the Conditional Access results on sign-ins (appliedConditionalAccessPolicies)', withoutIt: 'every verdict is unknown' },
  { permission: 'AuditLog.Read.All', datasets: 'MFA registration details, sign-in logs, the directory audit log', withoutIt: 'mfaRegistered is null; no sign-in evidence (single-factor sign-ins, contradictions, rollout readiness) and no break-glass sign-ins; exemption alerts cannot name who made the change' },
  { permission: 'SecurityEvents.Read.All', datasets: 'Microsoft Secure Score (AdminMFAV2 control score and profile)', withoutIt: 'Microsoft\'s score is unavailable: the Secure Score reconciliation cannot compare' },
  { permission: 'DirectoryRecommendations.Read.All', datasets: 'the Entra recommendation for admin MFA and the admins it counts (beta)', withoutIt: 'the reconciliation compares counts only, not admin by admin' },
  { permission: 'LicenseAssignment.Read.All', datasets: 'subscribed SKUs and their service plans (Entra ID P1 / P2)', withoutIt: 'the report cannot say which enforcement routes the licence allows' },
  { permission: 'Application.Read.All', datasets: "service principals' Microsoft Graph application permissions (app role assignments) and whether they have client secrets", withoutIt: 'apps that can change exclusions, policies or role membership are not named' },
  { permission: 'AdministrativeUnit.Read.All', datasets: 'the administrative units exclusion groups are in (restricted management)', withoutIt: 'whether an exclusion group is protected by a restricted-management unit is unknown' },
  { permission: 'Directory.Read.All', datasets: 'the directory audit log (Graph lists it with AuditLog.Read.All for directoryAudits)', withoutIt: 'exemption alerts cannot name who added an admin to an exclusion, or when' },
];

export const USER_SELECT = 'id,displayName,userPrincipalName,accountEnabled,userType,onPremisesSyncEnabled';
export const GROUP_SELECT = 'id,displayName,isAssignableToRole,securityEnabled';

/**
 * Records a dataset failure as Graph reported it: 403 → unavailable with the permission; a licence error or
 * 404 (the API is not there for this tenant) → unavailable; anything else (5xx, throttling or a timeout beyond
 * the retries, a page that failed part-way) → failed: the previous state is kept and marked stale. Either way
 * nothing stored is replaced by what a failed read did not return.
 */
export function recordFailure(tracker: DatasetTracker, dataset: DatasetName, error: unknown, log: Logger): void {
  const e = toGraphError(error, dataset);
  if (e.isForbidden) {
    tracker.unavailable(dataset, `Graph answered 403 ${e.code}`, DATASET_PERMISSIONS[dataset]);
    log.warn(`${dataset}: permission missing (${DATASET_PERMISSIONS[dataset]}): ${e.message}`);
  } else if (e.isLicenseError || e.status === 404) {
    tracker.unavailable(dataset, `Graph answered ${e.status} ${e.code}: ${e.message}`);
    log.warn(`${dataset}: unavailable (${e.status} ${e.code}), previous data kept: ${e.message}`);
  } else {
    tracker.failed(dataset, e.message);
    log.warn(`${dataset}: read failed, previous data kept: ${e.message}`);
  }
}

/**
 * A licence error from an endpoint that answered in the collector's previous run is a failure (Graph's licence
 * check fails transiently, or the licence lapsed): recorded as unavailable, the previous data kept. Only an
 * endpoint that never answered means a tenant without the licence.
 */
export function licenceErrorIsFailure(previous: { datasets: Partial<Record<DatasetName, { state: string }>> } | undefined, dataset: DatasetName): boolean {
  return previous?.datasets[dataset]?.state === 'ok';
}

export interface BatchBody<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  error?: { code?: string; message?: string };
}

/**
 * Streams the pages of one $batch response (its first page, then its nextLinks) to `onPage`; an error
 * response throws like a direct request would. 404 is returned, not thrown: for some lookups it is an answer.
 */
export async function batchPages<T>(graph: GraphGateway, responses: Map<string, BatchResponse<BatchBody<T>>>, request: { id: string; url: string }, onPage: (items: T[]) => void): Promise<'ok' | 'notFound'> {
  const response = responses.get(request.id);
  if (response?.status === 404) return 'notFound';
  if (!response || response.status >= 400) {
    throw new GraphRequestError(response?.status ?? 0, response?.body?.error?.code ?? 'Error', response?.body?.error?.message ?? 'no response in $batch', request.url);
  }
  onPage(response.body.value ?? []);
  const next = response.body['@odata.nextLink'];
  if (next) for await (const page of graph.pages<T>(next)) onPage(page);
  return 'ok';
}

/**
 * Sends list requests as $batch and yields each request with all its items (further pages followed), in
 * request order. A 404 is an error like any other.
 */
export async function* batchEach<T>(graph: GraphGateway, requests: ReadonlyArray<{ id: string; url: string }>): AsyncGenerator<[{ id: string; url: string }, T[]]> {
  const responses = await graph.batch<BatchBody<T>>(requests);
  for (const request of requests) {
    const items: T[] = [];
    if ((await batchPages<T>(graph, responses, request, (page) => items.push(...page))) === 'notFound') throw new GraphRequestError(404, 'NotFound', 'not found', request.url);
    yield [request, items];
  }
}

function quoteList(ids: readonly string[]): string {
  return ids.map((id) => `'${id.replace(/'/g, "''")}'`).join(',');
}

/** Users by id, 15 per `in` filter (Graph's limit) and 20 such requests per $batch. */
export async function usersById(graph: GraphGateway, ids: readonly string[]): Promise<GraphUser[]> {
  return byIds<GraphUser>(graph, 'users', ids, USER_SELECT);
}

export async function groupsById(graph: GraphGateway, ids: readonly string[]): Promise<GraphGroup[]> {
  return byIds<GraphGroup>(graph, 'groups', ids, GROUP_SELECT);
}

async function byIds<T>(graph: GraphGateway, collection: 'users' | 'groups', ids: readonly string[], select: string): Promise<T[]> {
  const unique = [...new Set(ids.map((i) => i.toLowerCase()))];
  if (unique.length === 0) return [];
  const requests: Array<{ id: string; url: string }> = [];
  for (let i = 0; i < unique.length; i += 15) {
    const chunk = unique.slice(i, i + 15);
    requests.push({ id: String(requests.length), url: `/${collection}?$filter=id in (${quoteList(chunk)})&$select=${select}` });
  }
  const out: T[] = [];
  for await (const [, items] of batchEach<T>(graph, requests)) out.push(...items);
  return out;
}

/** Transitive members of a group: users, groups and service principals, streamed page by page. */
export interface MemberLists {
  users: GraphUser[];
  groupIds: string[];
  servicePrincipals: Array<{ id: string; displayName?: string | null; appId?: string | null }>;
}

type DirectoryObjectPage = Array<{ '@odata.type'?: string; id: string } & Record<string, unknown>>;

export function sortMembers(items: DirectoryObjectPage, keepUser: (id: string) => boolean, into: MemberLists): void {
  for (const item of items) {
    const type = item['@odata.type'] ?? '';
    const id = item.id.toLowerCase();
    if (type.endsWith('.user')) {
      if (keepUser(id)) into.users.push({ ...(item as GraphUser), id });
    } else if (type.endsWith('.group')) into.groupIds.push(id);
    else if (type.endsWith('.servicePrincipal')) into.servicePrincipals.push({ id, displayName: (item.displayName as string | undefined) ?? null, appId: (item.appId as string | undefined) ?? null });
  }
}

/** Reads many groups' transitive members: the first page of each in $batch, further pages one by one. */
export async function transitiveMembersOf(
  graph: GraphGateway,
  groupIds: readonly string[],
  select: string,
  keepUser: (groupId: string, userId: string) => boolean,
): Promise<{ members: Map<string, MemberLists>; notFound: string[] }> {
  const members = new Map<string, MemberLists>();
  const notFound: string[] = [];
  const requests = groupIds.map((id) => ({ id, url: `/groups/${id}/transitiveMembers?$select=${select}&$top=999` }));
  const responses = await graph.batch<BatchBody<DirectoryObjectPage[number]>>(requests);
  for (const request of requests) {
    // Page by page: a 100k-member group never sits in memory, only the members kept.
    const lists: MemberLists = { users: [], groupIds: [], servicePrincipals: [] };
    const result = await batchPages<DirectoryObjectPage[number]>(graph, responses, request, (page) => sortMembers(page, (userId) => keepUser(request.id, userId), lists));
    if (result === 'notFound') notFound.push(request.id);
    else members.set(request.id, lists);
  }
  return { members, notFound };
}

/** A group as the snapshot keeps it: sorted, de-duplicated member lists, and whether non-admins were dropped. */
export function toSnapshotGroup(id: string, lists: MemberLists, coverage: 'all' | 'admins', details?: { displayName?: string | null; isAssignableToRole?: boolean | null }): SnapshotGroup {
  return {
    id,
    displayName: details?.displayName ?? null,
    isAssignableToRole: details?.isAssignableToRole ?? null,
    memberUserIds: [...new Set(lists.users.map((u) => u.id))].sort(),
    memberGroupIds: [...new Set(lists.groupIds)].sort(),
    memberServicePrincipalIds: [...new Set(lists.servicePrincipals.map((s) => s.id))].sort(),
    coverage,
  };
}

/** The role-holding PIM groups the roles collector found (its stored PIM-for-Groups instances). */
export async function storedPimGroups(store: TableStore): Promise<Set<string>> {
  const groups = new Set<string>();
  for (const i of [
    ...(await loadValues<PrivilegedAccessGroupEligibilityScheduleInstance>(store, PARTITIONS.pimGroupEligibility)),
    ...(await loadValues<PrivilegedAccessGroupAssignmentScheduleInstance>(store, PARTITIONS.pimGroupAssignment)),
  ]) groups.add(normId(i.groupId));
  return groups;
}
