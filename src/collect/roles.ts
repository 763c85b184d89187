// The roles collector: who holds a monitored role and how. Reads role definitions, active and eligible role
// assignment instances (or plain role assignments in tenants without PIM), the members of every group that
// holds a role (transitive members and PIM for Groups members/owners), the admins' membership of the groups
// Conditional Access and MONITOR_EXCLUDED_ACCOUNTS name, the admin accounts and their MFA registration. The
// decisions (who is who, which groups to read how, what may be stored) are roles-plan.ts.
import { policyTargets } from '../core/conditions.js';
import { normId } from '../core/ids.js';
import { monitoredRoles } from '../core/inventory.js';
import type {
  ConditionalAccessPolicy,
  GraphServicePrincipal,
  GraphUser,
  PrivilegedAccessGroupAssignmentScheduleInstance,
  PrivilegedAccessGroupEligibilityScheduleInstance,
  RoleAssignmentScheduleInstance,
  RoleEligibilityScheduleInstance,
  UnifiedRoleAssignment,
  UnifiedRoleDefinition,
  UserRegistrationDetails,
} from '../core/graph-types.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import { GraphRequestError, toGraphError } from '../graph/gateway.js';
import { type DatasetSpec, type SyncResult, loadValues, syncDataset } from '../storage/state.js';
import { type BatchBody, type CollectorDeps, USER_SELECT, batchEach, batchPages, groupsById, recordFailure, toSnapshotGroup, transitiveMembersOf, usersById } from './context.js';
import { controllerPrincipals, controllerRoleIds } from './exemptions-plan.js';
import { type Expanded, Principals, type RolePartition, type RoleReadOutcome, onPimLicenceError, policyPimGroups, principalGroups, principalKind, roleMatcher, roleStoragePlan, strip, targetingOnly, watchedGroups } from './roles-plan.js';
import { type RunRecord, type RunScope, beginRun } from './runs.js';
import { PARTITIONS, assignmentSpec, groupSpec, stateOnlySpec } from './specs.js';

class CollectionAborted extends Error {}
/** A licence error from PIM endpoints that answered before: a failure, not a tenant without PIM. */
class GraphLicenceFailure extends Error {}

export async function collectRoles(deps: CollectorDeps, trigger = 'timer'): Promise<RunRecord> {
  const run = await beginRun(deps, 'roles', trigger, 'assignments');
  let error: string | undefined;
  try {
    await collect(deps, run);
  } catch (e) {
    if (e instanceof CollectionAborted) error = e.message;
    else {
      error = e instanceof Error ? e.message : String(e);
      deps.log.error(`roles collection failed: ${error}`);
      for (const d of ['roleDefinitions', 'roleAssignments', 'pimGroups', 'groupMembers', 'registration'] as const) if (!run.tracker.datasets[d]) recordFailure(run.tracker, d, e, deps.log);
    }
  }
  deps.pipeline?.done('rolesStored');
  return run.finish({ ...(error && Object.values(run.tracker.datasets).every((d) => d?.state !== 'ok') ? { status: 'failed' as const } : {}), ...(error ? { error } : {}) });
}

/** What one run read, kept to be stored at the end. */
interface RoleReads {
  active: Array<Expanded<RoleAssignmentScheduleInstance>>;
  eligible: Array<Expanded<RoleEligibilityScheduleInstance>>;
  plain: Array<Expanded<UnifiedRoleAssignment>>;
  pimAssignments: PrivilegedAccessGroupAssignmentScheduleInstance[];
  pimEligibilities: PrivilegedAccessGroupEligibilityScheduleInstance[];
  principals: Principals;
  groups: Map<string, SnapshotGroup>;
  registrations: UserRegistrationDetails[];
}

