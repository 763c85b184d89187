// Report-only rollout readiness: for every policy in report-only mode, what its results in the sign-in log say
// it would have done had it been on — how many sign-ins and users it would have satisfied, interrupted or
// blocked, and which admins, excluded or service accounts and users without an MFA method it would reach.
// Microsoft-managed policies are ordinary policies in Graph (entra-facts.md §3) and are assessed alike. Pure;
// rule ids (R-ROLLOUT-*) refer to docs/evaluation.md, section 15.
import type { PolicySet } from './conditions.js';
import { makeFinding } from './finding-types.js';
import { listPhrase, normId } from './ids.js';
import type { Finding, Report, RolloutAccount, RolloutOut } from './report.js';
import type { ReportOnlyCounts, SignInDigest } from './signin-digest.js';

export interface RolloutInputs {
  digests: readonly SignInDigest[];
  /** First day of the rollout window (YYYY-MM-DD). */
  fromDay: string;
  days: number;
  isAdmin: (userId: string) => boolean;
  isExcluded: (userId: string, upn: string | null) => boolean;
  /** isMfaRegistered where known (registration details), else undefined. */
  registered: (userId: string) => boolean | undefined;
}

interface UserTally {
  id: string;
  upn: string | null;
  counts: ReportOnlyCounts;
  hits: { interactive: number; nonInteractive: number; legacyClient: number };
  noMethodPrompts: number;
}

const zero = (): ReportOnlyCounts => ({ success: 0, failure: 0, interrupted: 0, notApplied: 0, other: 0 });

/** R-ROLLOUT-2: an account that signs in only non-interactively or by legacy protocols cannot answer an MFA prompt. */
function servicePattern(u: UserTally): boolean {
  const hits = u.counts.failure + u.counts.interrupted;
  return hits > 0 && (u.hits.interactive === 0 || u.hits.legacyClient === hits);
}

function account(u: UserTally, inputs: RolloutInputs): RolloutAccount {
  const kinds: RolloutAccount['kinds'] = [];
  if (inputs.isAdmin(u.id)) kinds.push('admin');
  if (inputs.isExcluded(u.id, u.upn)) kinds.push('excluded');
  if (servicePattern(u)) kinds.push('service');
  // R-ROLLOUT-3: no MFA method: registration details say so, or the log shows AADSTS50079/50072.
  if (inputs.registered(u.id) === false || u.noMethodPrompts > 0) kinds.push('unregistered');
  const reasons: string[] = [];
  if (u.counts.failure > 0) reasons.push(`${u.counts.failure} sign-in${u.counts.failure === 1 ? '' : 's'} would have failed`);
  if (u.counts.interrupted > 0) {
    const cannot = kinds.filter((k) => k !== 'admin').map((k) => (k === 'excluded' ? 'an excluded (break-glass or service) account' : k === 'service' ? 'it signs in only non-interactively or by a legacy protocol' : 'it has no MFA method registered'));
    reasons.push(`${u.counts.interrupted} sign-in${u.counts.interrupted === 1 ? '' : 's'} would have asked for MFA${cannot.length ? `, which it cannot give (${listPhrase(cannot)})` : ''}`);
  }
  // R-ROLLOUT-1: blocked = a report-only failure, or an MFA prompt the account cannot answer.
  const blocked = u.counts.failure > 0 || (u.counts.interrupted > 0 && kinds.some((k) => k !== 'admin'));
  return { id: u.id, userPrincipalName: u.upn, kinds, effect: blocked ? 'blocked' : 'prompted', failure: u.counts.failure, interrupted: u.counts.interrupted, reason: reasons.join('; ') };
}

function tallies(inputs: RolloutInputs): { perPolicy: Map<string, Map<string, UserTally>>; names: Map<string, string | null>; caMissing: number } {
  const perPolicy = new Map<string, Map<string, UserTally>>();
  const names = new Map<string, string | null>();
  const noMethod = new Map<string, number>();
  let caMissing = 0;
  for (const d of inputs.digests) {
    if (d.day < inputs.fromDay) continue;
    caMissing += d.caDetailsMissing;
    noMethod.set(d.userId, (noMethod.get(d.userId) ?? 0) + d.interrupts.filter((i) => i.outcome === 'noMethod').length);
    for (const [policyId, r] of Object.entries(d.reportOnly)) {
      if (!names.has(policyId)) names.set(policyId, r.name);
      let users = perPolicy.get(policyId);
      if (!users) perPolicy.set(policyId, (users = new Map()));
      const u = users.get(d.userId) ?? { id: d.userId, upn: d.userPrincipalName, counts: zero(), hits: { interactive: 0, nonInteractive: 0, legacyClient: 0 }, noMethodPrompts: 0 };
      for (const k of Object.keys(u.counts) as Array<keyof ReportOnlyCounts>) u.counts[k] += r.counts[k];
      u.hits.interactive += r.hits.interactive;
      u.hits.nonInteractive += r.hits.nonInteractive;
      u.hits.legacyClient += r.hits.legacyClient;
      u.upn ??= d.userPrincipalName;
      users.set(d.userId, u);
    }
  }
  for (const users of perPolicy.values()) for (const u of users.values()) u.noMethodPrompts = noMethod.get(u.id) ?? 0;
  return { perPolicy, names, caMissing };
}

