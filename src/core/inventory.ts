// Who is an admin, and by which paths: direct, through role-assignable groups, through PIM for Groups
// (including groups nested as members of a PIM group), active or eligible, at which scope. Service principals
// are kept apart, owners of role-holding PIM groups are potential admins, and ids that resolve to nothing are
// reported rather than dropped.
import { BUILT_IN_ROLES, CORE_ADMIN_ROLE_IDS, ROLE, builtInRole } from './catalog.js';
import { policyTargets } from './conditions.js';
import type { GraphServicePrincipal, GraphUser, UnifiedRoleDefinition } from './graph-types.js';
import { type ScopeKind, normId, quote, sameEnum, scopeKind } from './ids.js';
import type { SnapshotGroup, TenantSnapshot } from './snapshot.js';

export type AdminRoleMode = 'core' | 'privileged' | 'list';

/** localeCompare's order, with one collator instead of one per comparison. */
const collator = new Intl.Collator();

export interface AdminRoleSelection {
  mode: AdminRoleMode;
  /** For `list`: role template ids (built-in) or role definition ids (custom). */
  roleIds: string[];
}

export interface ResolvedRole {
  roleDefinitionId: string;
  roleTemplateId: string;
  roleName: string;
  roleKind: 'builtIn' | 'custom';
}

export type ViaKind = 'direct' | 'group' | 'pimGroup';

export interface RolePath {
  roleTemplateId: string;
  roleDefinitionId: string;
  roleName: string;
  roleKind: 'builtIn' | 'custom';
  assignment: 'active' | 'eligible';
  /** Active with no end date. */
  permanent: boolean;
  /** An eligible path that is activated right now. */
  activatedNow: boolean;
  startDateTime: string | null;
  endDateTime: string | null;
  via: {
    kind: ViaKind;
    groupId?: string;
    groupName?: string | null;
    /** A group nested in `groupId` through which the user is a member. */
    throughGroupId?: string;
    throughGroupName?: string | null;
  };
  directoryScopeId: string;
  scope: ScopeKind;
  /** `pim`: from PIM schedule instances; `roleAssignments`: tenant without PIM. */
  source: 'pim' | 'roleAssignments';
  /** For eligible paths: what activating changes (a role, or a PIM group membership). */
  activationKey?: string;
}

export interface AdminIdentity {
  id: string;
  userPrincipalName: string | null;
  displayName: string | null;
  accountEnabled: boolean | null;
  userType: string | null;
  onPremisesSyncEnabled: boolean | null;
}

/**
 * Something an admin can activate that is not a monitored role path but changes which policies apply: an eligible
 * (or owned) PIM-for-Groups membership of a group Conditional Access names (R-PIMGROUP-5), or an eligible
 * assignment of a role outside the monitored set that a policy names (R-USERS-8).
 */
export interface ExtraUnit {
  /** `member:<group id>` or `role:<role definition id>|<scope>[|<group id>]`: equal keys are one activation. */
  key: string;
  /** How it is named in a combination ("the membership of group 'X'", "'Directory Readers'"). */
  name: string;
  /** Added to the single-activation label: " (eligible membership of group 'X')". */
  how: string;
  /** Role template ids role targeting sees once it is activated. */
  roles: string[];
  /** Groups joined once it is activated. */
  groups: string[];
}

/** What an admin (or potential admin) can activate beyond their paths, and PIM memberships held standing. */
export interface AdminExtras {
  /**
   * Roles outside the monitored set that CA policies name and this admin holds standing (active, built-in,
   * tenant-scoped; directly or through a group): they change which policies apply (R-USERS-8).
   */
  otherTargetableRoles?: string[];
  extraUnits?: ExtraUnit[];
  /** Groups Conditional Access names that this admin is an active PIM-for-Groups member of (R-PIMGROUP-1, R-PIMGROUP-5). */
  pimMemberOf?: string[];
}

export interface AdminEntry extends AdminIdentity, AdminExtras {
  paths: RolePath[];
}

export interface PotentialAdmin extends AdminIdentity, AdminExtras {
  /** Owner of these role-holding PIM groups: can make themselves a member. */
  ownerOf: Array<{ groupId: string; groupName: string | null; assignment: 'active' | 'eligible'; roles: string[] }>;
  /**
   * The paths the owner would have after adding themselves as a member: one eligible path per role the owned
   * group holds, activated by joining the group (R-PIMGROUP-4).
   */
  paths: RolePath[];
}

