// Secure Score, explained: Microsoft's own "Require MFA for administrative roles" (AdminMFAV2) verdict read
// as it is, and set against ours admin by admin, each difference with one reason from a fixed, documented
// list (R-MSSCORE-*, R-RECON-*; docs/secure-score.md). Pure: what Graph said and the evaluated admins in,
// the reconciliation out. Data that is missing or shaped unexpectedly is said plainly, never read as 0.
import { ROLE } from './catalog.js';
import type { ConditionalAccessPolicy } from './graph-types.js';
import { listPhrase, normId } from './ids.js';
import type { ImpactedResource, StoredRecommendation, StoredSecureScore } from './microsoft-types.js';
import type { AdminOut, Verdict } from './report.js';
import type { DatasetStatus } from './snapshot.js';

export const ADMIN_MFA_CONTROL = 'AdminMFAV2';
export const ADMIN_MFA_RECOMMENDATION = 'adminMFAV2';
/** Secure Score's documented default for this control when the profile cannot be read. */
const DEFAULT_MAX_SCORE = 10;

export type SourceState = 'ok' | 'notCollected' | 'unavailable' | 'missing' | 'unreadable';

export interface MicrosoftVerdict {
  state: SourceState;
  /** Why the state is not ok, in one sentence. */
  reason: string | null;
  score: number | null;
  maxScore: number | null;
  /** Admins Microsoft counts as not registered-and-protected, and of how many ("x out of y"). */
  notProtected: number | null;
  total: number | null;
  implementationStatus: string | null;
  /** When Microsoft computed it (the control's lastSynced, else the score's date). */
  asOf: string | null;
  title: string | null;
  /** How the tenant marked the control in Secure Score (thirdParty, ignored, reviewed), if at all. */
  controlState: string | null;
  notes: string[];
}

export interface RecommendationView {
  state: SourceState | 'none' | 'unexpected';
  reason: string | null;
  status: string | null;
  /** Admins Microsoft lists as impacted (active or postponed); null when the list cannot be used. */
  flagged: Set<string> | null;
  /** Impacted resources that are none of our admins. */
  unknownImpacted: ImpactedResource[];
  asOf: string | null;
}

export type ReconReason =
  | 'pimGroupOnly'
  | 'eligibleOnly'
  | 'breakGlass'
  | 'serviceAccount'
  | 'perUserOrSecurityDefaults'
  | 'reportOnlyOnly'
  | 'investigate'
  | 'staleMicrosoftData'
  | 'gapMicrosoftMisses'
  | 'ourVerdictUnknown';

/** The fixed list of reasons (docs/secure-score.md gives the order they are tried in). */
export const RECON_REASONS: Readonly<Record<ReconReason, { rule: string; title: string; sentence: string }>> = {
  staleMicrosoftData: { rule: 'R-RECON-8', title: "Microsoft's data is older than the change", sentence: "Microsoft's data is older than the change: Secure Score is computed once a day" },
  breakGlass: { rule: 'R-RECON-3', title: 'Excluded break-glass account', sentence: 'Excluded break-glass account: excluded from MFA on purpose (MONITOR_EXCLUDED_ACCOUNTS), which Microsoft counts as not protected' },
  serviceAccount: { rule: 'R-RECON-4', title: 'Service account', sentence: 'Service account: listed in MONITOR_EXCLUDED_ACCOUNTS without the Global Administrator role, so it cannot do interactive MFA, which Microsoft counts as not protected' },
  pimGroupOnly: { rule: 'R-RECON-1', title: 'Holds the role only through PIM for Groups', sentence: 'Holds the role only through PIM for Groups, which Secure Score is known to miscount; our evaluation covers the admin in every role state' },
  eligibleOnly: { rule: 'R-RECON-2', title: 'Eligible only', sentence: 'Eligible only: holds no active role, and MFA is enforced when the role is activated, which Microsoft does not see' },
  perUserOrSecurityDefaults: { rule: 'R-RECON-5', title: 'Per-user MFA or security defaults', sentence: 'Protected by per-user MFA or security defaults, which Microsoft counts differently from Conditional Access' },
  reportOnlyOnly: { rule: 'R-RECON-6', title: 'Covered only by a report-only policy', sentence: 'Covered only by a report-only policy, which enforces nothing, yet Microsoft does not flag the admin' },
  investigate: { rule: 'R-RECON-7', title: 'Disagreement to investigate', sentence: 'Protected in our model but flagged by Microsoft, with none of the known reasons: a disagreement to investigate' },
  gapMicrosoftMisses: { rule: 'R-RECON-9', title: 'A gap Secure Score does not see', sentence: 'Microsoft counts the admin as protected, but our model finds sign-ins without MFA: a real gap Secure Score does not see' },
  ourVerdictUnknown: { rule: 'R-RECON-10', title: 'Our verdict is unknown', sentence: 'Our verdict is unknown (data could not be read), so the two cannot be compared' },
};