/**
 * R-ROLLOUT-1..4: readiness of every report-only policy of the set. `ready` when nothing would be blocked,
 * `wouldBlock` with the accounts, `noEvidence` when no sign-in in the window was in its scope (a report-only
 * success, failure or interruption). Results for policies that no longer exist are left out and counted in `orphaned`.
 */
export function rolloutReadiness(set: PolicySet, inputs: RolloutInputs): { rollout: RolloutOut[]; orphaned: string[]; caMissing: number } {
  const { perPolicy, names, caMissing } = tallies(inputs);
  const rollout: RolloutOut[] = [];
  for (const p of set.policies) {
    if (p.state !== 'reportOnly') continue;
    const users = [...(perPolicy.get(p.id)?.values() ?? [])];
    const signIns = zero();
    for (const u of users) for (const k of Object.keys(signIns) as Array<keyof ReportOnlyCounts>) signIns[k] += u.counts[k];
    const distinct = (k: keyof ReportOnlyCounts) => users.filter((u) => u.counts[k] > 0).length;
    const hit = users.filter((u) => u.counts.failure + u.counts.interrupted > 0).map((u) => account(u, inputs)).sort((a, b) => (a.userPrincipalName ?? a.id).localeCompare(b.userPrincipalName ?? b.id));
    const blocked = hit.filter((a) => a.effect === 'blocked');
    const notes: string[] = [];
    // Only sign-ins in its scope say what it would do; "not applied" ones say nothing about readiness.
    const inScope = signIns.success + signIns.failure + signIns.interrupted;
    if (signIns.other > 0) notes.push(`${signIns.other} sign-in result${signIns.other === 1 ? ' was' : 's were'} withheld by Graph (unknownFutureValue): report-only results need the request header Prefer: include-unknown-enum-members`);
    if (inScope === 0 && caMissing > 0) notes.push(`${caMissing} sign-in${caMissing === 1 ? '' : 's'} carried no Conditional Access results (no Entra ID P1, or no permission to read them)`);
    const verdict: RolloutOut['verdict'] = inScope === 0 ? 'noEvidence' : blocked.length > 0 ? 'wouldBlock' : 'ready';
    const summary =
      verdict === 'noEvidence'
        ? `no evidence: no sign-in in the last ${inputs.days} days was in its scope${signIns.notApplied ? ` (${signIns.notApplied} out of scope)` : ''}`
        : verdict === 'ready'
          ? `ready to enable: it would have blocked nobody (${distinct('interrupted')} user${distinct('interrupted') === 1 ? '' : 's'} would have been asked for MFA)`
          : `would block ${blocked.length} account${blocked.length === 1 ? '' : 's'}: ${listPhrase(blocked.slice(0, 5).map((a) => a.userPrincipalName ?? a.id))}${blocked.length > 5 ? ` and ${blocked.length - 5} more` : ''}`;
    rollout.push({
      policyId: p.policy.id,
      displayName: p.name,
      windowDays: inputs.days,
      signIns,
      users: { success: distinct('success'), failure: distinct('failure'), interrupted: distinct('interrupted'), notApplied: distinct('notApplied') },
      verdict,
      summary,
      blocked,
      admins: hit.filter((a) => a.kinds.includes('admin')),
      excludedOrService: hit.filter((a) => a.kinds.includes('excluded') || a.kinds.includes('service')),
      unregistered: hit.filter((a) => a.kinds.includes('unregistered')),
      notes,
    });
  }
  const known = new Set(set.policies.map((p) => p.id));
  const orphaned = [...names].filter(([id]) => !known.has(id)).map(([id, name]) => (name ? `'${name}' (${id})` : id));
  return { rollout, orphaned, caMissing };
}

/** Rollout readiness means something only when the sign-ins and the policies were read (now or, stale, before). */
export function rolloutJudged(report: Pick<Report, 'dataSources'>): boolean {
  return (['signIns', 'conditionalAccess'] as const).every((d) => report.dataSources[d]?.state !== 'unavailable');
}

/** What the previous evaluation said about a report-only policy. */
export interface PreviousRollout {
  verdict: RolloutOut['verdict'];
  displayName: string;
}

/**
 * R-ROLLOUT-4: a report-only policy that became ready to enable, or stopped being ready (it would now block
 * accounts), since the previous evaluation. Evidence that merely ages out (ready → no evidence) is not told.
 */
export function rolloutChangeFindings(current: readonly RolloutOut[], previous: ReadonlyMap<string, PreviousRollout>, previousEvaluationId: string): Finding[] {
  const out: Finding[] = [];
  for (const r of current) {
    const before = previous.get(normId(r.policyId));
    const becameReady = r.verdict === 'ready' && before?.verdict !== 'ready';
    const stoppedReady = r.verdict === 'wouldBlock' && before?.verdict === 'ready';
    if (!becameReady && !stoppedReady) continue;
    const message = becameReady
      ? `Report-only policy '${r.displayName}' is ready to enable: over the last ${r.windowDays} days it would have blocked nobody (${r.signIns.success} sign-ins satisfied it, ${r.signIns.interrupted} would have been asked for MFA by ${r.users.interrupted} user${r.users.interrupted === 1 ? '' : 's'} who can answer).`
      : `Report-only policy '${r.displayName}' is no longer ready to enable: it ${r.summary}.`;
    out.push(makeFinding('rollout-readiness-changed', 'medium', r.policyId, message, `rollout-readiness-changed:${normId(r.policyId)}:${previousEvaluationId}`, { subjectName: r.displayName, policyIds: [r.policyId] }));
  }
  return out;
}