export interface WorkloadAdmin {
  id: string;
  displayName: string | null;
  appId: string | null;
  paths: RolePath[];
}

export interface UnresolvedPrincipal {
  id: string;
  reason: string;
  roles: string[];
}

export interface Inventory {
  monitoredRoleIds: Set<string>;
  admins: AdminEntry[];
  potentialAdmins: PotentialAdmin[];
  workloadAdmins: WorkloadAdmin[];
  unresolved: UnresolvedPrincipal[];
}

/** Index of everything in a snapshot, by lower-case id. */
export interface DirectoryIndex {
  users: Map<string, GraphUser>;
  usersByUpn: Map<string, GraphUser>;
  groups: Map<string, SnapshotGroup>;
  servicePrincipals: Map<string, GraphServicePrincipal>;
  roleDefinitions: Map<string, UnifiedRoleDefinition>;
  /** user id -> groups they are a (transitive) member of, among the groups the snapshot holds. */
  groupsOfUser: Map<string, Set<string>>;
  /** group id -> groups it is nested in (transitively). */
  groupsOfGroup: Map<string, Set<string>>;
}

export function indexSnapshot(snapshot: TenantSnapshot): DirectoryIndex {
  const users = new Map(snapshot.users.map((u) => [normId(u.id), u]));
  const usersByUpn = new Map<string, GraphUser>();
  for (const u of snapshot.users) if (u.userPrincipalName) usersByUpn.set(u.userPrincipalName.toLowerCase(), u);
  const groups = new Map(snapshot.groups.map((g) => [normId(g.id), g]));
  const groupsOfUser = new Map<string, Set<string>>();
  const groupsOfGroup = new Map<string, Set<string>>();
  for (const group of snapshot.groups) {
    const gid = normId(group.id);
    for (const member of group.memberUserIds) {
      const key = normId(member);
      let set = groupsOfUser.get(key);
      if (!set) groupsOfUser.set(key, (set = new Set()));
      set.add(gid);
    }
    for (const member of group.memberGroupIds) {
      const key = normId(member);
      let set = groupsOfGroup.get(key);
      if (!set) groupsOfGroup.set(key, (set = new Set()));
      set.add(gid);
    }
  }
  return {
    users,
    usersByUpn,
    groups,
    servicePrincipals: new Map(snapshot.servicePrincipals.map((s) => [normId(s.id), s])),
    roleDefinitions: new Map(snapshot.roleDefinitions.map((r) => [normId(r.id), r])),
    groupsOfUser,
    groupsOfGroup,
  };
}

/** The role (template) ids that make someone an admin under the chosen selection (R-ROLES-1..3). */
export function monitoredRoles(selection: AdminRoleSelection, snapshot: Pick<TenantSnapshot, 'roleDefinitions'>): Set<string> {
  if (selection.mode === 'list') return new Set(selection.roleIds.map(normId));
  const ids = new Set(CORE_ADMIN_ROLE_IDS);
  if (selection.mode === 'privileged') {
    for (const role of BUILT_IN_ROLES) if (role.privileged) ids.add(role.templateId);
    for (const definition of snapshot.roleDefinitions) {
      if (definition.isPrivileged) ids.add(normId(definition.templateId ?? definition.id));
    }
    ids.add(ROLE.hybridIdentityAdministrator);
  }
  return ids;
}

export function resolveRole(roleDefinitionId: string, index: DirectoryIndex): ResolvedRole {
  const id = normId(roleDefinitionId);
  const definition = index.roleDefinitions.get(id);
  const builtIn = builtInRole(id);
  if (builtIn) return { roleDefinitionId: id, roleTemplateId: id, roleName: builtIn.displayName, roleKind: 'builtIn' };
  if (definition) {
    const isBuiltIn = definition.isBuiltIn !== false;
    return {
      roleDefinitionId: id,
      roleTemplateId: normId(definition.templateId ?? id),
      roleName: definition.displayName,
      roleKind: isBuiltIn ? 'builtIn' : 'custom',
    };
  }
  // Not in the catalog and not read from the tenant: built-in role ids equal their template ids, so treat it
  // as built-in by id; its name is unknown.
  return { roleDefinitionId: id, roleTemplateId: id, roleName: `role ${id}`, roleKind: 'builtIn' };
}

interface RoleGrant {
  principalId: string;
  role: ResolvedRole;
  assignment: 'active' | 'eligible';
  activatedNow: boolean;
  startDateTime: string | null;
  endDateTime: string | null;
  directoryScopeId: string;
  source: 'pim' | 'roleAssignments';
}

