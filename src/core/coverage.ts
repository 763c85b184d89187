// Per-admin coverage: for every sign-in context, does some enabled policy that applies to this admin enforce
// MFA (or block)? Evaluated in every role state the admin can be in (standing, and each eligible assignment
// activated), because role-targeted policies only see active roles. Rule ids refer to docs/evaluation.md.
import { type Box, contains, intersects, merge, uncovered } from './boxes.js';
import { SECURITY_DEFAULTS_ROLE_IDS } from './catalog.js';
import { type CompiledPolicy, type CompiledUserScope, type PolicySet, describeContexts } from './conditions.js';
import { listPhrase, normId, quote } from './ids.js';
import { type AdminIdentity, type DirectoryIndex, type RolePath, resolveRole } from './inventory.js';

export interface AdminState {
  /** null for the standing state; otherwise what is activated, e.g. "'Global Administrator' is activated". */
  label: string | null;
  key: string;
  /** Role template ids CA role targeting can see: active, built-in, tenant-scoped (R-USERS-4). */
  targetableRoles: Set<string>;
  /** Active monitored paths in this state that role targeting cannot see (AU-scoped or custom). */
  untargetablePaths: RolePath[];
  groups: Set<string>;
}

export interface Gap {
  summary: string;
  policyIds: string[];
  /** The role state the gap appears in (null = standing). */
  state: string | null;
  /** The contexts without MFA, as a phrase ("" = every context). */
  contexts: string;
  kind: 'noPolicy' | 'conditions' | 'unknown';
}

export interface UserContext {
  id: string;
  guestTypes: Set<string>;
}

/** Guest / external user kind, approximated from userType and the #EXT# UPN marker (R-USERS-5). */
export function guestTypesOf(user: AdminIdentity): Set<string> {
  const external = (user.userPrincipalName ?? '').toUpperCase().includes('#EXT#');
  const guest = (user.userType ?? 'Member').toLowerCase() === 'guest';
  if (guest) return new Set([external ? 'b2bCollaborationGuest' : 'internalGuest']);
  if (external) return new Set(['b2bCollaborationMember']);
  return new Set();
}

function anyIn(list: readonly string[], set: ReadonlySet<string>): string | undefined {
  for (const item of list) if (set.has(item)) return item;
  return undefined;
}

function guestMatch(types: ReadonlySet<string>, user: ReadonlySet<string>): boolean {
  for (const t of user) if (types.has(t)) return true;
  return false;
}

export type ScopeResult = 'out' | 'in' | 'excluded';

/** R-USERS-1..6: include by user, group (nested), active role, guest type or All; exclusion beats inclusion. */
export function userScope(scope: CompiledUserScope, user: UserContext, state: AdminState): ScopeResult {
  if (scope.includeNone) return 'out';
  const included =
    scope.includeAll ||
    scope.includeUsers.has(user.id) ||
    anyIn(scope.includeGroups, state.groups) !== undefined ||
    anyIn(scope.includeRoles, state.targetableRoles) !== undefined ||
    // Enumerated external tenants cannot be matched to a user's home tenant: assume it does not apply.
    (!scope.includeGuestTenantsEnumerated && guestMatch(scope.includeGuestTypes, user.guestTypes));
  if (!included) return 'out';
  const excluded =
    scope.excludeUsers.has(user.id) ||
    anyIn(scope.excludeGroups, state.groups) !== undefined ||
    anyIn(scope.excludeRoles, state.targetableRoles) !== undefined ||
    // For exclusions assume the worst: an enumerated-tenant exclusion may exclude this guest.
    guestMatch(scope.excludeGuestTypes, user.guestTypes);
  return excluded ? 'excluded' : 'in';
}

/** Why a policy excludes this admin, for gap sentences. */
export function exclusionReason(policy: CompiledPolicy, user: UserContext, state: AdminState, index: DirectoryIndex): string {
  const scope = policy.users;
  if (scope.excludeUsers.has(user.id)) return 'excludes this admin directly';
  const group = anyIn(scope.excludeGroups, state.groups);
  if (group) {
    const g = index.groups.get(group);
    // memberUserIds is transitive, so look for a nested group that holds the admin to say how.
    const nested = (g?.memberGroupIds ?? []).find((inner) => index.groups.get(normId(inner))?.memberUserIds.some((m) => normId(m) === user.id));
    const how = nested ? ` (nested membership through group ${quote(index.groups.get(normId(nested))?.displayName, nested)})` : '';
    return `excludes this admin through group ${quote(g?.displayName, group)}${how}`;
  }
  const role = anyIn(scope.excludeRoles, state.targetableRoles);
  if (role) return `excludes role ${quote(resolveRole(role, index).roleName, role)}, which this admin holds`;
  return 'excludes guests and external users of this kind';
}

/**
 * R-ROLESTATE-1: the role states to evaluate: standing (if any monitored role is active), each eligible
 * assignment (role or PIM group membership) activated on its own, and all of them at once.
 */
