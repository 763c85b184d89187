// From finding to fix (R-FIX-*, docs/remediation.md): for every gap of every admin, the smallest change that
// closes it, as the exact Microsoft Graph request(s), with its side effects counted, and verified by
// re-evaluating the tenant with the change applied. A proposal that does not verify is never shown. Pure: the
// monitor never writes to the tenant; an administrator runs the requests.
import { createHash } from 'node:crypto';
import type { Box, Space } from './boxes.js';
import { type CompiledPolicy, type PolicySet, compilePolicies } from './conditions.js';
import { CoverageMemo, SCOPE, stateCoverage } from './coverage.js';
import type { EvaluationOptions } from './evaluate.js';
import type { ConditionalAccessPolicy } from './graph-types.js';
import { isMicrosoftManaged } from './enforcement.js';
import { normId } from './ids.js';
import { type DirectoryIndex, buildInventory, indexSnapshot, resolveRole } from './inventory.js';
import { perUserIndex, withPerUserMfa } from './per-user-mfa.js';
import {
  CA_WRITE,
  type GraphRequest,
  type ScopeNeeds,
  clone,
  grantToMfa,
  membershipRemoval,
  newPolicyFor,
  patchBody,
  scopeEdit,
  strongerThanMfa,
  unionMask,
  unusable,
  widenConditions,
} from './remediation-edits.js';
import { type PersonalResult, type Verdict, type VerifiedAdmin, Verifier, closes } from './remediation-verify.js';
import type { AdminOut, GapOut, Report } from './report.js';
import { who } from './report.js';
import type { TenantSnapshot } from './snapshot.js';

export type { GraphRequest };

/** Who else a change touches: the admins whose coverage it widens and the other users it applies to. */
export interface SideEffects {
  /** Admins whose sign-ins it puts under MFA in more contexts (verified), by name: the first twenty. */
  adminsCovered: string[];
  /** How many admins it puts under MFA in more contexts. */
  adminsCoveredCount: number;
  /** Users outside the monitored admins it applies to: a count, `all` (every user), or null when not known. */
  otherUsers: number | 'all' | null;
  /** In words: "every user in the tenant", "3 members of group 'X' (other members not read)". */
  description: string;
  notes: string[];
}

export interface FixProposal {
  /** Stable id: a hash of the requests. */
  id: string;
  kind: 'policyEdit' | 'membershipRemoval' | 'newPolicy' | 'combined';
  title: string;
  /** Each edit in words, field by field. */
  changes: string[];
  requests: GraphRequest[];
  sideEffects: SideEffects;
  /** R-FIX-2: the engine re-evaluated every admin with the change applied. */
  verification: { gapClosed: true; adminsLosingCoverage: 0; adminsChecked: number };
  /** The gaps it closes: admin id and the gap's index in the admin's `gaps`. */
  closes: Array<{ adminId: string; gap: number }>;
}

/** Per gap: the smallest verified change, and other verified ones. */
export interface GapFix {
  proposalId: string | null;
  title: string | null;
  alternatives: string[];
  /** Why there is none (data missing, or a gap only per-user MFA leaves open, …). */
  reason?: string;
}

export interface RemediationOut {
  /** The monitor reads only; these are requests for an administrator to run. */
  note: string;
  proposals: FixProposal[];
  gaps: number;
  fixed: number;
  /** Candidates the engine rejected (gap not closed, or an admin lost coverage). */
  rejected: number;
}

/** How many verified proposals are kept per gap: the chosen one and alternatives. */
const KEEP_PER_GAP = 3;
/** How many candidates are verified per gap at most (cheapest first); the new policy is always tried last. */
const TRY_PER_GAP = 12;

interface Target {
  admin: VerifiedAdmin;
  out: AdminOut;
  gapIndex: number;
  gap: GapOut;
  regions: Array<{ stateKey: string; region: Box }>;
}

interface Candidate {
  key: string;
  kind: FixProposal['kind'];
  title: string;
  changes: string[];
  requests: GraphRequest[];
  /** Ranking (R-FIX-3): other users touched (Infinity = all), then edits. */
  cost: { otherUsers: number; edits: number };
  otherUsers: SideEffects['otherUsers'];
  description: string;
  notes: string[];
  verify(v: Verifier): { others: Verdict; mine: PersonalResult };
}

