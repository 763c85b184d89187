// The change feed's targeted reads (docs/storage.md, "The change feed"): one principal's role instances, one
// group's members, one PIM group's instances, one policy or named location, one admin's account, registration
// or per-user MFA state, the small policy-like datasets. Each is stored with a scoped sync (only the items it
// read can change or go), so history records the change as a full collection would, and each says which admins
// it can affect. The pieces are the collectors' own (context.ts, policies.ts, roles-plan.ts).
import { policyTargets } from '../core/conditions.js';
import type {
  ConditionalAccessPolicy,
  GraphServicePrincipal,
  GraphUser,
  NamedLocation,
  PrivilegedAccessGroupAssignmentScheduleInstance,
  PrivilegedAccessGroupEligibilityScheduleInstance,
  RoleAssignmentScheduleInstance,
  RoleEligibilityScheduleInstance,
  UnifiedRoleAssignment,
  UnifiedRoleDefinition,
  UserRegistrationDetails,
} from '../core/graph-types.js';
import { normId } from '../core/ids.js';
import { monitoredRoles } from '../core/inventory.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import { GraphRequestError, toGraphError } from '../graph/gateway.js';
import { type SyncResult, loadValues, syncDataset } from '../storage/state.js';
import { collectActivations } from './activity.js';
import type { FeedAction, Scope } from './changefeed-plan.js';
import { type BatchBody, type CollectorDeps, USER_SELECT, batchPages, groupsById, recordFailure, toSnapshotGroup, transitiveMembersOf, usersById } from './context.js';
import { policySpec, readAuthStrengths, readPimSettings, readSecurityDefaults, watchNewGroups } from './policies.js';
import { type Expanded, principalKind, roleMatcher, strip, targetingOnly } from './roles-plan.js';
import type { RunScope } from './runs.js';
import { storedPerUser } from './secure-score-plan.js';
import { PARTITIONS, assignmentSpec, groupSpec, stateOnlySpec } from './specs.js';
import type { DatasetName } from '../core/snapshot.js';

/** What the feed knows from storage while it applies changes; kept current as the reads store theirs. */
export interface StoredView {
  admins: Map<string, GraphUser>;
  groups: Map<string, SnapshotGroup>;
  /** Groups with PIM-for-Groups instances, and the principals of those instances by group. */
  pimPrincipals: Map<string, Set<string>>;
  /** Groups that hold a monitored role (directly, or as PIM principals of a role-holding group). */
  roleGroups: Set<string>;
  policies: ConditionalAccessPolicy[];
  isMonitored: (roleId: string) => boolean;
  targeting: ReturnType<typeof targetingOnly>;
  pimAvailable: boolean;
}

export async function loadView(deps: CollectorDeps, pimAvailable: boolean): Promise<StoredView> {
  const { store, settings } = deps;
  const [users, groups, pimA, pimE, active, eligible, plain, definitions, policies] = await Promise.all([
    loadValues<GraphUser>(store, PARTITIONS.user),
    loadValues<SnapshotGroup>(store, PARTITIONS.group),
    loadValues<PrivilegedAccessGroupAssignmentScheduleInstance>(store, PARTITIONS.pimGroupAssignment),
    loadValues<PrivilegedAccessGroupEligibilityScheduleInstance>(store, PARTITIONS.pimGroupEligibility),
    loadValues<RoleAssignmentScheduleInstance>(store, PARTITIONS.activeInstance),
    loadValues<RoleEligibilityScheduleInstance>(store, PARTITIONS.eligibleInstance),
    loadValues<UnifiedRoleAssignment>(store, PARTITIONS.roleAssignment),
    loadValues<UnifiedRoleDefinition>(store, PARTITIONS.roleDefinition),
    loadValues<ConditionalAccessPolicy>(store, PARTITIONS.caPolicy),
  ]);
  const isMonitored = roleMatcher(monitoredRoles(settings.adminRoles, { roleDefinitions: definitions }), definitions);
  const groupIds = new Set(groups.map((g) => g.id));
  const pimPrincipals = new Map<string, Set<string>>();
  for (const i of [...pimA, ...pimE]) {
    const g = normId(i.groupId);
    if (!pimPrincipals.has(g)) pimPrincipals.set(g, new Set());
    pimPrincipals.get(g)?.add(normId(i.principalId));
  }
  const roleGroups = new Set([...active, ...eligible, ...plain].filter((i) => isMonitored(i.roleDefinitionId) && groupIds.has(normId(i.principalId))).map((i) => normId(i.principalId)));
  for (const g of [...roleGroups]) for (const p of pimPrincipals.get(g) ?? []) if (groupIds.has(p)) roleGroups.add(p);
  return {
    admins: new Map(users.map((u) => [normId(u.id), u])),
    groups: new Map(groups.map((g) => [g.id, g])),
    pimPrincipals,
    roleGroups,
    policies,
    isMonitored,
    targeting: targetingOnly(policyTargets(policies).roles, isMonitored),
    pimAvailable,
  };
}