export function adminStates(paths: readonly RolePath[], baseGroups: ReadonlySet<string>, index: DirectoryIndex): AdminState[] {
  const closure = (groups: Iterable<string>): Set<string> => {
    const out = new Set(baseGroups);
    for (const g of groups) {
      out.add(g);
      for (const parent of index.groupsOfGroup.get(g) ?? []) out.add(parent);
    }
    return out;
  };
  const make = (label: string | null, key: string, active: RolePath[], extraGroups: string[]): AdminState => {
    const targetable = new Set<string>();
    const untargetable: RolePath[] = [];
    for (const p of active) {
      if (p.roleKind === 'builtIn' && p.scope === 'tenant') targetable.add(p.roleTemplateId);
      else untargetable.push(p);
    }
    return { label, key, targetableRoles: targetable, untargetablePaths: untargetable, groups: closure(extraGroups) };
  };
  const standing = paths.filter((p) => p.assignment === 'active');
  // An active PIM group member is a member of the group (and of any group it is nested in), whether or not the
  // membership list read from the directory shows it (R-PIMGROUP-1).
  const activePimGroups = standing.filter((p) => p.via.kind === 'pimGroup' && p.via.groupId).map((p) => p.via.groupId as string);
  const units = new Map<string, RolePath[]>();
  for (const p of paths) {
    if (p.assignment !== 'eligible' || !p.activationKey) continue;
    let list = units.get(p.activationKey);
    if (!list) units.set(p.activationKey, (list = []));
    list.push(p);
  }
  const states: AdminState[] = [];
  if (standing.length > 0) states.push(make(null, 'standing', standing, activePimGroups));
  const groupOf = (key: string): string[] => (key.startsWith('member:') ? [key.slice('member:'.length)] : []);
  for (const [key, activated] of units) {
    const names = [...new Set(activated.map((p) => `'${p.roleName}'`))];
    const via = activated[0]?.via;
    const how = key.startsWith('member:') ? ` (eligible membership of group ${quote(via?.groupName, via?.groupId ?? '')})` : '';
    states.push(make(`while ${listPhrase(names)} ${names.length > 1 ? 'are' : 'is'} activated${how}`, key, [...standing, ...activated], [...activePimGroups, ...groupOf(key)]));
  }
  if (units.size > 1) {
    const all = [...units.values()].flat();
    states.push(make('while all eligible roles are activated', 'all', [...standing, ...all], [...activePimGroups, ...[...units.keys()].flatMap(groupOf)]));
  }
  return states;
}

export interface StateCoverage {
  state: AdminState;
  /** Enabled policies that apply and enforce MFA or block in some context. */
  covering: CompiledPolicy[];
  /** Security defaults cover this state (R-SD-1). */
  securityDefaults: boolean;
  /** Security defaults are on in the tenant (whether or not they cover this state). */
  securityDefaultsEnabled?: boolean;
  /** Disjoint boxes no covering policy reaches. */
  uncovered: Box[];
}

/**
 * R-COVER-1: the uncovered region is the full context space minus the union of the covering policies' boxes.
 * Memoised by the set of covering policies: admins with the same policies share the work.
 */
export class CoverageMemo {
  private readonly memo = new Map<string, Box[]>();
  constructor(private readonly set: PolicySet) {}

  uncovered(covering: readonly CompiledPolicy[], securityDefaults: boolean): Box[] {
    if (securityDefaults) return [];
    const key = covering.map((p) => p.id).join(',');
    let result = this.memo.get(key);
    if (!result) {
      // Broad policies first keeps the subtraction small.
      const boxes = covering.map((p) => p.box).sort((a, b) => weight(b) - weight(a));
      result = merge(uncovered([this.set.space.full], boxes));
      this.memo.set(key, result);
    }
    return result;
  }
}

function weight(box: Box): number {
  let w = 0;
  for (const mask of box) w += mask.toString(2).replace(/0/g, '').length;
  return w;
}

export function stateCoverage(
  set: PolicySet,
  memo: CoverageMemo,
  user: UserContext,
  state: AdminState,
  securityDefaultsEnabled: boolean,
): StateCoverage {
  const covering: CompiledPolicy[] = [];
  for (const policy of set.policies) {
    if (policy.state !== 'enabled' || policy.target.kind !== 'apps') continue;
    if (policy.grant.kind !== 'mfa' && policy.grant.kind !== 'block') continue;
    if (userScope(policy.users, user, state) === 'in') covering.push(policy);
  }
  // R-SD-1: security defaults require MFA on every sign-in for its 16 roles.
  const sd = securityDefaultsEnabled && SECURITY_DEFAULTS_ROLE_IDS.some((r) => state.targetableRoles.has(r));
  return { state, covering, securityDefaults: sd, securityDefaultsEnabled, uncovered: memo.uncovered(covering, sd) };
}