/** A candidate before it is built: which policy, which way, and what it is estimated to cost. */
interface Plan {
  policy: CompiledPolicy;
  needs: ScopeNeeds;
  viaMembership: boolean;
  /** The grant is made MFA (a grant without MFA, or MFA beside device or app alternatives, R-GRANT-7). */
  grant: boolean;
  cost: { otherUsers: number; edits: number };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Users a policy scope reaches besides the monitored admins: all, a count, or unknown (members or role holders not read). */
function otherUsersInScope(p: ConditionalAccessPolicy, index: DirectoryIndex, adminIds: ReadonlySet<string>, monitored: ReadonlySet<string>): { count: number | 'all' | null; description: string } {
  const users = p.conditions.users ?? {};
  if ((users.includeUsers ?? []).includes('All')) return { count: 'all', description: 'every user in the tenant (but those it excludes)' };
  const direct = (users.includeUsers ?? []).filter((u) => u !== 'None');
  let count = direct.filter((u) => !adminIds.has(normId(u))).length;
  let unknown = false;
  const parts: string[] = direct.length ? [`${direct.length} user${direct.length === 1 ? '' : 's'} named in it`] : [];
  for (const g of users.includeGroups ?? []) {
    const group = index.groups.get(normId(g));
    const others = (group?.memberUserIds ?? []).filter((m) => !adminIds.has(normId(m))).length;
    count += others;
    if (!group || group.coverage !== 'all') unknown = true;
    parts.push(`group '${group?.displayName ?? g}'${group?.coverage === 'all' ? ` (${others} member${others === 1 ? '' : 's'} besides admins)` : ' (members besides admins not read)'}`);
  }
  const roles = users.includeRoles ?? [];
  // Holders of roles outside the monitored set are not read.
  if (roles.some((r) => !monitored.has(normId(r)))) unknown = true;
  if (roles.length) parts.push(`holders of ${roles.length} role${roles.length === 1 ? '' : 's'}${roles.every((r) => monitored.has(normId(r))) ? ' (all monitored admins)' : ''}`);
  return { count: unknown ? null : count, description: parts.length ? parts.join(', ') : 'nobody' };
}

function costOf(otherUsers: number | 'all' | null): number {
  if (otherUsers === 'all') return Number.POSITIVE_INFINITY;
  // Unknown group members: more than any known count, fewer than everybody.
  if (otherUsers === null) return 1e9;
  return otherUsers;
}

/** What in a policy's user scope keeps the admin out, across the target's role states. */
function scopeNeeds(p: CompiledPolicy, target: Target, coverages: Map<string, Uint8Array>): ScopeNeeds {
  const needs: ScopeNeeds = { include: false, users: false, groups: [], roles: [], guests: false };
  const groups = new Set<string>();
  const roles = new Set<string>();
  for (const { stateKey } of target.regions) {
    const scope = coverages.get(stateKey)?.[p.index];
    const state = target.admin.states.find((s) => s.key === stateKey);
    if (!state || scope === SCOPE.in) continue;
    if (scope === SCOPE.out) {
      needs.include = true;
      continue;
    }
    const u = p.users;
    const byGroups = u.excludeGroups.filter((g) => state.groups.has(g));
    const byRoles = u.excludeRoles.filter((r) => state.targetableRoles.has(r));
    if (u.excludeUsers.has(target.admin.id)) needs.users = true;
    for (const g of byGroups) groups.add(g);
    for (const r of byRoles) roles.add(r);
    // Excluded for none of these: as a guest or external user.
    if (!u.excludeUsers.has(target.admin.id) && byGroups.length === 0 && byRoles.length === 0) needs.guests = true;
  }
  needs.groups = [...groups];
  needs.roles = [...roles];
  return needs;
}

interface Context {
  snapshot: TenantSnapshot;
  set: PolicySet;
  memo: CoverageMemo;
  index: DirectoryIndex;
  adminIds: ReadonlySet<string>;
  roleHoldingGroups: ReadonlySet<string>;
  groupName: (id: string) => string;
  roleName: (id: string) => string;
  sd: boolean;
  /** The policies an edit can use (R-FIX-1), and which of them Microsoft manages (R-FIX-4). */
  usable: CompiledPolicy[];
  managed: ReadonlySet<number>;
  /** Shared parts of policy edits, by policy, scope edits and contexts needed (null: not possible). */
  shared: Map<string, SharedBuild | null>;
  /** Who else a policy reaches, per policy (cached). */
  policyOthers(p: CompiledPolicy): { count: number | 'all' | null; description: string };
}

/** Scope vectors of the target admin in each target state, under today's policies. */
function scopeVectors(ctx: Context, target: Target): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const { stateKey } of target.regions) {
    const state = target.admin.states.find((s) => s.key === stateKey);
    if (state) out.set(stateKey, stateCoverage(ctx.memo, target.admin.user, state, ctx.sd).scopes);
  }
  return out;
}