async function collect(deps: CollectorDeps, run: RunScope): Promise<void> {
  const { store, settings, log } = deps;
  const { tracker, counts } = run;
  // 1-2. Definitions, then every active and eligible assignment (a failure here aborts: nothing downstream holds).
  const definitions = await readDefinitions(deps, run);
  const monitored = monitoredRoles(settings.adminRoles, { roleDefinitions: definitions });
  const isMonitored = roleMatcher(monitored, definitions);
  // Roles whose permissions can change an MFA exclusion: their holders are kept too (collect/exemptions.ts).
  const controllerRoles = controllerRoleIds(definitions);
  const isKept = (roleId: string): boolean => isMonitored(roleId) || controllerRoles.has(normId(roleId));
  const instances = await readInstances(deps, run, new Set([...monitored, ...controllerRoles]), isKept);
  const principals = new Principals();
  for (const item of [...instances.active, ...instances.eligible, ...instances.plain]) if (isMonitored(item.roleDefinitionId)) principals.note(item);

  // 3. Role-holding groups: PIM for Groups members and owners, then transitive members.
  const pim: { state: RoleReadOutcome['pimGroups']; assignments: PrivilegedAccessGroupAssignmentScheduleInstance[]; eligibilities: PrivilegedAccessGroupEligibilityScheduleInstance[] } = await readPimGroups(deps, run, principals, instances.pimAvailable);
  const wholeGroups = new Set([...principals.roleGroups, ...principals.pimPrincipalGroups([...pim.assignments, ...pim.eligibilities])]);
  for (const id of wholeGroups) principals.unresolved.delete(id);
  const groups = new Map<string, SnapshotGroup>();
  let groupsOk = await readGroupsWhole(deps, run, [...wholeGroups], groups, principals);

  // Admins and potential admins (owners of role-holding PIM groups) are the users evaluation asks about.
  const adminIds = new Set(principals.users.keys());
  // Registration is read on the reports budget: start it now, alongside the directory reads that follow.
  const registrationRead = readRegistrations(deps, [...adminIds]).then(
    (value) => ({ ok: true as const, value }),
    (e: unknown) => ({ ok: false as const, error: e }),
  );

  // 4. Roles CA policies name that are not monitored (R-USERS-8); in a cycle, this run's policies (read meanwhile).
  await deps.pipeline?.wait('policiesStored');
  const named = policyTargets(await loadValues<ConditionalAccessPolicy>(store, PARTITIONS.caPolicy));
  const targeting = targetingOnly(named.roles, isMonitored);
  const active = instances.active.filter((i) => isKept(i.roleDefinitionId) || targeting.holds(i));
  const eligible = instances.eligible.filter((i) => isKept(i.roleDefinitionId) || targeting.eligible(i));
  const plain = [...instances.plain];
  let assignmentsComplete = true;
  if (!instances.pimAvailable && targeting.roles.size > 0) {
    try {
      plain.push(...(await readAssignments(deps, targeting.roles)).filter(targeting.holds));
    } catch (e) {
      // The monitored assignments were read; these keep their previous state.
      assignmentsComplete = false;
      recordFailure(tracker, 'roleAssignments', e, log);
    }
  }
  counts.activeAssignments = active.length + plain.length;
  counts.eligibleAssignments = eligible.length;
  // Holders of targeting-only roles are no admins: only the groups among them matter (admins' membership).
  // (Holders of roles kept because they can change an exclusion are not watched: collect/exemptions.ts reads them.)
  const targetingGroups = new Set(
    [...[...active, ...plain].filter((i) => targeting.holds(i)), ...eligible.filter((i) => targeting.eligible(i))]
      .filter((i) => !isMonitored(i.roleDefinitionId) && principalKind(i.principal) === 'group')
      .map((i) => normId(i.principalId)),
  );

  // 4b. PIM for Groups on the groups policies name (R-PIMGROUP-5): an eligible membership of an exclusion group is
  // a way out of a policy. Groups among the members or owners are watched for admins' membership too.
  if (pim.state === 'ok') {
    const extra = await readPimGroupInstances(deps, policyPimGroups(named.groups, principals.roleGroups));
    if (extra.ok) {
      pim.assignments.push(...extra.assignments.map(strip));
      pim.eligibilities.push(...extra.eligibilities.map(strip));
      for (const g of principalGroups([...extra.assignments, ...extra.eligibilities])) targetingGroups.add(g);
    } else {
      pim.state = 'failed';
      recordFailure(tracker, 'pimGroups', extra.error, log);
    }
  }

  // 5. Watched groups, for admins' membership; 6. the admin accounts themselves.
  if (groupsOk) groupsOk = await readWatchedGroups(deps, run, watchedGroups({ policyGroups: named.groups, targetingGroups, excludedAccounts: settings.excludedAccounts, wholeGroups: new Set(groups.keys()), adminIds }), groups, principals);
  await readAccounts(deps, run, principals);
  counts.admins = principals.users.size;
  // In a cycle the sign-in collector reads these accounts' sign-ins now, alongside the registration reads.
  deps.pipeline?.shareAccounts({ users: [...principals.users.values()], groups: [...groups.values()] });

  // 7. MFA registration details of the admins that resolved.
  const registration = await registrationRead;
  let registrations: UserRegistrationDetails[] = [];
  if (registration.ok) {
    registrations = registration.value.filter((r) => principals.users.has(normId(r.id)));
    tracker.ok('registration', { items: registrations.length });
  } else recordFailure(tracker, 'registration', registration.error, log);

  // 8. Store what the reads allow (roleStoragePlan).
  const before = run.previous?.counts?.pimAvailable;
  const modeSwitched = before !== undefined && before !== (instances.pimAvailable ? 1 : 0);
  const outcome: RoleReadOutcome = { pimAvailable: instances.pimAvailable, modeSwitched, assignmentsComplete, pimGroups: pim.state, groupsOk, registrationOk: registration.ok };
  const reads: RoleReads = { active, eligible, plain, pimAssignments: pim.assignments, pimEligibilities: pim.eligibilities, principals, groups, registrations };
  const results = await storeReads(deps, run, outcome, reads);
  // Who holds a role that can change an MFA exclusion without being an admin, and what it is (collect/exemptions.ts).
  if (assignmentsComplete) await syncDataset(store, stateOnlySpec<{ id: string }>(PARTITIONS.controllerPrincipal, (p) => p.id), controllerPrincipals([...active, ...eligible, ...plain], isMonitored, controllerRoles, principalKind), run.sync);
  if (assignmentsComplete) {
    const sum = (k: keyof SyncResult) => (['activeInstance', 'eligibleInstance', 'roleAssignment'] as const).reduce((n, p) => n + (results.get(p)?.[k] ?? 0), 0);
    tracker.ok('roleAssignments', { items: active.length + eligible.length + plain.length, added: sum('added'), changed: sum('changed'), removed: sum('removed') });
  }
  counts.pimAvailable = instances.pimAvailable ? 1 : 0;
}

