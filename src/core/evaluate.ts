// Evaluates one snapshot: every admin against every policy, with a verdict, the gaps in words, and the
// findings. Pure: the same snapshot and options always give the same report.
import { type FindingType, makeFinding } from './finding-types.js';
import { ROLE, builtInRole } from './catalog.js';
import { type CompiledPolicy, type PolicySet, compilePolicies } from './conditions.js';
import type { Box } from './boxes.js';
import {
  type AdminState,
  CoverageMemo,
  type Gap,
  type StateCoverage,
  type UserContext,
  SCOPE,
  activationUnits,
  exclusionReason,
  explainGap,
  lazyReasons,
  guestTypesOf,
  roleStates,
  scopeOf,
  stateCoverage,
  userScope,
} from './coverage.js';
import { isGuid, listPhrase, normId } from './ids.js';
import {
  type AdminEntry,
  type AdminRoleSelection,
  type DirectoryIndex,
  type Inventory,
  type RolePath,
  buildInventory,
  indexSnapshot,
  resolveRole,
} from './inventory.js';
import { completeGaps } from './explain.js';
import { analyseExemptions } from './exemptions.js';
import { exemptionFindings } from './exemption-findings.js';
import { DEFAULT_COMPLETION_MINUTES, DEFAULT_EVIDENCE_DAYS, DEFAULT_ROLLOUT_DAYS, observe } from './observe.js';
import type { GapRegion } from './evidence.js';
import { pimSettingFindings } from './pim-settings.js';
import { type PerUserMfaState, perUserGapReason, perUserIndex, withPerUserMfa, withReason } from './per-user-mfa.js';
import { microsoftContext } from './microsoft-view.js';
import { unavailableConsequence, unavailableSeverity } from './route-findings.js';
import type { AdminOut, Finding, Report, RoleOut, Severity, Summary, Verdict } from './report.js';
import { SEVERITY_ORDER, who } from './report.js';
import type { TenantSnapshot } from './snapshot.js';

/** localeCompare's order (the default locale's collation), with one collator instead of one per comparison. */
const collator = new Intl.Collator();

export interface EvaluationOptions {
  adminRoles: AdminRoleSelection;
  /** Object ids, UPNs or group ids of break-glass / service accounts (MONITOR_EXCLUDED_ACCOUNTS). */
  excludedAccounts: readonly string[];
  globalAdminMin: number;
  globalAdminMax: number;
  /** Evaluation time (ISO); defaults to the snapshot's capture time so results are reproducible. */
  now?: string;
  /** Days of sign-ins held against the verdicts (SIGNIN_EVIDENCE_DAYS). */
  evidenceDays?: number;
  /** Days of sign-ins a report-only policy's readiness is judged on (SIGNIN_ROLLOUT_DAYS). */
  rolloutDays?: number;
  /** SIGNIN_COMPLETION_MINUTES (R-OBS-9). */
  completionMinutes?: number;
}

export const DEFAULT_EVALUATION_OPTIONS: EvaluationOptions = {
  adminRoles: { mode: 'core', roleIds: [] },
  excludedAccounts: [],
  globalAdminMin: 2,
  globalAdminMax: 8,
};

interface ExcludedMatcher {
  ids: Set<string>;
  upns: Set<string>;
}

function excludedMatcher(entries: readonly string[]): ExcludedMatcher {
  const ids = new Set<string>();
  const upns = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    if (isGuid(entry)) ids.add(normId(entry));
    else upns.add(entry.toLowerCase());
  }
  return { ids, upns };
}

function excludedBy(admin: { id: string; userPrincipalName: string | null }, groups: ReadonlySet<string>, matcher: ExcludedMatcher, index: DirectoryIndex): string | undefined {
  if (matcher.ids.has(admin.id)) return `object id ${admin.id}`;
  if (admin.userPrincipalName && matcher.upns.has(admin.userPrincipalName.toLowerCase())) return `UPN ${admin.userPrincipalName}`;
  for (const g of groups) if (matcher.ids.has(g)) return `group '${index.groups.get(g)?.displayName ?? g}'`;
  return undefined;
}

function roleOut(p: RolePath): RoleOut {
  return {
    roleTemplateId: p.roleTemplateId,
    roleName: p.roleName,
    roleDefinitionId: p.roleDefinitionId,
    roleKind: p.roleKind,
    assignment: p.assignment,
    permanent: p.permanent,
    activatedNow: p.activatedNow,
    startDateTime: p.startDateTime,
    endDateTime: p.endDateTime,
    via: p.via,
    directoryScopeId: p.directoryScopeId,
    scope: p.scope,
  };
}

interface AdminEvaluation {
  out: AdminOut;
  coverages: StateCoverage[];
  states: AdminState[];
  user: UserContext;
  entry: AdminEntry;
  /** The uncovered region and role state behind each gap, for sign-ins observed in it (worked out when asked). */
  regions: () => ReadonlyMap<Gap, GapRegion>;
  shape: AdminShape;
}

/** Groups referenced by policies whose membership the snapshot does not hold (and are not known deleted). */
function unknownMembershipGroups(snapshot: TenantSnapshot, set: PolicySet): Set<string> {
  const known = new Set(snapshot.groups.map((g) => normId(g.id)));
  for (const id of snapshot.unresolvedObjectIds) known.add(normId(id));
  return new Set([...set.referenced.groups].filter((g) => !known.has(g)));
}

/** What the snapshot could not read, and so what verdicts cannot rely on (R-DATA-*). */
interface Unknowns {
  /** Conditional Access policies were read (R-DATA-1). */
  caAvailable: boolean;
  /** Groups named in policies whose membership is unknown (R-DATA-2, R-DATA-3). */
  groups: ReadonlySet<string>;
  /** Custom authentication strengths could not be read (R-DATA-3). */
  strengthsUnavailable: boolean;
  /** Security defaults could not be read and nothing rules them out (R-DATA-4). */
  securityDefaultsUnknown: boolean;
}

/**
 * Enabled policies that do not cover this state, but would if the unreadable data turned out one way: the policy
 * includes a group whose membership is unknown, or its grant names an authentication strength that could not be
 * read. Only those that reach into an uncovered region matter (R-DATA-3).
 */
