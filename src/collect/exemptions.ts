// The exemption reads, at the end of the policies collector (after the roles are stored): for every group an
// exclusion of an enabled policy goes through, its details (dynamic rule, role-assignable), owners, PIM-for-Groups
// owners and administrative units; the service principals holding Microsoft Graph application permissions that
// can change an exclusion, with their credentials; the controllers who are no admins (their accounts and the
// groups Conditional Access names they are in); and the directory audit events that add someone to an exclusion.
// Each is its own dataset: a failed read marks exactly that one stale or unavailable and keeps what it stored.
import type { ConditionalAccessPolicy, GraphUser, PrivilegedAccessGroupAssignmentScheduleInstance, PrivilegedAccessGroupEligibilityScheduleInstance, RoleAssignmentScheduleInstance, RoleEligibilityScheduleInstance, UnifiedRoleAssignment, UnifiedRoleDefinition } from '../core/graph-types.js';
import type { StoredAppPrincipal, StoredAuditEvent, StoredController, StoredControllerGroup, StoredExclusionGroup, StoredGroupUnits, StoredPimOwners } from '../core/exemption-types.js';
import { policyTargets } from '../core/conditions.js';
import { normId, sameEnum } from '../core/ids.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import { GraphRequestError, toGraphError } from '../graph/gateway.js';
import { type DatasetSpec, loadValues, syncDataset } from '../storage/state.js';
import { type BatchBody, type CollectorDeps, batchEach, batchPages, licenceErrorIsFailure, recordFailure, transitiveMembersOf, usersById } from './context.js';
import { AUDIT_KEEP_DAYS, type ControllerPrincipal, auditRelevant, auditWindowStart, controllerRoleIds, exclusionGroupIds, pimOwnerSources, principalRef, relevantAppRoles, storedAudit } from './exemptions-plan.js';
import { policySpec } from './policies.js';
import { type RunScope, latestRun } from './runs.js';
import { PARTITIONS, stateOnlySpec } from './specs.js';
import { auditPages } from './audit.js';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const EXCLUSION_GROUP_SELECT = 'id,displayName,isAssignableToRole,groupTypes,membershipRule,membershipRuleProcessingState,securityEnabled,mailEnabled,onPremisesSyncEnabled';
const OWNER_SELECT = 'id,displayName,userPrincipalName,appId';

interface Inputs {
  policies: ConditionalAccessPolicy[];
  groups: SnapshotGroup[];
  users: GraphUser[];
  holdings: Array<{ principalId: string; roleDefinitionId: string }>;
  controllerRoles: Set<string>;
  /** What each holder of a controlling role is: admins (users), role groups and workload admins as stored, the rest as the roles collector saw them. */
  kinds: Map<string, 'user' | 'group' | 'servicePrincipal' | 'unknown'>;
}

async function inputs(deps: CollectorDeps): Promise<Inputs> {
  const { store } = deps;
  const [policies, groups, users, definitions, active, eligible, plain, sps, others] = await Promise.all([
    loadValues<ConditionalAccessPolicy>(store, PARTITIONS.caPolicy),
    loadValues<SnapshotGroup>(store, PARTITIONS.group),
    loadValues<GraphUser>(store, PARTITIONS.user),
    loadValues<UnifiedRoleDefinition>(store, PARTITIONS.roleDefinition),
    loadValues<RoleAssignmentScheduleInstance>(store, PARTITIONS.activeInstance),
    loadValues<RoleEligibilityScheduleInstance>(store, PARTITIONS.eligibleInstance),
    loadValues<UnifiedRoleAssignment>(store, PARTITIONS.roleAssignment),
    loadValues<{ id: string }>(store, PARTITIONS.servicePrincipal),
    loadValues<ControllerPrincipal>(store, PARTITIONS.controllerPrincipal),
  ]);
  const kinds = new Map<string, 'user' | 'group' | 'servicePrincipal' | 'unknown'>();
  for (const o of others) kinds.set(normId(o.id), o.kind === 'missing' ? 'unknown' : o.kind);
  for (const u of users) kinds.set(normId(u.id), 'user');
  for (const g of groups) kinds.set(normId(g.id), 'group');
  for (const sp of sps) kinds.set(normId(sp.id), 'servicePrincipal');
  const holdings = [...active, ...eligible, ...plain].filter((i) => sameEnum((i as { memberType?: string | null }).memberType ?? 'Direct', 'Direct'));
  return { policies, groups, users, holdings, controllerRoles: controllerRoleIds(definitions), kinds };
}