/** A full collection the feed asks for, and why. */
export interface FullCollection {
  collector: 'roles' | 'policies';
  reason: string;
}

/** Which full collection reads a dataset again when a targeted read of it cannot (none for the daily ones). */
const FULL_FOR: Partial<Record<DatasetName, FullCollection['collector']>> = {
  roleAssignments: 'roles',
  roleDefinitions: 'roles',
  groupMembers: 'roles',
  pimGroups: 'roles',
  registration: 'roles',
  accounts: 'roles',
  conditionalAccess: 'policies',
  securityDefaults: 'policies',
  authenticationStrengths: 'policies',
  pimSettings: 'policies',
};

/** How a targeted read ended. */
export interface ActionOutcome {
  scope: Scope;
  /** A transient failure: the feed reads the same window again next run. */
  retry?: boolean;
  /** Something a targeted read cannot settle: a full collection reads it (which, and why). */
  full?: FullCollection;
  /** Further reads this one found necessary (the PIM instances of groups a policy newly names). */
  next?: FeedAction[];
}

const NONE: Scope = { all: false, admins: new Set() };
const ALL: Scope = { all: true };
const only = (ids: Iterable<string>): Scope => ({ all: false, admins: new Set(ids) });
const changes = (...results: Array<SyncResult | undefined>): number => results.reduce((n, r) => n + (r ? r.added + r.changed + r.removed : 0), 0);

type FeedRun = Pick<RunScope, 'tracker' | 'previous' | 'sync' | 'counts' | 'startedAt'>;

const DATASET_OF: Record<FeedAction['kind'], DatasetName> = {
  principalRoles: 'roleAssignments',
  roleDefinitions: 'roleDefinitions',
  pimSettings: 'pimSettings',
  activations: 'activations',
  groupMembers: 'groupMembers',
  pimGroup: 'pimGroups',
  caPolicy: 'conditionalAccess',
  namedLocation: 'conditionalAccess',
  securityDefaults: 'securityDefaults',
  authStrengths: 'authenticationStrengths',
  registration: 'registration',
  account: 'accounts',
  perUserMfa: 'perUserMfa',
};

/**
 * Applies one targeted read. A failed read is recorded on its dataset in the feed's run record; a transient one
 * (5xx, throttling, a timeout beyond the retries) asks for the window to be read again, a permanent one (403,
 * 404, a licence error) is left to the next full collection.
 */