/** Explains one uncovered region: which policies came close, and why each does not reach it. */
export function explainGap(
  set: PolicySet,
  user: UserContext,
  coverage: StateCoverage,
  region: Box,
  index: DirectoryIndex,
): Gap {
  const contexts = describeContexts(set, region);
  // Lower rank = shown first: the reasons that explain most are exclusions and grants, not report-only.
  const reasons: Array<{ id: string; text: string; rank: number }> = [];
  const everywhere = contexts === '';
  for (const policy of set.policies) {
    if (policy.target.kind !== 'apps') {
      if (everywhere && policy.state === 'enabled' && userScope(policy.users, user, coverage.state) === 'in' && (policy.grant.kind === 'mfa' || policy.grant.kind === 'block')) {
        const what = policy.target.kind === 'userActions' ? `user action ${listPhrase(policy.target.actions.map((a) => `'${a}'`))}` : policy.target.kind === 'authenticationContext' ? `authentication context ${listPhrase(policy.target.references)}` : 'no application';
        reasons.push({ id: policy.id, text: `policy '${policy.name}' applies only to ${what}`, rank: 4 });
      }
      continue;
    }
    if (!intersects(policy.box, region)) {
      // Policies that apply to this admin and enforce MFA, but whose conditions leave this region out.
      if (policy.state === 'enabled' && (policy.grant.kind === 'mfa' || policy.grant.kind === 'block') && coverage.covering.includes(policy)) {
        const phrase = narrowingPhrase(policy, region);
        reasons.push({ id: policy.id, text: `policy '${policy.name}' ${phrase}`, rank: 3 });
      }
      continue;
    }
    const scope = userScope(policy.users, user, coverage.state);
    const enforces = policy.grant.kind === 'mfa' || policy.grant.kind === 'block';
    if (policy.state === 'enabled') {
      if (scope === 'in' && !enforces) reasons.push({ id: policy.id, text: `policy '${policy.name}' ${policy.grant.description}`, rank: 1 });
      else if (scope === 'excluded' && enforces) reasons.push({ id: policy.id, text: `policy '${policy.name}' ${exclusionReason(policy, user, coverage.state, index)}`, rank: 0 });
      else if (scope === 'out' && enforces) {
        const missed = roleTargetMiss(policy, coverage.state);
        if (missed) reasons.push({ id: policy.id, text: `policy '${policy.name}' ${missed}`, rank: 2 });
      }
    } else if (scope === 'in' && enforces && contains(policy.box, region)) {
      reasons.push({ id: policy.id, text: `policy '${policy.name}' would cover it but is ${policy.state === 'reportOnly' ? 'report-only' : 'disabled'}`, rank: 5 });
    }
  }
  reasons.sort((a, b) => a.rank - b.rank);
  const shown = reasons.slice(0, 4).map((r) => r.text);
  if (reasons.length > 4) shown.push(`${reasons.length - 4} more`);
  const prefix = coverage.state.label ? `${coverage.state.label}: ` : '';
  let summary: string;
  if (everywhere) {
    let why = '';
    if (shown.length) why = ` (${shown.join('; ')})`;
    else if (coverage.securityDefaultsEnabled) {
      why = ' (security defaults are enabled, but they require MFA only for holders of their 16 tenant-wide administrator roles, and none of the roles active in this state is one of them)';
    } else if (set.policies.length === 0) why = ' (the tenant has no Conditional Access policies and security defaults are off)';
    summary = `${prefix}no enabled policy requires MFA for this admin${why}`;
  } else {
    summary = `${prefix}no MFA when signing in ${contexts}${shown.length ? ` (${shown.join('; ')})` : ''}`;
  }
  return {
    summary,
    policyIds: [...new Set(reasons.map((r) => r.id))],
    state: coverage.state.label,
    contexts,
    kind: everywhere ? 'noPolicy' : 'conditions',
  };
}

/** Which of the policy's conditions leaves `region` out. */
function narrowingPhrase(policy: CompiledPolicy, region: Box): string {
  const phrases: string[] = [];
  policy.box.forEach((mask, i) => {
    if (((mask as bigint) & (region[i] as bigint)) === 0n && policy.conditionPhrases[i]) phrases.push(policy.conditionPhrases[i] as string);
  });
  return phrases.length ? listPhrase(phrases) : 'does not apply to these sign-ins';
}

/** A role-targeted policy the admin's role cannot trigger: AU-scoped or custom role (R-USERS-4). */
function roleTargetMiss(policy: CompiledPolicy, state: AdminState): string | undefined {
  for (const path of state.untargetablePaths) {
    if (policy.users.includeRoles.includes(path.roleTemplateId) || policy.users.includeRoles.includes(path.roleDefinitionId)) {
      return path.roleKind === 'custom'
        ? `targets role '${path.roleName}', but role targeting does not apply to custom roles`
        : `targets role '${path.roleName}', but this admin holds it scoped to ${path.directoryScopeId}, which role targeting does not see`;
    }
  }
  if (policy.users.includeRoles.length > 0 && state.untargetablePaths.length > 0 && !policy.users.includeAll) {
    const path = state.untargetablePaths[0] as RolePath;
    return `targets roles only; '${path.roleName}' ${path.roleKind === 'custom' ? 'is a custom role' : `is scoped to ${path.directoryScopeId}`} and cannot be targeted`;
  }
  return undefined;
}