type Sync = <T extends { id: string; displayName?: string | null }>(partition: string, label: string, items: T[], versioned?: boolean) => Promise<{ added: number; changed: number; removed: number }>;

/** Reads and stores every exemption dataset; returns the audit watermark to keep in the run record. */
export async function collectExemptions(deps: CollectorDeps, run: RunScope): Promise<string | undefined> {
  const sync: Sync = async (partition, label, items, versioned = true) => {
    const spec = (versioned ? policySpec(partition, label) : stateOnlySpec<(typeof items)[number]>(partition, (i) => normId(i.id))) as DatasetSpec<(typeof items)[number]>;
    const { added, changed, removed } = await syncDataset(deps.store, spec, items, run.sync);
    return { added, changed, removed };
  };
  const input = await inputs(deps);
  const { groupIds, excludedRoles } = exclusionGroupIds(input.policies, input.groups, input.holdings);
  const owners = await readExclusionGroups(deps, run, sync, groupIds, input);
  const pimOwners = await readPimOwners(deps, run, sync, groupIds, input.policies);
  await readUnits(deps, run, sync, groupIds, new Set(input.groups.map((g) => normId(g.id))));
  const apps = await readAppPermissions(deps, run, sync, input);
  await readControllers(deps, run, sync, input, [...owners, ...pimOwners], apps);
  const dynamic = new Set((await loadValues<StoredExclusionGroup>(deps.store, PARTITIONS.exemptionGroup)).filter((g) => g.groupTypes.some((t) => sameEnum(t, 'DynamicMembership'))).map((g) => g.id));
  return readAudits(deps, run, sync, new Set(groupIds), excludedRoles, dynamic);
}

/** At most this many targeted audit reads (reports budget) per run for the user updates behind dynamic matches. */
const DYNAMIC_CAUSE_LOOKUPS = 5;

/**
 * Group details (dynamic rule, role-assignable, type) and owners of every group an exclusion goes through; for a
 * dynamic group whose members the roles collector does not watch (one nested in an exclusion), the admins among
 * its members, so the admin its rule matches is known in the same cycle.
 */
async function readExclusionGroups(deps: CollectorDeps, run: RunScope, sync: Sync, groupIds: string[], input: Inputs): Promise<string[]> {
  try {
    const details = new Map<string, Record<string, unknown>>();
    const chunks: Array<{ id: string; url: string }> = [];
    for (let i = 0; i < groupIds.length; i += 15) chunks.push({ id: `g${i}`, url: `/groups?$filter=id in (${groupIds.slice(i, i + 15).map((g) => `'${g}'`).join(',')})&$select=${EXCLUSION_GROUP_SELECT}` });
    for await (const [, items] of batchEach<Record<string, unknown> & { id: string }>(deps.graph, chunks)) for (const g of items) details.set(normId(g.id), g);
    const owners = new Map<string, StoredExclusionGroup['owners']>();
    const requests = [...details.keys()].map((id) => ({ id, url: `/groups/${id}/owners?$select=${OWNER_SELECT}&$top=999` }));
    const responses = await deps.graph.batch<BatchBody<{ '@odata.type'?: string; id: string } & Record<string, unknown>>>(requests);
    for (const r of requests) {
      const list: StoredExclusionGroup['owners'] = [];
      // The group was just read: a 404 for its owners is a failed read, not a deletion.
      if ((await batchPages(deps.graph, responses, r, (page) => list.push(...page.map(principalRef)))) === 'notFound') throw new GraphRequestError(404, 'Request_ResourceNotFound', `owners of group ${r.id} answered 404`, '/groups/{id}/owners');
      owners.set(r.id, list);
    }
    const watched = new Set(input.groups.map((g) => normId(g.id)));
    const admins = new Set(input.users.map((u) => normId(u.id)));
    const unwatchedDynamic = [...details].filter(([id, g]) => !watched.has(id) && ((g.groupTypes as string[] | undefined) ?? []).some((t) => sameEnum(t, 'DynamicMembership'))).map(([id]) => id);
    const matching = await transitiveMembersOf(deps.graph, unwatchedDynamic, 'id', (_g, userId) => admins.has(normId(userId)));
    if (matching.notFound.length > 0) throw new GraphRequestError(404, 'Request_ResourceNotFound', `members of group ${matching.notFound[0]} answered 404`, '/groups/{id}/transitiveMembers');
    const items: StoredExclusionGroup[] = [...details].filter(([id]) => owners.has(id)).map(([id, g]) => ({
      id,
      displayName: (g.displayName as string | undefined) ?? null,
      isAssignableToRole: (g.isAssignableToRole as boolean | undefined) ?? null,
      groupTypes: ((g.groupTypes as string[] | undefined) ?? []).slice().sort(),
      membershipRule: (g.membershipRule as string | undefined) ?? null,
      membershipRuleProcessingState: (g.membershipRuleProcessingState as string | undefined) ?? null,
      securityEnabled: (g.securityEnabled as boolean | undefined) ?? null,
      mailEnabled: (g.mailEnabled as boolean | undefined) ?? null,
      onPremisesSyncEnabled: (g.onPremisesSyncEnabled as boolean | undefined) ?? null,
      owners: (owners.get(id) ?? []).sort((a, b) => a.id.localeCompare(b.id)),
      ...(matching.members.has(id) ? { adminMemberIds: [...new Set((matching.members.get(id)?.users ?? []).map((u) => normId(u.id)))].sort() } : {}),
    }));
    run.tracker.ok('exclusionGroups', { items: items.length, ...(await sync(PARTITIONS.exemptionGroup, 'exclusion group', items)) });
    run.counts.exclusionGroups = items.length;
    return items.flatMap((g) => g.owners.filter((o) => o.type === 'user').map((o) => o.id));
  } catch (e) {
    recordFailure(run.tracker, 'exclusionGroups', e, deps.log);
    // The stored groups stay (stale): so do their owners among the controllers.
    return (await loadValues<StoredExclusionGroup>(deps.store, PARTITIONS.exemptionGroup)).flatMap((g) => g.owners.filter((o) => o.type === 'user').map((o) => o.id));
  }
}