export async function applyAction(deps: CollectorDeps, run: FeedRun, view: StoredView, action: FeedAction, trigger: string): Promise<ActionOutcome> {
  try {
    return await dispatch(deps, run, view, action, trigger);
  } catch (e) {
    const err = toGraphError(e, action.kind);
    recordFailure(run.tracker, DATASET_OF[action.kind], err, deps.log);
    const permanent = err.isForbidden || err.isLicenseError || err.status === 404;
    if (!permanent) return { scope: NONE, retry: true };
    const collector = FULL_FOR[DATASET_OF[action.kind]];
    return { scope: NONE, ...(collector ? { full: { collector, reason: `${action.kind} could not be read (${err.status} ${err.code})` } } : {}) };
  }
}

 
async function dispatch(deps: CollectorDeps, run: FeedRun, view: StoredView, action: FeedAction, trigger: string): Promise<ActionOutcome> {
  switch (action.kind) {
    case 'principalRoles':
      return principalRoles(deps, run, view, action.principalId);
    case 'groupMembers':
      return groupMembers(deps, run, view, action.groupId);
    case 'pimGroup':
      return pimGroup(deps, run, view, action.groupId);
    case 'caPolicy':
      return caPolicy(deps, run, view, action.policyId);
    case 'namedLocation':
      return namedLocation(deps, run, action.locationId);
    case 'registration':
      return { scope: (await commit([await readRegistrations(deps, run, [normId(action.userId)])])) > 0 ? only([normId(action.userId)]) : NONE };
    case 'account':
      return account(deps, run, view, action.userId);
    case 'perUserMfa':
      return perUserMfa(deps, run, view, action.userId);
    case 'roleDefinitions': {
      const definitions = await deps.graph.all<UnifiedRoleDefinition>('/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId,isBuiltIn,isEnabled');
      const r = await syncDataset(deps.store, stateOnlySpec<UnifiedRoleDefinition>(PARTITIONS.roleDefinition, (d) => normId(d.id)), definitions, run.sync);
      // Which roles are monitored can change with a custom role: a full role collection reads the consequences.
      return changes(r) > 0 ? { scope: ALL, full: { collector: 'roles', reason: 'a role definition changed' } } : { scope: NONE };
    }
    case 'pimSettings':
      return { scope: changes(await readPimSettings(deps, run)) > 0 ? ALL : NONE };
    case 'securityDefaults':
      return { scope: changes(await readSecurityDefaults(deps, run)) > 0 ? ALL : NONE };
    case 'authStrengths':
      return { scope: changes(await readAuthStrengths(deps, run)) > 0 ? ALL : NONE };
    case 'activations': {
      // The activation history (a run of its own); the activated instance itself comes with principalRoles.
      await collectActivations(deps, trigger);
      return { scope: NONE };
    }
  }
}

/**
 * Writes a targeted read leads to, kept until every read of the action has answered: the admin data (accounts,
 * registration, memberships) first, then the change that makes them admins. A read that fails leaves storage
 * as it was, as a failed full collection does, so no evaluation sees half of a change.
 */
type Writes = Array<() => Promise<SyncResult | undefined>>;

async function commit(writes: Writes): Promise<number> {
  let n = 0;
  for (const w of writes) n += changes(await w());
  return n;
}

/** One principal's active and eligible role instances (or plain assignments without PIM), stored in place of theirs. */
async function principalRoles(deps: CollectorDeps, run: FeedRun, view: StoredView, principalId: string): Promise<ActionOutcome> {
  const { graph, store } = deps;
  const id = normId(principalId);
  const q = `$filter=principalId eq '${id}'&$expand=principal`;
  const mine = (i: { principalId: string }) => normId(i.principalId) === id;
  let read: Array<Expanded<{ principalId: string; roleDefinitionId: string; assignmentType?: string | null }>>;
  const instances: Writes = [];
  if (view.pimAvailable) {
    const active = await graph.all<Expanded<RoleAssignmentScheduleInstance>>(`/roleManagement/directory/roleAssignmentScheduleInstances?${q}`);
    const eligible = await graph.all<Expanded<RoleEligibilityScheduleInstance>>(`/roleManagement/directory/roleEligibilityScheduleInstances?${q}`);
    read = [...active, ...eligible];
    const keepActive = active.filter((i) => view.isMonitored(i.roleDefinitionId) || view.targeting.holds(i)).map(strip);
    const keepEligible = eligible.filter((i) => view.isMonitored(i.roleDefinitionId) || view.targeting.eligible(i)).map(strip);
    instances.push(
      () => syncDataset(store, assignmentSpec<RoleAssignmentScheduleInstance>(PARTITIONS.activeInstance, 'active'), keepActive, run.sync, { scope: mine }),
      () => syncDataset(store, assignmentSpec<RoleEligibilityScheduleInstance>(PARTITIONS.eligibleInstance, 'eligible'), keepEligible, run.sync, { scope: mine }),
    );
  } else {
    const plain = await graph.all<Expanded<UnifiedRoleAssignment>>(`/roleManagement/directory/roleAssignments?${q}`);
    read = plain;
    const keep = plain.filter((i) => view.isMonitored(i.roleDefinitionId) || view.targeting.holds(i)).map(strip);
    instances.push(() => syncDataset(store, assignmentSpec<UnifiedRoleAssignment>(PARTITIONS.roleAssignment, 'active'), keep, run.sync, { scope: mine }));
  }
  const principal = read.find((i) => i.principal)?.principal;
  const monitored = read.some((i) => view.isMonitored(i.roleDefinitionId));
  const kind = principalKind(principal);
  const before: Writes = [];
  if (kind === 'user' && monitored) before.push(...(await prepareAdmins(deps, run, view, [id])));
  if (kind === 'group' && monitored && view.groups.get(id)?.coverage !== 'all') before.push(...(await prepareRoleGroup(deps, run, view, id, true)));
  else if (kind === 'group' && !monitored && read.some((i) => view.targeting.holds(i) || view.targeting.eligible(i)) && !view.groups.has(id)) before.push(...(await prepareWatchedGroup(deps, run, view, id)));
  if (kind === 'servicePrincipal') {
    const p = principal as Record<string, unknown>;
    const sp: GraphServicePrincipal = { id, displayName: (p.displayName as string | undefined) ?? null, appId: (p.appId as string | undefined) ?? null };
    before.push(() => syncDataset(store, stateOnlySpec<GraphServicePrincipal>(PARTITIONS.servicePrincipal, (x) => normId(x.id)), [sp], run.sync, { scope: (x) => normId(x.id) === id }));
  }
  await commit(before);
  if ((await commit(instances)) === 0) return { scope: NONE };
  if (kind === 'user' || kind === 'servicePrincipal') return { scope: only(kind === 'user' ? [id] : []) };
  // A group (its members), or a deleted principal (it, and the members it had).
  return { scope: only([...(kind === 'group' ? [] : [id]), ...(view.groups.get(id)?.memberUserIds ?? [])]) };
}

