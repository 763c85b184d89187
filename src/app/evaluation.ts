// Evaluation run: rebuild the snapshot from storage, evaluate it, and record what changed per admin.
import type { Settings } from './settings.js';
import { applyAcknowledgements } from '../core/acceptance.js';
import { type EvaluationOptions, evaluate } from '../core/evaluate.js';
import { reportNumbers } from '../core/numbers.js';
import { loadAcknowledgements } from './acknowledgements.js';
import { withRemediation } from './remediation-cache.js';
import { normId } from '../core/ids.js';
import { rolloutJudged } from '../core/rollout.js';
import type { AdminOut, Report, RolloutOut, Verdict } from '../core/report.js';
import type { TenantSnapshot } from '../core/snapshot.js';
import { loadSnapshot, type TenantInfo } from '../collect/snapshot.js';
import { type LatestRuns, type RunRecord, newRunId } from '../collect/runs.js';
import { PARTITIONS } from '../collect/specs.js';
import { type DatasetSpec, type SyncContext, loadState, recordedSince, syncDataset } from '../storage/state.js';
import type { TableStore } from '../storage/tables.js';

export function evaluationOptions(settings: Settings): EvaluationOptions {
  return {
    adminRoles: settings.adminRoles,
    excludedAccounts: settings.excludedAccounts,
    globalAdminMin: settings.globalAdminMin,
    globalAdminMax: settings.globalAdminMax,
    evidenceDays: settings.signInEvidenceDays,
    rolloutDays: settings.signInRolloutDays,
    completionMinutes: settings.signInCompletionMinutes,
  };
}

/** What is kept per admin between runs: enough to tell what changed and to list history. */
export interface AdminVerdictRecord {
  id: string;
  userPrincipalName: string | null;
  displayName: string | null;
  verdict: Verdict;
  mfaRegistered: boolean | null;
  roles: Array<{ roleTemplateId: string; roleName: string; assignment: string; via: string; permanent: boolean; scope: string }>;
  gaps: string[];
  coveringPolicyIds: string[];
  potential: boolean;
  /** The exclusions of enforcing policies the admin is in now, in words (absent when none: older records match). */
  excludedThrough?: string[];
}

export function verdictRecord(admin: AdminOut, potential = false, excludedThrough: readonly string[] = []): AdminVerdictRecord {
  return {
    id: admin.id,
    userPrincipalName: admin.userPrincipalName,
    displayName: admin.displayName,
    verdict: admin.verdict,
    mfaRegistered: admin.mfaRegistered,
    roles: admin.roles.map((r) => ({
      roleTemplateId: r.roleTemplateId,
      roleName: r.roleName,
      assignment: r.assignment,
      via: r.via.kind === 'direct' ? 'direct' : `${r.via.kind}:${r.via.groupId ?? ''}`,
      permanent: r.permanent,
      scope: r.directoryScopeId,
    })),
    gaps: admin.gaps.map((g) => g.summary),
    coveringPolicyIds: admin.coveringPolicyIds,
    potential,
    ...(excludedThrough.length ? { excludedThrough: [...excludedThrough] } : {}),
  };
}

/** Per admin, the exclusions they are in now, in words ("group 'CA exclusions'"), from the exemption analysis. */
export function exclusionsByAdmin(report: Report): Map<string, string[]> {
  const names = new Map((report.exemptions?.exclusions ?? []).map((x) => [x.key, `${x.kind} '${x.targetName}'`]));
  return new Map((report.exemptions?.excludedNow ?? []).map((a) => [a.adminId, a.exclusionKeys.map((k) => names.get(k) ?? k).sort()]));
}