function dependsOnUnknown(set: PolicySet, user: UserContext, coverage: StateCoverage, unknowns: Unknowns): Array<{ policy: CompiledPolicy; why: 'group' | 'strength' | 'state' }> {
  const out: Array<{ policy: CompiledPolicy; why: 'group' | 'strength' | 'state' }> = [];
  if (coverage.uncovered.length === 0) return out;
  // R-STATE-3: a policy in a state Graph's enum does not have might be enforcing.
  for (const p of set.policies) {
    if (p.state !== 'unknown' || p.target.kind !== 'apps' || !p.mfaGrant) continue;
    if (scopeOf(coverage, p) === 'in' && coverage.uncovered.some((region) => p.cover.some((b) => set.space.intersects(b, region)))) out.push({ policy: p, why: 'state' });
  }
  if (unknowns.groups.size === 0 && !unknowns.strengthsUnavailable) return out;
  for (const p of set.policies) {
    if (p.state !== 'enabled' || p.target.kind !== 'apps' || (p.enforcing && coverage.scopes[p.index] === SCOPE.in)) continue;
    const strengthUnknown = unknowns.strengthsUnavailable && p.grant.kind === 'notMfa' && p.grant.unresolvedStrength === true;
    if (!p.mfaGrant && !strengthUnknown) continue;
    let scope = scopeOf(coverage, p);
    let groupUnknown = false;
    if (scope === 'out' && !p.users.includeNone && p.users.includeGroups.some((g) => unknowns.groups.has(g))) {
      // Assume the admin is in the unknown group; known exclusions still apply.
      scope = userScope({ ...p.users, includeAll: true }, user, coverage.state);
      groupUnknown = scope === 'in';
    }
    if (scope !== 'in') continue;
    // Where it would require MFA: its cover, or (an unreadable strength) wherever it applies.
    const reach = p.mfaGrant ? p.cover : [p.box];
    if (!coverage.uncovered.some((region) => reach.some((b) => set.space.intersects(b, region)))) continue;
    out.push({ policy: p, why: groupUnknown ? 'group' : 'strength' });
  }
  return out;
}

/**
 * R-VERDICT-1..5: protected (no gap), partial (some gap), unprotected (nothing covered in any state), unknown
 * (the answer depends on data that could not be read: the reason goes first among the gaps). `excluded` is the
 * caller's (a listed account).
 */
function decideVerdict(set: PolicySet, user: UserContext, coverages: StateCoverage[], unknowns: Unknowns, hasGaps: boolean): { verdict: Verdict; lead?: Gap; replace?: boolean } {
  const { caAvailable, groups: unknownGroups } = unknowns;
  if (!caAvailable && !coverages.some((c) => c.securityDefaults)) {
    // R-DATA-1: without the policies every computed gap is an artefact of the missing data.
    return { verdict: 'unknown', replace: true, lead: { summary: 'Conditional Access policies could not be read, so coverage is unknown', policyIds: [], state: null, contexts: '', kind: 'unknown' } };
  }
  // A covering policy that excludes a group whose membership is unknown may not cover this admin at all.
  const doubtful = unknownGroups.size === 0 ? [] : coverages.flatMap((c) => c.covering).filter((p) => p.users.excludeGroups.some((g) => unknownGroups.has(g)));
  if (doubtful.length > 0) {
    // R-DATA-2: a covering policy excludes a group whose membership is unknown.
    const names = [...new Set(doubtful.map((p) => `'${p.name}'`))];
    return {
      verdict: 'unknown',
      lead: {
        summary: `membership of a group excluded by ${listPhrase(names)} could not be read, so it is unknown whether ${names.length > 1 ? 'they apply' : 'it applies'} to this admin`,
        policyIds: [...new Set(doubtful.map((p) => p.policy.id))],
        state: null,
        contexts: '',
        kind: 'unknown',
      },
    };
  }
  const maybe = coverages.flatMap((c) => dependsOnUnknown(set, user, c, unknowns));
  if (maybe.length > 0) {
    // R-DATA-3: a policy might close the gaps if the data it depends on could be read.
    const byGroup = [...new Set(maybe.filter((m) => m.why === 'group').map((m) => `'${m.policy.name}'`))];
    const byStrength = [...new Set(maybe.filter((m) => m.why === 'strength').map((m) => `'${m.policy.name}'`))];
    const byState = [...new Set(maybe.filter((m) => m.why === 'state').map((m) => `'${m.policy.name}' (state '${m.policy.policy.state}')`))];
    const parts: string[] = [];
    if (byGroup.length) parts.push(`membership of a group included by ${listPhrase(byGroup)} could not be read`);
    if (byStrength.length) parts.push(`the authentication strength required by ${listPhrase(byStrength)} could not be read`);
    if (byState.length) parts.push(`${listPhrase(byState)} ${byState.length > 1 ? 'are' : 'is'} in a state Graph does not document`);
    return {
      verdict: 'unknown',
      lead: { summary: `${listPhrase(parts)}, so it is unknown whether the gaps below are closed`, policyIds: [...new Set(maybe.map((m) => m.policy.policy.id))], state: null, contexts: '', kind: 'unknown' },
    };
  }
  if (unknowns.securityDefaultsUnknown && coverages.some((c) => c.uncovered.length > 0)) {
    // R-DATA-4: security defaults could not be read and no enabled policy rules them out.
    return { verdict: 'unknown', lead: { summary: 'security defaults could not be read and may be enabled, so it is unknown whether the gaps below are closed', policyIds: [], state: null, contexts: '', kind: 'unknown' } };
  }
  if (!hasGaps) return { verdict: 'protected' };
  // Unprotected = in every role state, no context at all is covered.
  return { verdict: coverages.some((c) => !isFull(c, set)) ? 'partial' : 'unprotected' };
}

/** The union of two lists sorted in code-unit order, without repeats (a merge, not a sort). */
function unionSorted(a: string[], b: string[]): string[] {
  if (a === b || b.length === 0) return a;
  if (a.length === 0) return b;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x as string);
      i++;
    } else if (x === undefined || y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}