/** The dimensions on which a policy's box does not contain the contexts a target needs. */
function narrowDims(space: Space, p: CompiledPolicy, need: Box): number {
  let n = 0;
  for (let d = 0; d < space.dimensions.length; d++) {
    for (let w = space.starts[d] as number; w < (space.starts[d + 1] as number); w++) {
      if (((need[w] as number) & ~(p.box[w] as number)) !== 0) {
        n++;
        break;
      }
    }
  }
  return n;
}

/** Users outside the admins in the members of `groups`: a count, or null when a group's other members were not read. */
function groupOthers(ctx: Context, groups: readonly string[]): number | null {
  let n = 0;
  for (const g of groups) {
    const group = ctx.index.groups.get(g);
    if (!group || group.coverage !== 'all') return null;
    n += group.memberUserIds.filter((m) => !ctx.adminIds.has(normId(m))).length;
  }
  return n;
}

/** R-FIX-1: every way each usable policy could be made to cover the gap, with its estimated cost (R-FIX-3). */
function plans(ctx: Context, target: Target, need: Box): Plan[] {
  const out: Plan[] = [];
  const scopes = scopeVectors(ctx, target);
  for (const p of ctx.usable) {
    const needs = scopeNeeds(p, target, scopes);
    if (needs.guests) continue;
    // R-FIX-1: a stronger grant than MFA is not asked of an admin added to a policy (they may have no such method).
    if (needs.include && strongerThanMfa(p)) continue;
    const widen = narrowDims(ctx.set.space, p, need);
    // MFA beside device or app alternatives (R-GRANT-7) may already reach the gap's contexts, or may need its
    // alternatives dropped: both are tried, the verification tells.
    for (const grant of p.grant.kind === 'notMfa' ? [true] : p.grant.kind === 'mfaUnless' ? [false, true] : [false]) {
      // R-FIX-4: of a Microsoft-managed policy only the state and the excluded identities can be changed.
      if (ctx.managed.has(p.index) && (widen > 0 || needs.include || grant)) continue;
      const forEveryone = p.state !== 'enabled' || grant || widen > 0;
      for (const viaMembership of needs.groups.length ? [false, true] : [false]) {
        const unexcluded = viaMembership ? [] : needs.groups;
        const others = forEveryone ? ctx.policyOthers(p).count : needs.roles.length ? null : groupOthers(ctx, unexcluded);
        const edits = (needs.users ? 1 : 0) + (needs.include ? 1 : 0) + (needs.roles.length ? 1 : 0) + (needs.groups.length ? (viaMembership ? needs.groups.length : 1) : 0) + (p.state !== 'enabled' ? 1 : 0) + (grant ? 1 : 0) + widen;
        if (edits === 0) continue;
        out.push({ policy: p, needs, viaMembership, grant, cost: { otherUsers: costOf(others), edits } });
      }
    }
  }
  return out.sort((a, b) => a.cost.otherUsers - b.cost.otherUsers || a.cost.edits - b.cost.edits);
}

/** The part of a policy edit everyone in its scope sees; alike gaps share it (cached in the context). */
interface SharedBuild {
  policy: ConditionalAccessPolicy;
  changes: string[];
  body: Record<string, unknown>;
  forEveryone: boolean;
}