export interface ReconRow {
  adminId: string;
  userPrincipalName: string | null;
  displayName: string | null;
  /** Microsoft's view: observed from the recommendation's impacted admins, or predicted from documented behaviour. */
  microsoft: 'flagged' | 'notFlagged';
  ours: 'protected' | 'excluded' | 'gap' | 'unknown';
  verdict: Verdict;
  reason: ReconReason;
  rule: string;
  sentence: string;
  basis: 'observed' | 'predicted';
  /** Points this admin moves Microsoft's score below (positive) or above (negative) ours. */
  points: number;
}

export interface SecureScoreOut {
  control: string;
  microsoft: MicrosoftVerdict;
  recommendation: Omit<RecommendationView, 'flagged' | 'unknownImpacted'> & { impacted: number | null };
  /** Admins with a real gap of all admins (excluded break-glass and service accounts are handled, not gaps). */
  ours: { notProtected: number; total: number; score: number; maxScore: number };
  /** Microsoft's documented partial-credit rule applied to our facts (= summary.secureScoreEstimate). */
  shouldShow: { score: number; formula: string };
  /** observed: Microsoft's per-admin list was read; predicted: only counts, rows from documented behaviour. */
  basis: 'observed' | 'predicted' | 'none';
  rows: ReconRow[];
  difference: { points: number | null; explainedPoints: number; unexplainedPoints: number | null; unexplainedAdmins: number | null };
  notes: string[];
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function number(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

/** "You have 3 out of 9 users with administrative roles that aren't registered and protected with MFA." */
const STATUS_COUNTS = /you have (\d+) (?:out )?of (\d+) users? with administrative roles/i;

function unavailableReason(status: DatasetStatus): string {
  return `${status.message ?? 'Graph refused'}${status.permission ? `; grant the application permission ${status.permission}` : ''}`;
}

/** R-MSSCORE-1..4: Microsoft's AdminMFAV2 verdict as it was read, or why there is none. */
export function microsoftVerdict(stored: StoredSecureScore | null | undefined, status: DatasetStatus | undefined): MicrosoftVerdict {
  const empty: MicrosoftVerdict = { state: 'notCollected', reason: null, score: null, maxScore: null, notProtected: null, total: null, implementationStatus: null, asOf: null, title: null, controlState: null, notes: [] };
  if (status?.state === 'unavailable') return { ...empty, state: 'unavailable', reason: `Secure Score could not be read: ${unavailableReason(status)}` };
  if (!stored) return { ...empty, reason: 'Secure Score has not been read yet (it is read daily, SCHEDULE_SECURE_SCORE)' };
  const notes: string[] = [];
  if (status?.state === 'stale') notes.push(`the latest read failed (${status.message ?? 'error'}); this is the copy from ${status.asOf ?? 'an earlier run'}`);
  const profile = stored.profile;
  const controlState = profile?.controlStateUpdates?.filter((u) => u.state).sort((a, b) => (b.updatedDateTime ?? '').localeCompare(a.updatedDateTime ?? ''))[0]?.state ?? null;
  if (controlState && controlState.toLowerCase() !== 'default') notes.push(`the control is marked '${controlState}' in Secure Score, which changes how Microsoft scores it`);
  if (profile?.deprecated) notes.push('Microsoft marks the AdminMFAV2 control as deprecated');
  if (!profile) notes.push(stored.profileProblem ?? 'the AdminMFAV2 control profile could not be read: its maximum score is taken from the percentage or the default of 10');
  const base = { ...empty, title: profile?.title ?? null, controlState, notes };
  if (!stored.score) return { ...base, state: 'missing', reason: 'Graph returned no Secure Score for this tenant (a new tenant has none for its first day; Secure Score keeps 90 days)' };
  const entry = stored.score.adminMfa;
  if (!entry) {
    const sample = stored.score.sampleControlNames.length ? ` (e.g. ${stored.score.sampleControlNames.slice(0, 4).join(', ')})` : '';
    return { ...base, state: 'missing', asOf: stored.score.createdDateTime, reason: `the latest Secure Score (${stored.score.createdDateTime ?? 'undated'}) has no ${ADMIN_MFA_CONTROL} control among its ${stored.score.controlNames} controls${sample}: Microsoft may have renamed or retired it` };
  }
  const asOf = entry.lastSynced ?? stored.score.createdDateTime;
  const score = number(entry.score);
  if (score === null || score < 0) return { ...base, state: 'unreadable', asOf, implementationStatus: entry.implementationStatus ?? null, reason: `the ${ADMIN_MFA_CONTROL} entry has no usable score (${JSON.stringify(entry.score ?? null)})` };
  // Maximum: the profile's, else derived from the percentage, else Secure Score's documented 10.
  let maxScore = number(profile?.maxScore);
  const pct = number(entry.scoreInPercentage);
  if (maxScore === null && pct !== null && pct > 0) maxScore = round2((score * 100) / pct);
  if (maxScore === null) maxScore = DEFAULT_MAX_SCORE;
  // Counts: the sentence Microsoft shows, else the undocumented count (compliant) and total.
  let notProtected: number | null = null;
  let total: number | null = null;
  const text = entry.implementationStatus ?? null;
  const m = text ? STATUS_COUNTS.exec(text) : null;
  const count = number(entry.count);
  const tot = number(entry.total);
  if (m) {
    notProtected = Number(m[1]);
    total = Number(m[2]);
    if (count !== null && tot !== null && (tot !== total || tot - count !== notProtected)) notes.push(`the count fields (${count} of ${tot} compliant) disagree with the sentence; the sentence is used`);
  } else if (count !== null && tot !== null && count <= tot) {
    notProtected = tot - count;
    total = tot;
  } else if (text) notes.push(`Microsoft's status sentence has no admin count: "${text}"`);
  else notes.push('Microsoft gives no admin count for this control: only the score can be compared');
  if (total !== null && notProtected !== null && notProtected > total) {
    notes.push(`Microsoft's counts are inconsistent (${notProtected} of ${total}); they are not used`);
    notProtected = total = null;
  }
  return { ...base, state: 'ok', score, maxScore, notProtected, total, implementationStatus: text, asOf };
}

/** Recommendation states in which its impacted list is Microsoft's current per-admin view. */
const CURRENT_STATES = new Set(['active', 'postponed', 'completedbysystem']);
const FLAGGED_RESOURCE_STATES = new Set(['active', 'postponed']);

/** R-MSSCORE-5/6: the Entra recommendation's admins, when its state makes them Microsoft's current view. */
export function recommendationView(stored: StoredRecommendation | null | undefined, status: DatasetStatus | undefined, adminIds: ReadonlySet<string>): RecommendationView {
  const base: RecommendationView = { state: 'notCollected', reason: null, status: null, flagged: null, unknownImpacted: [], asOf: null };
  if (status?.state === 'unavailable') return { ...base, state: 'unavailable', reason: `the Entra recommendation could not be read: ${unavailableReason(status)}` };
  if (status?.state === 'notLicensed') return { ...base, state: 'unavailable', reason: `the tenant's licence does not include Entra recommendations (${status.message ?? 'licence error'})` };
  if (!stored) return { ...base, reason: 'the Entra recommendation has not been read yet' };
  const rec = stored.recommendation;
  if (!rec) return { ...base, state: 'none', reason: `the tenant has no ${ADMIN_MFA_RECOMMENDATION} recommendation, so Microsoft's per-admin view is not known` };
  const recStatus = rec.status ?? null;
  const asOf = rec.lastCheckedDateTime ?? rec.lastModifiedDateTime ?? null;
  if (!CURRENT_STATES.has((recStatus ?? '').toLowerCase())) {
    return { ...base, state: 'unexpected', status: recStatus, asOf, reason: `the recommendation's status is '${recStatus ?? 'missing'}' (someone marked it, or Graph added a state), so its list of admins is not Microsoft's current view` };
  }
  const flagged = new Set<string>();
  const unknownImpacted: ImpactedResource[] = [];
  if ((recStatus ?? '').toLowerCase() !== 'completedbysystem') {
    for (const r of stored.impactedResources) {
      if (!FLAGGED_RESOURCE_STATES.has((r.status ?? 'active').toLowerCase())) continue;
      if (r.resourceType && !/^user$/i.test(r.resourceType)) continue;
      const id = normId(r.subjectId ?? r.id);
      if (adminIds.has(id)) flagged.add(id);
      else unknownImpacted.push(r);
    }
  }
  return { state: 'ok', reason: null, status: recStatus, flagged, unknownImpacted, asOf };
}

/** What the reconciliation needs to know about the tenant beyond the admins. */
export interface ReconInputs {
  admins: readonly AdminOut[];
  microsoft: MicrosoftVerdict;
  recommendation: RecommendationView;
  policies: readonly ConditionalAccessPolicy[];
  securityDefaultsEnabled: boolean;
  /** summary.secureScoreEstimate. */
  shouldShow: number;
  /** Evaluation time (ages are measured from it, so the same inputs give the same output). */
  now: string;
}

type Ours = ReconRow['ours'];

/** R-RECON-0: our view of an admin, on Microsoft's question "registered and protected with MFA?". */
export function ourView(a: AdminOut): Ours {
  if (a.verdict === 'excluded') return 'excluded';
  if (a.verdict === 'unknown') return 'unknown';
  return a.verdict === 'protected' && a.mfaRegistered === true ? 'protected' : 'gap';
}

/** R-RECON-3/4: an excluded account holding Global Administrator standing is break-glass; any other, a service account. */
function excludedKind(a: AdminOut): 'breakGlass' | 'serviceAccount' {
  return a.roles.some((r) => r.roleTemplateId === ROLE.globalAdministrator && r.assignment === 'active') ? 'breakGlass' : 'serviceAccount';
}

/** R-RECON-8: a role assignment or a policy that decides this admin's coverage changed after Microsoft computed. */
function changedSince(a: AdminOut, asOf: string | null, policies: ReadonlyMap<string, ConditionalAccessPolicy>): string | null {
  if (!asOf) return null;
  const at = Date.parse(asOf);
  if (Number.isNaN(at)) return null;
  const newer = (t: string | null | undefined) => !!t && Date.parse(t) > at;
  const role = a.roles.find((r) => newer(r.startDateTime));
  if (role) return `'${role.roleName}' was assigned at ${role.startDateTime}, after Microsoft's data (${asOf})`;
  const ids = new Set([...a.coveringPolicyIds, ...a.wouldCoverIfEnabled.map((w) => w.policyId), ...a.gaps.flatMap((g) => g.policyIds)].map(normId));
  for (const id of ids) {
    const p = policies.get(id);
    const changed = p?.modifiedDateTime ?? p?.createdDateTime;
    if (p && newer(changed)) return `policy '${p.displayName}' changed at ${changed}, after Microsoft's data (${asOf})`;
  }
  return null;
}

/** The one reason for a difference, tried in the documented order; null when the two agree. */
export function reconReason(a: AdminOut, microsoft: 'flagged' | 'notFlagged', input: { asOf: string | null; policies: ReadonlyMap<string, ConditionalAccessPolicy>; securityDefaultsEnabled: boolean }): { reason: ReconReason; detail: string | null } | null {
  const ours = ourView(a);
  const flagged = microsoft === 'flagged';
  // Agreement: both say protected (or handled by design), or both say not protected; an unknown verdict
  // Microsoft flags cannot be told apart from a real gap.
  if (flagged ? ours === 'gap' || ours === 'unknown' : ours === 'protected' || ours === 'excluded') return null;
  if (ours === 'excluded') return { reason: excludedKind(a), detail: a.excludedBy ? `listed by ${a.excludedBy}` : null };
  if (flagged) {
    // Microsoft says not protected; we say protected and registered. Known miscounts first: they outlast a refresh.
    if (a.roles.length > 0 && a.roles.every((r) => r.via.kind === 'pimGroup')) {
      return { reason: 'pimGroupOnly', detail: `through ${listPhrase([...new Set(a.roles.map((r) => `'${r.via.groupName ?? r.via.groupId ?? '?'}'`))])}` };
    }
    if (a.roles.length > 0 && a.roles.every((r) => r.assignment === 'eligible')) return { reason: 'eligibleOnly', detail: null };
    const stale = changedSince(a, input.asOf, input.policies);
    if (stale) return { reason: 'staleMicrosoftData', detail: stale };
    if ((a.enforcedBy ?? []).some((e) => e === 'securityDefaults' || e === 'perUserMfa')) return { reason: 'perUserOrSecurityDefaults', detail: `enforced by ${listPhrase((a.enforcedBy ?? []).map((e) => ENFORCED_BY[e]))}` };
    return { reason: 'investigate', detail: null };
  }
  const stale = changedSince(a, input.asOf, input.policies);
  if (stale) return { reason: 'staleMicrosoftData', detail: stale };
  if (ours === 'unknown') return { reason: 'ourVerdictUnknown', detail: null };
  // Microsoft does not flag the admin; we see a gap.
  const perUser = a.perUserMfa?.state === 'enabled' || a.perUserMfa?.state === 'enforced';
  if (perUser || input.securityDefaultsEnabled) return { reason: 'perUserOrSecurityDefaults', detail: perUser ? `per-user MFA is ${a.perUserMfa?.state}` : 'security defaults are on' };
  const reportOnly = a.wouldCoverIfEnabled.find((w) => w.state === 'enabledForReportingButNotEnforced');
  if (reportOnly && a.coveringPolicyIds.length === 0) return { reason: 'reportOnlyOnly', detail: `policy '${reportOnly.displayName}' is report-only` };
  const gap = a.gaps[0];
  const where = gap ? `${gap.state ? `${gap.state}: ` : ''}${gap.contexts ? `no MFA when signing in ${gap.contexts}` : 'no policy requires MFA in any context'}` : null;
  return { reason: 'gapMicrosoftMisses', detail: where ?? (a.mfaRegistered !== true ? 'no MFA method is registered' : null) };
}

const ENFORCED_BY: Record<NonNullable<AdminOut['enforcedBy']>[number], string> = {
  conditionalAccess: 'Conditional Access',
  securityDefaults: 'security defaults',
  perUserMfa: 'per-user MFA',
};

/**
 * R-RECON-11: Microsoft's documented or known counting, where its per-admin list is not available: it counts
 * excluded break-glass and service accounts (maester #174) and PIM-for-Groups holders (Facts §1) as not
 * protected, and per-user MFA or security defaults as protection.
 */
function predictedView(a: AdminOut, securityDefaultsEnabled: boolean): 'flagged' | 'notFlagged' {
  const ours = ourView(a);
  if (ours === 'excluded') return 'flagged';
  if (ours === 'protected') return a.roles.length > 0 && a.roles.every((r) => r.via.kind === 'pimGroup') ? 'flagged' : 'notFlagged';
  const perUser = a.perUserMfa?.state === 'enabled' || a.perUserMfa?.state === 'enforced';
  return perUser || securityDefaultsEnabled ? 'notFlagged' : 'flagged';
}

export function reconcile(input: ReconInputs): SecureScoreOut {
  const { admins, microsoft, recommendation } = input;
  const policies = new Map(input.policies.map((p) => [normId(p.id), p]));
  const maxScore = microsoft.maxScore ?? DEFAULT_MAX_SCORE;
  const total = admins.length;
  const ourGaps = admins.filter((a) => ourView(a) === 'gap' || ourView(a) === 'unknown').length;
  const ours = { notProtected: ourGaps, total, score: total === 0 ? maxScore : round2((maxScore * (total - ourGaps)) / total), maxScore };
  const notes = [...microsoft.notes];
  const observed = recommendation.state === 'ok' && recommendation.flagged !== null;
  const basis: SecureScoreOut['basis'] = observed ? 'observed' : microsoft.state === 'ok' ? 'predicted' : 'none';
  const share = maxScore / Math.max(1, microsoft.total ?? total);
  const asOf = (observed ? recommendation.asOf : null) ?? microsoft.asOf;
  const rows: ReconRow[] = [];
  if (basis !== 'none') {
    for (const a of admins) {
      const view = observed ? (recommendation.flagged?.has(a.id) ? 'flagged' : 'notFlagged') : predictedView(a, input.securityDefaultsEnabled);
      const found = reconReason(a, view, { asOf, policies, securityDefaultsEnabled: input.securityDefaultsEnabled });
      if (!found) continue;
      const info = RECON_REASONS[found.reason];
      const o = ourView(a);
      rows.push({
        adminId: a.id,
        userPrincipalName: a.userPrincipalName,
        displayName: a.displayName,
        microsoft: view,
        ours: o,
        verdict: a.verdict,
        reason: found.reason,
        rule: info.rule,
        sentence: `${info.sentence}${found.detail ? ` (${found.detail})` : ''}.`,
        basis: observed ? 'observed' : 'predicted',
        points: view === 'flagged' ? share : -share,
      });
    }
  }
  rows.sort((x, y) => y.points - x.points || x.reason.localeCompare(y.reason) || (x.userPrincipalName ?? x.adminId).localeCompare(y.userPrincipalName ?? y.adminId));
  const explainedPoints = round2(rows.reduce((n, r) => n + r.points, 0));
  for (const r of rows) r.points = round2(r.points);
  let points: number | null = null;
  let unexplainedPoints: number | null = null;
  let unexplainedAdmins: number | null = null;
  if (microsoft.state === 'ok' && microsoft.score !== null) {
    const oursRaw = total === 0 ? maxScore : (maxScore * (total - ourGaps)) / total;
    points = round2(oursRaw - microsoft.score);
    unexplainedPoints = round2(points - explainedPoints);
    // Microsoft rounds its score to two decimals: a difference below that is no difference.
    if (Math.abs(unexplainedPoints) <= 0.02) unexplainedPoints = 0;
    if (microsoft.notProtected !== null) {
      const predictedNotProtected = ourGaps + rows.filter((r) => r.microsoft === 'flagged').length - rows.filter((r) => r.microsoft === 'notFlagged').length;
      unexplainedAdmins = microsoft.notProtected - predictedNotProtected;
    }
  }
  if (microsoft.total !== null && microsoft.total !== total) {
    notes.push(`Microsoft counts ${microsoft.total} admin${microsoft.total === 1 ? '' : 's'}, we count ${total}: Microsoft does not publish which roles it counts (its description names at least nine), and we count the roles MONITOR_ADMIN_ROLES selects`);
  }
  if (recommendation.unknownImpacted.length > 0) {
    const names = recommendation.unknownImpacted.slice(0, 5).map((r) => r.displayName ?? r.subjectId ?? r.id);
    notes.push(`Microsoft lists ${recommendation.unknownImpacted.length} account${recommendation.unknownImpacted.length === 1 ? '' : 's'} we do not count as admins (${names.join(', ')}${recommendation.unknownImpacted.length > 5 ? ', …' : ''}): a role outside MONITOR_ADMIN_ROLES, or an account deleted since`);
  }
  if (basis === 'predicted') notes.push(`Microsoft's per-admin list is not available (${recommendation.reason ?? 'no recommendation'}); the rows are predicted from Microsoft's known counting, and only the totals are Microsoft's`);
  if (unexplainedAdmins) notes.push(`${Math.abs(unexplainedAdmins)} admin${Math.abs(unexplainedAdmins) === 1 ? '' : 's'} of Microsoft's count ${unexplainedAdmins > 0 ? 'more' : 'fewer'} than the reasons above explain: a disagreement to investigate`);
  if (asOf && microsoft.state === 'ok') {
    const ageDays = (Date.parse(input.now) - Date.parse(asOf)) / 86_400_000;
    if (ageDays > 2) notes.push(`Microsoft's data is from ${asOf} (${Math.floor(ageDays)} days old)`);
  }
  return {
    control: ADMIN_MFA_CONTROL,
    microsoft,
    recommendation: { state: recommendation.state, reason: recommendation.reason, status: recommendation.status, asOf: recommendation.asOf, impacted: recommendation.flagged ? recommendation.flagged.size + recommendation.unknownImpacted.length : null },
    ours,
    shouldShow: { score: input.shouldShow, formula: `${maxScore} × admins protected and registered for MFA ÷ all admins${input.securityDefaultsEnabled ? ' (security defaults on: full points)' : ''} (Learn: Microsoft Secure Score, partial credit)` },
    basis,
    rows,
    difference: { points, explainedPoints, unexplainedPoints, unexplainedAdmins },
    notes,
  };
}