interface RoleGrants {
  grants: RoleGrant[];
  /**
   * `user|roleDefinitionId|scope` of activations by users whose eligibility comes through a role-assignable
   * group: the group's eligible path is then activated for that user (R-PIM-1).
   */
  activatedThroughGroup: Set<string>;
}

function roleGrants(snapshot: TenantSnapshot, index: DirectoryIndex, monitored: Set<string>): RoleGrants {
  const grants: RoleGrant[] = [];
  const activatedThroughGroup = new Set<string>();
  const isMonitored = (role: ResolvedRole): boolean => monitored.has(role.roleTemplateId) || monitored.has(role.roleDefinitionId);
  const key = (principal: string, roleId: string, scope: string): string => `${normId(principal)}|${normId(roleId)}|${scope}`;
  // R-PIM-3: a tenant without PIM has only active assignments, read from roleAssignments (no end dates).
  if (!snapshot.pimAvailable) {
    for (const a of snapshot.roleAssignments) {
      const role = resolveRole(a.roleDefinitionId, index);
      if (!isMonitored(role)) continue;
      grants.push({
        principalId: normId(a.principalId),
        role,
        assignment: 'active',
        activatedNow: false,
        startDateTime: null,
        endDateTime: null,
        directoryScopeId: a.directoryScopeId ?? '/',
        source: 'roleAssignments',
      });
    }
    return { grants, activatedThroughGroup };
  }
  const eligibleByKey = new Map<string, RoleGrant>();
  /** Eligibilities users hold through a role-assignable group (Graph lists them with memberType Group). */
  const groupEligibleKeys = new Set<string>();
  for (const e of snapshot.eligibleRoleInstances) {
    const role = resolveRole(e.roleDefinitionId, index);
    if (!isMonitored(role)) continue;
    const grant: RoleGrant = {
      principalId: normId(e.principalId),
      role,
      assignment: 'eligible',
      activatedNow: false,
      startDateTime: e.startDateTime ?? null,
      endDateTime: e.endDateTime ?? null,
      directoryScopeId: e.directoryScopeId ?? '/',
      source: 'pim',
    };
    if (!isDerivedFromGroup(e.memberType, e.principalId, index)) {
      eligibleByKey.set(key(e.principalId, role.roleDefinitionId, grant.directoryScopeId), grant);
      grants.push(grant);
    } else groupEligibleKeys.add(key(e.principalId, role.roleDefinitionId, grant.directoryScopeId));
  }
  for (const a of snapshot.activeRoleInstances) {
    const role = resolveRole(a.roleDefinitionId, index);
    if (!isMonitored(role)) continue;
    const scope = a.directoryScopeId ?? '/';
    const k = key(a.principalId, role.roleDefinitionId, scope);
    if (sameEnum(a.assignmentType, 'Activated')) {
      // R-PIM-1: an activation is the eligible path in its activated state, never a new active path.
      const eligible = eligibleByKey.get(k);
      if (eligible) {
        eligible.activatedNow = true;
        continue;
      }
      // A user activating an eligibility held through a role-assignable group: the group's eligible path,
      // expanded below, is the one activated.
      if (index.users.has(normId(a.principalId)) && (groupEligibleKeys.has(k) || isDerivedFromGroup(a.memberType, a.principalId, index))) {
        activatedThroughGroup.add(k);
        continue;
      }
    }
    // Instances Graph derives for members of a role-assignable group duplicate the group's own instance,
    // which is expanded below with the group named.
    if (isDerivedFromGroup(a.memberType, a.principalId, index)) continue;
    grants.push({
      principalId: normId(a.principalId),
      role,
      assignment: 'active',
      activatedNow: false,
      startDateTime: a.startDateTime ?? null,
      endDateTime: a.endDateTime ?? null,
      directoryScopeId: scope,
      source: 'pim',
    });
  }
  return { grants, activatedThroughGroup };
}

/** Adds to a per-user map of lists. */
function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
}

/**
 * R-USERS-8: holders of roles that are not monitored but that CA policies include or exclude. Such a role makes no
 * one an admin, but it decides whether a policy applies to an admin who also holds it: standing (active,
 * built-in, tenant-scoped) in every state, eligible once activated (an activation unit).
 */