/**
 * PIM for Groups owners (active and eligible) of those groups; the user ids among them. The roles collector reads
 * PIM for Groups on every group policies name (R-PIMGROUP-5): for those its stored instances are used, and only
 * the others (nested groups, groups holding an excluded role) are read here.
 */
async function readPimOwners(deps: CollectorDeps, run: RunScope, sync: Sync, groupIds: string[], policies: readonly ConditionalAccessPolicy[]): Promise<string[]> {
  const roles = await latestRun(deps.store, 'roles');
  if (roles?.counts?.pimAvailable === 0) {
    run.tracker.notLicensed('exclusionPimOwners', 'the tenant has no PIM (Entra ID P2)');
    return [];
  }
  try {
    const { fromRoles, toRead } = pimOwnerSources(groupIds, policies, roles?.datasets.pimGroups?.state === 'ok');
    const byGroup = new Map<string, StoredPimOwners['owners']>(groupIds.map((g) => [g, []]));
    const add = (i: { groupId: string; principalId: string; accessId: string; endDateTime?: string | null }, assignment: 'active' | 'eligible'): void => {
      if (sameEnum(i.accessId, 'owner')) byGroup.get(normId(i.groupId))?.push({ principalId: normId(i.principalId), assignment, endDateTime: i.endDateTime ?? null });
    };
    if (fromRoles.size > 0) {
      const [eligible, active] = await Promise.all([loadValues<PrivilegedAccessGroupEligibilityScheduleInstance>(deps.store, PARTITIONS.pimGroupEligibility), loadValues<PrivilegedAccessGroupAssignmentScheduleInstance>(deps.store, PARTITIONS.pimGroupAssignment)]);
      for (const i of eligible) if (fromRoles.has(normId(i.groupId))) add(i, 'eligible');
      for (const i of active) if (fromRoles.has(normId(i.groupId))) add(i, 'active');
    }
    const requests = toRead.flatMap((g) => [
      { id: `e|${g}`, url: `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${g}'` },
      { id: `a|${g}`, url: `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${g}'` },
    ]);
    for await (const [request, items] of batchEach<PrivilegedAccessGroupAssignmentScheduleInstance>(deps.graph, requests)) for (const i of items) add(i, request.id.startsWith('e|') ? 'eligible' : 'active');
    const items = [...byGroup].filter(([, o]) => o.length > 0).map(([id, o]) => ({ id, displayName: `PIM owners of group ${id}`, owners: o.sort((a, b) => a.principalId.localeCompare(b.principalId) || a.assignment.localeCompare(b.assignment)) }));
    run.tracker.ok('exclusionPimOwners', { items: items.length, ...(await sync(PARTITIONS.exemptionPimOwner, 'PIM ownership', items)) });
    return items.flatMap((i) => i.owners.map((o) => o.principalId));
  } catch (e) {
    const err = toGraphError(e, 'exclusionPimOwners');
    if (err.isLicenseError && !licenceErrorIsFailure(run.previous, 'exclusionPimOwners')) {
      run.tracker.notLicensed('exclusionPimOwners', err.message);
      return [];
    }
    recordFailure(run.tracker, 'exclusionPimOwners', err, deps.log);
    // The stored ownership stays (stale): so do those owners among the controllers.
    return (await loadValues<StoredPimOwners>(deps.store, PARTITIONS.exemptionPimOwner)).flatMap((i) => i.owners.map((o) => o.principalId));
  }
}