/**
 * Reads what a full role collection reads for every admin — account, registration, membership of the groups
 * kept for admins' membership — for users who just became admins (or potential admins); returns the writes.
 */
async function prepareAdmins(deps: CollectorDeps, run: FeedRun, view: StoredView, users: ReadonlyArray<string | GraphUser>): Promise<Writes> {
  // Accounts a member listing carried are kept as read (as the full collection keeps them); the others are read.
  const known = new Map(users.filter((u): u is GraphUser => typeof u !== 'string').map((u) => [normId(u.id), { ...u, id: normId(u.id) }]));
  const fresh = [...new Set(users.map((u) => normId(typeof u === 'string' ? u : u.id)))].filter((u) => !view.admins.has(u));
  if (fresh.length === 0) return [];
  const toRead = fresh.filter((u) => !known.has(u));
  const accounts = [...fresh.flatMap((u) => (known.has(u) ? [known.get(u) as GraphUser] : [])), ...(await usersById(deps.graph, toRead)).map((u) => ({ ...u, id: normId(u.id) }))];
  const registration = await readRegistrations(deps, run, accounts.map((u) => u.id));
  // Groups kept for admins' membership only do not list them yet: add them where they are members.
  const changed = new Map<string, SnapshotGroup>();
  for (const u of accounts) {
    const theirs = new Set((await deps.graph.all<{ id: string }>(`/users/${u.id}/transitiveMemberOf/microsoft.graph.group?$select=id`)).map((g) => normId(g.id)));
    for (const [gid, g] of view.groups) {
      if (g.coverage !== 'admins' || !theirs.has(gid) || g.memberUserIds.includes(u.id)) continue;
      const next = { ...(changed.get(gid) ?? g) };
      next.memberUserIds = [...new Set([...next.memberUserIds, u.id])].sort();
      changed.set(gid, next);
    }
  }
  return [
    async () => {
      const r = await syncDataset(deps.store, stateOnlySpec<GraphUser>(PARTITIONS.user, (u) => normId(u.id)), accounts, run.sync, { scope: (u) => fresh.includes(normId(u.id)) });
      for (const u of accounts) view.admins.set(u.id, u);
      return r;
    },
    registration,
    ...(changed.size > 0 ? [() => storeGroups(deps, run, view, [...changed.values()])] : []),
  ];
}