function sharedBuild(ctx: Context, plan: Plan, need: Box, adminId: string): SharedBuild | undefined {
  const { policy: p, needs, viaMembership } = plan;
  const groups = viaMembership ? [] : needs.groups;
  const key = `${p.id}|${groups.join(',')}|${needs.roles.join(',')}|${plan.grant ? 'g' : ''}|${need.join(',')}`;
  const cached = ctx.shared.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const build = ((): SharedBuild | undefined => {
    const policy = clone(p.policy);
    const changes: string[] = [];
    const scope = scopeEdit(p, { ...needs, users: false, include: false, groups }, adminId, policy, ctx.groupName, ctx.roleName);
    if (typeof scope === 'string') return undefined;
    changes.push(...scope);
    let forEveryone = false;
    if (p.state !== 'enabled') {
      policy.state = 'enabled';
      changes.push(`state: ${p.policy.state} → enabled`);
      forEveryone = true;
    }
    if (plan.grant) {
      const grant = grantToMfa(p, policy);
      if (typeof grant === 'string') return undefined;
      changes.push(...grant);
      forEveryone = true;
    }
    const widened = widenConditions(p, ctx.set, need, policy);
    if (typeof widened === 'string') return undefined;
    changes.push(...widened.changes);
    return { policy, changes, body: patchBody(p.policy, policy), forEveryone: forEveryone || widened.widened };
  })();
  ctx.shared.set(key, build ?? null);
  return build;
}

/** The admin's own scope edits on top of the shared ones: included by id, or no longer excluded by id. */
function personalBody(shared: SharedBuild, needs: ScopeNeeds, adminId: string): { body: Record<string, unknown>; changes: string[]; policy: ConditionalAccessPolicy } {
  if (!needs.include && !needs.users) return { body: shared.body, changes: [], policy: shared.policy };
  const users = shared.policy.conditions.users ?? {};
  const edits: Record<string, unknown> = {};
  const changes: string[] = [];
  if (needs.users) {
    edits.excludeUsers = (users.excludeUsers ?? []).filter((u) => normId(u) !== adminId);
    changes.push('conditions.users.excludeUsers: remove the admin');
  }
  if (needs.include) {
    edits.includeUsers = [...(users.includeUsers ?? []).filter((u) => u !== 'None'), adminId];
    changes.push('conditions.users.includeUsers: add the admin');
  }
  const conditions = (shared.body.conditions ?? {}) as Record<string, unknown>;
  const sharedUsers = (conditions.users ?? {}) as Record<string, unknown>;
  const policy = clone(shared.policy);
  policy.conditions.users = { ...(policy.conditions.users ?? {}), ...edits };
  return { body: { ...shared.body, conditions: { ...conditions, users: { ...sharedUsers, ...edits } } }, changes, policy };
}

/** One policy edited to cover the target (and, in the membership variant, the admin removed from the excluding groups). */
 