function otherTargetableRoles(
  snapshot: TenantSnapshot,
  index: DirectoryIndex,
  monitored: Set<string>,
  pimByGroup: PimByGroup,
): { standing: Map<string, Set<string>>; units: Map<string, ExtraUnit[]> } {
  const named = policyTargets(snapshot.conditionalAccessPolicies).roles;
  for (const m of monitored) named.delete(m);
  const standing = new Map<string, Set<string>>();
  const units = new Map<string, ExtraUnit[]>();
  if (named.size === 0) return { standing, units };
  const add = (userId: string, role: string): void => {
    let roles = standing.get(userId);
    if (!roles) standing.set(userId, (roles = new Set()));
    roles.add(role);
  };
  const unit = (userId: string, grant: RoleGrant, key: string, through?: string): void => {
    const name = `'${grant.role.roleName}'`;
    const how = through ? ` (through group ${quote(index.groups.get(through)?.displayName, through)})` : '';
    push(units, userId, { key, name, how, roles: [grant.role.roleTemplateId], groups: [] });
  };
  for (const grant of roleGrants(snapshot, index, named).grants) {
    if (grant.role.roleKind !== 'builtIn' || scopeKind(grant.directoryScopeId) !== 'tenant') continue;
    const principal = grant.principalId;
    const role = grant.role.roleTemplateId;
    const roleKey = `role:${grant.role.roleDefinitionId}|${grant.directoryScopeId}`;
    const pim = pimByGroup.get(principal);
    if (grant.assignment === 'active') {
      if (index.users.has(principal)) add(principal, role);
      for (const m of index.groups.get(principal)?.memberUserIds ?? []) add(normId(m), role);
      // Active PIM-for-Groups members are members (R-PIMGROUP-1), listed or not.
      for (const a of pim?.assignments ?? []) if (sameEnum(a.accessId, 'member') && sameEnum(a.assignmentType ?? 'assigned', 'assigned') && index.users.has(normId(a.principalId))) add(normId(a.principalId), role);
    } else {
      // Eligible: activating it is a state of its own (R-ROLESTATE-1).
      if (index.users.has(principal)) unit(principal, grant, roleKey);
      for (const m of index.groups.get(principal)?.memberUserIds ?? []) unit(normId(m), grant, `${roleKey}|${principal}`, principal);
    }
    // An eligible member of a group holding such a role gets it by activating the membership (R-PIMGROUP-1).
    for (const e of pim?.eligibilities ?? []) {
      if (!sameEnum(e.accessId, 'member')) continue;
      const p = normId(e.principalId);
      const users = index.users.has(p) ? [p] : (index.groups.get(p)?.memberUserIds.map(normId) ?? []);
      for (const u of users) push(units, u, { key: `member:${principal}`, name: `the membership of group ${quote(index.groups.get(principal)?.displayName, principal)}`, how: ` (eligible membership of group ${quote(index.groups.get(principal)?.displayName, principal)})`, roles: [role], groups: [principal] });
    }
  }
  return { standing, units };
}

/**
 * R-PIMGROUP-5: PIM for Groups on groups Conditional Access includes or excludes. An eligible membership, or an
 * ownership (an owner can add themselves), is an activation unit that joins the group; an active membership is
 * standing membership whether or not the directory's member list shows it. A group that is an eligible member
 * passes the eligibility to its members (R-PIMGROUP-2).
 */
function policyGroupMemberships(snapshot: TenantSnapshot, index: DirectoryIndex, pimByGroup: PimByGroup, isAdmin: (id: string) => boolean): { units: Map<string, ExtraUnit[]>; standing: Map<string, string[]> } {
  const units = new Map<string, ExtraUnit[]>();
  const standing = new Map<string, string[]>();
  const groups = policyTargets(snapshot.conditionalAccessPolicies).groups;
  for (const groupId of groups) {
    const pim = pimByGroup.get(groupId);
    if (!pim) continue;
    const name = quote(index.groups.get(groupId)?.displayName, groupId);
    const usersOf = (principalId: string): Array<{ user: string; through?: string }> => {
      const p = normId(principalId);
      if (index.users.has(p)) return [{ user: p }];
      return (index.groups.get(p)?.memberUserIds ?? []).map((u) => ({ user: normId(u), through: p }));
    };
    const through = (g: string | undefined): string => (g ? ` through group ${quote(index.groups.get(g)?.displayName, g)}` : '');
    const eligible = [
      ...pim.eligibilities.map((e) => ({ principalId: e.principalId, owner: sameEnum(e.accessId, 'owner'), active: false })),
      // An activated membership is the eligible one, activated now; an active ownership can add a membership.
      ...pim.assignments.filter((a) => sameEnum(a.accessId, 'owner') || sameEnum(a.assignmentType ?? 'assigned', 'activated')).map((a) => ({ principalId: a.principalId, owner: sameEnum(a.accessId, 'owner'), active: true })),
    ];
    for (const e of eligible) {
      for (const { user, through: via } of usersOf(e.principalId)) {
        if (!isAdmin(user)) continue;
        const how = e.owner ? ` (as ${e.active ? '' : 'eligible '}owner of group ${name}, who can add themselves as a member${via ? `,${through(via)}` : ''})` : via ? ` (eligible${through(via)})` : '';
        push(units, user, { key: `member:${groupId}`, name: `the membership of group ${name}`, how, roles: [], groups: [groupId] });
      }
    }
    for (const a of pim.assignments) {
      if (!sameEnum(a.accessId, 'member') || !sameEnum(a.assignmentType ?? 'assigned', 'assigned')) continue;
      for (const { user } of usersOf(a.principalId)) if (isAdmin(user)) push(standing, user, groupId);
    }
  }
  return { units, standing };
}