/** Syncs each dataset the plan names; returns the sync results by partition. */
async function storeReads(deps: CollectorDeps, run: RunScope, outcome: RoleReadOutcome, reads: RoleReads): Promise<Map<RolePartition, SyncResult>> {
  const items: { [P in RolePartition]: { spec: DatasetSpec<never>; values: unknown[] } } = {
    activeInstance: { spec: assignmentSpec<RoleAssignmentScheduleInstance>(PARTITIONS.activeInstance, 'active') as DatasetSpec<never>, values: reads.active.map(strip) },
    eligibleInstance: { spec: assignmentSpec<RoleEligibilityScheduleInstance>(PARTITIONS.eligibleInstance, 'eligible') as DatasetSpec<never>, values: reads.eligible.map(strip) },
    roleAssignment: { spec: assignmentSpec<UnifiedRoleAssignment>(PARTITIONS.roleAssignment, 'active') as DatasetSpec<never>, values: reads.plain.map(strip) },
    pimGroupAssignment: { spec: assignmentSpec<PrivilegedAccessGroupAssignmentScheduleInstance>(PARTITIONS.pimGroupAssignment, 'active') as DatasetSpec<never>, values: reads.pimAssignments },
    pimGroupEligibility: { spec: assignmentSpec<PrivilegedAccessGroupEligibilityScheduleInstance>(PARTITIONS.pimGroupEligibility, 'eligible') as DatasetSpec<never>, values: reads.pimEligibilities },
    group: { spec: groupSpec() as DatasetSpec<never>, values: [...reads.groups.values()] },
    user: { spec: stateOnlySpec<GraphUser>(PARTITIONS.user, (u) => normId(u.id)) as DatasetSpec<never>, values: [...reads.principals.users.values()] },
    servicePrincipal: { spec: stateOnlySpec<GraphServicePrincipal>(PARTITIONS.servicePrincipal, (x) => normId(x.id)) as DatasetSpec<never>, values: [...reads.principals.servicePrincipals.values()] },
    unresolved: { spec: stateOnlySpec<{ id: string }>(PARTITIONS.unresolved, (u) => u.id) as DatasetSpec<never>, values: [...reads.principals.unresolved].map((id) => ({ id })) },
    registration: { spec: stateOnlySpec<UserRegistrationDetails>(PARTITIONS.registration, (r) => normId(r.id)) as DatasetSpec<never>, values: reads.registrations },
  };
  const results = new Map<RolePartition, SyncResult>();
  for (const step of roleStoragePlan(outcome)) {
    const { spec, values } = items[step.partition];
    const stored = step.baseline ? { partition: spec.partition, id: spec.id } : spec;
    results.set(step.partition, await syncDataset(deps.store, stored, values as never[], run.sync, { keepUnseen: step.keepUnseen }));
  }
  return results;
}