export const adminVerdictSpec: DatasetSpec<AdminVerdictRecord> = {
  partition: PARTITIONS.adminVerdict,
  id: (a) => a.id,
  historyTable: 'admins',
  index: (a) => ({ principalId: a.id }),
  describe: (change, before, after) => {
    const a = (after ?? before) as AdminVerdictRecord;
    const who = a.userPrincipalName ?? a.id;
    if (change === 'added') return `${who} became ${a.potential ? 'a potential admin' : 'an admin'}: ${a.verdict}`;
    if (change === 'removed') return `${who} is no longer ${a.potential ? 'a potential admin' : 'an admin'}`;
    if (before?.verdict !== after?.verdict) return `${who}: ${before?.verdict} → ${after?.verdict}`;
    const was = new Set(before?.excludedThrough ?? []);
    const is = new Set(after?.excludedThrough ?? []);
    const joined = [...is].filter((x) => !was.has(x));
    const left = [...was].filter((x) => !is.has(x));
    if (joined.length || left.length) return `${who}: ${[joined.length ? `now excluded through ${joined.join(', ')}` : '', left.length ? `no longer excluded through ${left.join(', ')}` : ''].filter(Boolean).join('; ')} (${after?.verdict})`;
    return `${who}: roles or gaps changed (${after?.verdict})`;
  },
};

/** What is kept per report-only policy between runs: its readiness, to tell when it changes (R-ROLLOUT-4). */
export interface RolloutRecord {
  id: string;
  displayName: string;
  verdict: RolloutOut['verdict'];
}

export const rolloutSpec: DatasetSpec<RolloutRecord> = { partition: PARTITIONS.rolloutVerdict, id: (r) => r.id };

/** The readiness the previous evaluation recorded; undefined when it recorded none (it predates rollout readiness). */
export async function previousRollout(store: TableStore, previousEvaluation: RunRecord | undefined): Promise<Map<string, RolloutRecord> | undefined> {
  if (previousEvaluation?.counts?.rolloutPolicies === undefined) return undefined;
  return new Map([...(await loadState<RolloutRecord>(store, PARTITIONS.rolloutVerdict))].map(([id, item]) => [id, item.value]));
}

/**
 * The evaluation of what storage holds now: no Graph reads, no writes. The report carries the accepted risks
 * on record, the one set of numbers every output shows, and (unless `remediation: false`, as for the timer
 * evaluation, whose alerts do not need it) the verified fixes of every gap.
 */
export async function evaluateStored(
  store: TableStore,
  settings: Settings,
  tenant: TenantInfo | undefined,
  at: string,
  runs?: LatestRuns,
  extras: { remediation?: boolean; scope?: ReadonlySet<string> } = {},
): Promise<{ snapshot: TenantSnapshot; options: EvaluationOptions; report: Report }> {
  const snapshot = await loadSnapshot(store, tenant, at, runs, Math.max(settings.signInEvidenceDays, settings.signInRolloutDays));
  const options = { ...evaluationOptions(settings), ...(extras.scope ? { onlyAdmins: extras.scope } : {}) };
  const report = evaluate(snapshot, { ...options, now: at });
  applyAcknowledgements(report, await loadAcknowledgements(store), at);
  if (extras.remediation !== false) withRemediation(snapshot, options, report);
  report.numbers = reportNumbers(report);
  return { snapshot, options, report };
}

export interface EvaluationRun {
  run: RunRecord;
  report: Report;
  snapshot: TenantSnapshot;
  options: EvaluationOptions;
  /** Verdict records before this run (for the diff). */
  previous: Map<string, AdminVerdictRecord>;
  /** The latest collector runs the snapshot was read with (their datasets' status; monitor health). */
  runs: LatestRuns;
  /** The admins evaluated, when not every admin was (the change feed's evaluation). */
  scope?: ReadonlySet<string>;
}

export async function runEvaluation(
  store: TableStore,
  settings: Settings,
  tenant: TenantInfo | undefined,
  now: () => Date,
  trigger: string,
  runs: LatestRuns,
  scope?: ReadonlySet<string>,
): Promise<EvaluationRun> {
  const startedAt = now().toISOString();
  const runId = newRunId();
  // The timer's evaluation only diffs and alerts: the fixes are worked out where someone reads them (and never
  // for the change feed's evaluation of some admins).
  const { snapshot, options, report } = await evaluateStored(store, settings, tenant, startedAt, runs, { remediation: !scope && !trigger.startsWith('timer'), ...(scope ? { scope } : {}) });
  const previous = new Map([...(await loadState<AdminVerdictRecord>(store, PARTITIONS.adminVerdict))].map(([id, item]) => [id, item.value]));
  const run: RunRecord = {
    runId,
    collector: 'evaluate',
    trigger,
    startedAt,
    endedAt: now().toISOString(),
    status: report.summary.unknown > 0 ? 'partial' : 'succeeded',
    datasets: {},
    writes: 0,
    graphRequests: 0,
    httpRequests: 0,
    counts: {
      admins: report.summary.admins,
      protected: report.summary.protected,
      partial: report.summary.partial,
      unprotected: report.summary.unprotected,
      excluded: report.summary.excluded,
      unknown: report.summary.unknown,
      findings: report.numbers?.findings.open ?? report.findings.length,
      accepted: report.numbers?.findings.accepted ?? 0,
      rolloutPolicies: report.rollout?.length ?? 0,
      ...(scope ? { scope: scope.size } : {}),
    },
  };
  return { run, report, previous, snapshot, options, runs, ...(scope ? { scope } : {}) };
}