/** Registration details of the given users (one reports-budget request each); a user Graph has none for keeps theirs. */
async function readRegistrations(deps: CollectorDeps, run: FeedRun, userIds: readonly string[]): Promise<() => Promise<SyncResult | undefined>> {
  if (userIds.length === 0) return async () => undefined;
  const responses = await deps.graph.batch<UserRegistrationDetails>(userIds.map((id) => ({ id, url: `/reports/authenticationMethods/userRegistrationDetails/${id}` })));
  const found: UserRegistrationDetails[] = [];
  for (const [id, r] of responses) {
    if (r.status === 200) found.push({ ...r.body, id: normId(id) });
    else if (r.status !== 404) throw new GraphRequestError(r.status, 'Error', `registration details of ${id} answered ${r.status}`, '/reports/authenticationMethods/userRegistrationDetails/{id}');
  }
  const ids = new Set(found.map((r) => r.id));
  return () => syncDataset(deps.store, stateOnlySpec<UserRegistrationDetails>(PARTITIONS.registration, (r) => normId(r.id)), found, run.sync, { scope: (r) => ids.has(normId(r.id)) });
}

async function storeGroups(deps: CollectorDeps, run: FeedRun, view: StoredView, groups: readonly SnapshotGroup[]): Promise<SyncResult> {
  const ids = new Set(groups.map((g) => g.id));
  const r = await syncDataset(deps.store, groupSpec(), groups, run.sync, { scope: (g) => ids.has(g.id) });
  for (const g of groups) view.groups.set(g.id, g);
  return r;
}

/** A group that holds a monitored role: every member (they are admins), its PIM-for-Groups instances, its name. */
async function prepareRoleGroup(deps: CollectorDeps, run: FeedRun, view: StoredView, groupId: string, withPim: boolean): Promise<Writes> {
  const read = await transitiveMembersOf(deps.graph, [groupId], `${USER_SELECT},appId`, () => true);
  const lists = read.members.get(groupId);
  if (!lists) throw new GraphRequestError(404, 'Request_ResourceNotFound', `members of role-holding group ${groupId} answered 404`, '/groups/{id}/transitiveMembers');
  const [details] = await groupsById(deps.graph, [groupId]);
  view.roleGroups.add(groupId);
  const admins = await prepareAdmins(deps, run, view, lists.users);
  const pim = withPim && view.pimAvailable ? (await readPimGroup(deps, run, view, groupId)).writes : [];
  return [...admins, () => storeGroups(deps, run, view, [toSnapshotGroup(groupId, lists, 'all', details)]), ...pim];
}

/** A group whose admins' membership matters (it holds a role a policy names): its admin members. */
async function prepareWatchedGroup(deps: CollectorDeps, run: FeedRun, view: StoredView, groupId: string): Promise<Writes> {
  const read = await transitiveMembersOf(deps.graph, [groupId], 'id', (_g, u) => view.admins.has(u));
  const lists = read.members.get(groupId);
  if (!lists) return [];
  const [details] = await groupsById(deps.graph, [groupId]);
  return [() => storeGroups(deps, run, view, [toSnapshotGroup(groupId, lists, 'admins', details)])];
}

/** A stored group's members read again (as it is kept: everyone, or admins only); new members of a role-holding group are admins. */
async function groupMembers(deps: CollectorDeps, run: FeedRun, view: StoredView, groupId: string): Promise<ActionOutcome> {
  const before = view.groups.get(groupId);
  if (!before) return { scope: NONE };
  const whole = before.coverage === 'all';
  const read = await transitiveMembersOf(deps.graph, [groupId], whole ? `${USER_SELECT},appId` : 'id', (_g, u) => whole || view.admins.has(u));
  const lists = read.members.get(groupId);
  // A watched group that is gone: what depends on it (a policy naming it, roles it held) is a full collection's to judge.
  if (!lists) return { scope: NONE, full: { collector: 'roles', reason: `group ${groupId} answered 404` } };
  const after = toSnapshotGroup(groupId, lists, before.coverage, before);
  const admins = whole && view.roleGroups.has(groupId) ? await prepareAdmins(deps, run, view, lists.users) : [];
  await commit(admins);
  if (changes(await storeGroups(deps, run, view, [after])) === 0) return { scope: NONE };
  const was = new Set(before.memberUserIds);
  const is = new Set(after.memberUserIds);
  return { scope: only([...[...is].filter((u) => !was.has(u)), ...[...was].filter((u) => !is.has(u))]) };
}