/** Role definitions (built-ins are also in the catalog; custom roles only here); stored ones when the read fails. */
async function readDefinitions(deps: CollectorDeps, run: RunScope): Promise<UnifiedRoleDefinition[]> {
  const { graph, store, settings, log } = deps;
  try {
    let definitions = await graph.all<UnifiedRoleDefinition>('/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId,isBuiltIn,isEnabled,rolePermissions');
    if (settings.adminRoles.mode === 'privileged') {
      // isPrivileged is beta-only (preview); without it the catalog's copy of the flag is used.
      try {
        const flagged = await graph.all<UnifiedRoleDefinition>('/roleManagement/directory/roleDefinitions?$filter=isPrivileged eq true&$select=id,templateId,isPrivileged', 'beta');
        const privileged = new Set(flagged.map((d) => normId(d.id)));
        definitions = definitions.map((d) => ({ ...d, isPrivileged: privileged.has(normId(d.id)) }));
      } catch (e) {
        log.warn(`isPrivileged flags unavailable (beta), using the catalog: ${toGraphError(e, 'roleDefinitions').message}`);
      }
    }
    const r = await syncDataset(store, stateOnlySpec<UnifiedRoleDefinition>(PARTITIONS.roleDefinition, (d) => normId(d.id)), definitions, run.sync);
    run.tracker.ok('roleDefinitions', { items: definitions.length, added: r.added, changed: r.changed, removed: r.removed });
    return definitions;
  } catch (e) {
    recordFailure(run.tracker, 'roleDefinitions', e, log);
    return loadValues<UnifiedRoleDefinition>(store, PARTITIONS.roleDefinition);
  }
}

function readAssignments(deps: CollectorDeps, roleIds: Iterable<string>): Promise<Array<Expanded<UnifiedRoleAssignment>>> {
  return deps.graph.all<Expanded<UnifiedRoleAssignment>>(`/roleManagement/directory/roleAssignments?$filter=roleDefinitionId in (${[...roleIds].map((id) => `'${id}'`).join(',')})&$expand=principal`);
}

/**
 * Active and eligible assignment instances with the principal expanded to learn its type; every one is kept
 * until the policies are known. Tenants without Entra ID P2 refuse the PIM endpoints: their standing
 * role assignments are all there is. Anything else failing aborts the run with every previous state kept.
 */