/** The administrative units each group is in, and whether they restrict management. */
async function readUnits(deps: CollectorDeps, run: RunScope, sync: Sync, groupIds: string[], known: ReadonlySet<string>): Promise<void> {
  try {
    const requests = groupIds.map((id) => ({ id, url: `/groups/${id}/memberOf/microsoft.graph.administrativeUnit?$select=id,displayName,isMemberManagementRestricted` }));
    const responses = await deps.graph.batch<BatchBody<{ id: string; displayName?: string | null; isMemberManagementRestricted?: boolean | null }>>(requests);
    const items: Array<StoredGroupUnits & { displayName: string }> = [];
    for (const r of requests) {
      const units: StoredGroupUnits['units'] = [];
      const read = await batchPages(deps.graph, responses, r, (page) => units.push(...page.map((u) => ({ id: normId(u.id), displayName: u.displayName ?? null, restricted: u.isMemberManagementRestricted ?? null }))));
      // A group an enabled policy excludes that answers 404 was deleted: it is in no unit (the policy names a stale id).
      if (read === 'ok' || !known.has(r.id)) items.push({ id: r.id, displayName: `administrative units of group ${r.id}`, units: units.sort((a, b) => a.id.localeCompare(b.id)) });
      else throw new GraphRequestError(404, 'Request_ResourceNotFound', `administrative units of group ${r.id} answered 404`, '/groups/{id}/memberOf');
    }
    run.tracker.ok('administrativeUnits', { items: items.length, ...(await sync(PARTITIONS.exemptionUnits, 'administrative units', items)) });
  } catch (e) {
    recordFailure(run.tracker, 'administrativeUnits', e, deps.log);
  }
}

/**
 * Service principals holding Microsoft Graph application permissions that change exclusions, policies or role
 * membership (Graph's appRoleAssignedTo), and those holding a role that does; each with its credentials.
 */
