// Verification of a proposed change (R-FIX-2, docs/remediation.md): the engine evaluates the admins with the
// change applied, in every role state, in the same context space as today, and compares context by context.
// A proposal is shown only when the gap it is for is gone and no admin lost coverage anywhere.
//
// A change has a shared part (a policy edit that reaches everyone in its scope: enabling it, making its grant
// MFA, widening its conditions, dropping a group or role exclusion) and a personal part (the admin under fix
// included or no longer excluded, or removed from groups, or a new policy naming only them). The shared part is
// evaluated once for every admin it can reach and cached; the whole change only for the admin under fix.
//
// Role states depend on the policies (R-ROLESTATE-2: the combinations of activations that expose something), so
// each side is compared in the states either policy set's evaluation visits, as what-if comparisons are.
import type { Box, Space } from './boxes.js';
import { type CompiledPolicy, type PolicySet, compilePolicy, replacedPolicyIndexes, strengthIndex, withUserScope } from './conditions.js';
import { type AdminState, type AdminUnits, CoverageMemo, type UserContext, activationUnits, guestTypesOf, makeState, roleStates, stateCoverage, userScope } from './coverage.js';
import type { AuthenticationStrengthPolicy, ConditionalAccessPolicy } from './graph-types.js';
import { normId } from './ids.js';
import type { AdminEntry, DirectoryIndex } from './inventory.js';
import type { TenantSnapshot } from './snapshot.js';

export interface VerifiedAdmin {
  id: string;
  entry: AdminEntry;
  user: UserContext;
  units: AdminUnits;
  /** The role states today's evaluation visits. */
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

/** One policy replaced (or added at the end): what a change does to the policy set. */
export interface PolicyChange {
  /** Identifies the change (variants are cached by it). */
  key: string;
  policy: ConditionalAccessPolicy;
  at: number;
}

/**
 * A policy set with one policy replaced (or added at the end), compiled in today's context space: the edits
 * remediation makes mention no value today's policies do not (they remove values, or use All), so the other
 * policies' boxes stay as they are.
 */
export function spliced(base: PolicySet, strengths: ReadonlyMap<string, AuthenticationStrengthPolicy>, policy: ConditionalAccessPolicy, at: number, scopeOnly = false): PolicySet {
  const policies = base.policies.slice();
  const current = base.policies[at];
  // Only whom it applies to changed: its conditions, grant and state compile as they did.
  const compiled = scopeOnly && current ? withUserScope(current, policy) : compilePolicy(policy, at, base, strengths);
  policies[at] = compiled;
  return { ...base, policies, ...replacedPolicyIndexes(base, compiled) };
}

/** The state with the same activations as `like`, for an admin whose units may differ (groups after a removal). */
function sameState(units: AdminUnits, like: AdminState): AdminState {
  if (like.units.length === 0) return makeState(units, [], like.label, like.key);
  const chosen = like.units.map((u) => units.units.find((x) => x.key === u.key)).filter((u): u is AdminUnits['units'][number] => u !== undefined);
  return makeState(units, chosen, like.label, like.key);
}

/** Everything a verification compares with, computed once per snapshot. */
export class Verifier {
  readonly admins: VerifiedAdmin[];
  private readonly byId: Map<string, VerifiedAdmin>;
  private readonly sd: boolean;
  private readonly strengths: ReadonlyMap<string, AuthenticationStrengthPolicy>;
  private readonly shared = new Map<string, Verdict>();
  private readonly variants = new Map<string, { set: PolicySet; memo: CoverageMemo }>();
  /** Scenarios evaluated (shared and personal), for the bench and tests. */
  evaluations = 0;

  constructor(
    snapshot: TenantSnapshot,
    readonly set: PolicySet,
    readonly memo: CoverageMemo,
    readonly index: DirectoryIndex,
    entries: readonly AdminEntry[],
  ) {
    this.sd = set.securityDefaults !== null;
    this.strengths = strengthIndex(snapshot.authenticationStrengthPolicies);
    this.admins = entries.map((entry) => {
      const user: UserContext = { id: entry.id, guestTypes: guestTypesOf(entry) };
      const units = this.unitsOf(entry, index.groupsOfUser.get(entry.id) ?? new Set());
      const states = roleStates(memo, user, units, this.sd);
      const before = new Map<string, { coveringKey: string; uncovered: Box[] }>();
      for (const s of states) {
        const c = stateCoverage(memo, user, s, this.sd);
        before.set(s.key, { coveringKey: c.coveringKey, uncovered: c.uncovered });
      }
      return { id: entry.id, entry, user, units, states, before };
    });
    this.byId = new Map(this.admins.map((a) => [a.id, a]));
  }

  private unitsOf(entry: AdminEntry, groups: ReadonlySet<string>): AdminUnits {
    return activationUnits(entry.paths, groups, this.index, entry.otherTargetableRoles, { units: entry.extraUnits, pimMemberOf: entry.pimMemberOf });
  }

  get space(): Space {
    return this.set.space;
  }

  admin(id: string): VerifiedAdmin | undefined {
    return this.byId.get(id);
  }