async function readInstances(deps: CollectorDeps, run: RunScope, monitored: ReadonlySet<string>, isMonitored: (roleId: string) => boolean) {
  const { graph, log } = deps;
  try {
    try {
      const active = await graph.all<Expanded<RoleAssignmentScheduleInstance>>('/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal');
      // Every eligible one too, until the policies say which roles outside the monitored set matter (R-USERS-8).
      const eligible = await graph.all<Expanded<RoleEligibilityScheduleInstance>>('/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal');
      return { pimAvailable: true, active, eligible, plain: [] as Array<Expanded<UnifiedRoleAssignment>> };
    } catch (e) {
      const err = toGraphError(e, 'roleAssignmentScheduleInstances');
      if (!err.isLicenseError) throw err;
      const decision = onPimLicenceError(run.previous, Date.parse(run.startedAt));
      if (decision.use === 'previousState') {
        run.counts.pimLicenceErrorSince = decision.since;
        throw new GraphLicenceFailure(`PIM answered with a licence error although it answered before (since ${new Date(decision.since).toISOString()}): a transient licence-check failure or a lapsed Entra ID P2 licence; the stored assignments are kept (${err.message})`);
      }
      log.info('PIM is not licensed in this tenant: reading role assignments instead');
      const plain = (await readAssignments(deps, monitored)).filter((a) => isMonitored(a.roleDefinitionId));
      return { pimAvailable: false, active: [] as Array<Expanded<RoleAssignmentScheduleInstance>>, eligible: [] as Array<Expanded<RoleEligibilityScheduleInstance>>, plain };
    }
  } catch (e) {
    for (const d of ['roleAssignments', 'pimGroups', 'groupMembers', 'registration'] as const) {
      if (e instanceof GraphLicenceFailure) run.tracker.unavailable(d, e.message);
      else recordFailure(run.tracker, d, e, log);
    }
    if (e instanceof GraphLicenceFailure) {
      // Carried so the next run knows PIM answered before (and when the errors began).
      run.counts.pimAvailable = 1;
      log.warn(e.message);
    }
    throw new CollectionAborted(e instanceof GraphLicenceFailure ? e.message : toGraphError(e, 'roleAssignments').message);
  }
}

/** PIM for Groups members and owners of the role-holding groups, each noted as a principal. */
async function readPimGroups(deps: CollectorDeps, run: RunScope, principals: Principals, pimAvailable: boolean) {
  const assignments: PrivilegedAccessGroupAssignmentScheduleInstance[] = [];
  const eligibilities: PrivilegedAccessGroupEligibilityScheduleInstance[] = [];
  if (!pimAvailable) {
    run.tracker.notLicensed('pimGroups', 'the tenant has no PIM (Entra ID P2)');
    return { state: 'notLicensed' as const, assignments, eligibilities };
  }
  if (principals.roleGroups.size === 0) {
    run.tracker.ok('pimGroups', { items: 0 });
    return { state: 'ok' as const, assignments, eligibilities };
  }
  try {
    const requests = [...principals.roleGroups].flatMap((g) => [
      { id: `e|${g}`, url: `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${g}'&$expand=principal` },
      { id: `a|${g}`, url: `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${g}'&$expand=principal` },
    ]);
    for await (const [request, items] of batchEach<Expanded<PrivilegedAccessGroupAssignmentScheduleInstance>>(deps.graph, requests)) {
      for (const item of items) {
        principals.note(item);
        if (request.id.startsWith('e|')) eligibilities.push(strip(item));
        else assignments.push(strip(item));
      }
    }
    run.tracker.ok('pimGroups', { items: assignments.length + eligibilities.length });
    return { state: 'ok' as const, assignments, eligibilities };
  } catch (e) {
    const err = toGraphError(e, 'pimGroups');
    // PIM for Groups that answered before: a licence error now is a failure, and what it leads to is incomplete.
    if (err.isLicenseError && run.previous?.datasets.pimGroups?.state === 'ok') {
      run.tracker.unavailable('pimGroups', `Graph answered ${err.status} ${err.code} although PIM for Groups answered before: ${err.message}`);
      return { state: 'failed' as const, assignments, eligibilities };
    }
    if (err.isLicenseError) {
      run.tracker.notLicensed('pimGroups', err.message);
      return { state: 'notLicensed' as const, assignments, eligibilities };
    }
    // A failed read (not a missing licence): the users and groups below are then known to be incomplete.
    recordFailure(run.tracker, 'pimGroups', err, deps.log);
    return { state: 'failed' as const, assignments, eligibilities };
  }
}

/**
 * Eligible and active PIM-for-Groups instances (members and owners) of the given groups, one request of each kind
 * per group (Graph requires the groupId filter). A group that is gone answers 404: it has none.
 */