function isDerivedFromGroup(memberType: string | null | undefined, principalId: string, index: DirectoryIndex): boolean {
  return !sameEnum(memberType ?? 'Direct', 'Direct') && index.users.has(normId(principalId));
}

interface Membership {
  userId: string;
  assignment: 'active' | 'eligible';
  activatedNow: boolean;
  endDateTime: string | null;
  kind: 'group' | 'pimGroup';
  throughGroupId?: string;
}

/** Users who get what group `groupId` holds, and how (R-GROUP-1, R-PIMGROUP-1..3). */
function groupMembers(
  groupId: string,
  snapshot: TenantSnapshot,
  index: DirectoryIndex,
  pimByGroup: Map<string, { assignments: typeof snapshot.pimGroupAssignments; eligibilities: typeof snapshot.pimGroupEligibilities }>,
  unresolved: Set<string>,
): { members: Membership[]; servicePrincipals: string[] } {
  const members: Membership[] = [];
  const servicePrincipals: string[] = [];
  const group = index.groups.get(groupId);
  const pim = pimByGroup.get(groupId);
  const covered = new Set<string>();
  const expandPrincipal = (principalId: string, base: Omit<Membership, 'userId' | 'throughGroupId'>): void => {
    const id = normId(principalId);
    if (index.users.has(id)) {
      members.push({ ...base, userId: id });
      covered.add(id);
    } else if (index.groups.has(id)) {
      // A (non-role-assignable) group that is itself a member: its members inherit (R-PIMGROUP-2).
      const nested = index.groups.get(id) as SnapshotGroup;
      for (const user of nested.memberUserIds) {
        members.push({ ...base, userId: normId(user), throughGroupId: id });
        covered.add(normId(user));
      }
      for (const sp of nested.memberServicePrincipalIds ?? []) servicePrincipals.push(normId(sp));
    } else if (index.servicePrincipals.has(id)) servicePrincipals.push(id);
    else unresolved.add(id);
  };
  if (pim) {
    // Memberships produced by each eligible principal, so an activation can be matched to them.
    const eligibleByPrincipal = new Map<string, Membership[]>();
    for (const e of pim.eligibilities) {
      if (!sameEnum(e.accessId, 'member')) continue;
      const before = members.length;
      expandPrincipal(e.principalId, { assignment: 'eligible', activatedNow: false, endDateTime: e.endDateTime ?? null, kind: 'pimGroup' });
      eligibleByPrincipal.set(normId(e.principalId), members.slice(before));
    }
    for (const a of pim.assignments) {
      if (!sameEnum(a.accessId, 'member')) continue;
      const principal = normId(a.principalId);
      // A user's activation matches their own eligible memberships, including those held through a group that
      // is an eligible member (the activation is for that user only: concept-pim-for-groups, group nesting).
      const activated = !sameEnum(a.assignmentType, 'activated')
        ? undefined
        : index.users.has(principal)
          ? members.filter((m) => m.assignment === 'eligible' && m.userId === principal)
          : eligibleByPrincipal.get(principal);
      if (activated && activated.length > 0) {
        // An activated eligible membership: the eligible path in its activated state, not a new active path.
        for (const m of activated) m.activatedNow = true;
        continue;
      }
      expandPrincipal(a.principalId, { assignment: 'active', activatedNow: false, endDateTime: a.endDateTime ?? null, kind: 'pimGroup' });
    }
  }
  if (group) {
    // Members the group's membership list shows that PIM does not account for are plain members.
    for (const user of group.memberUserIds) {
      const id = normId(user);
      if (!covered.has(id)) members.push({ userId: id, assignment: 'active', activatedNow: false, endDateTime: null, kind: 'group' });
    }
    for (const sp of group.memberServicePrincipalIds ?? []) servicePrincipals.push(normId(sp));
  } else if (!pim) unresolved.add(groupId);
  return { members, servicePrincipals };
}