/**
 * Stores the verdicts as the state the next evaluation compares with. It runs after the alerts are
 * recorded: a crash in between leaves the previous verdicts, so the retry finds the same changes (and the
 * same fingerprints) instead of losing them.
 */
export async function recordVerdicts(store: TableStore, evaluation: EvaluationRun, previousEvaluation: RunRecord | undefined): Promise<number> {
  const { report, run, scope } = evaluation;
  const ctx: SyncContext = {
    runId: run.runId,
    runStartedAt: run.startedAt,
    alreadyRecorded: await recordedSince(store, 'admins', previousEvaluation?.startedAt ?? '1970-01-01T00:00:00.000Z'),
  };
  const records = verdictsToKeep(report, evaluation.previous);
  // While the inventory could not be read completely, an admin missing from it is not gone.
  const incomplete = (['roleDefinitions', 'roleAssignments', 'pimGroups', 'groupMembers'] as const).some((d) => ['unavailable', 'stale'].includes(report.dataSources[d]?.state ?? 'ok'));
  // An evaluation of some admins replaces their records only; one of them no longer an admin is removed.
  const sync = await syncDataset(store, adminVerdictSpec, records, ctx, { keepUnseen: incomplete, ...(scope ? { scope: (a: AdminVerdictRecord) => scope.has(a.id) } : {}) });
  // Readiness is state only (the change is told as a finding, kept in the findings history). Unjudged while the
  // sign-ins or the policies could not be read: what was last known stays, so a recovery is not a change. An
  // evaluation of some admins does not judge it (readiness rests on every admin's sign-ins).
  if (!scope && rolloutJudged(report)) await syncDataset(store, rolloutSpec, (report.rollout ?? []).map((r) => ({ id: normId(r.policyId), displayName: r.displayName, verdict: r.verdict })), ctx);
  return sync.added + sync.changed + sync.removed;
}

/**
 * The verdict counts after an evaluation of some admins: the records of the others as they were, theirs as
 * evaluated now (the run record carries the tenant's counts, as a full evaluation's does).
 */
export function scopedCounts(previous: ReadonlyMap<string, AdminVerdictRecord>, report: Report, scope: ReadonlySet<string>): Record<string, number> {
  const merged = new Map([...previous].filter(([id]) => !scope.has(id)));
  for (const r of verdictsToKeep(report, previous)) merged.set(r.id, r);
  const admins = [...merged.values()].filter((r) => !r.potential);
  const count = (v: Verdict) => admins.filter((a) => a.verdict === v).length;
  return { admins: admins.length, protected: count('protected'), partial: count('partial'), unprotected: count('unprotected'), excluded: count('excluded'), unknown: count('unknown') };
}

/**
 * The verdict records the next evaluation compares with. An `unknown` verdict (data it rests on could not be
 * read) does not replace a known one: the next comparison is with what was last known, so a change made while
 * the data was unreadable is still told when it is readable again, and a recovery is not a change.
 */
export function verdictsToKeep(report: Report, previous: ReadonlyMap<string, AdminVerdictRecord>): AdminVerdictRecord[] {
  const exclusions = exclusionsByAdmin(report);
  const keep = (a: AdminOut, potential: boolean): AdminVerdictRecord => {
    const before = previous.get(a.id);
    return a.verdict === 'unknown' && before && before.verdict !== 'unknown' ? before : verdictRecord(a, potential, exclusions.get(a.id));
  };
  return [...report.admins.map((a) => keep(a, false)), ...report.potentialAdmins.map((a) => keep(a, true))];
}