function policyCandidate(ctx: Context, target: Target, plan: Plan, need: Box): Candidate | undefined {
  const { policy: p, needs, viaMembership } = plan;
  const shared = sharedBuild(ctx, plan, need, target.admin.id);
  if (!shared) return undefined;
  const personal = personalBody(shared, needs, target.admin.id);
  const changes = [...personal.changes, ...shared.changes];
  const body = personal.body;
  let removal: ReturnType<typeof membershipRemoval> | undefined;
  const requests: GraphRequest[] = [];
  if (viaMembership) {
    const groups = membershipGroups(ctx, target.admin.id, needs.groups);
    if (!groups) return undefined;
    removal = membershipRemoval(target.admin.id, groups, ctx.groupName);
    requests.push(...removal.requests);
  }
  const edited = Object.keys(body).length > 0;
  if (edited) requests.push({ method: 'PATCH', path: `/identity/conditionalAccess/policies/${p.policy.id}`, body, permission: CA_WRITE });
  if (requests.length === 0) return undefined;
  const unexcluded = viaMembership ? [] : needs.groups;
  const scopeOthers = ctx.policyOthers(p);
  const otherUsers: SideEffects['otherUsers'] = shared.forEveryone ? scopeOthers.count : needs.roles.length ? null : groupOthers(ctx, unexcluded);
  const description = shared.forEveryone
    ? `Changes sign-ins for everyone the policy applies to: ${scopeOthers.description}.`
    : unexcluded.length || needs.roles.length
      ? `Brings ${[...unexcluded.map((g) => `every member of group '${ctx.groupName(g)}'`), ...needs.roles.map((r) => `every holder of role '${ctx.roleName(r)}'`)].join(' and ')} under the policy.`
      : 'Applies the policy to this admin only.';
  const notes: string[] = [];
  if (removal) {
    notes.push(`Removing the admin from ${removal.groupIds.map((g) => `'${ctx.groupName(g)}'`).join(', ')} also takes them out of every other policy that names ${removal.groupIds.length > 1 ? 'these groups' : 'this group'} (the verification covers every policy). If a group's membership is dynamic, change its membership rule instead.`);
  }
  const sharedKey = Object.keys(shared.body).length ? `${p.id}:${JSON.stringify(shared.body)}` : null;
  return {
    key: JSON.stringify(requests),
    kind: removal ? (edited ? 'combined' : 'membershipRemoval') : 'policyEdit',
    title: title(p, removal ? removal.groupIds.map(ctx.groupName) : [], changes.length),
    changes: [...(removal?.changes ?? []), ...changes.map((c) => `'${p.name}': ${c}`)],
    requests,
    cost: plan.cost,
    otherUsers,
    description,
    notes,
    verify: (v) => {
      const sharedChange = sharedKey ? { key: sharedKey, policy: shared.policy, at: p.index } : null;
      const others = sharedChange ? v.sharedChange(sharedChange) : { losers: [], gainers: [] };
      // The whole change for the admin under fix: the shared part with their own scope edits (or the shared part alone, cached).
      // The admin's own scope edits change whom the policy applies to, not what it covers: the shared part's (or today's) regions hold.
      const own = personal.changes.length ? { key: `${p.id}:${JSON.stringify(body)}`, policy: personal.policy, at: p.index, scopeOf: sharedChange?.key ?? null } : sharedChange;
      const mine = v.personalChange(target.admin, edited ? own : null, removal?.groupIds ?? null, own === sharedChange);
      return { others, mine };
    },
  };
}

/** The groups to remove the admin from for an excluding group: it and its nested groups that hold them; undefined when not knowable. */
function membershipGroups(ctx: Context, userId: string, excluding: string[]): string[] | undefined {
  const out = new Set<string>();
  for (const g of excluding) {
    const group = ctx.index.groups.get(g);
    if (!group || ctx.roleHoldingGroups.has(g) || group.isAssignableToRole) return undefined;
    const nested = group.memberGroupIds.map(normId);
    // A nested group whose members were not read might hold the admin: the removal could not be verified.
    if (nested.some((k) => !ctx.index.groups.has(k))) return undefined;
    for (const k of [g, ...nested]) {
      const inner = ctx.index.groups.get(k);
      if (!inner?.memberUserIds.some((m) => normId(m) === userId)) continue;
      if (ctx.roleHoldingGroups.has(k) || inner.isAssignableToRole) return undefined;
      out.add(k);
    }
  }
  return out.size ? [...out] : undefined;
}