/** Report-only and disabled MFA policies that include the admin in this state and reach one of its gaps. */
function wouldClose(memo: CoverageMemo, c: StateCoverage): CompiledPolicy[] {
  if (c.uncovered.length === 0) return [];
  const key = `would#${c.signature}`;
  let list = memo.derived.get(key) as CompiledPolicy[] | undefined;
  if (!list) memo.derived.set(key, (list = memo.notEnabledMfa.filter((p) => c.scopes[p.index] === SCOPE.in && c.uncovered.some((region) => memo.intersects(region, p)))));
  return list;
}

/** Which policies cover, and which would if enabled: they depend only on the states' signatures, so shared. */
function coveringAndWould(set: PolicySet, memo: CoverageMemo, coverages: StateCoverage[]): { covering: string[]; would: AdminOut['wouldCoverIfEnabled'] } {
  const derivedKey = `cover#${coverages.map((c) => c.signature).join('#')}`;
  let derived = memo.derived.get(derivedKey) as { covering: string[]; would: AdminOut['wouldCoverIfEnabled'] } | undefined;
  if (!derived) {
    // A policy whose conditions select no context at all (e.g. only unrecognised risk levels) covers nothing.
    const lists = coverages.map((c) => memo.coveringIds(c.covering, c.coveringKey));
    const covering = lists.reduce(unionSorted);
    // Only policies that would close (part of) a gap of this admin: a disabled policy for other contexts is noise.
    // Per state (its signature decides scopes and gaps), then in policy order across the states.
    const closing = new Set<CompiledPolicy>();
    for (const c of coverages) for (const p of wouldClose(memo, c)) closing.add(p);
    const would = memo.notEnabledMfa.filter((p) => closing.has(p)).map((p) => ({ policyId: p.policy.id, displayName: p.name, state: p.policy.state }));
    derived = { covering, would };
    memo.derived.set(derivedKey, derived);
  }
  return derived;
}

function evaluateAdmin(
  entry: AdminEntry,
  snapshot: TenantSnapshot,
  set: PolicySet,
  memo: CoverageMemo,
  index: DirectoryIndex,
  matcher: ExcludedMatcher,
  unknowns: Unknowns,
  registration: Map<string, { registered: boolean | null; methods: string[] | null }>,
  registrationAvailable: boolean,
  perUser: PerUserContext,
): AdminEvaluation {
  const baseGroups = index.groupsOfUser.get(entry.id) ?? new Set<string>();
  const user: UserContext = { id: entry.id, guestTypes: guestTypesOf(entry) };
  // R-PUMFA-3: legacy per-user MFA covers what Conditional Access and security defaults leave open; the shape
  // is computed with it, so admins of one shape and one per-user state share their gaps.
  const perUserState = perUser.states.get(entry.id) ?? 'unknown';
  const shape = adminShape(entry, baseGroups, user, set, memo, index, perUserState);
  const { states, coverages } = shape;

  // Gaps in the order of the states, deduplicated (dedupeGaps); without sentences about the admin they are the
  // shape's, worked out once.
  const personal = shape.items.some((item) => !item.shared);
  let gaps: Gap[];
  let regions: () => ReadonlyMap<Gap, GapRegion>;
  if (personal) {
    const explained = shape.items.map((item) => ({ item, ...(item.shared ?? explainWithPerUser(set, memo, user, item.coverage, item.region, index, perUserState)) }));
    gaps = dedupeGaps(explained);
    regions = () => gapRegions(explained);
  } else {
    const explained = shape.items.map((item) => ({ item, ...(item.shared as { gap: Gap; sentence: string }) }));
    gaps = (shape.gaps ??= dedupeGaps(explained)).slice();
    regions = () => (shape.regions ??= gapRegions(explained));
  }

  // The verdict depends only on the shape (R-VERDICT-*, R-DATA-*): decided once per shape.
  shape.verdict ??= decideVerdict(set, user, coverages, unknowns, shape.items.length > 0);
  const { verdict, lead, replace } = shape.verdict;
  if (replace) gaps.length = 0;
  if (lead) gaps.unshift(lead);
  // The gaps that say data is missing (R-DATA-*) are one sentence: their headline and one reason (R-EXPLAIN-1/2).
  completeGaps(gaps);
  const derived = shape.derived;
  const reg = registration.get(entry.id);
  const out: AdminOut = {
    id: entry.id,
    userPrincipalName: entry.userPrincipalName,
    displayName: entry.displayName,
    accountEnabled: entry.accountEnabled,
    userType: entry.userType,
    verdict,
    mfaRegistered: registrationAvailable ? (reg?.registered ?? null) : null,
    methodsRegistered: registrationAvailable ? (reg?.methods ?? null) : null,
    // The paths and gaps are the output as they are (extra fields are allowed in the contract): no copies.
    roles: entry.paths,
    gaps,
    coveringPolicyIds: derived.covering,
    wouldCoverIfEnabled: derived.would,
    perUserMfa: perUser.describe(perUserState, shape.perUserClosesGaps),
    enforcedBy: [
      ...(derived.covering.length > 0 ? (['conditionalAccess'] as const) : []),
      ...(coverages.some((c) => c.securityDefaults) ? (['securityDefaults'] as const) : []),
      ...(shape.perUserClosesGaps ? (['perUserMfa'] as const) : []),
    ],
    exclusions: (shape.exclusions ??= exclusionsOf(memo, coverages)).map(({ policy, coverage }) => ({ policyId: policy.policy.id, displayName: policy.name, state: coverage.state.label, how: exclusionReason(policy, user, coverage.state, index) })),
  };
  // R-EXCL-1: accounts in MONITOR_EXCLUDED_ACCOUNTS (object id, UPN, or a group they belong to) are reported
  // apart with the verdict they would otherwise get.
  const excluded = excludedBy(entry, baseGroups, matcher, index);
  if (excluded) {
    out.excludedBy = excluded;
    out.coverageIfNotExcluded = verdict as Exclude<Verdict, 'excluded'>;
    out.verdict = 'excluded';
  }
  return { out, coverages, states, user, entry, shape, regions };
}

