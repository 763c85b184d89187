// Verification of a proposed change (R-FIX-2, docs/remediation.md): the engine evaluates the admins with the
// change applied, in every role state, in the same context space as today, and compares context by context.
// A proposal is shown only when the gap it is for is gone and no admin lost coverage anywhere.
//
// A change has a shared part (a policy edit that reaches everyone in its scope: enabling it, making its grant
// MFA, widening its conditions, dropping a group or role exclusion) and a personal part (the admin under fix
// included or no longer excluded, or removed from groups). The shared part is evaluated once for every admin it
// can reach and cached; the personal part only changes the admin's own scope in one policy, so only that admin
// is re-evaluated for it, with that policy's scope worked out for them.
import { type Box, intersects, uncovered } from './boxes.js';
import { type CompiledPolicy, type CompiledUserScope, type PolicySet, compilePolicies } from './conditions.js';
import { type AdminState, CoverageMemo, SCOPE, type UserContext, adminStates, guestTypesOf, stateCoverage, userScope } from './coverage.js';
import type { ConditionalAccessPolicy } from './graph-types.js';
import { normId } from './ids.js';
import type { AdminEntry, DirectoryIndex } from './inventory.js';
import type { TenantSnapshot } from './snapshot.js';

export interface VerifiedAdmin {
  id: string;
  entry: AdminEntry;
  user: UserContext;
  states: AdminState[];
  /** Per role state (key): the covering policies' key and the uncovered contexts (Conditional Access and security defaults). */
  before: Map<string, { coveringKey: string; uncovered: Box[] }>;
}

export interface Verdict {
  /** Admins with a context covered today and uncovered after the change. */
  losers: string[];
  /** Admins with a context uncovered today and covered after. */
  gainers: string[];
}

export interface PersonalResult {
  lost: boolean;
  gained: boolean;
  /** The admin's uncovered contexts per role state after the change. */
  after: Map<string, Box[]>;
}

type UserScopeChange = { include: boolean; unexclude: boolean };

/** A user scope with one user included and/or no longer excluded by id. */
function withUser(scope: CompiledUserScope, userId: string, change: UserScopeChange): CompiledUserScope {
  const includeUsers = new Set(scope.includeUsers);
  const excludeUsers = new Set(scope.excludeUsers);
  if (change.include) includeUsers.add(userId);
  if (change.unexclude) excludeUsers.delete(userId);
  return { ...scope, includeNone: change.include ? false : scope.includeNone, includeUsers, excludeUsers };
}

/** A policy set with one policy replaced (or added at the end), compiled in today's context space. */
export function spliced(base: PolicySet, snapshot: TenantSnapshot, policy: ConditionalAccessPolicy, at: number): PolicySet {
  const one = compilePolicies([policy], snapshot.namedLocations, snapshot.authenticationStrengthPolicies, snapshot.conditionalAccessPolicies);
  const compiled = { ...(one.policies[0] as CompiledPolicy), index: at };
  const policies = base.policies.slice();
  policies[at] = compiled;
  const referenced = { users: new Set<string>(), groups: new Set<string>(), roles: new Set<string>() };
  for (const p of policies) {
    for (const u of [...p.users.includeUsers, ...p.users.excludeUsers]) referenced.users.add(u);
    for (const g of [...p.users.includeGroups, ...p.users.excludeGroups]) referenced.groups.add(g);
    for (const r of [...p.users.includeRoles, ...p.users.excludeRoles]) referenced.roles.add(r);
  }
  // The boxes of the other policies are reused: the edited policy mentions no value today's policies do not.
  return { ...base, policies, referenced };
}

/** Everything a verification compares with, computed once per snapshot. */
export class Verifier {
  readonly admins: VerifiedAdmin[];
  private readonly byId: Map<string, VerifiedAdmin>;
  private readonly sd: boolean;
  private readonly shared = new Map<string, Verdict>();
  private readonly variants = new Map<string, { set: PolicySet; memo: CoverageMemo }>();
  /** Scenarios evaluated (shared and personal), for the bench and tests. */
  evaluations = 0;

  constructor(
    private readonly snapshot: TenantSnapshot,
    readonly set: PolicySet,
    readonly memo: CoverageMemo,
    readonly index: DirectoryIndex,
    entries: readonly AdminEntry[],
  ) {
    this.sd = snapshot.securityDefaults?.isEnabled === true;
    this.admins = entries.map((entry) => {
      const user: UserContext = { id: entry.id, guestTypes: guestTypesOf(entry) };
      const states = adminStates(entry.paths, index.groupsOfUser.get(entry.id) ?? new Set(), index, entry.otherTargetableRoles);
      const before = new Map<string, { coveringKey: string; uncovered: Box[] }>();
      for (const s of states) {
        const c = stateCoverage(memo, user, s, this.sd);
        before.set(s.key, { coveringKey: c.coveringKey, uncovered: c.uncovered });
      }
      return { id: entry.id, entry, user, states, before };
    });
    this.byId = new Map(this.admins.map((a) => [a.id, a]));
  }

  admin(id: string): VerifiedAdmin | undefined {
    return this.byId.get(id);
  }

  /** The policy set and memo with policy `at` replaced by `policy` (or added), cached by `key`. */
  private variant(key: string, policy: ConditionalAccessPolicy, at: number): { set: PolicySet; memo: CoverageMemo } {
    let v = this.variants.get(key);
    if (!v) {
      const set = spliced(this.set, this.snapshot, policy, at);
      this.variants.set(key, (v = { set, memo: new CoverageMemo(set) }));
    }
    return v;
  }