function title(p: CompiledPolicy, groups: string[], edits: number): string {
  const policy = edits > 0 ? `change policy '${p.name}'` : '';
  const membership = groups.length ? `remove the admin from ${groups.map((g) => `'${g}'`).join(', ')}` : '';
  const text = [membership, policy].filter(Boolean).join(' and ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function newPolicyCandidate(ctx: Context, target: Target): Candidate {
  const name = who(target.out);
  const { policy, request } = newPolicyFor(target.admin.id, name);
  const key = JSON.stringify([request]);
  return {
    key,
    kind: 'newPolicy',
    title: `Create policy 'Require MFA for ${name}'`,
    changes: ['a new enabled policy: this admin, all cloud apps, all client apps, grant: MFA'],
    requests: [request],
    // Last resort (R-FIX-3): a new policy only when no edit of an existing one verifies.
    cost: { otherUsers: 0, edits: 1 },
    otherUsers: 0,
    description: 'Applies to this admin only.',
    notes: ['Consider adding the admin to the group or role your admins’ MFA policy targets instead, so one policy keeps covering every admin.'],
    verify: (v) => {
      // Only the admin is in the new policy: nobody else is covered differently.
      // A policy added at the end: today's covering sets keep their regions.
      const mine = v.personalChange(target.admin, { key: `new:${target.admin.id}`, policy, at: v.set.policies.length, scopeOf: null }, null);
      return { others: { losers: [], gainers: [] }, mine };
    },
  };
}

/** The uncovered regions per role state of an admin as evaluate() reports them (after per-user MFA). */
function reportedRegions(ctx: Context, a: VerifiedAdmin, perUser: ReturnType<typeof perUserIndex>): Array<{ stateKey: string; label: string | null; combination: boolean; region: Box; contexts: string }> {
  const coverages = a.states.map((s) => stateCoverage(ctx.memo, a.user, s, ctx.sd));
  const adjusted = withPerUserMfa(ctx.set, coverages, perUser.get(a.id) ?? 'unknown', ctx.memo.derived).coverages;
  return adjusted.flatMap((c) => c.uncovered.map((region) => ({ stateKey: c.state.key, label: c.state.label, combination: c.state.units.length > 1, region, contexts: ctx.memo.facts(region).contexts })));
}

/**
 * The regions each reported gap stands for: its own (state, contexts), and the same contexts in other role
 * states the report folded into it (R-ROLESTATE-1/2: a standing gap is not repeated for each activation, and a
 * combination of activations does not repeat a gap a smaller state has).
 */
function targetsOf(ctx: Context, a: VerifiedAdmin, out: AdminOut, perUser: ReturnType<typeof perUserIndex>): Target[] {
  const regions = reportedRegions(ctx, a, perUser);
  const reported = new Set(out.gaps.map((g) => `${g.state ?? ''}#${g.contexts}`));
  const targets: Target[] = [];
  out.gaps.forEach((gap, gapIndex) => {
    if (gap.kind === 'unknown') return;
    const own = regions.filter((r) => (r.label ?? '') === (gap.state ?? '') && r.contexts === gap.contexts);
    const folded = regions.filter((r) => r.contexts === gap.contexts && !reported.has(`${r.label ?? ''}#${r.contexts}`) && (gap.state === null || r.combination));
    const all = [...own, ...folded];
    if (all.length) targets.push({ admin: a, out, gapIndex, gap, regions: all.map((r) => ({ stateKey: r.stateKey, region: r.region })) });
  });
  return targets;
}

interface Accepted {
  candidate: Candidate;
  /** The shared part's verdict (everyone but the admin under fix) and whether that admin gains coverage. */
  others: Verdict;
  gained: boolean;
  /** Admins whose coverage the change widens. */
  gainers: number;
}

/** Facts about a shared verdict, computed once (verdicts are shared by many gaps). */
const verdictFacts = new WeakMap<Verdict, { gainers: Set<string>; breakGlass: Set<string> }>();

function factsOf(v: Verdict, excluded: ReadonlySet<string>): { gainers: Set<string>; breakGlass: Set<string> } {
  let f = verdictFacts.get(v);
  if (!f) verdictFacts.set(v, (f = { gainers: new Set(v.gainers), breakGlass: new Set(v.gainers.filter((g) => excluded.has(g))) }));
  return f;
}

/** What a verified candidate came to for one admin, kept for the admins the engine cannot tell apart from them. */
interface Known {
  plan: Plan | null;
  others: Verdict;
  gained: boolean;
}

/**
 * What the engine sees of a gap: the admin's scope signature in every role state and the gap's regions. Admins
 * with the same key are evaluated alike by every policy set (their own id is in a signature only where a
 * policy names it), so a candidate verified for one of them holds for the others (R-FIX-2).
 */
function classKey(ctx: Context, target: Target): string {
  const states = target.admin.states.map((s) => `${s.key}=${ctx.memo.scopesFor(target.admin.user, s).signature}`).join(';');
  const regions = target.regions.map((r) => `${r.stateKey}:${ctx.memo.facts(r.region).id}`).join(';');
  return `${states}#${regions}`;
}

/** Verifies the cheapest plans of one gap until KEEP_PER_GAP pass (R-FIX-2/3); the new policy is always tried last. */
function fixesFor(ctx: Context, verifier: Verifier, target: Target, excluded: ReadonlySet<string>, known: Map<string, Known[]>): { accepted: Accepted[]; rejected: number } {
  const need = unionMask(target.regions.map((r) => r.region));
  const accepted: Accepted[] = [];
  const kept: Known[] = [];
  let rejected = 0;
  let attempts = 0;
  const id = target.admin.id;
  const attempt = (c: Candidate, plan: Plan | null) => {
    const { others, mine } = c.verify(verifier);
    const facts = factsOf(others, excluded);
    const othersLose = others.losers.some((l) => l !== id);
    // A change that brings a break-glass account under MFA is not a fix: their exclusions are on purpose.
    const breakGlass = [...facts.breakGlass].some((g) => g !== id) || (mine.gained && excluded.has(id));
    if (othersLose || mine.lost || breakGlass || !closes(ctx.set.space, mine.after, target.regions)) rejected++;
    else {
      accepted.push({ candidate: c, others, gained: mine.gained, gainers: facts.gainers.size - (facts.gainers.has(id) ? 1 : 0) + (mine.gained ? 1 : 0) });
      kept.push({ plan, others, gained: mine.gained });
    }
  };
  const key = classKey(ctx, target);
  const alike = known.get(key);
  if (alike) {
    for (const k of alike) {
      const c = k.plan ? policyCandidate(ctx, target, k.plan, need) : newPolicyCandidate(ctx, target);
      if (!c) continue;
      // Memberships differ between alike admins (direct or nested): those are verified for each admin.
      if (k.plan?.viaMembership) attempt(c, k.plan);
      else {
        const facts = factsOf(k.others, excluded);
        accepted.push({ candidate: c, others: k.others, gained: k.gained, gainers: facts.gainers.size - (facts.gainers.has(id) ? 1 : 0) + (k.gained ? 1 : 0) });
      }
    }
  } else {
    for (const plan of plans(ctx, target, need)) {
      if (accepted.length >= KEEP_PER_GAP || attempts >= TRY_PER_GAP) break;
      const c = policyCandidate(ctx, target, plan, need);
      if (!c) continue;
      attempts++;
      attempt(c, plan);
    }
    if (accepted.length < KEEP_PER_GAP) attempt(newPolicyCandidate(ctx, target), null);
    known.set(key, kept);
  }
  // Cheapest first (R-FIX-3); among equally cheap ones, the one that also covers the most other admins.
  const last = (c: Candidate) => (c.kind === 'newPolicy' ? 1 : 0);
  accepted.sort((x, y) => last(x.candidate) - last(y.candidate) || x.candidate.cost.otherUsers - y.candidate.cost.otherUsers || x.candidate.cost.edits - y.candidate.cost.edits || y.gainers - x.gainers);
  return { accepted, rejected };
}

export interface RemediationStats {
  /** Changes evaluated by the engine (shared and personal parts). */
  evaluations: number;
  /** Kinds of gap the engine can tell apart (each verified once). */
  classes: number;
}

 
export function proposeRemediation(snapshot: TenantSnapshot, options: EvaluationOptions, report: Report, stats?: RemediationStats): RemediationOut {
  const index = indexSnapshot(snapshot);
  const inventory = buildInventory(snapshot, options.adminRoles, index);
  const set = compilePolicies(snapshot.conditionalAccessPolicies, snapshot.namedLocations, snapshot.authenticationStrengthPolicies, { securityDefaults: snapshot.securityDefaults?.isEnabled === true });
  const memo = new CoverageMemo(set);
  const verifier = new Verifier(snapshot, set, memo, index, inventory.admins);
  const adminIds = new Set(inventory.admins.map((a) => a.id));
  const others = new Map<string, ReturnType<typeof otherUsersInScope>>();
  const ctx: Context = {
    snapshot,
    set,
    memo,
    index,
    adminIds,
    roleHoldingGroups: new Set(inventory.admins.flatMap((a) => a.paths.map((p) => p.via.groupId).filter((g): g is string => !!g).map(normId))),
    groupName: (id) => index.groups.get(normId(id))?.displayName ?? id,
    roleName: (id) => resolveRole(id, index).roleName,
    sd: snapshot.securityDefaults?.isEnabled === true,
    shared: new Map(),
    usable: set.policies.filter((p) => !unusable(p)),
    managed: new Set(set.policies.filter((p) => isMicrosoftManaged(p.policy)).map((p) => p.index)),
    policyOthers: (p) => {
      let o = others.get(p.id);
      if (!o) others.set(p.id, (o = otherUsersInScope(p.policy, index, adminIds, inventory.monitoredRoleIds)));
      return o;
    },
  };
  const excluded = new Set(report.admins.filter((a) => a.verdict === 'excluded').map((a) => a.id));
  const names = new Map(report.admins.map((a) => [a.id, who(a)]));
  const perUser = perUserIndex(snapshot.perUserMfa);
  const proposals = new Map<string, FixProposal>();
  const known = new Map<string, Known[]>();
  let rejected = 0;
  let gaps = 0;
  let fixed = 0;
  for (const out of report.admins) {
    if (out.gaps.length === 0 || out.verdict === 'excluded') continue;
    gaps += out.gaps.length;
    const unknown = out.verdict === 'unknown';
    const perGap: GapFix[] = out.gaps.map((g) => ({
      proposalId: null,
      title: null,
      alternatives: [],
      reason: unknown ? 'the verdict is unknown (data could not be read): no change can be verified' : g.kind === 'unknown' ? 'the data this gap depends on could not be read' : 'no change could be verified',
    }));
    const a = verifier.admin(out.id);
    if (a && !unknown) {
      for (const target of targetsOf(ctx, a, out, perUser)) {
        const result = fixesFor(ctx, verifier, target, excluded, known);
        rejected += result.rejected;
        if (result.accepted.length === 0) continue;
        const ids = result.accepted.map((acc) => register(proposals, acc, out.id, verifier, names));
        perGap[target.gapIndex] = { proposalId: ids[0] as string, title: result.accepted[0]?.candidate.title ?? null, alternatives: ids.slice(1) };
        proposals.get(ids[0] as string)?.closes.push({ adminId: out.id, gap: target.gapIndex });
        fixed++;
      }
    }
    // Gap objects are shared between alike admins: each admin gets copies with its own fix.
    out.gaps = out.gaps.map((g, i) => ({ ...g, fix: perGap[i] as GapFix }));
  }
  if (stats) Object.assign(stats, { evaluations: verifier.evaluations, classes: known.size });
  return {
    note: 'The monitor only reads the tenant: it proposes these Microsoft Graph requests and never sends them. Each was verified by re-evaluating the admins with the change applied.',
    proposals: [...proposals.values()].sort((x, y) => y.closes.length - x.closes.length || x.title.localeCompare(y.title) || x.id.localeCompare(y.id)),
    gaps,
    fixed,
    rejected,
  };
}

/** How many covered admins a proposal names (the count is always whole). */
const NAMED_ADMINS = 20;

function register(proposals: Map<string, FixProposal>, acc: Accepted, adminId: string, verifier: Verifier, names: ReadonlyMap<string, string>): string {
  const c = acc.candidate;
  const id = `fix-${hash(c.key)}`;
  if (proposals.has(id)) return id;
  const covered: string[] = acc.gained ? [adminId] : [];
  for (const g of acc.others.gainers) {
    if (covered.length >= NAMED_ADMINS) break;
    if (g !== adminId) covered.push(g);
  }
  proposals.set(id, {
    id,
    kind: c.kind,
    title: c.title,
    changes: c.changes,
    requests: c.requests,
    sideEffects: {
      adminsCovered: covered.map((g) => names.get(g) ?? g),
      adminsCoveredCount: acc.gainers,
      otherUsers: c.otherUsers,
      description: c.description,
      notes: c.notes,
    },
    verification: { gapClosed: true, adminsLosingCoverage: 0, adminsChecked: verifier.admins.length },
    closes: [],
  });
  return id;
}