/** One group's PIM-for-Groups instances (eligible and active members and owners), stored in place of its own. */
async function pimGroup(deps: CollectorDeps, run: FeedRun, view: StoredView, groupId: string): Promise<ActionOutcome> {
  const read = await readPimGroup(deps, run, view, groupId);
  if ((await commit(read.writes)) === 0) return { scope: NONE };
  const affected = new Set([...read.before, ...read.after]);
  for (const p of [...affected]) for (const u of view.groups.get(p)?.memberUserIds ?? []) affected.add(u);
  return { scope: only(affected) };
}

/** Reads a group's PIM-for-Groups instances and what their principals need; the writes, the principals before and after. */
async function readPimGroup(deps: CollectorDeps, run: FeedRun, view: StoredView, groupId: string): Promise<{ writes: Writes; before: Set<string>; after: Set<string> }> {
  const requests = [
    { id: 'e', url: `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${groupId}'&$expand=principal` },
    { id: 'a', url: `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${groupId}'&$expand=principal` },
  ];
  const responses = await deps.graph.batch<BatchBody<Expanded<PrivilegedAccessGroupAssignmentScheduleInstance>>>(requests);
  const lists: Record<string, Array<Expanded<PrivilegedAccessGroupAssignmentScheduleInstance>>> = { e: [], a: [] };
  for (const request of requests) await batchPages<Expanded<PrivilegedAccessGroupAssignmentScheduleInstance>>(deps.graph, responses, request, (page) => (lists[request.id] as unknown[]).push(...page));
  const all = [...(lists.e ?? []), ...(lists.a ?? [])];
  const writes: Writes = [];
  for (const i of all) {
    const p = normId(i.principalId);
    const kind = principalKind(i.principal);
    if (kind === 'user' && view.roleGroups.has(groupId)) writes.push(...(await prepareAdmins(deps, run, view, [p])));
    // A group among the members or owners: its members inherit, so it is read whole (roles.ts does the same).
    if (kind === 'group' && !view.groups.has(p)) writes.push(...(await prepareRoleGroup(deps, run, view, p, false)));
  }
  const ofGroup = (i: { groupId: string }) => normId(i.groupId) === groupId;
  const before = new Set(view.pimPrincipals.get(groupId) ?? []);
  const after = new Set(all.map((i) => normId(i.principalId)));
  writes.push(
    () => syncDataset(deps.store, assignmentSpec<PrivilegedAccessGroupEligibilityScheduleInstance>(PARTITIONS.pimGroupEligibility, 'eligible'), (lists.e ?? []).map((i) => strip(i) as unknown as PrivilegedAccessGroupEligibilityScheduleInstance), run.sync, { scope: ofGroup }),
    async () => {
      const r = await syncDataset(deps.store, assignmentSpec<PrivilegedAccessGroupAssignmentScheduleInstance>(PARTITIONS.pimGroupAssignment, 'active'), (lists.a ?? []).map(strip), run.sync, { scope: ofGroup });
      view.pimPrincipals.set(groupId, after);
      return r;
    },
  );
  return { writes, before, after };
}

/** One Conditional Access policy by id (404: deleted), versioned like the full read; groups it newly names are watched. */
async function caPolicy(deps: CollectorDeps, run: FeedRun, view: StoredView, policyId: string): Promise<ActionOutcome> {
  const id = normId(policyId);
  const policy = await getOrGone<ConditionalAccessPolicy>(deps, `/identity/conditionalAccess/policies/${id}`, '/identity/conditionalAccess/policies?$select=id');
  const r = await syncDataset(deps.store, policySpec<ConditionalAccessPolicy>(PARTITIONS.caPolicy, 'policy'), policy ? [policy] : [], run.sync, { scope: (p) => normId(p.id) === id });
  if (changes(r) === 0) return { scope: NONE };
  const before = policyTargets(view.policies);
  view.policies = [...view.policies.filter((p) => normId(p.id) !== id), ...(policy ? [policy] : [])];
  const after = policyTargets(view.policies);
  view.targeting = targetingOnly(after.roles, view.isMonitored);
  const outcome: ActionOutcome = { scope: ALL };
  if (policy) {
    await watchNewGroups(deps, [policy], run.sync);
    for (const g of (await loadValues<SnapshotGroup>(deps.store, PARTITIONS.group)).filter((g) => !view.groups.has(g.id))) view.groups.set(g.id, g);
    // Eligible membership of a group a policy names is a way out of it (R-PIMGROUP-5): read its PIM instances.
    if (view.pimAvailable) outcome.next = [...after.groups].filter((g) => !before.groups.has(g) && !view.pimPrincipals.has(g)).map((g) => ({ kind: 'pimGroup', groupId: g }));
  }
  // A role a policy newly targets that is not monitored: its holders' assignments are read by a full collection (R-USERS-8).
  if ([...after.roles].some((r) => !before.roles.has(r) && !view.isMonitored(r))) outcome.full = { collector: 'roles', reason: `policy ${id} targets a role the monitor does not read yet` };
  return outcome;
}