  /**
   * The shared part of a change: policy `at` replaced by `policy` (or added, at the end) for everyone. Only
   * admins the new or the old version applies to can be covered differently; each is evaluated in every role
   * state.
   */
  sharedChange(key: string, policy: ConditionalAccessPolicy, at: number): Verdict {
    const cached = this.shared.get(key);
    if (cached) return cached;
    this.evaluations++;
    const { set, memo } = this.variant(key, policy, at);
    const compiled = set.policies[at] as CompiledPolicy;
    const old = this.set.policies[at];
    const verdict: Verdict = { losers: [], gainers: [] };
    // Coverage is a function of the covering set: one comparison per pair of covering keys.
    const compared = new Map<string, { lost: boolean; gained: boolean }>();
    for (const a of this.admins) {
      const reached = a.states.some((s) => userScope(compiled.users, a.user, s) === 'in' || (old !== undefined && userScope(old.users, a.user, s) === 'in'));
      if (!reached) continue;
      let lost = false;
      let gained = false;
      for (const s of a.states) {
        const before = a.before.get(s.key);
        if (!before) continue;
        const now = stateCoverage(memo, a.user, s, this.sd);
        const pair = `${before.coveringKey}|${now.coveringKey}|${now.securityDefaults ? 'sd' : ''}`;
        let result = compared.get(pair);
        if (!result) compared.set(pair, (result = { lost: uncovered(now.uncovered, before.uncovered).length > 0, gained: uncovered(before.uncovered, now.uncovered).length > 0 }));
        lost ||= result.lost;
        gained ||= result.gained;
      }
      if (lost) verdict.losers.push(a.id);
      if (gained) verdict.gainers.push(a.id);
    }
    this.shared.set(key, verdict);
    return verdict;
  }

  /**
   * The admin under fix with the whole change applied: the shared part (`shared`, or today's policies), then the
   * admin's own scope in policy `personal.at` (included, no longer excluded by user id) or a new policy that
   * names only them, and/or the admin removed from `removal` groups. The admin's covering policies are today's
   * (under the shared part) with that one policy's scope worked out for them: no other admin is involved.
   */
  personalChange(
    a: VerifiedAdmin,
    shared: { key: string; policy: ConditionalAccessPolicy; at: number } | null,
    personal: { at: number; include: boolean; unexclude: boolean } | { newPolicy: ConditionalAccessPolicy } | null,
    removal: readonly string[] | null,
  ): PersonalResult {
    this.evaluations++;
    let memo = shared ? this.variant(shared.key, shared.policy, shared.at).memo : this.memo;
    let set = shared ? (this.variants.get(shared.key) as { set: PolicySet }).set : this.set;
    let forced: { index: number; scope: UserScopeChange | 'in' } | null = null;
    if (personal && 'newPolicy' in personal) {
      // The new policy names only this admin: it is in their scope in every state.
      const v = this.variant('newPolicy', personal.newPolicy, this.set.policies.length);
      memo = v.memo;
      set = v.set;
      forced = { index: this.set.policies.length, scope: 'in' };
    } else if (personal && (personal.include || personal.unexclude)) forced = { index: personal.at, scope: personal };
    const states = removal ? adminStates(a.entry.paths, this.groupsAfterRemoval(a.id, new Set(removal.map(normId))), this.index, a.entry.otherTargetableRoles) : a.states;
    const result: PersonalResult = { lost: false, gained: false, after: new Map() };
    for (const s of states) {
      const c = stateCoverage(memo, a.user, s, this.sd);
      let covering = c.covering;
      if (forced) {
        const p = set.policies[forced.index] as CompiledPolicy;
        const inScope = forced.scope === 'in' || userScope(withUser(p.users, a.id, forced.scope), a.user, s) === 'in';
        covering = covering.filter((q) => q.index !== forced.index);
        if (inScope && p.enforcing) covering = [...covering, p].sort((x, y) => x.index - y.index);
      }
      const now = memo.uncovered(covering, c.securityDefaults, CoverageMemo.key(covering));
      result.after.set(s.key, now);
      const before = a.before.get(s.key);
      // A role state that was not there before is a change the verification cannot vouch for.
      if (!before) result.lost = true;
      else {
        if (uncovered(now, before.uncovered).length > 0) result.lost = true;
        if (uncovered(before.uncovered, now).length > 0) result.gained = true;
      }
    }
    return result;
  }

  /**
   * The groups the admin is in after removal from `removed`. Memberships are transitive in the snapshot: the
   * admin stays in a group they are in directly, or through a nested group they stay in; a membership that is
   * both direct and nested is read as nested (the DELETE requests name every group that holds the admin).
   */
  private groupsAfterRemoval(userId: string, removed: ReadonlySet<string>): Set<string> {
    const { groups } = this.index;
    const holds = (g: string) => groups.get(g)?.memberUserIds.some((m) => normId(m) === userId) === true;
    const memo = new Map<string, boolean>();
    const stays = (g: string): boolean => {
      const known = memo.get(g);
      if (known !== undefined) return known;
      memo.set(g, false);
      const nested = (groups.get(g)?.memberGroupIds ?? []).map(normId);
      const direct = holds(g) && !nested.some(holds);
      const result = !removed.has(g) && (direct || nested.some((k) => holds(k) && stays(k)));
      memo.set(g, result);
      return result;
    };
    return new Set([...(this.index.groupsOfUser.get(userId) ?? [])].filter(stays));
  }
}

/** True when none of the target regions (per role state) is left uncovered after the change. */
export function closes(after: Map<string, Box[]>, targets: ReadonlyArray<{ stateKey: string; region: Box }>): boolean {
  return targets.every((t) => !(after.get(t.stateKey) ?? []).some((box) => intersects(box, t.region)));
}

export { SCOPE };
