// Per-admin coverage: for every sign-in context, does some enabled policy that applies to this admin enforce
// MFA (or block)? Evaluated in every role state the admin can be in (standing, and each eligible assignment
// activated), because role-targeted policies only see active roles. Rule ids refer to docs/evaluation.md.
import { type Box, contains, intersects, merge, uncovered } from './boxes.js';
import { SECURITY_DEFAULTS_ROLE_IDS } from './catalog.js';
import { type CompiledPolicy, type CompiledUserScope, type PolicySet, describeContexts } from './conditions.js';
import { gapHeadline } from './headline.js';
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
export const UNKNOWN_GUEST_TYPE = 'unknown';

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

export function scopeVector(set: PolicySet, user: UserContext, state: AdminState): Uint8Array {
  const out = new Uint8Array(set.policies.length);
  for (const p of set.policies) out[p.index] = SCOPE[userScope(p.users, user, state)];
  return out;
}

/**
 * What decides an admin's scope for every policy of the set: the user id only if a policy names it, the groups
 * and roles policies name, the guest kind. Admins with the same signature get the same scope vector.
 */
export function scopeSignature(set: PolicySet, user: UserContext, state: AdminState): string {
  const groups: string[] = [];
  for (const g of state.groups) if (set.referenced.groups.has(g)) groups.push(g);
  const roles: string[] = [];
  for (const r of state.targetableRoles) if (set.referenced.roles.has(r)) roles.push(r);
  return `${set.referenced.users.has(user.id) ? user.id : ''}|${groups.sort().join(',')}|${roles.sort().join(',')}|${[...user.guestTypes].sort().join(',')}`;
}

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
    // For exclusions assume the worst: an enumerated-tenant exclusion may exclude this guest, and an
    // account of unknown kind may be one of the guests excluded.
    guestMatch(scope.excludeGuestTypes, user.guestTypes) ||
    (scope.excludeGuestTypes.size > 0 && user.guestTypes.has(UNKNOWN_GUEST_TYPE));
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
  if (user.guestTypes.has(UNKNOWN_GUEST_TYPE)) return "excludes guests and external users, and this admin's account details (guest or member) could not be read";
  return 'excludes guests and external users of this kind';
}

/**
 * R-ROLESTATE-1: the role states to evaluate: standing (if any monitored role is active), each eligible
 * assignment (role or PIM group membership) activated on its own, and all of them at once.
 */