/** Each explained gap's uncovered region and role state (R-OBS-17). */
function gapRegions(explained: ReadonlyArray<{ item: AdminShape['items'][number]; gap: Gap }>): Map<Gap, GapRegion> {
  return new Map(explained.map(({ item, gap }) => [gap, { stateKey: item.coverage.state.key, region: item.region }]));
}

/** A gap's explanation, with why per-user MFA (enabled or enforced) does not reach it (R-PUMFA-2). */
function explainWithPerUser(set: PolicySet, memo: CoverageMemo, user: UserContext, coverage: StateCoverage, region: Box, index: DirectoryIndex, perUserState: PerUserMfaState | 'unknown'): ReturnType<typeof explainGap> {
  const explained = explainGap(set, memo, user, coverage, region, index);
  const why = perUserState === 'enforced' || perUserState === 'enabled' ? perUserGapReason(set, region, perUserState) : undefined;
  if (!why) return explained;
  const summary = withReason(explained.gap.summary, why);
  // Reasons are worked out when read (lazyReasons): a spread would work them out now.
  const gap: Gap = { policyIds: explained.gap.policyIds, state: explained.gap.state, contexts: explained.gap.contexts, kind: explained.gap.kind, headline: explained.gap.headline, summary };
  lazyReasons(gap, () => [...(explained.gap.reasons ?? []), why]);
  return { ...explained, gap, sentence: withReason(explained.sentence, why) };
}

/**
 * R-EXCL-3: the enabled policies that would require MFA of the admin but exclude them, each with the first role
 * state it does in (the scopes are the shape's; how it excludes them is said per admin).
 */
function exclusionsOf(memo: CoverageMemo, coverages: readonly StateCoverage[]): Array<{ policy: CompiledPolicy; coverage: StateCoverage }> {
  const out: Array<{ policy: CompiledPolicy; coverage: StateCoverage }> = [];
  const seen = new Set<CompiledPolicy>();
  // The candidates' `excluded` list per scope vector is exactly these policies (enabled, on apps, requiring MFA).
  for (const coverage of coverages) {
    for (const policy of memo.candidates(coverage.scopes).excluded) {
      if (seen.has(policy)) continue;
      seen.add(policy);
      out.push({ policy, coverage });
    }
  }
  return out.sort((a, b) => a.policy.index - b.policy.index);
}

/** An admin's role states and their coverage, with the gaps that read the same for every admin of this shape. */
interface AdminShape {
  states: AdminState[];
  coverages: StateCoverage[];
  /** Per-user MFA (enabled or enforced) closes a context Conditional Access and security defaults leave open. */
  perUserClosesGaps: boolean;
  items: Array<{ coverage: StateCoverage; region: Box; shared?: { gap: Gap; sentence: string } }>;
  derived: { covering: string[]; would: AdminOut['wouldCoverIfEnabled'] };
  verdict?: { verdict: Verdict; lead?: Gap; replace?: boolean };
  /** The gaps, when none is about the admin (so every admin of the shape has these). */
  gaps?: Gap[];
  /** Their regions, once sign-ins are held against them. */
  regions?: Map<Gap, GapRegion>;
  /** Role targeting that could see the AU-scoped and custom-role paths would close a gap (R-USERS-4). */
  targetingWouldHelp?: boolean;
  /** The enabled MFA policies that exclude the admin, with the first state they do in (R-EXCL-3). */
  exclusions?: Array<{ policy: CompiledPolicy; coverage: StateCoverage }>;
  /** For the admin findings: the roles held, in words, and the policies the gaps name. */
  rolesPhrase?: string;
  gapPolicyIds?: string[];
}

/**
 * Everything about an admin that decides their states, coverage and gap sentences: what policies name of them
 * (their id if named, their guest kind, the named groups they are in), their paths by role, scope and how held,
 * and what they can activate besides. Admins alike share one evaluation; only sentences about how a policy
 * excludes the admin (or which roles they hold) are rendered per admin.
 */
function adminShape(entry: AdminEntry, baseGroups: ReadonlySet<string>, user: UserContext, set: PolicySet, memo: CoverageMemo, index: DirectoryIndex, perUserState: PerUserMfaState | 'unknown'): AdminShape {
  let key = `${set.referenced.users.has(entry.id) ? entry.id : ''}|${user.guestTypes.size ? [...user.guestTypes].join(',') : ''}|${perUserState}|`;
  const named: string[] = [];
  for (const g of baseGroups) if (set.referenced.groups.has(g)) named.push(g);
  key += `${named.sort().join(',')}|`;
  // A path counts by its role and scope, and how it is activated (an eligible one) or which PIM group makes its
  // holder a member (an active one); the role kind, names and labels follow from those ids.
  for (const p of entry.paths) key += p.activationKey ? `${p.roleDefinitionId}@${p.directoryScopeId}>${p.activationKey};` : `${p.roleDefinitionId}@${p.directoryScopeId}${p.via.kind === 'pimGroup' ? `<${p.via.groupId ?? ''}` : ''};`;
  key += `|${(entry.otherTargetableRoles ?? []).join(',')}|${(entry.pimMemberOf ?? []).join(',')}|`;
  for (const u of entry.extraUnits ?? []) key += `${u.key}:${u.name}:${u.how}:${u.roles.join(',')}:${u.groups.join(',')};`;
  const cached = memo.adminShapes.get(key) as AdminShape | undefined;
  if (cached) return cached;
  const sdEnabled = set.securityDefaults !== null;
  const states = roleStates(memo, user, activationUnits(entry.paths, baseGroups, index, entry.otherTargetableRoles, { units: entry.extraUnits, pimMemberOf: entry.pimMemberOf }), sdEnabled);
  const withPerUser = withPerUserMfa(set, states.map((state) => stateCoverage(memo, user, state, sdEnabled)), perUserState, memo.derived);
  const coverages = withPerUser.coverages;
  const items: AdminShape['items'] = [];
  for (const coverage of coverages) {
    for (const region of coverage.uncovered) {
      const explained = explainWithPerUser(set, memo, user, coverage, region, index, perUserState);
      items.push({ coverage, region, ...(explained.personal ? {} : { shared: explained }) });
    }
  }
  const shape = { states, coverages, items, derived: coveringAndWould(set, memo, coverages), perUserClosesGaps: withPerUser.closesGaps };
  memo.adminShapes.set(key, shape);
  return shape;
}