async function readPimGroupInstances(deps: CollectorDeps, groupIds: readonly string[]): Promise<{ ok: true; assignments: Array<Expanded<PrivilegedAccessGroupAssignmentScheduleInstance>>; eligibilities: Array<Expanded<PrivilegedAccessGroupEligibilityScheduleInstance>> } | { ok: false; error: unknown }> {
  const assignments: Array<Expanded<PrivilegedAccessGroupAssignmentScheduleInstance>> = [];
  const eligibilities: Array<Expanded<PrivilegedAccessGroupEligibilityScheduleInstance>> = [];
  if (groupIds.length === 0) return { ok: true, assignments, eligibilities };
  try {
    const requests = groupIds.flatMap((g) => [
      { id: `e|${g}`, url: `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${g}'&$expand=principal` },
      { id: `a|${g}`, url: `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${g}'&$expand=principal` },
    ]);
    const responses = await deps.graph.batch<BatchBody<Expanded<PrivilegedAccessGroupAssignmentScheduleInstance>>>(requests);
    for (const request of requests) {
      await batchPages<Expanded<PrivilegedAccessGroupAssignmentScheduleInstance>>(deps.graph, responses, request, (page) => (request.id.startsWith('e|') ? eligibilities : assignments).push(...page));
    }
    return { ok: true, assignments, eligibilities };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Transitive members of groups read whole; false when the read failed. These groups were just seen to exist
 * (a role or PIM instance named them as groups): a 404 for their members is a failed read, not a deletion.
 */
async function readGroupsWhole(deps: CollectorDeps, run: RunScope, ids: string[], groups: Map<string, SnapshotGroup>, principals: Principals): Promise<boolean> {
  try {
    const read = await transitiveMembersOf(deps.graph, ids, `${USER_SELECT},appId`, () => true);
    if (read.notFound.length > 0) throw new GraphRequestError(404, 'Request_ResourceNotFound', `members of ${read.notFound.length} role-holding group(s) answered 404, e.g. ${read.notFound[0]}`, '/groups/{id}/transitiveMembers');
    for (const [id, lists] of read.members) {
      groups.set(id, toSnapshotGroup(id, lists, 'all'));
      for (const u of lists.users) principals.users.set(u.id, u);
      for (const sp of lists.servicePrincipals) principals.servicePrincipals.set(sp.id, sp);
    }
    return true;
  } catch (e) {
    recordFailure(run.tracker, 'groupMembers', e, deps.log);
    return false;
  }
}

/** Excluded-account groups whole, watched groups for admins' membership, and every kept group's name; false when a read failed. */
async function readWatchedGroups(deps: CollectorDeps, run: RunScope, watched: { forAdmins: string[]; whole: string[] }, groups: Map<string, SnapshotGroup>, principals: Principals): Promise<boolean> {
  const { graph } = deps;
  const adminIds = new Set(principals.users.keys());
  try {
    const whole = await transitiveMembersOf(graph, watched.whole, 'id', () => true);
    for (const [id, lists] of whole.members) groups.set(id, toSnapshotGroup(id, lists, 'all'));
    const read = await transitiveMembersOf(graph, watched.forAdmins, 'id', (_g, userId) => adminIds.has(userId));
    for (const [id, lists] of read.members) groups.set(id, toSnapshotGroup(id, lists, 'admins'));
    // A watched id that is no group: a deleted group in a policy (a user id in MONITOR_EXCLUDED_ACCOUNTS is expected).
    for (const id of read.notFound) principals.unresolved.add(id);
    for (const d of await groupsById(graph, [...groups.keys()])) {
      const g = groups.get(normId(d.id));
      if (g) Object.assign(g, { displayName: d.displayName ?? null, isAssignableToRole: d.isAssignableToRole ?? null });
    }
    run.counts.groups = groups.size;
    run.tracker.ok('groupMembers', { items: groups.size });
    return true;
  } catch (e) {
    recordFailure(run.tracker, 'groupMembers', e, deps.log);
    return false;
  }
}

/**
 * The admin accounts transitive-member pages did not carry. Asked for and not returned: the id is no user.
 * When the read fails, what earlier runs stored stays; an account seen for the first time is kept by id only
 * and evaluation reads its unknown guest kind pessimistically (R-USERS-7).
 */
async function readAccounts(deps: CollectorDeps, run: RunScope, principals: Principals): Promise<void> {
  const users = principals.users;
  const missing = [...users.values()].filter((u) => u.userPrincipalName === undefined).map((u) => u.id);
  try {
    for (const u of await usersById(deps.graph, missing)) users.set(normId(u.id), { ...u, id: normId(u.id) });
    for (const u of users.values()) if (u.userPrincipalName === undefined) principals.unresolved.add(u.id);
    run.tracker.ok('accounts', { items: users.size });
  } catch (e) {
    const stored = new Map((await loadValues<GraphUser>(deps.store, PARTITIONS.user)).map((u) => [normId(u.id), u]));
    for (const id of missing) users.set(id, stored.get(id) ?? ({ id } as GraphUser));
    run.counts.accountsUnread = missing.filter((id) => !stored.has(id)).length;
    recordFailure(run.tracker, 'accounts', e, deps.log);
  }
  for (const id of principals.unresolved) users.delete(id);
}

/**
 * Registration details for the admins: one filtered listing of the users Microsoft flags as admins, then the
 * admins it does not flag (eligible-only, PIM-group members) that no earlier run has read. Those cost a
 * reports-budget request each (5 requests / 10 s), so when there are more than REGISTRATION_LOOKUPS_PER_RUN
 * of them the cheaper of two reads is chosen: one lookup per admin, or one full listing of the tenant's
 * registration details (pages of 1,000 users; the user count comes from one directory request). Stored
 * details stay valid; a steady run reads only new admins.
 */
async function readRegistrations(deps: CollectorDeps, adminIds: string[]): Promise<UserRegistrationDetails[]> {
  const { graph, store, settings } = deps;
  const wanted = new Set(adminIds);
  const found = new Map<string, UserRegistrationDetails>();
  const keep = (page: UserRegistrationDetails[]): void => {
    for (const r of page) if (wanted.has(normId(r.id))) found.set(normId(r.id), { ...r, id: normId(r.id) });
  };
  const listAll = async (): Promise<void> => {
    for await (const page of graph.pages<UserRegistrationDetails>('/reports/authenticationMethods/userRegistrationDetails?$top=1000')) keep(page);
  };
  let listedAll = false;
  try {
    for await (const page of graph.pages<UserRegistrationDetails>('/reports/authenticationMethods/userRegistrationDetails?$filter=isAdmin eq true&$top=1000')) keep(page);
  } catch (e) {
    const err = toGraphError(e, 'userRegistrationDetails');
    if (err.status !== 400) throw err;
    // The isAdmin filter is not documented as supported; if Graph refuses it, read everything (streamed).
    await listAll();
    listedAll = true;
  }
  const stored = new Map((await loadValues<UserRegistrationDetails>(store, PARTITIONS.registration)).map((r) => [normId(r.id), r]));
  const missing = adminIds.filter((id) => !found.has(id));
  const unknown = listedAll ? [] : missing.filter((id) => !stored.has(id));
  if (unknown.length > settings.registrationLookupsPerRun) {
    const count = await graph.get<{ '@odata.count'?: number }>('/users?$count=true&$top=1&$select=id', 'v1.0', { ConsistencyLevel: 'eventual' });
    const pages = Math.ceil((count['@odata.count'] ?? Number.POSITIVE_INFINITY) / 1000);
    if (pages < unknown.length) {
      await listAll();
      unknown.length = 0;
    }
  }
  if (unknown.length > 0) {
    const responses = await graph.batch<UserRegistrationDetails>(unknown.map((id) => ({ id, url: `/reports/authenticationMethods/userRegistrationDetails/${id}` })));
    for (const [id, response] of responses) if (response.status === 200) found.set(id, { ...response.body, id });
  }
  for (const id of missing) if (!found.has(id) && stored.has(id)) found.set(id, stored.get(id) as UserRegistrationDetails);
  return [...found.values()];
}

