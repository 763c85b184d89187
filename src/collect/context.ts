// What every collector needs, and the shared steps: principal lookups in batches, group membership reads,
// dataset error classification.
import type { Settings } from '../app/settings.js';
import type { GraphGroup, GraphUser } from '../core/graph-types.js';
import type { DatasetName } from '../core/snapshot.js';
import { type GraphGateway, GraphRequestError, toGraphError } from '../graph/gateway.js';
import type { Logger } from '../app/logger.js';
import type { TableStore } from '../storage/tables.js';
import type { DatasetTracker } from './runs.js';

export interface CollectorDeps {
  graph: GraphGateway;
  store: TableStore;
  settings: Settings;
  now: () => Date;
  log: Logger;
}

/** The least-privileged application permission each dataset needs (one list: infra grants exactly these). */
export const DATASET_PERMISSIONS: Record<DatasetName, string> = {
  roleDefinitions: 'RoleManagement.Read.Directory',
  roleAssignments: 'RoleManagement.Read.Directory',
  pimGroups: 'PrivilegedEligibilitySchedule.Read.AzureADGroup, PrivilegedAssignmentSchedule.Read.AzureADGroup',
  groupMembers: 'GroupMember.Read.All',
  registration: 'AuditLog.Read.All',
  conditionalAccess: 'Policy.Read.All',
  authenticationStrengths: 'Policy.Read.All',
  securityDefaults: 'Policy.Read.All',
  pimSettings: 'RoleManagement.Read.Directory, RoleManagementPolicy.Read.AzureADGroup',
  activations: 'RoleManagement.Read.Directory, PrivilegedAssignmentSchedule.Read.AzureADGroup',
  signIns: 'AuditLog.Read.All',
};

/** Every Graph application permission the collectors need, with what each is for. */
export const GRAPH_PERMISSIONS: ReadonlyArray<{ permission: string; datasets: string; withoutIt: string }> = [
  { permission: 'RoleManagement.Read.Directory', datasets: 'role definitions, active and eligible role assignments (PIM schedule instances), PIM role settings, activations', withoutIt: 'no admin inventory: every verdict is unknown' },
  { permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup', datasets: 'eligible members and owners of PIM for Groups', withoutIt: 'PIM-for-Groups eligible admins are missed' },
  { permission: 'PrivilegedAssignmentSchedule.Read.AzureADGroup', datasets: 'active members and owners of PIM for Groups, group activations', withoutIt: 'PIM-for-Groups active members are reported as plain group members; owners are missed' },
  { permission: 'RoleManagementPolicy.Read.AzureADGroup', datasets: 'PIM settings of role-holding PIM groups', withoutIt: 'no eligible-activation-without-mfa check for PIM groups' },
  { permission: 'GroupMember.Read.All', datasets: 'members of role-holding groups and of groups used in Conditional Access', withoutIt: 'group-based admins are missed and verdicts that depend on group exclusions are unknown' },
  { permission: 'User.Read.All', datasets: 'admin accounts (UPN, enabled, user type, synced)', withoutIt: 'admins are listed by object id only' },
  { permission: 'Policy.Read.All', datasets: 'Conditional Access policies, named locations, authentication strengths, security defaults', withoutIt: 'every verdict is unknown' },
  { permission: 'AuditLog.Read.All', datasets: 'MFA registration details, sign-in logs', withoutIt: 'mfaRegistered is null; no interrupted or break-glass sign-ins' },
];

export const USER_SELECT = 'id,displayName,userPrincipalName,accountEnabled,userType,onPremisesSyncEnabled';
export const GROUP_SELECT = 'id,displayName,isAssignableToRole,securityEnabled';

/** Records a dataset failure as Graph reported it: 403 → unavailable with the permission, else failed (stale). */
export function recordFailure(tracker: DatasetTracker, dataset: DatasetName, error: unknown, log: Logger): void {
  const e = toGraphError(error, dataset);
  if (e.isForbidden) {
    tracker.unavailable(dataset, `Graph answered 403 ${e.code}`, DATASET_PERMISSIONS[dataset]);
    log.warn(`${dataset}: permission missing (${DATASET_PERMISSIONS[dataset]}): ${e.message}`);
  } else {
    tracker.failed(dataset, e.message);
    log.warn(`${dataset}: read failed, previous data kept: ${e.message}`);
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
  const responses = await graph.batch<{ value?: T[]; '@odata.nextLink'?: string; error?: { code?: string; message?: string } }>(requests);
  for (const request of requests) {
    const response = responses.get(request.id);
    if (!response) throw new GraphRequestError(0, 'MissingBatchResponse', 'no response in $batch', request.url);
    if (response.status >= 400) {
      throw new GraphRequestError(response.status, response.body?.error?.code ?? 'Error', response.body?.error?.message ?? '', request.url);
    }
    out.push(...(response.body.value ?? []));
    if (response.body['@odata.nextLink']) for await (const page of graph.pages<T>(response.body['@odata.nextLink'])) out.push(...page);
  }
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
  const responses = await graph.batch<{ value?: DirectoryObjectPage; '@odata.nextLink'?: string; error?: { code?: string; message?: string } }>(requests);
  for (const request of requests) {
    const response = responses.get(request.id);
    if (!response) throw new GraphRequestError(0, 'MissingBatchResponse', 'no response in $batch', request.url);
    if (response.status === 404) {
      notFound.push(request.id);
      continue;
    }
    if (response.status >= 400) throw new GraphRequestError(response.status, response.body?.error?.code ?? 'Error', response.body?.error?.message ?? '', request.url);
    const lists: MemberLists = { users: [], groupIds: [], servicePrincipals: [] };
    const keep = (userId: string) => keepUser(request.id, userId);
    sortMembers(response.body.value ?? [], keep, lists);
    const next = response.body['@odata.nextLink'];
    if (next) for await (const page of graph.pages<DirectoryObjectPage[number]>(next)) sortMembers(page, keep, lists);
    members.set(request.id, lists);
  }
  return { members, notFound };
}