/**
 * R-ROLESTATE-1/2: a gap already stated for the standing state is not repeated for each activation, and a
 * combination of activations only adds gaps no smaller state has.
 */
function dedupeGaps(explained: ReadonlyArray<{ item: AdminShape['items'][number]; gap: Gap; sentence: string }>): Gap[] {
  // One state (the usual case): nothing to compare.
  if (explained.every((e) => e.item.coverage === explained[0]?.item.coverage)) return explained.map((e) => e.gap);
  const gaps: Gap[] = [];
  const standingGaps = new Set<string>();
  const earlierGaps = new Set<string>();
  for (const { item, gap, sentence } of explained) {
    const { key, units } = item.coverage.state;
    if (key === 'standing') standingGaps.add(sentence);
    else if (standingGaps.has(sentence) || (units.length > 1 && earlierGaps.has(sentence))) continue;
    earlierGaps.add(sentence);
    gaps.push(gap);
  }
  return gaps;
}

/** True when nothing at all is covered in this state. */
function isFull(c: StateCoverage, set: PolicySet): boolean {
  const region = c.uncovered[0];
  return c.uncovered.length === 1 && region !== undefined && region.every((mask, i) => mask === set.space.full[i]);
}

function registrationIndex(snapshot: TenantSnapshot): Map<string, { registered: boolean | null; methods: string[] | null }> {
  const index = new Map<string, { registered: boolean | null; methods: string[] | null }>();
  for (const r of snapshot.registrationDetails) index.set(normId(r.id), { registered: r.isMfaRegistered ?? null, methods: r.methodsRegistered ?? null });
  return index;
}

function finding(type: FindingType, severity: Severity, subjectId: string, message: string, extra: Partial<Finding> = {}, detail = ''): Finding {
  return makeFinding(type, severity, subjectId, message, [type, subjectId, detail].filter(Boolean).join(':'), extra);
}

export function evaluate(snapshot: TenantSnapshot, options: EvaluationOptions = DEFAULT_EVALUATION_OPTIONS): Report {
  const index = indexSnapshot(snapshot);
  const inventory = buildInventory(snapshot, options.adminRoles, index);
  const set = compilePolicies(snapshot.conditionalAccessPolicies, snapshot.namedLocations, snapshot.authenticationStrengthPolicies, { securityDefaults: snapshot.securityDefaults?.isEnabled === true });
  const memo = new CoverageMemo(set);
  const matcher = excludedMatcher(options.excludedAccounts);
  const caAvailable = snapshot.dataSources.conditionalAccess?.state !== 'unavailable';
  // Security defaults and enabled Conditional Access policies exclude each other (Learn: security-defaults), so an
  // unreadable security-defaults setting matters only when no policy is enabled.
  const securityDefaultsUnknown =
    snapshot.dataSources.securityDefaults?.state === 'unavailable' && !set.policies.some((p) => p.state === 'enabled');
  const registrationAvailable = snapshot.dataSources.registration?.state !== 'unavailable';
  const unknownGroups = snapshot.dataSources.groupMembers?.state === 'unavailable'
    ? new Set(set.referenced.groups)
    : unknownMembershipGroups(snapshot, set);
  const registration = registrationIndex(snapshot);
  const unknowns: Unknowns = {
    caAvailable,
    groups: unknownGroups,
    strengthsUnavailable: snapshot.dataSources.authenticationStrengths?.state === 'unavailable',
    securityDefaultsUnknown,
  };
  const perUser = perUserContext(snapshot);
  const evaluations = inventory.admins.map((a) => evaluateAdmin(a, snapshot, set, memo, index, matcher, unknowns, registration, registrationAvailable, perUser));

  // Potential admins are evaluated as if they had added themselves to the groups they own (R-PIMGROUP-4).
  const potential = inventory.potentialAdmins.map((p) => {
    const evaluation = evaluateAdmin(p, snapshot, set, memo, index, matcher, unknowns, registration, registrationAvailable, perUser);
    evaluation.out.ownerOf = p.ownerOf;
    evaluation.out.roles = [];
    return evaluation;
  });

  const admins = evaluations.map((e) => e.out);
  // R-OBS-*: the sign-in log held against the verdicts, when the snapshot carries it.
  const observation = snapshot.signInEvidence
    ? observe(snapshot, set, [...evaluations.map((e) => ({ ...e, regions: e.regions(), excluded: e.out.verdict === 'excluded', potential: false })), ...potential.map((e) => ({ ...e, regions: e.regions(), excluded: false, potential: true }))], {
        now: options.now ?? snapshot.capturedAt,
        evidenceDays: options.evidenceDays ?? DEFAULT_EVIDENCE_DAYS,
        rolloutDays: options.rolloutDays ?? DEFAULT_ROLLOUT_DAYS,
        completionMinutes: options.completionMinutes ?? DEFAULT_COMPLETION_MINUTES,
        isExcluded: (id, upn) => excludedBy({ id, userPrincipalName: upn }, index.groupsOfUser.get(id) ?? new Set(), matcher, index) !== undefined,
      })
    : undefined;
  const summary = summarize(admins, inventory, potential.length, snapshot.securityDefaults?.isEnabled === true);
  // Microsoft's verdict set against ours, licences and enforcement routes (docs/secure-score.md).
  const microsoft = microsoftContext(snapshot, admins, potential.map((p) => p.out), summary, options.now ?? snapshot.capturedAt);
  summary.microsoftSecureScore = microsoft.secureScore.microsoft.score;
  // Who can switch MFA off for an admin: every exclusion, its controllers and their own verdicts (R-EXEMPT-*).
  const exemptions = analyseExemptions({ snapshot, index, set, memo, admins: evaluations, potential });
  const findings = microsoft.adapt(collectFindings(snapshot, options, inventory, evaluations, potential, set, index, memo, [...(observation?.findings ?? []), ...microsoft.findings, ...exemptionFindings(exemptions.analysis, exemptions.out, admins)]))
  const coversAdmins = new Map<string, number>();
  for (const a of admins) for (const id of a.coveringPolicyIds) coversAdmins.set(id, (coversAdmins.get(id) ?? 0) + 1);
  return {
    generatedAt: options.now ?? snapshot.capturedAt,
    tenantId: snapshot.tenantId,
    tenantName: snapshot.tenantName ?? null,
    snapshotCapturedAt: snapshot.capturedAt,
    monitoredRoles: [...inventory.monitoredRoleIds].map((id) => ({ roleTemplateId: id, roleName: resolveRole(id, index).roleName })).sort((a, b) => collator.compare(a.roleName, b.roleName)),
    dataSources: snapshot.dataSources,
    summary,
    admins,
    potentialAdmins: potential.map((p) => p.out),
    workloadAdmins: inventory.workloadAdmins.map((w) => ({ id: w.id, displayName: w.displayName, appId: w.appId, roles: w.paths.map(roleOut) })),
    unresolvedPrincipals: inventory.unresolved,
    policies: set.policies.map((p) => ({
      id: p.policy.id,
      displayName: p.name,
      state: p.policy.state,
      enforcesMfa: p.grant.kind === 'mfa' || p.grant.kind === 'block',
      grant: p.grant.description,
      coversAdmins: coversAdmins.get(p.policy.id) ?? 0,
    })),
    securityDefaultsEnabled: snapshot.securityDefaults ? snapshot.securityDefaults.isEnabled : null,
    findings,
    secureScore: microsoft.secureScore,
    enforcement: microsoft.enforcement,
    exemptions: exemptions.out,
    ...(observation ? { signInEvidence: observation.signInEvidence, rollout: observation.rollout } : {}),
  };
}