function identity(user: GraphUser): AdminIdentity {
  return {
    id: normId(user.id),
    userPrincipalName: user.userPrincipalName ?? null,
    displayName: user.displayName ?? null,
    accountEnabled: user.accountEnabled ?? null,
    userType: user.userType ?? null,
    onPremisesSyncEnabled: user.onPremisesSyncEnabled ?? null,
  };
}

function pathKey(p: RolePath): string {
  return [p.roleDefinitionId, p.assignment, p.directoryScopeId, p.via.kind, p.via.groupId ?? '', p.via.throughGroupId ?? ''].join('|');
}

/** Paths per principal, two instances for one path collapsed to the stronger. */
class PathSet {
  readonly byPrincipal = new Map<string, Map<string, RolePath>>();
  add(id: string, path: RolePath): void {
    let paths = this.byPrincipal.get(id);
    if (!paths) this.byPrincipal.set(id, (paths = new Map()));
    const k = pathKey(path);
    const existing = paths.get(k);
    // Two instances for the same path (e.g. a time-bound one and a permanent one): keep the stronger.
    if (!existing || (path.permanent && !existing.permanent) || (path.activatedNow && !existing.activatedNow)) paths.set(k, path);
  }
}

type PimByGroup = Map<string, { assignments: TenantSnapshot['pimGroupAssignments']; eligibilities: TenantSnapshot['pimGroupEligibilities'] }>;

function pimGroupsOf(snapshot: TenantSnapshot): PimByGroup {
  const pimByGroup: PimByGroup = new Map();
  const entry = (groupId: string) => {
    const id = normId(groupId);
    let e = pimByGroup.get(id);
    if (!e) pimByGroup.set(id, (e = { assignments: [], eligibilities: [] }));
    return e;
  };
  for (const a of snapshot.pimGroupAssignments) entry(a.groupId).assignments.push(a);
  for (const e of snapshot.pimGroupEligibilities) entry(e.groupId).eligibilities.push(e);
  return pimByGroup;
}

/** What the inventory is assembled from while grants are walked. */
interface InventoryParts {
  snapshot: TenantSnapshot;
  index: DirectoryIndex;
  pimByGroup: PimByGroup;
  activatedThroughGroup: ReadonlySet<string>;
  admins: PathSet;
  workloads: PathSet;
  unresolvedIds: Set<string>;
  unresolvedRoles: Map<string, Set<string>>;
  /** Role-holding groups and the grants they hold (for owners, R-PIMGROUP-4). */
  roleHoldingGroups: Map<string, RoleGrant[]>;
}

/** A path of one grant: its role and scope, with the given timing and way it is held (one object shape for all paths). */
function pathOf(grant: RoleGrant, timing: Pick<RolePath, 'assignment' | 'permanent' | 'activatedNow' | 'startDateTime' | 'endDateTime'>, via: RolePath['via'], activationKey?: string): RolePath {
  return {
    roleTemplateId: grant.role.roleTemplateId,
    roleDefinitionId: grant.role.roleDefinitionId,
    roleName: grant.role.roleName,
    roleKind: grant.role.roleKind,
    assignment: timing.assignment,
    permanent: timing.permanent,
    activatedNow: timing.activatedNow,
    startDateTime: timing.startDateTime,
    endDateTime: timing.endDateTime,
    via,
    directoryScopeId: grant.directoryScopeId,
    scope: scopeKind(grant.directoryScopeId),
    source: grant.source,
    activationKey,
  };
}

/** The grant's own timing, for a path that holds it directly (or a service principal through a group). */
function grantTiming(grant: RoleGrant) {
  return { assignment: grant.assignment, permanent: grant.assignment === 'active' && !grant.endDateTime, activatedNow: grant.activatedNow, startDateTime: grant.startDateTime, endDateTime: grant.endDateTime };
}