async function namedLocation(deps: CollectorDeps, run: FeedRun, locationId: string): Promise<ActionOutcome> {
  const id = normId(locationId);
  const location = await getOrGone<NamedLocation>(deps, `/identity/conditionalAccess/namedLocations/${id}`, '/identity/conditionalAccess/namedLocations?$select=id');
  const r = await syncDataset(deps.store, policySpec<NamedLocation>(PARTITIONS.namedLocation, 'named location'), location ? [location] : [], run.sync, { scope: (l) => normId(l.id) === id });
  return { scope: changes(r) > 0 ? ALL : NONE };
}

/**
 * An object read by id; null when it was deleted. A 404 is taken for a deletion only when the collection's
 * listing (`list`, ids only) confirms it: a read of an object that exists can answer 404 (replication), and a
 * failed read must never look like a deletion.
 */
async function getOrGone<T>(deps: CollectorDeps, path: string, list?: string, version: 'v1.0' | 'beta' = 'v1.0'): Promise<T | null> {
  try {
    return await deps.graph.get<T>(path, version);
  } catch (e) {
    const err = toGraphError(e, path);
    if (err.status !== 404) throw err;
    if (list === undefined) return null;
    const id = normId(path.split('/').pop() ?? '');
    if ((await deps.graph.all<{ id: string }>(list, version)).some((o) => normId(o.id) === id)) throw err;
    return null;
  }
}

/** An admin's account read again (a user deleted since keeps the stored one: its role instances say the rest). */
async function account(deps: CollectorDeps, run: FeedRun, view: StoredView, userId: string): Promise<ActionOutcome> {
  const id = normId(userId);
  const [user] = await usersById(deps.graph, [id]);
  if (!user) return { scope: NONE };
  return storeAccount(deps, run, view, { ...user, id });
}

/** An admin's account as a delta change (or a read) carries it. */
export async function storeAccount(deps: CollectorDeps, run: FeedRun, view: StoredView, user: GraphUser): Promise<ActionOutcome> {
  const id = normId(user.id);
  const stored = view.admins.get(id);
  if (!stored) return { scope: NONE };
  // The properties the monitor reads, as the change carries them; everything else as stored.
  const read = user as unknown as Record<string, unknown>;
  const value = { ...stored, ...Object.fromEntries(USER_SELECT.split(',').filter((k) => k in read).map((k) => [k, read[k]])), id } as GraphUser;
  const r = await syncDataset(deps.store, stateOnlySpec<GraphUser>(PARTITIONS.user, (u) => normId(u.id)), [value], run.sync, { scope: (u) => normId(u.id) === id });
  view.admins.set(id, value);
  return { scope: changes(r) > 0 ? only([id]) : NONE };
}

async function perUserMfa(deps: CollectorDeps, run: FeedRun, view: StoredView, userId: string): Promise<ActionOutcome> {
  const id = normId(userId);
  const user = view.admins.get(id);
  if (!user) return { scope: NONE };
  const body = await getOrGone<{ perUserMfaState?: string | null }>(deps, `/users/${id}/authentication/requirements`, undefined, 'beta');
  if (!body) return { scope: NONE };
  const record = storedPerUser(user, body);
  const r = await syncDataset(deps.store, policySpec<typeof record>(PARTITIONS.perUserMfa, 'per-user MFA'), [record], run.sync, { scope: (x) => normId(x.id) === id });
  return { scope: changes(r) > 0 ? only([id]) : NONE };
}