/** Per-user MFA states and how an admin's is described (R-PUMFA-*). */
interface PerUserContext {
  states: ReadonlyMap<string, PerUserMfaState | 'unknown'>;
  describe(state: PerUserMfaState | 'unknown', closesGaps: boolean): NonNullable<AdminOut['perUserMfa']>;
}

function perUserContext(snapshot: TenantSnapshot): PerUserContext {
  const status = snapshot.dataSources.perUserMfa;
  const unreadable = status?.state === 'unavailable' ? 'per-user MFA state could not be read; it may close the gaps below' : status ? 'per-user MFA state not read for this admin yet (it is read daily)' : null;
  return {
    states: perUserIndex(snapshot.perUserMfa),
    describe: (state, closesGaps) => ({
      state,
      closesGaps,
      note: closesGaps ? 'covers sign-ins nothing else covers, except legacy clients and the MFA trusted IPs' : state === 'unknown' ? unreadable : null,
    }),
  };
}

/** R-SCORE-1: counts per verdict and 10 × (protected and registered) / admins, with reasons it may differ. */
function summarize(admins: AdminOut[], inventory: Inventory, potentialAdmins: number, securityDefaults: boolean): Summary {
  const count = (v: Verdict): number => admins.filter((a) => a.verdict === v).length;
  const protectedRegistered = admins.filter((a) => a.verdict === 'protected' && a.mfaRegistered === true).length;
  const notes: string[] = [];
  if (securityDefaults) notes.push('Security defaults are enabled: Microsoft gives this control its full 10 points, whatever the registration state.');
  const unknown = count('unknown');
  if (unknown > 0) notes.push(`${unknown} admin${unknown > 1 ? 's' : ''} with an unknown verdict (data could not be read) ${unknown > 1 ? 'are' : 'is'} counted as not protected.`);
  const excluded = count('excluded');
  if (excluded > 0) notes.push(`${excluded} excluded (break-glass) account${excluded > 1 ? 's are' : ' is'} counted as not protected, as Microsoft does.`);
  const eligibleOnly = admins.filter((a) => a.roles.every((r) => r.assignment === 'eligible')).length;
  if (eligibleOnly > 0) notes.push(`${eligibleOnly} admin${eligibleOnly > 1 ? 's hold' : ' holds'} roles only as PIM-eligible; Microsoft may count them differently.`);
  const pimGroup = admins.filter((a) => a.roles.some((r) => r.via.kind === 'pimGroup')).length;
  if (pimGroup > 0) notes.push(`${pimGroup} admin${pimGroup > 1 ? 's get' : ' gets'} a role through PIM for Groups; Secure Score is known to miscount these.`);
  const unregistered = admins.filter((a) => a.verdict === 'protected' && a.mfaRegistered !== true).length;
  if (unregistered > 0) notes.push(`${unregistered} protected admin${unregistered > 1 ? 's are' : ' is'} not (known to be) registered for MFA; Microsoft counts only admins both registered and protected.`);
  return {
    admins: admins.length,
    protected: count('protected'),
    partial: count('partial'),
    unprotected: count('unprotected'),
    excluded,
    unknown,
    registered: admins.filter((a) => a.mfaRegistered === true).length,
    potentialAdmins,
    workloadAdmins: inventory.workloadAdmins.length,
    // Learn (Microsoft Secure Score): partial credit = protected / total × max; security defaults give full points.
    secureScoreEstimate: admins.length === 0 || securityDefaults ? 10 : Math.round((1000 * protectedRegistered) / admins.length) / 100,
    secureScoreNotes: notes,
  };
}

/** R-EXCL-2: the enabled MFA policies a break-glass account is excluded from, and those it is not. */
function exclusionFinding(e: AdminEvaluation, set: PolicySet): Finding | undefined {
  const excludedFrom = new Set<CompiledPolicy>();
  const notExcludedFrom = new Set<CompiledPolicy>();
  for (const p of set.policies) {
    if (p.state !== 'enabled' || p.target.kind !== 'apps' || !p.mfaGrant) continue;
    for (const s of e.states) {
      const scope = userScope(p.users, e.user, s);
      if (scope === 'excluded') excludedFrom.add(p);
      else if (scope === 'in') notExcludedFrom.add(p);
    }
  }
  if (excludedFrom.size === 0 || notExcludedFrom.size === 0) return undefined;
  const name = who(e.out);
  const list = (s: Set<CompiledPolicy>): string => listPhrase([...s].map((p) => `'${p.name}'`));
  return finding('exclusion-inconsistent', 'medium', e.out.id, `Excluded account ${name} is excluded from ${list(excludedFrom)} but not from ${list(notExcludedFrom)}; break-glass exclusions should be the same in every policy.`, { subjectName: name, policyIds: [...excludedFrom, ...notExcludedFrom].map((p) => p.policy.id) });
}