/** The paths one grant gives: to a user, a service principal, every member of a group, or an unresolved id. */
function addGrant(parts: InventoryParts, grant: RoleGrant): void {
  const { index } = parts;
  const principal = grant.principalId;
  if (index.users.has(principal)) {
    // R-PATH-1: a direct path records role, active/eligible, permanence, scope and role kind.
    parts.admins.add(principal, pathOf(grant, grantTiming(grant), { kind: 'direct' }, grant.assignment === 'eligible' ? `role:${grant.role.roleDefinitionId}|${grant.directoryScopeId}` : undefined));
  } else if (index.servicePrincipals.has(principal)) {
    // R-WORKLOAD-1: service principals are workload admins, never mixed with users.
    parts.workloads.add(principal, pathOf(grant, grantTiming(grant), { kind: 'direct' }));
  } else if (index.groups.has(principal) || parts.pimByGroup.has(principal)) {
    addGroupGrant(parts, grant);
  } else {
    // R-UNRESOLVED-1: an id that resolves to nothing is reported, never dropped and never a crash.
    parts.unresolvedIds.add(principal);
    let roles = parts.unresolvedRoles.get(principal);
    if (!roles) parts.unresolvedRoles.set(principal, (roles = new Set()));
    roles.add(grant.role.roleName);
  }
}

/** A role held by a group: a path for each member (eligible when the grant or the membership is). */
function addGroupGrant(parts: InventoryParts, grant: RoleGrant): void {
  const { index } = parts;
  const principal = grant.principalId;
  let held = parts.roleHoldingGroups.get(principal);
  if (!held) parts.roleHoldingGroups.set(principal, (held = []));
  held.push(grant);
  const group = index.groups.get(principal);
  const { members, servicePrincipals } = groupMembers(principal, parts.snapshot, index, parts.pimByGroup, parts.unresolvedIds);
  for (const m of members) {
    if (!index.users.has(m.userId)) {
      parts.unresolvedIds.add(m.userId);
      continue;
    }
    const eligible = grant.assignment === 'eligible' || m.assignment === 'eligible';
    const end = [grant.endDateTime, m.endDateTime].filter((d): d is string => !!d).sort()[0] ?? null;
    const roleActivated = grant.activatedNow || parts.activatedThroughGroup.has(`${m.userId}|${grant.role.roleDefinitionId}|${grant.directoryScopeId}`);
    const timing = {
      assignment: eligible ? ('eligible' as const) : ('active' as const),
      permanent: !eligible && !end,
      activatedNow: eligible && (grant.assignment === 'eligible' ? roleActivated : true) && (m.assignment === 'eligible' ? m.activatedNow : true),
      startDateTime: grant.startDateTime,
      endDateTime: end,
    };
    const via: RolePath['via'] = m.throughGroupId
      ? { kind: m.kind, groupId: principal, groupName: group?.displayName ?? null, throughGroupId: m.throughGroupId, throughGroupName: index.groups.get(m.throughGroupId)?.displayName ?? null }
      : { kind: m.kind, groupId: principal, groupName: group?.displayName ?? null };
    parts.admins.add(m.userId, pathOf(grant, timing, via, eligible ? (m.assignment === 'eligible' ? `member:${principal}` : `role:${grant.role.roleDefinitionId}|${grant.directoryScopeId}|${principal}`) : undefined));
  }
  for (const sp of servicePrincipals) parts.workloads.add(sp, pathOf(grant, grantTiming(grant), { kind: 'group', groupId: principal, groupName: group?.displayName ?? null }));
}