  /**
   * The policy set and memo with a change applied; shared parts are cached by key, personal ones are not.
   * `sameCovers`: the memo of a set whose policies cover the same (`change` only names whom a policy applies to,
   * or adds one at the end), whose uncovered regions are then shared.
   */
  private variant(change: PolicyChange, keep: boolean, sameCovers?: CoverageMemo): { set: PolicySet; memo: CoverageMemo } {
    let v = this.variants.get(change.key);
    if (!v) {
      // On top of `sameCovers`' set when given (the shared part the admin's own edits build on).
      const base = sameCovers?.set ?? this.set;
      const set = spliced(base, this.strengths, change.policy, change.at, sameCovers !== undefined && change.at < base.policies.length);
      v = { set, memo: new CoverageMemo(set, sameCovers) };
      if (keep) this.variants.set(change.key, v);
    }
    return v;
  }

  /** Today's coverage of an admin in a role state (kept for the states today's evaluation visits). */
  private before(a: VerifiedAdmin, state: AdminState): { coveringKey: string; uncovered: Box[] } {
    const known = a.before.get(state.key);
    if (known) return known;
    const c = stateCoverage(this.memo, a.user, sameState(a.units, state), this.sd);
    return { coveringKey: c.coveringKey, uncovered: c.uncovered };
  }

  /**
   * An admin under a changed policy set (and, after a removal, changed groups), compared with today in every
   * state either evaluation visits. `compared` caches lost/gained by the pair of covering sets.
   */
  private compare(a: VerifiedAdmin, memo: CoverageMemo, units: AdminUnits, compared?: Map<string, { lost: boolean; gained: boolean }>): PersonalResult {
    const { space } = this;
    const after = roleStates(memo, a.user, units, this.sd);
    const states = new Map<string, AdminState>(a.states.map((s) => [s.key, s]));
    for (const s of after) if (!states.has(s.key)) states.set(s.key, s);
    const result: PersonalResult = { lost: false, gained: false, after: new Map() };
    for (const state of states.values()) {
      const was = this.before(a, state);
      const now = stateCoverage(memo, a.user, units === a.units ? state : sameState(units, state), this.sd);
      result.after.set(state.key, now.uncovered);
      const pair = `${was.coveringKey}|${now.coveringKey}|${now.securityDefaults ? 'sd' : ''}`;
      let r = compared?.get(pair);
      if (!r) {
        r = { lost: space.uncovered(now.uncovered, was.uncovered).length > 0, gained: space.uncovered(was.uncovered, now.uncovered).length > 0 };
        compared?.set(pair, r);
      }
      result.lost ||= r.lost;
      result.gained ||= r.gained;
    }
    return result;
  }

  /**
   * The shared part of a change for everyone. Only admins the new or the old version can include (in the state
   * with every activation, where inclusion is widest) can be covered differently; each is evaluated in every
   * role state.
   */
  sharedChange(change: PolicyChange): Verdict {
    const cached = this.shared.get(change.key);
    if (cached) return cached;
    this.evaluations++;
    const { set, memo } = this.variant(change, true);
    const compiled = set.policies[change.at] as CompiledPolicy;
    const old = this.set.policies[change.at];
    const verdict: Verdict = { losers: [], gainers: [] };
    // Within one change, coverage is a function of the covering set: one comparison per pair of covering keys.
    const compared = new Map<string, { lost: boolean; gained: boolean }>();
    for (const a of this.admins) {
      const widest = makeState(a.units, a.units.units, null, 'all');
      const reached = userScope(compiled.users, a.user, widest) !== 'out' || (old !== undefined && userScope(old.users, a.user, widest) !== 'out');
      if (!reached) continue;
      const { lost, gained } = this.compare(a, memo, a.units, compared);
      if (lost) verdict.losers.push(a.id);
      if (gained) verdict.gainers.push(a.id);
    }
    this.shared.set(change.key, verdict);
    return verdict;
  }

  /**
   * The admin under fix with the whole change applied: a policy replaced or added (`change`, the shared part
   * with their own scope edits, or a new policy naming them), and/or the admin removed from `removal` groups.
   */
  personalChange(a: VerifiedAdmin, change: (PolicyChange & { scopeOf?: string | null }) | null, removal: readonly string[] | null, keep = false): PersonalResult {
    this.evaluations++;
    // A change of whom a policy applies to (on top of a shared part, `scopeOf` its key; null: today's policies)
    // or a new policy covers what that set covers: its uncovered regions are shared.
    const base = change?.scopeOf === undefined ? undefined : change.scopeOf === null ? this.memo : this.variants.get(change.scopeOf)?.memo;
    const memo = change ? this.variant(change, keep, base).memo : this.memo;
    const units = removal ? this.unitsOf(a.entry, this.groupsAfterRemoval(a.id, new Set(removal.map(normId)))) : a.units;
    return this.compare(a, memo, units);
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
export function closes(space: Space, after: Map<string, Box[]>, targets: ReadonlyArray<{ stateKey: string; region: Box }>): boolean {
  return targets.every((t) => !(after.get(t.stateKey) ?? []).some((box) => space.intersects(box, t.region)));
}