/** R-PERM-1: active privileged assignments with no end date, one finding per role and scope naming every path. */
function permanentFindings(e: AdminEvaluation, index: DirectoryIndex): Finding[] {
  const name = who(e.out);
  const permanent = e.entry.paths.filter((p) => p.assignment === 'active' && p.permanent);
  // Privileged: the catalog's copy of isPrivileged, or the tenant's flag.
  const privileged = permanent.filter((p) => builtInRole(p.roleTemplateId)?.privileged || index.roleDefinitions.get(p.roleDefinitionId)?.isPrivileged === true);
  const byRole = new Map<string, RolePath[]>();
  for (const p of privileged) {
    const key = `${p.roleTemplateId}${p.scope === 'tenant' ? '' : `@${p.directoryScopeId}`}`;
    byRole.set(key, [...(byRole.get(key) ?? []), p]);
  }
  return [...byRole].map(([key, paths]) => {
    const p = paths[0] as RolePath;
    const where = p.scope === 'tenant' ? '' : `, scoped to ${p.directoryScopeId}`;
    const how = listPhrase(paths.map((q) => (q.via.kind === 'direct' ? 'directly' : `through group '${q.via.groupName ?? q.via.groupId}'`)));
    const severity = p.roleTemplateId === ROLE.globalAdministrator || p.roleTemplateId === ROLE.privilegedRoleAdministrator ? 'medium' : 'low';
    return finding('permanent-privileged-assignment', severity, e.out.id, `${name} holds '${p.roleName}' permanently (active, no end date${where}) ${how}; make it eligible in PIM or time-bound.`, { subjectName: name }, key);
  });
}