async function readAppPermissions(deps: CollectorDeps, run: RunScope, sync: Sync, input: Inputs): Promise<Set<string>> {
  const { graph } = deps;
  try {
    const graphSp = (await graph.all<{ id: string; appRoles?: Array<{ id?: string | null; value?: string | null }> | null }>(`/servicePrincipals?$filter=appId eq '${GRAPH_APP_ID}'&$select=id,appId,appRoles`))[0];
    const roles = relevantAppRoles(graphSp?.appRoles ?? []);
    const permissions = new Map<string, Set<string>>();
    if (graphSp && roles.size > 0) {
      for await (const page of graph.pages<{ principalId: string; principalType?: string | null; appRoleId: string }>(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo?$top=999`)) {
        for (const a of page) {
          const name = roles.get(normId(a.appRoleId));
          if (!name || !sameEnum(a.principalType ?? 'ServicePrincipal', 'ServicePrincipal')) continue;
          const set = permissions.get(normId(a.principalId)) ?? new Set();
          set.add(name);
          permissions.set(normId(a.principalId), set);
        }
      }
    }
    // Service principals holding a role that can change an exclusion are controllers too.
    for (const h of input.holdings) if (input.controllerRoles.has(normId(h.roleDefinitionId)) && input.kinds.get(normId(h.principalId)) === 'servicePrincipal') permissions.set(normId(h.principalId), permissions.get(normId(h.principalId)) ?? new Set());
    const items = await appDetails(deps, permissions);
    run.tracker.ok('appPermissions', { items: items.length, ...(await sync(PARTITIONS.appPermission, 'application permissions', items)) });
    return new Set(items.map((i) => i.id));
  } catch (e) {
    recordFailure(run.tracker, 'appPermissions', e, deps.log);
    return new Set((await loadValues<{ id: string }>(deps.store, PARTITIONS.appPermission)).map((a) => a.id));
  }
}

/** Names, types and credential counts of service principals (and their applications); ids that are no service principal are dropped. */
async function appDetails(deps: CollectorDeps, permissions: Map<string, Set<string>>): Promise<Array<StoredAppPrincipal & { displayName: string | null }>> {
  const ids = [...permissions.keys()];
  const sps: Array<{ id: string; displayName?: string | null; appId?: string | null; servicePrincipalType?: string | null; passwordCredentials?: unknown[] | null; keyCredentials?: unknown[] | null }> = [];
  const chunk = (list: string[], make: (part: string) => string) => Array.from({ length: Math.ceil(list.length / 15) }, (_, i) => ({ id: String(i), url: make(list.slice(i * 15, i * 15 + 15).map((x) => `'${x}'`).join(',')) }));
  for await (const [, items] of batchEach<(typeof sps)[number]>(deps.graph, chunk(ids, (part) => `/servicePrincipals?$filter=id in (${part})&$select=id,displayName,appId,servicePrincipalType,passwordCredentials,keyCredentials`))) sps.push(...items);
  const appIds = [...new Set(sps.map((s) => s.appId).filter((a): a is string => !!a))];
  const apps = new Map<string, { passwordCredentials?: unknown[] | null; keyCredentials?: unknown[] | null }>();
  for await (const [, items] of batchEach<{ appId: string; passwordCredentials?: unknown[] | null; keyCredentials?: unknown[] | null }>(deps.graph, chunk(appIds, (part) => `/applications?$filter=appId in (${part})&$select=appId,passwordCredentials,keyCredentials`))) for (const a of items) apps.set(a.appId.toLowerCase(), a);
  return sps
    .map((s) => {
      const app = s.appId ? apps.get(s.appId.toLowerCase()) : undefined;
      return {
        id: normId(s.id),
        displayName: s.displayName ?? null,
        appId: s.appId ?? null,
        servicePrincipalType: s.servicePrincipalType ?? null,
        permissions: [...(permissions.get(normId(s.id)) ?? [])].sort(),
        secrets: (s.passwordCredentials?.length ?? 0) + (app?.passwordCredentials?.length ?? 0),
        certificates: (s.keyCredentials?.length ?? 0) + (app?.keyCredentials?.length ?? 0),
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Controllers who are no admins: owners, holders of roles that change exclusions (through groups too). Their
 * accounts, and the groups Conditional Access names that they are in, so their own coverage can be evaluated.
 */
 
async function readControllers(deps: CollectorDeps, run: RunScope, sync: Sync, input: Inputs, ownerIds: string[], apps: ReadonlySet<string>): Promise<void> {
  const { graph } = deps;
  try {
    const groupsById = new Map(input.groups.map((g) => [normId(g.id), g]));
    const holders = [...new Set(input.holdings.filter((h) => input.controllerRoles.has(normId(h.roleDefinitionId))).map((h) => normId(h.principalId)))];
    const roleGroups = holders.filter((id) => input.kinds.get(id) === 'group');
    // Groups holding such a role that the roles collector did not read whole: read their members.
    const unreadGroups = roleGroups.filter((id) => groupsById.get(id)?.coverage !== 'all');
    const read = await transitiveMembersOf(graph, unreadGroups, 'id,displayName', () => true);
    const controllerGroups: Array<StoredControllerGroup & { displayName: string | null }> = [...read.members].map(([id, lists]) => ({ id, displayName: null, memberUserIds: [...new Set(lists.users.map((u) => u.id))].sort(), memberServicePrincipalIds: [...new Set(lists.servicePrincipals.map((s) => s.id))].sort() }));
    const inGroups = new Set([...controllerGroups.flatMap((g) => g.memberUserIds), ...roleGroups.flatMap((id) => (groupsById.get(id)?.coverage === 'all' ? (groupsById.get(id)?.memberUserIds ?? []) : []))]);
    const admins = new Set(input.users.map((u) => normId(u.id)));
    const candidates = new Set([...ownerIds, ...holders.filter((id) => input.kinds.get(id) === 'user'), ...inGroups].map(normId));
    const ids = [...candidates].filter((id) => !admins.has(id) && !apps.has(id));
    const accounts = new Map((await usersById(graph, ids)).map((u) => [normId(u.id), u]));
    // The groups Conditional Access names: only membership of those decides a controller's coverage.
    const named = policyTargets(input.policies).groups;
    const memberships = await userGroups(deps, [...accounts.keys()], named);
    const items: Array<StoredController & { displayName: string | null }> = ids.map((id) => {
      const u = accounts.get(id);
      return { id, found: !!u, userPrincipalName: u?.userPrincipalName ?? null, displayName: u?.displayName ?? null, userType: u?.userType ?? null, accountEnabled: u?.accountEnabled ?? null, onPremisesSyncEnabled: u?.onPremisesSyncEnabled ?? null, groupIds: u ? (memberships.get(id) ?? null) : null };
    });
    await sync(PARTITIONS.controllerGroup, 'controller group', controllerGroups, false);
    run.tracker.ok('controllers', { items: items.length, ...(await sync(PARTITIONS.controller, 'controller', items, false)) });
    run.counts.controllers = items.length;
  } catch (e) {
    recordFailure(run.tracker, 'controllers', e, deps.log);
  }
}

/** Each user's transitive group memberships, kept to the groups Conditional Access names. */
async function userGroups(deps: CollectorDeps, userIds: string[], named: ReadonlySet<string>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (named.size === 0) {
    for (const id of userIds) out.set(id, []);
    return out;
  }
  const requests = userIds.map((id) => ({ id, url: `/users/${id}/transitiveMemberOf/microsoft.graph.group?$select=id&$top=999` }));
  const responses = await deps.graph.batch<BatchBody<{ id: string }>>(requests);
  for (const r of requests) {
    const groups: string[] = [];
    // The account was just read: a 404 for its groups is a failed read.
    if ((await batchPages(deps.graph, responses, r, (page) => groups.push(...page.map((g) => normId(g.id)).filter((g) => named.has(g))))) === 'notFound') throw new GraphRequestError(404, 'Request_ResourceNotFound', `groups of user ${r.id} answered 404`, '/users/{id}/transitiveMemberOf');
    out.set(r.id, [...new Set(groups)].sort());
  }
  return out;
}

/**
 * Directory audit events since the watermark that add someone to an exclusion group or give them an excluded
 * role, and for dynamic matches the user update that caused them. Returns the new watermark (the old one when
 * the read failed, so the next run reads the same window).
 */
async function readAudits(deps: CollectorDeps, run: RunScope, sync: Sync, groupIds: ReadonlySet<string>, excludedRoles: ReadonlySet<string>, dynamic: ReadonlySet<string>): Promise<string | undefined> {
  const { graph, store, settings } = deps;
  const previous = run.previous?.watermark;
  try {
    const since = auditWindowStart(previous, Date.parse(run.startedAt), settings.signInOverlapMinutes, settings.signInInitialLookbackHours);
    const found: StoredAuditEvent[] = [];
    // One query for "Add member to group" and "Add member to role" (activityDisplayName supports startswith).
    for await (const page of auditPages(graph, since, "startswith(activityDisplayName, 'Add member to')")) {
      for (const a of page) {
        const e = storedAudit(a);
        if (auditRelevant(e, groupIds, excludedRoles)) found.push(e);
      }
    }
    // A dynamic group's members are added by the directory itself: the cause is the update of the user's attribute.
    const matched = found.filter((e) => /^add member to group/i.test(e.activity) && e.targets.some((t) => dynamic.has(t.id))).slice(0, DYNAMIC_CAUSE_LOOKUPS);
    for (const e of matched) {
      const user = e.targets.find((t) => (t.type ?? '').toLowerCase() === 'user');
      if (!user) continue;
      const from = new Date(Date.parse(e.time) - 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      for await (const page of auditPages(graph, from, `activityDisplayName eq 'Update user' and targetResources/any(t: t/id eq '${user.id}')`)) found.push(...page.map(storedAudit));
    }
    const keepFrom = new Date(Date.parse(run.startedAt) - AUDIT_KEEP_DAYS * 86_400_000).toISOString();
    const stored = (await loadValues<StoredAuditEvent>(store, PARTITIONS.exemptionAudit)).filter((e) => e.time >= keepFrom);
    const byId = new Map([...stored, ...found].map((e) => [e.id, e]));
    run.tracker.ok('directoryAudits', { items: found.length, ...(await sync(PARTITIONS.exemptionAudit, 'audit event', [...byId.values()].map((e) => ({ ...e, displayName: e.activity })), false)) });
    run.counts.exemptionAuditEvents = found.length;
    return run.startedAt;
  } catch (e) {
    recordFailure(run.tracker, 'directoryAudits', e instanceof GraphRequestError ? e : toGraphError(e, 'directoryAudits'), deps.log);
    return previous;
  }
}

