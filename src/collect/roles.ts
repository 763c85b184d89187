// The roles collector: who holds a monitored role and how. Reads role definitions, active and eligible role
// assignment instances (or plain role assignments in tenants without PIM), the members of every group that
// holds a role (transitive members and PIM for Groups members/owners), the admins' membership of the groups
// Conditional Access and MONITOR_EXCLUDED_ACCOUNTS name, the admin accounts and their MFA registration.
import { policyTargets } from '../core/conditions.js';
import { isGuid, normId, sameEnum } from '../core/ids.js';
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
import { toGraphError } from '../graph/gateway.js';
import { loadValues, syncDataset } from '../storage/state.js';
import { type CollectorDeps, USER_SELECT, batchEach, groupsById, recordFailure, toSnapshotGroup, transitiveMembersOf, usersById } from './context.js';
import { type RunRecord, beginRun } from './runs.js';
import { PARTITIONS, assignmentSpec, groupSpec, stateOnlySpec } from './specs.js';

type Expanded<T> = T & { principal?: ({ '@odata.type'?: string; id: string } & Record<string, unknown>) | null };


function strip<T extends object>(item: Expanded<T>): T {
  const { principal: _principal, ...rest } = item as Expanded<T> & Record<string, unknown>;
  return rest as T;
}

function principalKind(p: Expanded<object>['principal']): 'user' | 'group' | 'servicePrincipal' | 'unknown' | 'missing' {
  if (!p) return 'missing';
  const t = (p['@odata.type'] ?? '').toLowerCase();
  if (t.endsWith('.user')) return 'user';
  if (t.endsWith('.group')) return 'group';
  if (t.endsWith('.serviceprincipal')) return 'servicePrincipal';
  return 'unknown';
}