/** The findings about one admin: verdict, registration, exclusion, permanence, untargetable roles. */
function adminFindings(e: AdminEvaluation, snapshot: TenantSnapshot, set: PolicySet, index: DirectoryIndex, memo: CoverageMemo): Finding[] {
  const { out, coverages, user } = e;
  const name = who(out);
  const findings: Finding[] = [];
  if (out.verdict === 'unprotected') {
    findings.push(finding('admin-unprotected', 'high', out.id, `${name} (${(e.shape.rolesPhrase ??= rolesPhrase(out))}) has no enforced MFA in any sign-in context: ${out.gaps[0]?.summary ?? ''}`, { subjectName: name, policyIds: out.gaps.flatMap((g) => g.policyIds) }));
  } else if (out.verdict === 'partial') {
    // The roles and the policies the gaps name are the shape's (their ids do not depend on the admin).
    findings.push(finding('admin-partially-protected', 'medium', out.id, `${name} (${(e.shape.rolesPhrase ??= rolesPhrase(out))}) has ${out.gaps.length} gap${out.gaps.length > 1 ? 's' : ''}: ${out.gaps[0]?.summary ?? ''}${out.gaps.length > 1 ? ` (and ${out.gaps.length - 1} more in the admin's record)` : ''}`, { subjectName: name, policyIds: (e.shape.gapPolicyIds ??= gapPolicyIds(out)) }));
  }
  // R-REG-1: covered but nothing registered: whoever has the password registers first.
  if ((out.verdict === 'protected' || out.verdict === 'partial') && out.mfaRegistered === false) {
    findings.push(finding('admin-not-registered', 'high', out.id, `${name} is covered by MFA policy but has no MFA method registered: whoever has the password can register one first.`, { subjectName: name }));
  }
  if (out.verdict === 'excluded') {
    const f = exclusionFinding(e, set);
    if (f) findings.push(f);
  } else findings.push(...permanentFindings(e, index));
  // R-USERS-4: admins through AU-scoped or custom roles that role-targeted policies cannot see — only when
  // role targeting seeing those roles would actually close a gap (not for an unrelated gap).
  if ((out.verdict === 'partial' || out.verdict === 'unprotected') && coverages.some((c) => c.state.untargetablePaths.length > 0) && (e.shape.targetingWouldHelp ??= targetingWouldHelp(set, memo, user, coverages, snapshot.securityDefaults?.isEnabled === true))) {
    const untargetable = [...new Set(coverages.flatMap((c) => c.state.untargetablePaths).map((p) => (p.roleKind === 'custom' ? `custom role '${p.roleName}'` : `'${p.roleName}' scoped to ${p.directoryScopeId}`)))];
    const roleTargeted = set.policies.filter((p) => p.state === 'enabled' && p.users.includeRoles.length > 0 && p.mfaGrant);
    if (roleTargeted.length > 0) {
      findings.push(finding('role-scope-not-targetable', 'medium', out.id, `${name} is an admin through ${listPhrase(untargetable)}, which role-targeted policies (${listPhrase(roleTargeted.map((p) => `'${p.name}'`))}) cannot see; target the user or a group instead.`, { subjectName: name, policyIds: roleTargeted.map((p) => p.policy.id) }));
    }
  }
  return findings;
}

/** Tenant-wide findings: Global Administrator count (R-GA-1), report-only policies that would protect admins (R-STATE-2). */
function tenantFindings(snapshot: TenantSnapshot, options: EvaluationOptions, inventory: Inventory, evaluations: AdminEvaluation[], set: PolicySet): Finding[] {
  const findings: Finding[] = [];
  const globalAdmins = inventory.admins.filter((a) => a.paths.some((p) => p.roleTemplateId === ROLE.globalAdministrator));
  if (inventory.monitoredRoleIds.has(ROLE.globalAdministrator) && snapshot.dataSources.roleAssignments?.state !== 'unavailable') {
    const n = globalAdmins.length;
    if (n < options.globalAdminMin || n > options.globalAdminMax) {
      findings.push(finding('global-admin-count', 'medium', ROLE.globalAdministrator, `The tenant has ${n} Global Administrator${n === 1 ? '' : 's'} (active or eligible); keep between ${options.globalAdminMin} and ${options.globalAdminMax}${n < options.globalAdminMin ? ' so one lost account does not lock the tenant out' : ' to limit the attack surface'}.`, { subjectName: 'Global Administrator' }));
    }
  }
  const wouldCoverCounts = new Map<string, number>();
  for (const e of evaluations) for (const w of e.out.wouldCoverIfEnabled) wouldCoverCounts.set(w.policyId, (wouldCoverCounts.get(w.policyId) ?? 0) + 1);
  for (const p of set.policies) {
    if (p.state !== 'reportOnly' || p.target.kind !== 'apps' || !p.mfaGrant) continue;
    const wouldCover = wouldCoverCounts.get(p.policy.id) ?? 0;
    if (wouldCover > 0) findings.push(finding('policy-report-only', 'low', p.policy.id, `Policy '${p.name}' is report-only: it would require MFA for ${wouldCover} admin${wouldCover > 1 ? 's' : ''} but enforces nothing.`, { subjectName: p.name, policyIds: [p.policy.id] }));
  }
  return findings;
}

/** Data that could not be read (R-DATA-*) and objects that resolve to nothing (R-UNRESOLVED-1). */
function dataFindings(snapshot: TenantSnapshot, inventory: Inventory, set: PolicySet): Finding[] {
  const findings: Finding[] = [];
  for (const [dataset, status] of Object.entries(snapshot.dataSources)) {
    if (status?.state !== 'unavailable') continue;
    const grant = status.permission ? ` Grant the application permission ${status.permission}.` : '';
    findings.push(finding('data-unavailable', unavailableSeverity(dataset), dataset, `Dataset '${dataset}' could not be read: ${status.message ?? 'no data'}.${grant} ${unavailableConsequence(dataset)}`, {}, dataset));
  }
  for (const u of inventory.unresolved) {
    findings.push(finding('principal-unresolved', 'low', u.id, `Object ${u.id} ${u.roles.length ? `holds ${listPhrase(u.roles.map((r) => `'${r}'`))} but ` : ''}resolves to no user, group or service principal (deleted, or from another tenant).`));
  }
  for (const p of set.policies) {
    const ids = [...p.users.includeUsers, ...p.users.excludeUsers, ...p.users.includeGroups, ...p.users.excludeGroups];
    const stale = ids.filter((id) => snapshot.unresolvedObjectIds.some((u) => normId(u) === id));
    if (stale.length > 0 && p.state !== 'disabled') {
      findings.push(finding('policy-stale-reference', 'low', p.policy.id, `Policy '${p.name}' references ${stale.length} object${stale.length > 1 ? 's' : ''} that no longer exist${stale.length > 1 ? '' : 's'} (${stale.join(', ')}).`, { subjectName: p.name, policyIds: [p.policy.id] }));
    }
  }
  return findings;
}

function collectFindings(
  snapshot: TenantSnapshot,
  options: EvaluationOptions,
  inventory: Inventory,
  evaluations: AdminEvaluation[],
  potential: AdminEvaluation[],
  set: PolicySet,
  index: DirectoryIndex,
  memo: CoverageMemo,
  extra: readonly Finding[] = [],
): Finding[] {
  const findings: Finding[] = [...evaluations.flatMap((e) => adminFindings(e, snapshot, set, index, memo)), ...extra];
  for (const { out } of potential) {
    if (out.verdict === 'partial' || out.verdict === 'unprotected') {
      const groups = listPhrase((out.ownerOf ?? []).map((o) => `'${o.groupName ?? o.groupId}'`));
      findings.push(finding('potential-admin-unprotected', 'medium', out.id, `${who(out)} owns role-holding PIM group ${groups} and could add themselves; as a member they would be ${out.verdict}: ${out.gaps[0]?.summary ?? ''}`, { subjectName: who(out) }));
    }
  }
  findings.push(...tenantFindings(snapshot, options, inventory, evaluations, set), ...pimSettingFindings(snapshot, inventory, index), ...dataFindings(snapshot, inventory, set));
  // A fingerprint is the identity of a finding across runs: never two findings with the same one.
  const unique = [...new Map(findings.map((f) => [f.fingerprint, f])).values()];
  return unique.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || collator.compare(a.type, b.type) || collator.compare(a.subjectName ?? a.subjectId, b.subjectName ?? b.subjectId));
}

/** Would this admin be covered more if role targeting could see its AU-scoped / custom-role paths? */
function targetingWouldHelp(set: PolicySet, memo: CoverageMemo, user: UserContext, coverages: StateCoverage[], sd: boolean): boolean {
  return coverages.some((c) => {
    if (c.state.untargetablePaths.length === 0) return false;
    const roles = new Set(c.state.targetableRoles);
    for (const p of c.state.untargetablePaths) {
      roles.add(p.roleTemplateId);
      // A custom role can never be listed in includeRoles: assume role-targeted admin policies were meant for it.
      if (p.roleKind === 'custom') for (const policy of set.policies) for (const r of policy.users.includeRoles) roles.add(r);
    }
    const visible = stateCoverage(memo, user, { ...c.state, targetableRoles: roles, untargetablePaths: [] }, sd);
    return set.space.uncovered(c.uncovered, visible.uncovered).length > 0;
  });
}

/** The policies a finding about this admin's gaps names: the culprits first, at most 20 (the admin record has all). */
function gapPolicyIds(out: AdminOut): string[] {
  const ids = new Set<string>();
  for (const g of out.gaps) {
    for (const id of g.policyIds) {
      ids.add(id);
      if (ids.size >= 20) return [...ids];
    }
  }
  return [...ids];
}

function rolesPhrase(a: AdminOut): string {
  const names = [...new Set(a.roles.map((r) => `${r.roleName}${r.assignment === 'eligible' ? ' (eligible)' : ''}`))];
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}