export function adminStates(paths: readonly RolePath[], baseGroups: ReadonlySet<string>, index: DirectoryIndex, otherRoles: readonly string[] = []): AdminState[] {
  const closure = (groups: readonly string[]): Set<string> => {
    // States only read their group set: without extra groups they can share the admin's own.
    if (groups.length === 0) return baseGroups as Set<string>;
    const out = new Set(baseGroups);
    for (const g of groups) {
      out.add(g);
      for (const parent of index.groupsOfGroup.get(g) ?? []) out.add(parent);
    }
    return out;
  };
  const make = (label: string | null, key: string, active: RolePath[], extraGroups: string[]): AdminState => {
    // Roles held outside the monitored set count for targeting in every state (R-USERS-8).
    const targetable = new Set<string>(otherRoles);
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

/** What is known about one uncovered region, per policy; regions are shared by every admin with the same policies. */
interface RegionFacts {
  id: number;
  contexts: string;
  /** Per policy: 0 not computed, 1 the policy's box intersects the region, 2 it does not. */
  intersects: Uint8Array;
  /** Per policy: 0 not computed, 1 the box contains the region, 2 it does not. */
  contains: Uint8Array;
  narrowing: Map<number, string>;
}

/**
 * R-COVER-1: the uncovered region is the full context space minus the union of the covering policies' boxes.
 * Memoised by the set of covering policies: admins with the same policies share the work, and the regions
 * they get back are the same objects, so facts about a region are computed once too.
 */
export class CoverageMemo {
  private readonly memo = new Map<string, Box[]>();
  private readonly regions = new WeakMap<Box, RegionFacts>();
  private regionCount = 0;
  private readonly scopes = new Map<string, { scopes: Uint8Array; covering: CompiledPolicy[]; coveringKey: string; signature: string }>();
  /** Per region id, per covering key: the covering policies that leave the region out. */
  private readonly narrowed = new Map<number, Map<string, { policies: CompiledPolicy[]; ids: string[] }>>();
  /** Anything else derived from a combination of states' signatures (see evaluate.ts). */
  readonly derived = new Map<string, unknown>();
  constructor(private readonly set: PolicySet) {}

  static key(covering: readonly CompiledPolicy[]): string {
    let key = '';
    for (const p of covering) key += `${p.index},`;
    return key;
  }

  uncovered(covering: readonly CompiledPolicy[], securityDefaults: boolean, key = CoverageMemo.key(covering)): Box[] {
    if (securityDefaults) return [];
    let result = this.memo.get(key);
    if (!result) {
      const boxes = [...covering].sort((a, b) => b.weight - a.weight).map((p) => p.box);
      result = merge(uncovered([this.set.space.full], boxes));
      this.memo.set(key, result);
    }
    return result;
  }

  /** Scope vector and covering policies for an admin state, shared by every admin with the same signature. */
  scopesFor(user: UserContext, state: AdminState): { scopes: Uint8Array; covering: CompiledPolicy[]; coveringKey: string; signature: string } {
    const signature = scopeSignature(this.set, user, state);
    let entry = this.scopes.get(signature);
    if (!entry) {
      const scopes = scopeVector(this.set, user, state);
      const covering: CompiledPolicy[] = [];
      for (const policy of this.set.policies) if (policy.enforcing && scopes[policy.index] === SCOPE.in) covering.push(policy);
      entry = { scopes, covering, coveringKey: CoverageMemo.key(covering), signature };
      this.scopes.set(signature, entry);
    }
    return entry;
  }

  /** The covering policies whose conditions leave `region` out (one shared list per covering set and region). */
  narrowedOut(region: Box, covering: readonly CompiledPolicy[], coveringKey: string): { policies: CompiledPolicy[]; ids: string[] } {
    const facts = this.facts(region);
    let byCovering = this.narrowed.get(facts.id);
    if (!byCovering) this.narrowed.set(facts.id, (byCovering = new Map()));
    let entry = byCovering.get(coveringKey);
    if (!entry) {
      const policies = covering.filter((p) => !this.intersects(region, p));
      entry = { policies, ids: policies.map((p) => p.policy.id) };
      byCovering.set(coveringKey, entry);
    }
    return entry;
  }

  facts(region: Box): RegionFacts {
    let facts = this.regions.get(region);
    if (!facts) {
      const n = this.set.policies.length;
      facts = { id: this.regionCount++, contexts: describeContexts(this.set, region), intersects: new Uint8Array(n), contains: new Uint8Array(n), narrowing: new Map() };
      this.regions.set(region, facts);
    }
    return facts;
  }

  intersects(region: Box, policy: CompiledPolicy): boolean {
    const f = this.facts(region);
    let v = f.intersects[policy.index];
    if (!v) f.intersects[policy.index] = v = intersects(policy.box, region) ? 1 : 2;
    return v === 1;
  }

  contains(region: Box, policy: CompiledPolicy): boolean {
    const f = this.facts(region);
    let v = f.contains[policy.index];
    if (!v) f.contains[policy.index] = v = contains(policy.box, region) ? 1 : 2;
    return v === 1;
  }

  narrowing(region: Box, policy: CompiledPolicy): string {
    const f = this.facts(region);
    let phrase = f.narrowing.get(policy.index);
    if (phrase === undefined) f.narrowing.set(policy.index, (phrase = narrowingPhrase(policy, region)));
    return phrase;
  }
}

/** Coverage of one admin in one role state, under the policy set `memo` was built for. */
export function stateCoverage(memo: CoverageMemo, user: UserContext, state: AdminState, securityDefaultsEnabled: boolean): StateCoverage {
  const { scopes, covering, coveringKey, signature } = memo.scopesFor(user, state);
  // R-SD-1: security defaults require MFA on every sign-in for its 16 roles.
  const sd = securityDefaultsEnabled && SECURITY_DEFAULTS_ROLE_IDS.some((r) => state.targetableRoles.has(r));
  return { state, scopes, covering, coveringKey, signature: `${signature}|${sd ? 'sd' : ''}`, securityDefaults: sd, securityDefaultsEnabled, uncovered: memo.uncovered(covering, sd, coveringKey) };
}

/** Explains one uncovered region: which policies came close, and why each does not reach it. */
export function explainGap(
  set: PolicySet,
  memo: CoverageMemo,
  user: UserContext,
  coverage: StateCoverage,
  region: Box,
  index: DirectoryIndex,
): Gap {
  // Admins alike (same scope signature, same role state, same untargetable roles) get the same explanation;
  // only the sentence saying how an admin is excluded is about the admin, and is rendered per admin.
  const untargetable = coverage.state.untargetablePaths.map((p) => `${p.roleDefinitionId}@${p.directoryScopeId}`).join(',');
  const key = `gap#${memo.facts(region).id}#${coverage.signature}#${coverage.state.label ?? ''}#${untargetable}`;
  let shape = memo.derived.get(key) as GapShape | undefined;
  if (!shape) memo.derived.set(key, (shape = gapShape(set, memo, coverage, region)));
  if (!shape.personal) return shape.gap;
  const render = (s: string | null, policy: CompiledPolicy | undefined) => s ?? `policy '${policy?.name}' ${exclusionReason(policy as CompiledPolicy, user, coverage.state, index)}`;
  const sentences = shape.sentences.map((s, i) => render(s, shape.shown[i]));
  // R-EXPLAIN-2: the reasons list names every policy, the summary the first four.
  const reasons = shape.allSentences.map((s, i) => (i < sentences.length ? (sentences[i] as string) : render(s, shape.all[i])));
  return { ...shape.gap, summary: shape.compose(sentences), reasons };
}

interface GapShape {
  gap: Gap;
  /** The policies named in the summary, in order; their sentences, null where it is about the admin. */
  shown: CompiledPolicy[];
  sentences: Array<string | null>;
  /** Every policy that came close and its sentence (the summary's first, then the rest). */
  all: CompiledPolicy[];
  allSentences: Array<string | null>;
  personal: boolean;
  compose(sentences: string[]): string;
}

function gapShape(set: PolicySet, memo: CoverageMemo, coverage: StateCoverage, region: Box): GapShape {
  const contexts = memo.facts(region).contexts;
  // Candidates first, sentences later: an admin with a hundred narrowing policies needs four sentences, not a
  // hundred. Rank = order shown: exclusions and grants explain most, report-only least. The narrowing
  // policies (rank 3) are the same for every admin with these covering policies: one shared list.
  const everywhere = contexts === '';
  const culprits: Array<Array<{ policy: CompiledPolicy; rank: number }>> = [[], [], [], [], [], []];
  for (const policy of set.policies) {
    const scope = coverage.scopes[policy.index];
    if (policy.enforcing && scope === SCOPE.in) continue;
    const enforces = policy.grant.kind === 'mfa' || policy.grant.kind === 'block';
    if (policy.target.kind !== 'apps') {
      if (everywhere && policy.state === 'enabled' && scope === SCOPE.in && enforces) culprits[4]?.push({ policy, rank: 4 });
      continue;
    }
    if (policy.state === 'enabled') {
      if (scope === SCOPE.in) {
        if (!enforces && memo.intersects(region, policy)) culprits[1]?.push({ policy, rank: 1 });
      } else if (enforces && memo.intersects(region, policy)) {
        if (scope === SCOPE.excluded) culprits[0]?.push({ policy, rank: 0 });
        else if (roleTargetMiss(policy, coverage.state)) culprits[2]?.push({ policy, rank: 2 });
      }
    } else if (scope === SCOPE.in && enforces && memo.contains(region, policy)) culprits[5]?.push({ policy, rank: 5 });
  }
  const narrowed = memo.narrowedOut(region, coverage.covering, coverage.coveringKey);
  const first = [...(culprits[0] ?? []), ...(culprits[1] ?? []), ...(culprits[2] ?? [])];
  const last = [...(culprits[4] ?? []), ...(culprits[5] ?? [])];
  const total = first.length + narrowed.policies.length + last.length;
  const candidates = [...first, ...narrowed.policies.slice(0, Math.max(0, 4 - first.length)).map((policy) => ({ policy, rank: 3 })), ...last].slice(0, 4);
  // The rest, in the same order, for the full reasons list (R-EXPLAIN-2).
  const shownSet = new Set(candidates.map((c) => c.policy));
  const rest = [...first, ...narrowed.policies.map((policy) => ({ policy, rank: 3 })), ...last].filter((c) => !shownSet.has(c.policy));
  const sentence = ({ policy, rank }: { policy: CompiledPolicy; rank: number }): string | null => {
    const name = `policy '${policy.name}'`;
    switch (rank) {
      case 0:
        return null;
      case 1:
        return `${name} ${policy.grant.description}`;
      case 2:
        return `${name} ${roleTargetMiss(policy, coverage.state) ?? ''}`;
      case 3:
        return `${name} ${memo.narrowing(region, policy)}`;
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
  const prefix = coverage.state.label ? `${coverage.state.label}: ` : '';
  const fallback = !everywhere || total > 0 ? undefined : noPolicyReason(set, coverage);
  const compose = (rendered: string[]): string => {
    const shown = total > 4 ? [...rendered, `${total - 4} more`] : rendered;
    if (everywhere) {
      const why = shown.length ? ` (${shown.join('; ')})` : fallback ? ` (${fallback})` : '';
      return `${prefix}no enabled policy requires MFA for this admin${why}`;
    }
    return `${prefix}no MFA when signing in ${contexts}${shown.length ? ` (${shown.join('; ')})` : ''}`;
  };
  const restSentences = rest.map(sentence);
  const allSentences = [...sentences, ...restSentences];
  const personal = allSentences.some((x) => x === null);
  return {
    gap: {
      summary: personal ? '' : compose(sentences as string[]),
      headline: gapHeadline(set, everywhere ? null : region, coverage.state.label),
      reasons: personal ? [] : fallback ? [fallback] : (allSentences as string[]),
      policyIds: first.length + last.length === 0 ? narrowed.ids : [...first.map((c) => c.policy.policy.id), ...narrowed.ids, ...last.map((c) => c.policy.policy.id)],
      state: coverage.state.label,
      contexts,
      kind: everywhere ? 'noPolicy' : 'conditions',
    },
    shown: candidates.map((c) => c.policy),
    sentences,
    all: [...candidates, ...rest].map((c) => c.policy),
    allSentences,
    personal,
    compose,
  };
}

/** With no policy to name, the one reason there is for a gap in every context. */
function noPolicyReason(set: PolicySet, coverage: StateCoverage): string | undefined {
  if (coverage.securityDefaultsEnabled) return 'security defaults are enabled, but they require MFA only for holders of their 16 tenant-wide administrator roles, and none of the roles active in this state is one of them';
  if (set.policies.length === 0) return 'the tenant has no Conditional Access policies and security defaults are off';
  return undefined;
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
