// Per-admin coverage: for every sign-in context, does some enabled policy that applies to this admin enforce
// MFA (or block)? Evaluated in every role state the admin can be in (standing, each eligible unit activated, and
// every combination of activations that exposes something no smaller one does), because role-targeted policies
// only see active roles. Rule ids refer to docs/evaluation.md.
import type { Box, Space } from './boxes.js';
import { SECURITY_DEFAULTS_ROLE_IDS } from './catalog.js';
import { type CompiledPolicy, type CompiledUserScope, type PolicySet, UNKNOWN_GUEST_KIND, describeContexts } from './conditions.js';
import { type HeadlineBody, headlineBody, withStatePrefix } from './headline.js';
import { listPhrase, normId, quote } from './ids.js';
import { type AdminIdentity, type DirectoryIndex, type RolePath, resolveRole } from './inventory.js';

export interface AdminState {
  /** null for the standing state; otherwise what is activated, e.g. "'Global Administrator' is activated". */
  label: string | null;
  key: string;
  /** The activation units active in this state (none: standing). */
  units: readonly ActivationUnit[];
  /** Active monitored paths in this state (standing and activated). */
  activePaths: RolePath[];
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
  /** At most about twelve words: the role state and the most telling uncovered context (R-EXPLAIN-1). */
  headline?: string;
  /** Every reason, one per policy that came close; the summary names at most four (R-EXPLAIN-2). */
  reasons?: string[];
}

export interface UserContext {
  id: string;
  guestTypes: Set<string>;
}

/** Stands in for the guest kind of an account whose details could not be read (R-USERS-7). */
export const UNKNOWN_GUEST_TYPE = UNKNOWN_GUEST_KIND;