export async function collectRoles(deps: CollectorDeps, trigger = 'timer'): Promise<RunRecord> {
  const { graph, store, settings, log } = deps;
  const run = await beginRun(deps, 'roles', trigger, 'assignments');
  const { tracker, counts, sync: ctx } = run;
  let error: string | undefined;

  try {
    // 1. Role definitions (built-ins are also in the catalog; custom roles only here).
    let definitions: UnifiedRoleDefinition[];
    try {
      definitions = await graph.all<UnifiedRoleDefinition>('/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId,isBuiltIn,isEnabled');
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
      const r = await syncDataset(store, stateOnlySpec<UnifiedRoleDefinition>(PARTITIONS.roleDefinition, (d) => normId(d.id)), definitions, ctx);
      tracker.ok('roleDefinitions', { items: definitions.length, added: r.added, changed: r.changed, removed: r.removed });
    } catch (e) {
      recordFailure(tracker, 'roleDefinitions', e, log);
      definitions = await loadValues<UnifiedRoleDefinition>(store, PARTITIONS.roleDefinition);
    }
    const monitored = monitoredRoles(settings.adminRoles, { roleDefinitions: definitions });
    const customTemplate = new Map(definitions.map((d) => [normId(d.id), normId(d.templateId ?? d.id)]));
    const isMonitored = (roleDefinitionId: string): boolean => {
      const id = normId(roleDefinitionId);
      return monitored.has(id) || monitored.has(customTemplate.get(id) ?? id);
    };
    // 2. Active and eligible assignments, with the principal expanded to learn its type. Active ones are kept
    // for every role until the policies are known (below).
    let pimAvailable = true;
    let active: Array<Expanded<RoleAssignmentScheduleInstance>> = [];
    let eligible: Array<Expanded<RoleEligibilityScheduleInstance>> = [];
    let plain: Array<Expanded<UnifiedRoleAssignment>> = [];
    const readAssignments = (ids: Iterable<string>) =>
      graph.all<Expanded<UnifiedRoleAssignment>>(`/roleManagement/directory/roleAssignments?$filter=roleDefinitionId in (${[...ids].map((id) => `'${id}'`).join(',')})&$expand=principal`);
    try {
      try {
        active = await graph.all<Expanded<RoleAssignmentScheduleInstance>>('/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal');
        eligible = (await graph.all<Expanded<RoleEligibilityScheduleInstance>>('/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal')).filter((i) => isMonitored(i.roleDefinitionId));
      } catch (e) {
        const err = toGraphError(e, 'roleAssignmentScheduleInstances');
        if (!err.isLicenseError) throw err;
        // Tenants without Entra ID P2: PIM endpoints refuse; standing assignments are all there is.
        pimAvailable = false;
        log.info('PIM is not licensed in this tenant: reading role assignments instead');
        plain = (await readAssignments(monitored)).filter((a) => isMonitored(a.roleDefinitionId));
      }
    } catch (e) {
      // Without assignments nothing downstream can be trusted: keep every previous state.
      for (const d of ['roleAssignments', 'pimGroups', 'groupMembers', 'registration'] as const) recordFailure(tracker, d, e, log);
      throw new CollectionAborted(toGraphError(e, 'roleAssignments').message);
    }

    const users = new Map<string, GraphUser>();
    const servicePrincipals = new Map<string, GraphServicePrincipal>();
    const roleGroups = new Set<string>();
    const unresolved = new Set<string>();
    const notePrincipal = (item: Expanded<{ principalId: string }>): void => {
      const id = normId(item.principalId);
      switch (principalKind(item.principal)) {
        case 'user':
          users.set(id, { id } as GraphUser);
          break;
        case 'group':
          roleGroups.add(id);
          break;
        case 'servicePrincipal': {
          const p = item.principal as Record<string, unknown>;
          servicePrincipals.set(id, { id, displayName: (p.displayName as string | undefined) ?? null, appId: (p.appId as string | undefined) ?? null });
          break;
        }
        default:
          unresolved.add(id);
      }
    };
    for (const item of [...active, ...eligible, ...plain]) if (isMonitored(item.roleDefinitionId)) notePrincipal(item);

    // 3. Role-holding groups: PIM for Groups members and owners, and transitive members.
    const pimAssignments: PrivilegedAccessGroupAssignmentScheduleInstance[] = [];
    const pimEligibilities: PrivilegedAccessGroupEligibilityScheduleInstance[] = [];
    let pimGroupsOk = pimAvailable;
    // A failed read (not a missing licence): the users and groups below are then known to be incomplete.
    let pimGroupsFailed = false;
    if (pimAvailable && roleGroups.size > 0) {
      try {
        const requests = [...roleGroups].flatMap((g) => [
          { id: `e|${g}`, url: `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${g}'&$expand=principal` },
          { id: `a|${g}`, url: `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${g}'&$expand=principal` },
        ]);
        for await (const [request, items] of batchEach<Expanded<PrivilegedAccessGroupAssignmentScheduleInstance>>(graph, requests)) {
          for (const item of items) {
            notePrincipal(item);
            if (request.id.startsWith('e|')) pimEligibilities.push(strip(item));
            else pimAssignments.push(strip(item));
          }
        }
        tracker.ok('pimGroups', { items: pimAssignments.length + pimEligibilities.length });
      } catch (e) {
        const err = toGraphError(e, 'pimGroups');
        pimGroupsOk = false;
        if (err.isLicenseError) tracker.notLicensed('pimGroups', err.message);
        else {
          pimGroupsFailed = true;
          recordFailure(tracker, 'pimGroups', err, log);
        }
      }
    } else if (!pimAvailable) tracker.notLicensed('pimGroups', 'the tenant has no PIM (Entra ID P2)');
    else tracker.ok('pimGroups', { items: 0 });
    // Groups that are PIM members/owners of a role-holding group (their members inherit) are read fully too.
    const fullGroups = new Set(roleGroups);
    const pimPrincipalGroups = [...pimAssignments, ...pimEligibilities].map((i) => normId(i.principalId)).filter((id) => !users.has(id) && !servicePrincipals.has(id));
    for (const id of pimPrincipalGroups) {
      fullGroups.add(id);
      unresolved.delete(id);
    }

    const groups = new Map<string, SnapshotGroup>();
    let groupsOk = true;
    try {
      const read = await transitiveMembersOf(graph, [...fullGroups], `${USER_SELECT},appId`, () => true);
      for (const id of read.notFound) unresolved.add(id);
      for (const [id, lists] of read.members) {
        groups.set(id, toSnapshotGroup(id, lists, 'all'));
        for (const u of lists.users) users.set(u.id, u);
        for (const sp of lists.servicePrincipals) servicePrincipals.set(sp.id, sp);
      }
    } catch (e) {
      groupsOk = false;
      recordFailure(tracker, 'groupMembers', e, log);
    }

    // Admins and potential admins (owners of role-holding PIM groups) are the users evaluation asks about.
    const adminIds = new Set(users.keys());
    // Registration is read on the reports budget: start it now, alongside the directory reads that follow.
    const registrationRead = readRegistrations(deps, [...adminIds]).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );

    // 4. Roles CA policies include or exclude that are not monitored: their standing holders decide whether a
    // policy applies to an admin (R-USERS-8). In a cycle, this run's policies (read meanwhile).
    await deps.pipeline?.wait('policiesStored');
    const policies = await loadValues<ConditionalAccessPolicy>(store, PARTITIONS.caPolicy);
    const named = policyTargets(policies);
    const targeting = new Set([...named.roles].filter((r) => !isMonitored(r)));
    const isTargetingOnly = (i: { roleDefinitionId: string; assignmentType?: string | null }): boolean => targeting.has(normId(i.roleDefinitionId)) && sameEnum(i.assignmentType ?? 'Assigned', 'Assigned');
    active = active.filter((i) => isMonitored(i.roleDefinitionId) || isTargetingOnly(i));
    let assignmentsOk = true;
    if (!pimAvailable && targeting.size > 0) {
      try {
        plain.push(...(await readAssignments(targeting)).filter(isTargetingOnly));
      } catch (e) {
        // The monitored assignments were read; these keep their previous state.
        assignmentsOk = false;
        recordFailure(tracker, 'roleAssignments', e, log);
      }
    }
    counts.activeAssignments = active.length + plain.length;
    counts.eligibleAssignments = eligible.length;
    // Holders of targeting-only roles are no admins: only the groups among them matter (admins' membership).
    const targetingGroups = new Set<string>();
    for (const item of [...active, ...plain]) if (!isMonitored(item.roleDefinitionId) && principalKind(item.principal) === 'group') targetingGroups.add(normId(item.principalId));

    // 5. Watched groups: named by Conditional Access or MONITOR_EXCLUDED_ACCOUNTS, or holding a targeting-only
    // role; only admins' membership kept.
    if (groupsOk) {
      try {
        const watched = new Set(targetingGroups);
        for (const g of named.groups) watched.add(g);
        // Groups in MONITOR_EXCLUDED_ACCOUNTS are kept whole: every member's sign-ins are watched, admin or not.
        const excludedGroups = settings.excludedAccounts.filter((e) => isGuid(e) && !adminIds.has(normId(e)) && !groups.has(normId(e))).map(normId);
        for (const g of [...groups.keys(), ...excludedGroups]) watched.delete(g);
        const whole = await transitiveMembersOf(graph, excludedGroups, 'id', () => true);
        for (const [id, lists] of whole.members) groups.set(id, toSnapshotGroup(id, lists, 'all'));
        const read = await transitiveMembersOf(graph, [...watched], 'id', (_g, userId) => adminIds.has(userId));
        for (const [id, lists] of read.members) groups.set(id, toSnapshotGroup(id, lists, 'admins'));
        // A watched id that is no group: a deleted group in a policy (a user id in MONITOR_EXCLUDED_ACCOUNTS is expected).
        for (const id of read.notFound) unresolved.add(id);
        // Group names and flags for everything kept.
        const details = await groupsById(graph, [...groups.keys()]);
        for (const d of details) {
          const g = groups.get(normId(d.id));
          if (g) Object.assign(g, { displayName: d.displayName ?? null, isAssignableToRole: d.isAssignableToRole ?? null });
        }
        counts.groups = groups.size;
        tracker.ok('groupMembers', { items: groups.size });
      } catch (e) {
        groupsOk = false;
        recordFailure(tracker, 'groupMembers', e, log);
      }
    }

    // 6. The admin accounts themselves (transitive member pages already carried most of them).
    const missing = [...users.values()].filter((u) => u.userPrincipalName === undefined).map((u) => u.id);
    try {
      for (const u of await usersById(graph, missing)) users.set(normId(u.id), { ...u, id: normId(u.id) });
      // Asked for and not returned: the id is no user (deleted, or another kind of object).
      for (const u of users.values()) if (u.userPrincipalName === undefined) unresolved.add(u.id);
    } catch (e) {
      // What earlier runs stored stays; an account seen for the first time is kept by id only, and
      // evaluation reads its unknown guest kind pessimistically (R-USERS-7).
      const stored = new Map((await loadValues<GraphUser>(store, PARTITIONS.user)).map((u) => [normId(u.id), u]));
      for (const id of missing) users.set(id, stored.get(id) ?? { id } as GraphUser);
      counts.accountsUnread = missing.filter((id) => !stored.has(id)).length;
      log.warn(`admin account details unavailable, kept from the previous run: ${toGraphError(e, 'users').message}`);
    }
    for (const id of unresolved) users.delete(id);
    counts.admins = users.size;

    // 7. MFA registration details.
    let registrations: UserRegistrationDetails[] | undefined;
    const registration = await registrationRead;
    if (registration.ok) {
      // Accounts that turned out not to resolve are no admins.
      registrations = registration.value.filter((r) => users.has(normId(r.id)));
      tracker.ok('registration', { items: registrations.length });
    } else recordFailure(tracker, 'registration', registration.error, log);

    // 8. Store what changed. Only datasets read completely are synced; failed ones keep their state. When
    // the PIM-group or group reads failed, the account, group and registration lists are incomplete: what
    // was read is stored, nothing is removed (an admin held through a group that could not be read is still
    // an admin).
    const complete = groupsOk && !pimGroupsFailed;
    const sync = async <T>(spec: Parameters<typeof syncDataset<T>>[1], items: T[], keepUnseen = false) => syncDataset(store, spec, items, ctx, { keepUnseen });
    const r1 = await sync(assignmentSpec<RoleAssignmentScheduleInstance>(PARTITIONS.activeInstance, 'active'), active.map(strip));
    const r2 = await sync(assignmentSpec<RoleEligibilityScheduleInstance>(PARTITIONS.eligibleInstance, 'eligible'), eligible.map(strip));
    const r3 = assignmentsOk ? await sync(assignmentSpec<UnifiedRoleAssignment>(PARTITIONS.roleAssignment, 'active'), plain.map(strip)) : { added: 0, changed: 0, removed: 0 };
    if (assignmentsOk) tracker.ok('roleAssignments', { items: active.length + eligible.length + plain.length, added: r1.added + r2.added + r3.added, changed: r1.changed + r2.changed + r3.changed, removed: r1.removed + r2.removed + r3.removed });
    if (pimGroupsOk || !pimAvailable) {
      await sync(assignmentSpec<PrivilegedAccessGroupAssignmentScheduleInstance>(PARTITIONS.pimGroupAssignment, 'active'), pimAssignments);
      await sync(assignmentSpec<PrivilegedAccessGroupEligibilityScheduleInstance>(PARTITIONS.pimGroupEligibility, 'eligible'), pimEligibilities);
    }
    // A group whose names could not be read (step 4 failed) is not stored over the named one.
    if (groupsOk) await sync(groupSpec(), [...groups.values()], !complete);
    await sync(stateOnlySpec<GraphUser>(PARTITIONS.user, (u) => normId(u.id)), [...users.values()], !complete);
    await sync(stateOnlySpec<GraphServicePrincipal>(PARTITIONS.servicePrincipal, (s) => normId(s.id)), [...servicePrincipals.values()], !complete);
    if (complete) await sync(stateOnlySpec<{ id: string }>(PARTITIONS.unresolved, (u) => u.id), [...unresolved].map((id) => ({ id })));
    counts.pimAvailable = pimAvailable ? 1 : 0;
    if (registrations) await sync(stateOnlySpec<UserRegistrationDetails>(PARTITIONS.registration, (r) => normId(r.id)), registrations, !complete);
  } catch (e) {
    if (!(e instanceof CollectionAborted)) {
      error = e instanceof Error ? e.message : String(e);
      log.error(`roles collection failed: ${error}`);
      for (const d of ['roleDefinitions', 'roleAssignments', 'pimGroups', 'groupMembers', 'registration'] as const) if (!tracker.datasets[d]) recordFailure(tracker, d, e, log);
    } else error = e.message;
  }
  deps.pipeline?.done('rolesStored');
  return run.finish({ ...(error && Object.values(tracker.datasets).every((d) => d?.state !== 'ok') ? { status: 'failed' as const } : {}), ...(error ? { error } : {}) });
}

class CollectionAborted extends Error {}

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