/** Owners of role-holding PIM groups can add themselves as members: potential admins (R-PIMGROUP-4). */
function potentialAdmins(parts: InventoryParts): PotentialAdmin[] {
  const { index } = parts;
  const owners = new Map<string, PotentialAdmin>();
  for (const [groupId, held] of parts.roleHoldingGroups) {
    const pim = parts.pimByGroup.get(groupId);
    if (!pim) continue;
    const roles = [...new Set(held.map((g) => g.role.roleName))].sort();
    const groupName = index.groups.get(groupId)?.displayName ?? null;
    const ownerships = [
      ...pim.assignments.filter((a) => sameEnum(a.accessId, 'owner')).map((a) => ({ principalId: a.principalId, assignment: 'active' as const })),
      ...pim.eligibilities.filter((e) => sameEnum(e.accessId, 'owner')).map((e) => ({ principalId: e.principalId, assignment: 'eligible' as const })),
    ];
    for (const ownership of ownerships) {
      const principal = normId(ownership.principalId);
      const userIds = index.users.has(principal) ? [principal] : (index.groups.get(principal)?.memberUserIds.map(normId) ?? []);
      if (userIds.length === 0 && !index.users.has(principal) && !index.groups.has(principal)) parts.unresolvedIds.add(principal);
      for (const userId of userIds) {
        const user = index.users.get(userId);
        if (!user || parts.admins.byPrincipal.has(userId)) continue;
        let entry = owners.get(userId);
        if (!entry) owners.set(userId, (entry = { ...identity(user), ownerOf: [], paths: [] }));
        if (entry.ownerOf.some((o) => o.groupId === groupId)) continue;
        entry.ownerOf.push({ groupId, groupName, assignment: ownership.assignment, roles });
        for (const grant of held) {
          entry.paths.push(pathOf(grant, { assignment: 'eligible', permanent: false, activatedNow: false, startDateTime: null, endDateTime: null }, { kind: 'pimGroup', groupId, groupName }, `member:${groupId}`));
        }
      }
    }
  }
  return [...owners.values()].map((o) => ({ ...o, paths: sortPaths(o.paths) })).sort((a, b) => collator.compare(a.userPrincipalName ?? a.id, b.userPrincipalName ?? b.id));
}

export function buildInventory(snapshot: TenantSnapshot, selection: AdminRoleSelection, index = indexSnapshot(snapshot)): Inventory {
  const monitored = monitoredRoles(selection, snapshot);
  const { grants, activatedThroughGroup } = roleGrants(snapshot, index, monitored);
  const pimByGroup = pimGroupsOf(snapshot);
  const parts: InventoryParts = { snapshot, index, pimByGroup, activatedThroughGroup, admins: new PathSet(), workloads: new PathSet(), unresolvedIds: new Set(), unresolvedRoles: new Map(), roleHoldingGroups: new Map() };
  for (const grant of grants) addGrant(parts, grant);

  const otherRoles = otherTargetableRoles(snapshot, index, monitored, pimByGroup);
  const potential = potentialAdmins(parts);
  const potentialIds = new Set(potential.map((p) => p.id));
  const memberships = policyGroupMemberships(snapshot, index, pimByGroup, (id) => parts.admins.byPrincipal.has(id) || potentialIds.has(id));
  const extras = (id: string): AdminExtras => {
    const other = otherRoles.standing.get(id);
    const units = [...(otherRoles.units.get(id) ?? []), ...(memberships.units.get(id) ?? [])];
    const pimMemberOf = memberships.standing.get(id);
    return {
      ...(other ? { otherTargetableRoles: [...other].sort() } : {}),
      ...(units.length ? { extraUnits: units } : {}),
      ...(pimMemberOf ? { pimMemberOf: [...new Set(pimMemberOf)].sort() } : {}),
    };
  };
  const admins: AdminEntry[] = [];
  for (const [id, paths] of parts.admins.byPrincipal) {
    const entry: AdminEntry = identity(index.users.get(id) as GraphUser) as AdminEntry;
    entry.paths = sortPaths([...paths.values()]);
    admins.push(Object.assign(entry, extras(id)));
  }
  admins.sort((a, b) => collator.compare(a.userPrincipalName ?? a.id, b.userPrincipalName ?? b.id));
  for (const p of potential) Object.assign(p, extras(p.id));

  const workloadAdmins: WorkloadAdmin[] = [];
  for (const [id, paths] of parts.workloads.byPrincipal) {
    const sp = index.servicePrincipals.get(id);
    workloadAdmins.push({ id, displayName: sp?.displayName ?? null, appId: sp?.appId ?? null, paths: sortPaths([...paths.values()]) });
  }
  workloadAdmins.sort((a, b) => collator.compare(a.displayName ?? a.id, b.displayName ?? b.id));

  const unresolved: UnresolvedPrincipal[] = [...parts.unresolvedIds].sort().map((id) => ({
    id,
    reason: 'object id resolves to no user, group or service principal (deleted, or from another tenant)',
    roles: [...(parts.unresolvedRoles.get(id) ?? [])].sort(),
  }));
  return { monitoredRoleIds: monitored, admins, potentialAdmins: potential, workloadAdmins, unresolved };
}

function sortPaths(paths: RolePath[]): RolePath[] {
  return paths.sort(
    (a, b) =>
      collator.compare(a.roleName, b.roleName) ||
      collator.compare(a.assignment, b.assignment) ||
      collator.compare(a.via.kind, b.via.kind) ||
      collator.compare(a.via.groupId ?? '', b.via.groupId ?? ''),
  );
}