/** Guest / external user kind, approximated from userType and the #EXT# UPN marker (R-USERS-5). */
export function guestTypesOf(user: AdminIdentity): Set<string> {
  // Every account Graph returns has a UPN: none at all means only the id is known.
  if (user.userPrincipalName === null && user.userType === null) return new Set([UNKNOWN_GUEST_TYPE]);
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

/** userScope results per policy of a set, for one admin in one state: computed once, read many times. */
export const SCOPE = { out: 0, in: 1, excluded: 2 } as const;
const SCOPE_NAMES: readonly ScopeResult[] = ['out', 'in', 'excluded'];

/** What decides which policies apply in a state: its groups and the roles role targeting sees. */
export type ScopeState = Pick<AdminState, 'groups' | 'targetableRoles'>;

/**
 * userScope for every policy at once, from the set's index: included by whatever the state holds that a policy
 * includes, then excluded likewise (R-USERS-1..7; the same answer as userScope, policy by policy).
 */
export function scopeVector(set: PolicySet, user: UserContext, state: ScopeState): Uint8Array {
  const ix = set.scopeIndex;
  const out = new Uint8Array(set.policies.length);
  const mark = (list: readonly number[] | undefined, value: number): void => {
    if (list) for (const i of list) out[i] = value;
  };
  mark(ix.everyone, SCOPE.in);
  mark(ix.includeUser.get(user.id), SCOPE.in);
  for (const g of state.groups) mark(ix.includeGroup.get(g), SCOPE.in);
  for (const r of state.targetableRoles) mark(ix.includeRole.get(r), SCOPE.in);
  for (const t of user.guestTypes) mark(ix.includeGuest.get(t), SCOPE.in);
  for (const i of ix.includeNone) out[i] = SCOPE.out;
  const exclude = (list: readonly number[] | undefined): void => {
    if (list) for (const i of list) if (out[i] === SCOPE.in) out[i] = SCOPE.excluded;
  };
  exclude(ix.excludeUser.get(user.id));
  for (const g of state.groups) exclude(ix.excludeGroup.get(g));
  for (const r of state.targetableRoles) exclude(ix.excludeRole.get(r));
  for (const t of user.guestTypes) exclude(ix.excludeGuest.get(t));
  return out;
}

/**
 * What decides an admin's scope for every policy of the set: the user id only if a policy names it, the groups
 * and roles policies name, the guest kind. Admins with the same signature get the same scope vector.
 */
export function scopeSignature(set: PolicySet, user: UserContext, state: ScopeState): string {
  const groups: string[] = [];
  for (const g of state.groups) if (set.referenced.groups.has(g)) groups.push(g);
  const roles: string[] = [];
  for (const r of state.targetableRoles) if (set.referenced.roles.has(r)) roles.push(r);
  return `${set.referenced.users.has(user.id) ? user.id : ''}|${groups.sort().join(',')}|${roles.sort().join(',')}|${[...user.guestTypes].sort().join(',')}`;
}

/** The include half of userScope: the scope includes this user in this state (exclusions aside). */
function userIncluded(scope: CompiledUserScope, user: UserContext, state: ScopeState): boolean {
  if (scope.includeNone) return false;
  return (
    scope.includeAll ||
    scope.includeUsers.has(user.id) ||
    anyIn(scope.includeGroups, state.groups) !== undefined ||
    anyIn(scope.includeRoles, state.targetableRoles) !== undefined ||
    // Enumerated external tenants cannot be matched to a user's home tenant: assume it does not apply.
    (!scope.includeGuestTenantsEnumerated && guestMatch(scope.includeGuestTypes, user.guestTypes))
  );
}

/** R-USERS-1..6: include by user, group (nested), active role, guest type or All; exclusion beats inclusion. */
export function userScope(scope: CompiledUserScope, user: UserContext, state: ScopeState): ScopeResult {
  if (!userIncluded(scope, user, state)) return 'out';
  const excluded =
    scope.excludeUsers.has(user.id) ||
    anyIn(scope.excludeGroups, state.groups) !== undefined ||
    anyIn(scope.excludeRoles, state.targetableRoles) !== undefined ||
    // For exclusions assume the worst: an enumerated-tenant exclusion may exclude this guest, and an
    // account of unknown kind may be one of the guests excluded.
    guestMatch(scope.excludeGuestTypes, user.guestTypes) ||
    (scope.excludeGuestTypes.size > 0 && user.guestTypes.has(UNKNOWN_GUEST_TYPE));
  return excluded ? 'excluded' : 'in';
}

const memberSets = new WeakMap<object, Set<string>>();

/** A group's (transitive) user members as a set, built once per group object. */
function memberSet(group: { memberUserIds: readonly string[] } | undefined): ReadonlySet<string> {
  if (!group) return new Set();
  let set = memberSets.get(group);
  if (!set) memberSets.set(group, (set = new Set(group.memberUserIds.map(normId))));
  return set;
}

/** Why a policy excludes this admin, for gap sentences. */
export function exclusionReason(policy: CompiledPolicy, user: UserContext, state: AdminState, index: DirectoryIndex): string {
  const scope = policy.users;
  if (scope.excludeUsers.has(user.id)) return 'excludes this admin directly';
  const group = anyIn(scope.excludeGroups, state.groups);
  if (group) {
    const g = index.groups.get(group);
    // memberUserIds is transitive, so look for a nested group that holds the admin to say how.
    const nested = (g?.memberGroupIds ?? []).find((inner) => memberSet(index.groups.get(normId(inner))).has(user.id));
    const how = nested ? ` (nested membership through group ${quote(index.groups.get(normId(nested))?.displayName, nested)})` : '';
    return `excludes this admin through group ${quote(g?.displayName, group)}${how}`;
  }
  const role = anyIn(scope.excludeRoles, state.targetableRoles);
  if (role) return `excludes role ${quote(resolveRole(role, index).roleName, role)}, which this admin holds`;
  if (user.guestTypes.has(UNKNOWN_GUEST_TYPE)) return "excludes guests and external users, and this admin's account details (guest or member) could not be read";
  return 'excludes guests and external users of this kind';
}

/**
 * What one eligible unit activates: an eligible role assignment (with every path it gives), an eligible PIM group
 * membership (the group, and the roles the group holds), or a role or group outside the monitored set that only
 * decides which policies apply (R-USERS-8, R-PIMGROUP-5).
 */
export interface ActivationUnit {
  key: string;
  /** How the unit is named in a combination: "'Global Administrator'", "the membership of group 'G'". */
  name: string;
  /** The state label when it alone is activated: "while 'X' is activated (eligible membership of group 'G')". */
  label: string;
  paths: RolePath[];
  /** Role template ids (outside the monitored set) role targeting sees once it is activated. */
  roles: string[];
  /** Groups joined by activating it. */
  groups: string[];
}

/** An admin's standing state and eligible units, before any policy set is looked at. */
export interface AdminUnits {
  standingPaths: RolePath[];
  /** Groups held beyond the directory's membership lists (active PIM-for-Groups memberships). */
  standingGroups: string[];
  /** Roles outside the monitored set held standing (R-USERS-8). */
  otherRoles: readonly string[];
  baseGroups: ReadonlySet<string>;
  units: ActivationUnit[];
  groupsOfGroup: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface ExtraUnitInput {
  key: string;
  name: string;
  how: string;
  roles: string[];
  groups: string[];
}

/** Units from the admin's paths (role and PIM-group eligibilities) and the extra ones the inventory found. */
export function activationUnits(
  paths: readonly RolePath[],
  baseGroups: ReadonlySet<string>,
  index: Pick<DirectoryIndex, 'groupsOfGroup'>,
  otherRoles: readonly string[] = [],
  extra: { units?: readonly ExtraUnitInput[]; pimMemberOf?: readonly string[] } = {},
): AdminUnits {
  const standingPaths = paths.filter((p) => p.assignment === 'active');
  // An active PIM group member is a member of the group (and of any group it is nested in), whether or not the
  // membership list read from the directory shows it (R-PIMGROUP-1).
  const standingGroups = [...new Set([...standingPaths.filter((p) => p.via.kind === 'pimGroup' && p.via.groupId).map((p) => p.via.groupId as string), ...(extra.pimMemberOf ?? [])])];
  const byKey = new Map<string, { paths: RolePath[]; roles: string[]; groups: string[]; name?: string; how?: string }>();
  for (const p of paths) {
    if (p.assignment !== 'eligible' || !p.activationKey) continue;
    let u = byKey.get(p.activationKey);
    if (!u) byKey.set(p.activationKey, (u = { paths: [], roles: [], groups: p.activationKey.startsWith('member:') ? [p.activationKey.slice('member:'.length)] : [] }));
    u.paths.push(p);
  }
  for (const e of extra.units ?? []) {
    let u = byKey.get(e.key);
    if (!u) byKey.set(e.key, (u = { paths: [], roles: [], groups: [] }));
    u.roles.push(...e.roles);
    for (const g of e.groups) if (!u.groups.includes(g)) u.groups.push(g);
    u.name ??= e.name;
    if (e.how && u.paths.length === 0) u.how ??= e.how;
  }
  const units: ActivationUnit[] = [];
  for (const [key, u] of byKey) {
    const names = [...new Set(u.paths.map((p) => `'${p.roleName}'`))];
    const via = u.paths[0]?.via;
    const member = key.startsWith('member:');
    const how = u.how ?? (member && via ? ` (eligible membership of group ${quote(via.groupName, via.groupId ?? '')})` : '');
    const subject = names.length > 0 ? listPhrase(names) : (u.name ?? key);
    units.push({
      key,
      name: member && names.length > 0 ? `the membership of group ${quote(via?.groupName, via?.groupId ?? '')} (${listPhrase(names)})` : (u.name ?? subject),
      label: `while ${subject} ${names.length > 1 ? 'are' : 'is'} activated${how}`,
      paths: u.paths,
      roles: u.roles,
      groups: u.groups,
    });
  }
  return { standingPaths, standingGroups, otherRoles, baseGroups, units, groupsOfGroup: index.groupsOfGroup };
}

/** The state with `units` activated (none: standing). */
export function makeState(admin: AdminUnits, units: readonly ActivationUnit[], label: string | null, key: string): AdminState {
  const extraGroups = [...admin.standingGroups, ...units.flatMap((u) => u.groups)];
  let groups: Set<string>;
  // States only read their group set: without extra groups they can share the admin's own.
  if (extraGroups.length === 0) groups = admin.baseGroups as Set<string>;
  else {
    groups = new Set(admin.baseGroups);
    for (const g of extraGroups) {
      groups.add(g);
      for (const parent of admin.groupsOfGroup.get(g) ?? []) groups.add(parent);
    }
  }
  // Roles held outside the monitored set count for targeting in every state (R-USERS-8).
  const targetable = new Set<string>(admin.otherRoles);
  for (const u of units) for (const r of u.roles) targetable.add(r);
  const untargetable: RolePath[] = [];
  const activePaths = [...admin.standingPaths, ...units.flatMap((u) => u.paths)];
  for (const p of activePaths) {
    if (p.roleKind === 'builtIn' && p.scope === 'tenant') targetable.add(p.roleTemplateId);
    else untargetable.push(p);
  }
  return { label, key, units, activePaths, targetableRoles: targetable, untargetablePaths: untargetable, groups };
}

/**
 * R-ROLESTATE-1/2: the role states to evaluate: standing (if any monitored role is active), each eligible unit
 * activated on its own, and the combinations of activations that expose contexts no state with fewer
 * activations exposes (found by `CoverageMemo.combinations`, exact by the argument in docs/evaluation.md).
 */
export function roleStates(memo: CoverageMemo, user: UserContext, admin: AdminUnits, securityDefaultsEnabled: boolean): AdminState[] {
  const states: AdminState[] = [];
  if (admin.standingPaths.length > 0) states.push(makeState(admin, [], null, 'standing'));
  // A unit that brings no monitored role makes an admin state only together with the standing roles (or others).
  for (const u of admin.units) if (u.paths.length > 0 || admin.standingPaths.length > 0) states.push(makeState(admin, [u], u.label, u.key));
  for (const combo of memo.combinations(user, admin, securityDefaultsEnabled)) {
    const units = combo.map((i) => admin.units[i] as ActivationUnit);
    const names = units.map((u) => u.name);
    states.push(makeState(admin, units, `while ${listPhrase(names)} are ${units.length === 2 ? 'both' : 'all'} activated`, units.map((u) => u.key).join('+')));
  }
  return states;
}

/** One unit's effect on which policies apply: the referenced groups and roles it adds, and security defaults. */
interface UnitClass {
  /** Index of the first unit with this effect (its representative; one that brings a monitored role if any does). */
  unit: number;
  /** Some unit of the class brings a monitored role: activating it alone makes its holder an admin. */
  hasPaths: boolean;
  groups: string[];
  roles: string[];
  sd: boolean;
  key: string;
}

export interface StateCoverage {
  state: AdminState;
  /** userScope of every policy for this admin in this state (SCOPE codes, by policy index). */
  scopes: Uint8Array;
  /** Enabled policies that apply and enforce MFA or block in some context. */
  covering: CompiledPolicy[];
  /** Identifies `covering` (for memoised facts about it). */
  coveringKey: string;
  /** The admin-state's scope signature: states with equal signatures (and security defaults) cover alike. */
  signature: string;
  /** Security defaults cover this state (R-SD-1). */
  securityDefaults: boolean;
  /** Security defaults are on in the tenant (whether or not they cover this state). */
  securityDefaultsEnabled?: boolean;
  /** Disjoint boxes no covering policy reaches. */
  uncovered: Box[];
}

export function scopeOf(coverage: StateCoverage, policy: CompiledPolicy): ScopeResult {
  return SCOPE_NAMES[coverage.scopes[policy.index] ?? 0] as ScopeResult;
}

/** R-SD-1: security defaults require MFA on every sign-in of a holder of one of their 16 roles. */
function holdsSecurityDefaultsRole(roles: ReadonlySet<string>): boolean {
  return SECURITY_DEFAULTS_ROLE_IDS.some((r) => roles.has(r));
}

/** What is known about one uncovered region, per policy; regions are shared by every admin with the same policies. */
interface RegionFacts {
  id: number;
  contexts: string;
  /** Per policy: 0 not computed, 1 the policy's cover (where it requires MFA) intersects the region, 2 it does not. */
  intersects: Uint8Array;
  /** Per policy: 0 not computed, 1 the policy's box (where it applies) intersects the region, 2 it does not. */
  applies: Uint8Array;
  /** Per policy: 0 not computed, 1 the cover contains the region, 2 it does not. */
  contains: Uint8Array;
  narrowing: Map<number, string>;
}

/** The parts of `boxes` (disjoint) that lie inside `cover` (disjoint): disjoint boxes. */
function intersection(space: Space, boxes: readonly Box[], cover: readonly Box[]): Box[] {
  const out: Box[] = [];
  for (const a of boxes) for (const b of cover) if (space.intersects(a, b)) out.push(space.intersection(a, b));
  return out;
}

function anyIntersects(space: Space, boxes: readonly Box[], other: readonly Box[]): boolean {
  for (const a of boxes) for (const b of other) if (space.intersects(a, b)) return true;
  return false;
}

/**
 * R-COVER-1: the uncovered region is the full context space minus the union of the covering policies' covers.
 * Memoised by the set of covering policies: admins with the same policies share the work, and the regions
 * they get back are the same objects, so facts about a region are computed once too.
 */
export class CoverageMemo {
  private readonly memo: Map<string, Box[]>;
  private readonly interned: Map<string, Box>;
  /** What is left after the first policies of a covering set, by their indexes (see uncovered). */
  private readonly prefixes: Map<string, Box[]>;
  private readonly regions = new WeakMap<Box, RegionFacts>();
  private regionCount = 0;
  private readonly scopes = new Map<string, { scopes: Uint8Array; covering: CompiledPolicy[]; coveringKey: string; signature: string }>();
  /** Per covering key: the covering policies (which leave every uncovered region out) and their ids. */
  private readonly narrowed = new Map<string, { policies: readonly CompiledPolicy[]; ids: string[] }>();
  private readonly combos = new Map<string, number[][]>();
  private readonly idLists = new Map<string, string[]>();
  private readonly candidateLists = new WeakMap<Uint8Array, { excluded: CompiledPolicy[]; nonMfa: CompiledPolicy[]; roleTargeted: CompiledPolicy[]; otherTargets: CompiledPolicy[]; notEnabled: CompiledPolicy[] }>();
  /** Anything else derived from a combination of states' signatures (see evaluate.ts), one map per kind. */
  readonly derived = new Map<string, unknown>();
  readonly gapShapes = new Map<string, unknown>();
  readonly adminShapes = new Map<string, unknown>();
  private sorted?: CompiledPolicy[];
  private notEnabled?: CompiledPolicy[];
  /**
   * `sameCovers`: a memo of a set whose policies cover exactly what this set's policies at the same indexes
   * cover (they differ only in whom they apply to, or this set adds policies at the end): what is left
   * uncovered by a covering set is then the same, and is shared (remediation's verification of one admin's
   * change).
   */
  constructor(
    readonly set: PolicySet,
    sameCovers?: CoverageMemo,
  ) {
    this.memo = sameCovers?.memo ?? new Map();
    this.interned = sameCovers?.interned ?? new Map();
    this.prefixes = sameCovers?.prefixes ?? new Map();
  }

  /** The policies ordered by id as Graph spells it (lists of ids come out sorted without sorting). */
  get byId(): CompiledPolicy[] {
    return (this.sorted ??= [...this.set.policies].sort((a, b) => (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0)));
  }

  /** Report-only and disabled policies that target apps and would require MFA: what could close a gap if enabled. */
  get notEnabledMfa(): CompiledPolicy[] {
    return (this.notEnabled ??= this.set.policies.filter((p) => p.state !== 'enabled' && p.target.kind === 'apps' && p.mfaGrant));
  }

  static key(covering: readonly CompiledPolicy[]): string {
    let key = '';
    for (const p of covering) key += `${p.index},`;
    return key;
  }

  /** What no covering policy reaches; `securityDefaultsAdmin`: the state holds a security-defaults role (R-SD-1). */
  uncovered(covering: readonly CompiledPolicy[], securityDefaultsAdmin: boolean, key = CoverageMemo.key(covering)): Box[] {
    if (securityDefaultsAdmin) return [];
    let result = this.memo.get(key);
    if (!result) {
      const { space } = this.set;
      const sorted = [...covering].sort((a, b) => b.weight - a.weight || a.index - b.index);
      // Broadest first. Covering sets share their first (broadest) policies, so what is left after the first 12 and
      // 36 is kept and picked up by the next set that starts alike.
      let prefix = '';
      const checkpoints: string[] = [];
      for (let i = 0; i < sorted.length && i < 36; i++) {
        prefix += `${(sorted[i] as CompiledPolicy).index},`;
        if (i === 11 || i === 35) checkpoints.push(prefix);
      }
      let rest: Box[] = [space.full];
      // R-SD-2: with security defaults on, every user is covered on Azure management and legacy clients are blocked.
      if (this.set.securityDefaults) rest = space.uncovered(rest, this.set.securityDefaults.allUsers);
      let start = 0;
      for (let c = checkpoints.length - 1; c >= 0; c--) {
        const hit = this.prefixes.get(checkpoints[c] as string);
        if (hit) {
          rest = hit;
          start = c === 0 ? 12 : 36;
          break;
        }
      }
      for (let i = start; i < sorted.length; i++) {
        if (rest.length === 0) break;
        rest = space.uncovered(rest, (sorted[i] as CompiledPolicy).cover);
        if ((i === 11 || i === 35) && rest.length <= 64) this.prefixes.set(checkpoints[i === 11 ? 0 : 1] as string, rest);
      }
      // Equal regions are one object, so what is learnt about a region (its phrase, which policies reach it) is
      // learnt once for every covering set that leaves it.
      result = space.merge(rest).map((box) => {
        const k = box.join(',');
        let shared = this.interned.get(k);
        if (!shared) this.interned.set(k, (shared = box));
        return shared;
      });
      this.memo.set(key, result);
    }
    return result;
  }

  /** Scope vector and covering policies for an admin state, shared by every admin with the same signature. */
  scopesFor(user: UserContext, state: ScopeState): { scopes: Uint8Array; covering: CompiledPolicy[]; coveringKey: string; signature: string } {
    const signature = scopeSignature(this.set, user, state);
    let entry = this.scopes.get(signature);
    if (!entry) {
      const scopes = scopeVector(this.set, user, state);
      const covering: CompiledPolicy[] = [];
      for (const policy of this.set.policies) if (policy.enforcing && scopes[policy.index] === SCOPE.in) covering.push(policy);
      // A short name for the signature: keys built from it stay short.
      entry = { scopes, covering, coveringKey: CoverageMemo.key(covering), signature: `#${this.scopes.size}` };
      this.scopes.set(signature, entry);
    }
    return entry;
  }

  /**
   * R-ROLESTATE-2: the combinations of two or more units (as indexes into `admin.units`) whose activation together
   * exposes contexts that no state with fewer of them does. Shared by every admin with the same standing scope
   * and the same unit effects.
   */
  combinations(user: UserContext, admin: AdminUnits, securityDefaultsEnabled: boolean): number[][] {
    if (admin.units.length < 2) return [];
    const standing = makeState(admin, [], null, 'standing');
    const referenced = this.set.referenced;
    const standingSd = securityDefaultsEnabled && holdsSecurityDefaultsRole(standing.targetableRoles);
    const classes = new Map<string, UnitClass>();
    admin.units.forEach((u, i) => {
      const state = makeState(admin, [u], null, u.key);
      const groups = [...state.groups].filter((g) => referenced.groups.has(g) && !standing.groups.has(g)).sort();
      const roles = [...state.targetableRoles].filter((r) => referenced.roles.has(r) && !standing.targetableRoles.has(r)).sort();
      const sd = securityDefaultsEnabled && !standingSd && holdsSecurityDefaultsRole(state.targetableRoles);
      // A unit that adds nothing a policy names changes no policy's applicability: it is never needed (R-ROLESTATE-2).
      if (groups.length === 0 && roles.length === 0 && !sd) return;
      const key = `${groups.join(',')}|${roles.join(',')}|${sd ? 'sd' : ''}`;
      const existing = classes.get(key);
      if (!existing) classes.set(key, { unit: i, hasPaths: u.paths.length > 0, groups, roles, sd, key });
      else if (!existing.hasPaths && u.paths.length > 0) Object.assign(existing, { unit: i, hasPaths: true });
    });
    const list = [...classes.values()].sort((a, b) => a.key.localeCompare(b.key));
    if (list.length < 2) return [];
    const hasStanding = admin.standingPaths.length > 0;
    // A class whose groups and roles no enabled MFA policy excludes only ever adds coverage, so a minimal exposing
    // combination never holds it, unless as the one monitored role an admin state needs (R-ROLESTATE-2). With at
    // most one class that can take coverage away, and no need for such a companion, there is no combination.
    const excluded = this.set.excluded;
    const takers = list.filter((c) => c.groups.some((g) => excluded.groups.has(g)) || c.roles.some((r) => excluded.roles.has(r)));
    if (takers.length === 0 || (takers.length === 1 && (hasStanding || (takers[0] as UnitClass).hasPaths))) return [];
    const memoKey = `${scopeSignature(this.set, user, standing)}|${standingSd ? 'sd' : ''}|${hasStanding ? 's' : ''}#${list.map((c) => `${c.key}${c.hasPaths ? '+' : ''}`).join('#')}`;
    let found = this.combos.get(memoKey);
    if (!found) {
      found = exposingCombinations(this, user, standing, list, hasStanding, standingSd);
      this.combos.set(memoKey, found);
    }
    return found.map((combo) => combo.map((c) => (list[c] as UnitClass).unit));
  }

  /**
   * The policies that may explain a gap, per scope vector (in policy order): enabled MFA policies that exclude the
   * admin, enabled policies that apply but do not require MFA, enabled MFA policies targeting roles the admin
   * does not hold, enabled MFA policies on user actions or contexts, and report-only or disabled MFA policies.
   */
  candidates(scopes: Uint8Array): { excluded: CompiledPolicy[]; nonMfa: CompiledPolicy[]; roleTargeted: CompiledPolicy[]; otherTargets: CompiledPolicy[]; notEnabled: CompiledPolicy[] } {
    let c = this.candidateLists.get(scopes);
    if (!c) {
      c = { excluded: [], nonMfa: [], roleTargeted: [], otherTargets: [], notEnabled: [] };
      for (const policy of this.set.policies) {
        const scope = scopes[policy.index];
        if (policy.enforcing && scope === SCOPE.in) continue;
        if (policy.target.kind !== 'apps') {
          if (policy.state === 'enabled' && scope === SCOPE.in && policy.mfaGrant) c.otherTargets.push(policy);
        } else if (policy.state === 'enabled') {
          if (scope === SCOPE.in) {
            if (!policy.mfaGrant) c.nonMfa.push(policy);
          } else if (policy.mfaGrant) {
            if (scope === SCOPE.excluded) c.excluded.push(policy);
            else if (policy.users.includeRoles.length > 0 && !policy.users.includeAll) c.roleTargeted.push(policy);
          }
        } else if (scope === SCOPE.in && policy.mfaGrant) c.notEnabled.push(policy);
      }
      this.candidateLists.set(scopes, c);
    }
    return c;
  }

  /** The ids of the covering policies that cover something, in id order (one list per covering set). */
  coveringIds(covering: readonly CompiledPolicy[], coveringKey: string): string[] {
    let ids = this.idLists.get(coveringKey);
    if (!ids) {
      const set = new Set(covering);
      this.idLists.set(coveringKey, (ids = this.byId.filter((p) => set.has(p) && p.cover.length > 0).map((p) => p.policy.id)));
    }
    return ids;
  }

  /**
   * The covering policies that leave `region` out: all of them, since an uncovered region is what every covering
   * policy's cover leaves (R-COVER-1). One shared list (with ids) per covering set.
   */
  narrowedOut(covering: readonly CompiledPolicy[], coveringKey: string): { policies: readonly CompiledPolicy[]; ids: string[] } {
    let entry = this.narrowed.get(coveringKey);
    if (!entry) this.narrowed.set(coveringKey, (entry = { policies: covering, ids: covering.map((p) => p.policy.id) }));
    return entry;
  }

  facts(region: Box): RegionFacts {
    let facts = this.regions.get(region);
    if (!facts) {
      const n = this.set.policies.length;
      facts = { id: this.regionCount++, contexts: describeContexts(this.set, region), intersects: new Uint8Array(n), applies: new Uint8Array(n), contains: new Uint8Array(n), narrowing: new Map() };
      this.regions.set(region, facts);
    }
    return facts;
  }

  /** The policy requires MFA (or blocks) somewhere in `region`. */
  intersects(region: Box, policy: CompiledPolicy): boolean {
    const f = this.facts(region);
    let v = f.intersects[policy.index];
    if (!v) f.intersects[policy.index] = v = policy.cover.some((b) => this.set.space.intersects(b, region)) ? 1 : 2;
    return v === 1;
  }

  /** The policy's conditions select some context in `region` (whatever its grant). */
  applies(region: Box, policy: CompiledPolicy): boolean {
    const f = this.facts(region);
    let v = f.applies[policy.index];
    if (!v) f.applies[policy.index] = v = this.set.space.intersects(policy.box, region) ? 1 : 2;
    return v === 1;
  }

  /** The policy requires MFA (or blocks) in all of `region`. */
  contains(region: Box, policy: CompiledPolicy): boolean {
    const f = this.facts(region);
    let v = f.contains[policy.index];
    if (!v) {
      const { space } = this.set;
      const { cover } = policy;
      const inside = cover.length === 1 ? space.contains(cover[0] as Box, region) : cover.length > 0 && space.uncovered([region], cover).length === 0;
      f.contains[policy.index] = v = inside ? 1 : 2;
    }
    return v === 1;
  }

  /** "policy 'X' applies only to …": one string per region and policy, shared by every gap that names it. */
  narrowing(region: Box, policy: CompiledPolicy): string {
    const f = this.facts(region);
    let sentence = f.narrowing.get(policy.index);
    if (sentence === undefined) f.narrowing.set(policy.index, (sentence = `policy '${policy.name}' ${narrowingPhrase(this.set.space, policy, region)}`));
    return sentence;
  }
}

/**
 * The exact search behind R-ROLESTATE-2 (the proof is in docs/evaluation.md). Every context starts in the state
 * with every relevant unit activated; a context covered there by a policy some activated units include is moved
 * to the state without those units (the only way that policy stops applying: exclusions cannot be added, every
 * unit is already active), and a context covered by a policy the standing state includes is never exposed. What
 * no applying policy covers is exposed in its state, which is the largest state exposing it. Each exposed piece
 * is then labelled with an inclusion-minimal set of units that still exposes it; sets of two or more are returned.
 */
function exposingCombinations(memo: CoverageMemo, user: UserContext, standing: AdminState, classes: UnitClass[], hasStanding: boolean, standingSd: boolean): number[][] {
  const set = memo.set;
  const { space } = set;
  const stateOf = (members: readonly number[]): ScopeState & { sd: boolean } => {
    if (members.length === 0) return { groups: standing.groups, targetableRoles: standing.targetableRoles, sd: standingSd };
    const groups = new Set(standing.groups);
    const roles = new Set(standing.targetableRoles);
    let sd = standingSd;
    for (const m of members) {
      const c = classes[m] as UnitClass;
      for (const g of c.groups) groups.add(g);
      for (const r of c.roles) roles.add(r);
      sd ||= c.sd;
    }
    return { groups, targetableRoles: roles, sd };
  };
  const includedBy = (policy: CompiledPolicy, c: UnitClass): boolean => c.groups.some((g) => policy.users.includeGroups.includes(g)) || c.roles.some((r) => policy.users.includeRoles.includes(r));
  const standingIncludes = (policy: CompiledPolicy): boolean => userIncluded(policy.users, user, standing);
  const allUsers = set.securityDefaults?.allUsers ?? [];
  // An admin state holds a monitored role: a standing one, or one an activated unit brings. Its subsets without
  // one are not admin states, and neither are their subsets, so pieces that can only go there are dropped.
  const admissible = (members: readonly number[]): boolean => hasStanding || members.some((m) => (classes[m] as UnitClass).hasPaths);
  const pending = new Map<string, { members: number[]; pieces: Box[] }>();
  const all = classes.map((_, i) => i);
  pending.set(all.join(','), { members: all, pieces: [set.space.full] });
  const exposed: Array<{ members: number[]; pieces: Box[] }> = [];
  while (pending.size > 0) {
    // Largest state first: pieces only ever move to smaller states.
    const [key, entry] = [...pending].reduce((a, b) => (b[1].members.length > a[1].members.length ? b : a));
    pending.delete(key);
    const { members } = entry;
    const state = stateOf(members);
    let rest = entry.pieces;
    const moveTo = (remaining: number[], pieces: Box[]): void => {
      if (pieces.length === 0 || !admissible(remaining)) return;
      const k = remaining.join(',');
      const target = pending.get(k);
      if (target) target.pieces.push(...pieces);
      else pending.set(k, { members: remaining, pieces });
    };
    if (state.sd) {
      // Security defaults cover everything here; they stop only without the units that bring their roles.
      if (standingSd) continue;
      moveTo(members.filter((m) => !(classes[m] as UnitClass).sd), rest);
      continue;
    }
    if (allUsers.length > 0) rest = space.uncovered(rest, allUsers);
    const { covering } = memo.scopesFor(user, state);
    for (const policy of covering) {
      if (rest.length === 0) break;
      if (policy.cover.length === 0 || !anyIntersects(space, rest, policy.cover)) continue;
      const includers = standingIncludes(policy) ? [] : members.filter((m) => includedBy(policy, classes[m] as UnitClass));
      if (includers.length > 0) moveTo(members.filter((m) => !includers.includes(m)), intersection(space, rest, policy.cover));
      rest = space.uncovered(rest, policy.cover);
    }
    if (rest.length > 0 && admissible(members)) exposed.push({ members, pieces: rest });
  }
  // Label each exposed piece with an inclusion-minimal set of units that still exposes it.
  const exposes = (members: number[], pieces: Box[]): boolean => {
    if (!admissible(members)) return false;
    const state = stateOf(members);
    if (state.sd) return false;
    if (anyIntersects(space, pieces, allUsers)) return false;
    return !memo.scopesFor(user, state).covering.some((p) => anyIntersects(space, pieces, p.cover));
  };
  const combos = new Map<string, number[]>();
  for (const { members, pieces } of exposed) {
    for (const piece of space.merge(pieces)) {
      let label = members;
      for (const m of members) {
        const smaller = label.filter((x) => x !== m);
        if (smaller.length < label.length && exposes(smaller, [piece])) label = smaller;
      }
      if (label.length >= 2) combos.set(label.join(','), label);
    }
  }
  return [...combos.values()].sort((a, b) => a.length - b.length || a.join(',').localeCompare(b.join(',')));
}

/** Coverage of one admin in one role state, under the policy set `memo` was built for. */
export function stateCoverage(memo: CoverageMemo, user: UserContext, state: AdminState, securityDefaultsEnabled: boolean): StateCoverage {
  const { scopes, covering, coveringKey, signature } = memo.scopesFor(user, state);
  // R-SD-1: security defaults require MFA on every sign-in for its 16 roles.
  const sd = securityDefaultsEnabled && holdsSecurityDefaultsRole(state.targetableRoles);
  return { state, scopes, covering, coveringKey, signature: `${signature}|${sd ? 'sd' : ''}`, securityDefaults: sd, securityDefaultsEnabled, uncovered: memo.uncovered(covering, sd, coveringKey) };
}

/**
 * Sets `reasons` on a gap as a property worked out when first read (and then kept): every reason can be a
 * hundred sentences in a large tenant, and the timer's evaluation, which only diffs and alerts, never reads them.
 * JSON (check --json), spreads and the report read it like any property (R-EXPLAIN-2).
 */
export function lazyReasons<T extends { reasons?: string[] }>(gap: T, reasons: () => string[]): T {
  Object.defineProperty(gap, 'reasons', {
    enumerable: true,
    configurable: true,
    get(): string[] {
      const value = reasons();
      Object.defineProperty(gap, 'reasons', { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
    set(value: string[]) {
      Object.defineProperty(gap, 'reasons', { value, enumerable: true, configurable: true, writable: true });
    },
  });
  return gap;
}

/** Explains one uncovered region: which policies came close, and why each does not reach it. */
export function explainGap(
  set: PolicySet,
  memo: CoverageMemo,
  user: UserContext,
  coverage: StateCoverage,
  region: Box,
  index: DirectoryIndex,
): { gap: Gap; sentence: string; personal: boolean } {
  // `personal`: the gap's sentence or reasons say how a policy excludes this admin (rendered per admin, not per
  // shape). Admins alike (same scope signature, same kind of state, same untargetable and held roles) get the
  // same explanation; the state's label and the sentences saying how an admin is excluded are about the admin.
  const { state } = coverage;
  let untargetable = '';
  for (const p of state.untargetablePaths) untargetable += `${p.roleDefinitionId}@${p.directoryScopeId},`;
  const key = `${memo.facts(region).id}#${coverage.signature}#${state.label === null ? 's' : 'a'}#${untargetable}#${state.activePaths.length > state.untargetablePaths.length ? 't' : ''}`;
  let shape = memo.gapShapes.get(key) as GapShape | undefined;
  if (!shape) memo.gapShapes.set(key, (shape = gapShape(set, memo, coverage, region)));
  // Rank 0: how the policy excludes this admin; rank 2: which of the state's roles it leaves out.
  const render = (policy: CompiledPolicy, rank: number): string => (rank === 2 ? roleTargetSentence(policy, state) : `policy '${policy.name}' ${exclusionReason(policy, user, state, index)}`);
  const sentence = shape.personal ? shape.compose(shape.sentences.map((s, i) => s ?? render(shape.shown[i] as CompiledPolicy, shape.ranks[i] as number))) : shape.sentence;
  const headline = withStatePrefix(state, shape.headline);
  const gap: Gap = { ...shape.gap, summary: state.label ? `${state.label}: ${sentence}` : sentence, state: state.label, headline };
  // R-EXPLAIN-2: the reasons name every policy that came close, the sentence the first four.
  lazyReasons(gap, () => {
    const all = shape.all();
    if (all.perAdmin.length === 0) return all.reasons;
    const rendered = all.sentences.slice() as string[];
    for (const i of all.perAdmin) rendered[i] = render(all.policies[i] as CompiledPolicy, all.ranks[i] as number);
    return shape.finish(rendered);
  });
  // Only how a policy excludes the admin is about the admin; which roles it leaves out (rank 2) is about the
  // admin's roles, which every admin evaluated alike holds too.
  return { gap, sentence, personal: shape.excludes };
}

/** Every policy that came close to a gap (the summary's first), their ranks and sentences (null: per admin). */
interface AllReasons {
  policies: CompiledPolicy[];
  ranks: number[];
  sentences: Array<string | null>;
  /** Where `sentences` is null. */
  perAdmin: number[];
  /** The reasons, when none is per admin. */
  reasons: string[];
}

interface GapShape {
  /** The gap without its state (summary, state, headline and reasons are set per admin). */
  gap: Omit<Gap, 'summary' | 'state' | 'headline' | 'reasons'>;
  /** The summary without the state's label, when it is the same for every admin alike. */
  sentence: string;
  /** The headline without the role state (R-EXPLAIN-1). */
  headline: HeadlineBody;
  /** The policies named in the summary, in order; their ranks and sentences, null where it is about the admin. */
  shown: CompiledPolicy[];
  ranks: number[];
  sentences: Array<string | null>;
  personal: boolean;
  /** Some policy that came close excludes the admin (rank 0): the reasons are the admin's own. */
  excludes: boolean;
  compose(sentences: string[]): string;
  /** Every reason (R-EXPLAIN-2), worked out once per shape when first asked for. */
  all(): AllReasons;
  /** The reasons list from every policy's rendered sentence. */
  finish(sentences: string[]): string[];
}

/** R-SD-2: why security defaults leave a gap for an admin outside their 16 roles. */
export const SECURITY_DEFAULTS_SCOPE =
  'security defaults require MFA of every user only on Azure management (Azure portal, Microsoft Entra admin center, Azure PowerShell, Azure CLI) and block legacy authentication; they require it on every sign-in only of holders of their 16 administrator roles, none of which is active in this state';

type Ranked = { policy: CompiledPolicy; rank: number };

/** Every policy that came close: the summary's (with their sentences) first, then the rest in the same order. */
function allReasons(shown: readonly Ranked[], every: readonly Ranked[], shownSentences: ReadonlyArray<string | null>, sentence: (c: Ranked) => string | null, finish: (s: string[]) => string[]): AllReasons {
  const shownSet = new Set(shown.map((c) => c.policy));
  const ordered = [...shown];
  for (const c of every) if (!shownSet.has(c.policy)) ordered.push(c);
  const texts = ordered.map((c, i) => (i < shownSentences.length ? (shownSentences[i] as string | null) : sentence(c)));
  const perAdmin: number[] = [];
  texts.forEach((t, i) => {
    if (t === null) perAdmin.push(i);
  });
  return { policies: ordered.map((c) => c.policy), ranks: ordered.map((c) => c.rank), sentences: texts, perAdmin, reasons: perAdmin.length ? [] : finish(texts as string[]) };
}

function gapShape(set: PolicySet, memo: CoverageMemo, coverage: StateCoverage, region: Box): GapShape {
  const contexts = memo.facts(region).contexts;
  // Candidates first, sentences later: an admin with a hundred narrowing policies needs four sentences for the
  // summary; the hundred (every reason) are worked out only when read. Rank = order shown: exclusions and grants
  // explain most, report-only least. The narrowing policies (rank 3) are the same for every admin with these
  // covering policies: one shared list.
  const everywhere = contexts === '';
  const culprits: Array<Array<{ policy: CompiledPolicy; rank: number }>> = [[], [], [], [], [], []];
  const lists = memo.candidates(coverage.scopes);
  for (const policy of lists.excluded) if (memo.intersects(region, policy)) culprits[0]?.push({ policy, rank: 0 });
  for (const policy of lists.nonMfa) if (memo.applies(region, policy)) culprits[1]?.push({ policy, rank: 1 });
  // R-USERS-4 / R-USERS-9: a role-targeted policy that leaves this admin's roles out.
  // (roleTargetMiss names a reason exactly when the state holds a role: untargetable, or targetable and not listed.)
  const holdsRoles = coverage.state.activePaths.length > 0;
  if (holdsRoles) for (const policy of lists.roleTargeted) if (memo.intersects(region, policy)) culprits[2]?.push({ policy, rank: 2 });
  if (everywhere) for (const policy of lists.otherTargets) culprits[4]?.push({ policy, rank: 4 });
  for (const policy of lists.notEnabled) if (memo.contains(region, policy)) culprits[5]?.push({ policy, rank: 5 });
  const narrowed = memo.narrowedOut(coverage.covering, coverage.coveringKey);
  const first = [...(culprits[0] ?? []), ...(culprits[1] ?? []), ...(culprits[2] ?? [])];
  const last = [...(culprits[4] ?? []), ...(culprits[5] ?? [])];
  const total = first.length + narrowed.policies.length + last.length;
  const candidates = [...first, ...narrowed.policies.slice(0, Math.max(0, 4 - first.length)).map((policy) => ({ policy, rank: 3 })), ...last].slice(0, 4);
  const sentence = ({ policy, rank }: { policy: CompiledPolicy; rank: number }): string | null => {
    const name = `policy '${policy.name}'`;
    switch (rank) {
      case 0:
        return null;
      case 1:
        return `${name} ${policy.grant.description}`;
      case 2:
        // Names the roles the admin holds: rendered per admin.
        return null;
      case 3:
        return memo.narrowing(region, policy);
      case 4: {
        const t = policy.target;
        const what = t.kind === 'userActions' ? `user action ${listPhrase(t.actions.map((a) => `'${a}'`))}` : t.kind === 'authenticationContext' ? `authentication context ${listPhrase(t.references)}` : 'no application';
        return `${name} applies only to ${what}`;
      }
      default:
        return `${name} would cover it but is ${policy.state === 'reportOnly' ? 'report-only' : policy.state === 'unknown' ? `in the undocumented state '${policy.policy.state}'` : 'disabled'}`;
    }
  };
  const sentences = candidates.map(sentence);
  // R-SD-2: with security defaults on, an admin outside their roles is told what they do and do not cover.
  const sdScope = coverage.securityDefaultsEnabled && !coverage.securityDefaults ? [SECURITY_DEFAULTS_SCOPE] : [];
  const empty = everywhere && set.policies.length === 0 && sdScope.length === 0 ? 'the tenant has no Conditional Access policies and security defaults are off' : undefined;
  const compose = (rendered: string[]): string => {
    const shown = [...(total > 4 ? [...rendered, `${total - 4} more`] : rendered), ...sdScope];
    if (everywhere) {
      let why = '';
      if (shown.length) why = ` (${shown.join('; ')})`;
      else if (empty) why = ` (${empty})`;
      return `no enabled policy requires MFA for this admin${why}`;
    }
    return `no MFA when signing in ${contexts}${shown.length ? ` (${shown.join('; ')})` : ''}`;
  };
  const finish = (rendered: string[]): string[] => (sdScope.length ? [...rendered, ...sdScope] : rendered.length || !empty ? rendered : [empty]);
  let all: AllReasons | undefined;
  const personal = sentences.some((x) => x === null);
  return {
    gap: {
      policyIds: first.length + last.length === 0 ? narrowed.ids : [...first.map((c) => c.policy.policy.id), ...narrowed.ids, ...last.map((c) => c.policy.policy.id)],
      contexts,
      kind: everywhere ? 'noPolicy' : 'conditions',
    },
    sentence: personal ? '' : compose(sentences as string[]),
    headline: headlineBody(set, everywhere ? null : region),
    shown: candidates.map((c) => c.policy),
    ranks: candidates.map((c) => c.rank),
    sentences,
    personal,
    excludes: (culprits[0]?.length ?? 0) > 0,
    compose,
    finish,
    all: () => (all ??= allReasons(candidates, [...first, ...narrowed.policies.map((policy) => ({ policy, rank: 3 })), ...last], sentences, sentence, finish)),
  };
}

/**
 * Why a covering policy does not reach `region`: its conditions leave the region out, or (R-GRANT-7) the region
 * is where a device or app alternative of its grant is met.
 */
function narrowingPhrase(space: Space, policy: CompiledPolicy, region: Box): string {
  const phrases: string[] = [];
  policy.conditionPhrases.forEach((phrase, i) => {
    if (phrase && !space.meets(policy.box, region, i)) phrases.push(phrase);
  });
  if (policy.grant.kind === 'mfaUnless' && space.intersects(policy.box, region)) phrases.unshift(policy.grant.description);
  return phrases.length ? listPhrase(phrases) : 'does not apply to these sign-ins';
}

/** Role-targeting sentences per state (states are shared by admins alike) and policy. */
const roleTargetSentences = new WeakMap<AdminState, Map<number, string>>();

function roleTargetSentence(policy: CompiledPolicy, state: AdminState): string {
  let byPolicy = roleTargetSentences.get(state);
  if (!byPolicy) roleTargetSentences.set(state, (byPolicy = new Map()));
  let sentence = byPolicy.get(policy.index);
  if (sentence === undefined) byPolicy.set(policy.index, (sentence = `policy '${policy.name}' ${roleTargetMiss(policy, state) ?? ''}`));
  return sentence;
}

/**
 * A role-targeted policy that does not reach this admin's roles: the role is AU-scoped or custom (R-USERS-4), or
 * the policy lists other roles than those the admin holds in this state (R-USERS-9).
 */
function roleTargetMiss(policy: CompiledPolicy, state: AdminState): string | undefined {
  const include = policy.users.includeRoles;
  if (include.length === 0 || policy.users.includeAll) return undefined;
  for (const path of state.untargetablePaths) {
    if (include.includes(path.roleTemplateId) || include.includes(path.roleDefinitionId)) {
      return path.roleKind === 'custom'
        ? `targets role '${path.roleName}', but role targeting does not apply to custom roles`
        : `targets role '${path.roleName}', but this admin holds it scoped to ${path.directoryScopeId}, which role targeting does not see`;
    }
  }
  const held = [...new Set(state.activePaths.filter((p) => p.roleKind === 'builtIn' && p.scope === 'tenant' && !include.includes(p.roleTemplateId)).map((p) => `'${p.roleName}'`))];
  if (held.length > 0) {
    const named = held.length > 3 ? [...held.slice(0, 3), `${held.length - 3} more`] : held;
    const others = policy.users.includeUsers.size + policy.users.includeGroups.length > 0 ? ' (and some users or groups)' : '';
    return `targets ${include.length} role${include.length > 1 ? 's' : ''}${others} but not ${listPhrase(named)}, which this admin holds${state.label ? ' in this state' : ''}`;
  }
  if (state.untargetablePaths.length > 0) {
    const path = state.untargetablePaths[0] as RolePath;
    return `targets roles only; '${path.roleName}' ${path.roleKind === 'custom' ? 'is a custom role' : `is scoped to ${path.directoryScopeId}`} and cannot be targeted`;
  }
  return undefined;
}
