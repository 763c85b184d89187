// Change findings: what got worse (or better) since the previous evaluation. Pure: the shell gathers the
// previous verdicts, the history entries recorded since then and the what-if results, this decides what
// they mean. Stable `type` ids are a contract (docs/alerts.md).
import { exemptionUsedFindings } from './exemption-changes.js';
import type { StoredAuditEvent } from './exemption-types.js';
import { makeFinding } from './finding-types.js';
import { CORE_ADMIN_ROLE_IDS, builtInRole } from './catalog.js';
import type { RoleAssignmentScheduleInstance, RoleManagementPolicyAssignment, UnifiedRoleAssignment } from './graph-types.js';
import { normId, sameEnum } from './ids.js';
import { type FieldChange, describeFieldChange, diffFields } from './policy-diff.js';
import { activationSettings, durationMinutes } from './pim-settings.js';
import { type AdminOut, type Finding, type Report, type Verdict, who } from './report.js';
import { type PreviousRollout, rolloutChangeFindings, rolloutJudged } from './rollout.js';

/** What the previous evaluation recorded per admin. */
export interface PreviousAdmin {
  id: string;
  userPrincipalName: string | null;
  displayName: string | null;
  verdict: Verdict;
  potential: boolean;
  gaps?: string[];
}

export interface HistoryChange<T = unknown> {
  /** State partition the change belongs to (caPolicy, securityDefaults, pimSetting, activeInstance, group…). */
  dataset: string;
  itemId: string;
  change: 'added' | 'changed' | 'removed';
  before: T | null;
  after: T | null;
  observedAt: string;
}

export interface BreakGlassSignIn {
  id: string;
  createdDateTime: string;
  userId: string | null;
  userPrincipalName: string | null;
  appDisplayName: string | null;
  ipAddress: string | null;
  errorCode: number;
  location: string | null;
}

export interface CollectorHealth {
  collector: string;
  /** Latest run, if any. */
  lastRunAt: string | null;
  status: 'succeeded' | 'partial' | 'failed' | 'never';
  error?: string | null;
  /** Datasets that are stale or unavailable, with their asOf. */
  problems: Array<{ dataset: string; state: string; asOf: string | null; message: string | null }>;
  /** Freshness limit of this collector when it differs from MONITOR_STALE_AFTER_MINUTES (a daily collector). */
  staleAfterMinutes?: number;
}

/**
 * What the change feed recorded about itself (collect/changefeed.ts): a change only a full collection found
 * (`missed`), or a restart from a full read because the feed could not continue (`resync`).
 */
/** Queued work given up (the poison queue), kept as state until told. */
export interface DeadLetterNote {
  /** The work id (tenant, step, slot). */
  id: string;
  step: string;
  enqueuedAt: string;
  at: string;
  attempts: number;
  detail: string;
}

export interface FeedNote {
  /** Stable id of the note: the finding's fingerprint ends with it, so each is told once. */
  id: string;
  kind: 'missed' | 'resync';
  /** When the note was recorded (ISO). */
  at: string;
  /** missed: `<dataset>:<item id>`; resync: the source that restarted (auditLog, users, groups). */
  subject: string;
  /** In words: the change, or why the feed restarted. */
  detail: string;
}

export interface ChangeInputs {
  now: string;
  /** No previous evaluation: everything is new, so "new admin" findings would only be noise. */
  firstEvaluation: boolean;
  /**
   * Run id of the previous evaluation ('first' when there is none). Admin findings are "since that
   * evaluation": an evaluation retried after a crash produces the same fingerprints, so nothing is told twice.
   */
  previousEvaluationId: string;
  previousAdmins: ReadonlyMap<string, PreviousAdmin>;
  report: Report;
  /** Policy-like changes since the previous evaluation (caPolicy, securityDefaults, pimSetting…). */
  policyChanges: ReadonlyArray<HistoryChange<Record<string, unknown>>>;
  /** For each CA policy change (key: changeKey): admins whose coverage it reduced (what-if evaluation). */
  weakenedFor: ReadonlyMap<string, string[]>;
  assignmentChanges: ReadonlyArray<HistoryChange<Record<string, unknown>>>;
  breakGlassSignIns: ReadonlyArray<BreakGlassSignIn>;
  health: ReadonlyArray<CollectorHealth>;
  /** The change feed's notes about itself (told once each). */
  feedNotes?: ReadonlyArray<FeedNote>;
  /** Queued work of this tenant given up after every delivery failed (told once each). */
  deadLetters?: ReadonlyArray<DeadLetterNote>;
  staleAfterMinutes: number;
  monitoredRoleIds: ReadonlySet<string>;
  /** Directory audit events about exclusions, those since `since` considered; `readable`: the audit log was read. */
  exemptionAudits?: { audits: readonly StoredAuditEvent[]; since: string; readable: boolean };
  /** Report-only readiness the previous evaluation recorded, by policy id; undefined when it recorded none. */
  previousRollout?: ReadonlyMap<string, PreviousRollout>;
}

const VERDICT_RANK: Record<Verdict, number> = { protected: 0, partial: 1, unprotected: 2, excluded: -1, unknown: -1 };

/** One history entry of one item: a policy changed twice in a window is two changes, judged one by one. */
export function changeKey(change: Pick<HistoryChange, 'itemId' | 'observedAt'>): string {
  return `${normId(change.itemId)}@${change.observedAt}`;
}

const finding = makeFinding;

/** Human labels for the ways a CA policy change can weaken coverage (the alert names them). */
export function weakeningLabels(before: Record<string, unknown> | null, after: Record<string, unknown> | null, fields: FieldChange[]): string[] {
  if (!after) return ['deleted'];
  if (!before) return [];
  const labels = new Set<string>();
  const state = (p: Record<string, unknown> | null) => String(p?.state ?? '');
  if (state(before) === 'enabled' && state(after) === 'disabled') labels.add('disabled');
  if (state(before) === 'enabled' && state(after) === 'enabledForReportingButNotEnforced') labels.add('set to report-only');
  for (const f of fields) {
    const p = f.path;
    if (/^conditions\.users\.include(Users|Groups|Roles)$/.test(p) && f.removed?.length) labels.add(`${p.slice('conditions.users.include'.length).toLowerCase()} removed from include`);
    if (/^conditions\.users\.exclude(Users|Groups|Roles)$/.test(p) && f.added?.length) labels.add('exclusions added');
    if (p.startsWith('conditions.users.excludeGuestsOrExternalUsers') || p.startsWith('conditions.users.includeGuestsOrExternalUsers')) labels.add('guest / external scope changed');
    if (p.startsWith('conditions.applications')) labels.add('applications narrowed');
    if (p === 'conditions.clientAppTypes') labels.add('client apps narrowed');
    if (p.startsWith('conditions.platforms')) labels.add('platforms narrowed');
    if (p.startsWith('conditions.locations')) labels.add('locations narrowed');
    if (p.startsWith('conditions.devices')) labels.add('device filter changed');
    if (/RiskLevels$/.test(p) || p.startsWith('conditions.authenticationFlows')) labels.add('risk or flow condition added');
    if (p === 'grantControls.builtInControls' && f.removed?.includes('mfa')) labels.add('MFA removed from grant');
    if (p === 'grantControls.builtInControls' && f.added?.length && !f.added.includes('mfa')) labels.add('alternative grant control added');
    if (p === 'grantControls.operator' && f.before === 'AND' && f.after === 'OR') labels.add('grant changed from AND to OR');
    if (p.startsWith('grantControls.authenticationStrength')) labels.add('authentication strength changed');
    if (p === 'grantControls' && f.after === null) labels.add('grant removed');
  }
  return [...labels];
}

type AdminLike = { userPrincipalName: string | null; displayName: string | null; id: string };

export function changeFindings(inputs: ChangeInputs): Finding[] {
  const current = new Map<string, AdminOut>([...inputs.report.admins, ...inputs.report.potentialAdmins].map((a) => [a.id, a]));
  const policies = policyChangeFindings(inputs, current);
  return [
    ...policies.findings,
    ...(inputs.firstEvaluation ? [] : adminChangeFindings(inputs, policies.weakened)),
    ...permanentAssignmentFindings(inputs, current),
    ...(inputs.exemptionAudits ? exemptionUsedFindings({ report: inputs.report, audits: inputs.exemptionAudits.audits, auditSince: inputs.exemptionAudits.since, auditReadable: inputs.exemptionAudits.readable, assignmentChanges: inputs.assignmentChanges, policyChanges: inputs.policyChanges }) : []),
    ...inputs.breakGlassSignIns.map(breakGlassFinding),
    ...healthFindings(inputs),
    ...(inputs.firstEvaluation || !inputs.previousRollout || !rolloutJudged(inputs.report) ? [] : rolloutChangeFindings(inputs.report.rollout ?? [], inputs.previousRollout, inputs.previousEvaluationId)),
    ...(inputs.feedNotes ?? []).map(feedFinding),
    ...(inputs.deadLetters ?? []).map(deadLetterFinding),
  ];
}

/** A step of this tenant that went to the poison queue (app/fanout.ts). */
function deadLetterFinding(n: DeadLetterNote): Finding {
  return finding('tenant-work-dead-lettered', 'high', n.step, `The ${n.step} step queued at ${n.enqueuedAt} failed on all ${n.attempts} deliveries and was given up${n.detail ? `: ${n.detail}` : ''}.`, `tenant-work-dead-lettered:${n.id}`, { subjectName: n.step });
}

/** The change feed's own notes: what only reconciliation found, and restarts from a full read. */
function feedFinding(n: FeedNote): Finding {
  if (n.kind === 'missed') {
    return finding('change-feed-missed', 'medium', n.subject, `A full collection found a change the change feed had not applied: ${n.detail}.`, `change-feed-missed:${n.id}`, { subjectName: n.subject });
  }
  return finding('change-feed-resync', 'medium', n.subject, `The change feed restarted from a full read (${n.subject}): ${n.detail}.`, `change-feed-resync:${n.id}`, { subjectName: n.subject });
}

/** Policy changes: the field-level diff of every change; alerted only when it reduced some admin's coverage. */
function policyChangeFindings(inputs: ChangeInputs, current: ReadonlyMap<string, AdminLike>): { findings: Finding[]; weakened: Map<string, { name: string; labels: string[] }> } {
  const out: Finding[] = [];
  const weakened = new Map<string, { name: string; labels: string[] }>();
  for (const change of inputs.policyChanges) {
    if (change.dataset === 'caPolicy') {
      const affected = inputs.weakenedFor.get(changeKey(change)) ?? [];
      if (affected.length === 0) continue;
      const fields = diffFields(change.before, change.after);
      const labels = weakeningLabels(change.before, change.after, fields);
      const name = String((change.after ?? change.before)?.displayName ?? change.itemId);
      weakened.set(changeKey(change), { name, labels });
      const names = affected.map((id) => (current.get(id) ? who(current.get(id) as AdminLike) : id));
      out.push(
        finding(
          'policy-weakened',
          'high',
          change.itemId,
          `Conditional Access policy '${name}' was ${change.change === 'removed' ? 'deleted' : 'changed'} (${labels.join(', ') || 'conditions changed'}) and now covers less for ${affected.length} admin${affected.length > 1 ? 's' : ''}: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}.`,
          `policy-weakened:${normId(change.itemId)}:${change.observedAt}`,
          { subjectName: name, policyIds: [change.itemId], details: { fieldChanges: fields.map(describeFieldChange), affectedAdmins: affected } } as Partial<Finding>,
        ),
      );
    } else if (change.dataset === 'securityDefaults') {
      if (change.before?.isEnabled === true && change.after?.isEnabled !== true) {
        out.push(finding('security-defaults-disabled', 'high', 'securityDefaults', 'Security defaults were turned off: admins are now protected only by Conditional Access policies.', `security-defaults-disabled:${change.observedAt}`));
      }
    } else if (change.dataset === 'pimSetting') {
      const f = pimSettingFinding(change);
      if (f) out.push(f);
    }
  }
  return { findings: out, weakened };
}

function pimSettingFinding(change: HistoryChange<Record<string, unknown>>): Finding | undefined {
  const weakened = pimWeakening(change.before as RoleManagementPolicyAssignment | null, change.after as RoleManagementPolicyAssignment | null);
  if (weakened.length === 0) return undefined;
  const a = (change.after ?? change.before) as RoleManagementPolicyAssignment;
  const group = sameEnum(a.scopeType, 'Group');
  const subject = group ? `PIM group ${a.scopeId}` : `role '${builtInRole(a.roleDefinitionId ?? '')?.displayName ?? a.roleDefinitionId}'`;
  return finding('pim-setting-weakened', 'high', a.roleDefinitionId && !group ? normId(a.roleDefinitionId) : normId(a.scopeId), `PIM activation setting of ${subject} was weakened: ${weakened.join('; ')}.`, `pim-setting-weakened:${normId(change.itemId)}:${change.observedAt}`, { subjectName: subject });
}

/** Admins: new (and not fully protected), lost protection (with its cause), protected again. */
function adminChangeFindings(inputs: ChangeInputs, weakenedPolicies: Map<string, { name: string; labels: string[] }>): Finding[] {
  const out: Finding[] = [];
  const { report } = inputs;
  const potentialAdmins = new Set(report.potentialAdmins);
  for (const admin of [...report.admins, ...report.potentialAdmins]) {
    const before = inputs.previousAdmins.get(admin.id);
    if (!before) {
      // A potential admin is told about when they become an admin.
      if (!potentialAdmins.has(admin) && (admin.verdict === 'unprotected' || admin.verdict === 'partial')) out.push(newAdminFinding(admin, inputs.previousEvaluationId));
      continue;
    }
    const was = VERDICT_RANK[before.verdict];
    const now = VERDICT_RANK[admin.verdict];
    if (was === 0 && now > 0) {
      const causes = causesFor(admin.id, inputs, weakenedPolicies);
      out.push(
        finding('admin-lost-protection', 'high', admin.id, `${who(admin)} went from protected to ${admin.verdict}${causes.length ? ` after ${causes.join('; ')}` : ''}: ${admin.gaps[0]?.summary ?? ''}`, `admin-lost-protection:${admin.id}:${inputs.previousEvaluationId}`, {
          subjectName: who(admin),
          policyIds: [...new Set(admin.gaps.flatMap((g) => g.policyIds))],
        }),
      );
    } else if (was > 0 && now === 0) {
      out.push(finding('admin-protected-again', 'low', admin.id, `${who(admin)} is protected again (was ${before.verdict}).`, `admin-protected-again:${admin.id}:${inputs.previousEvaluationId}`, { subjectName: who(admin) }));
    }
  }
  return out;
}

function newAdminFinding(admin: AdminOut, previousEvaluationId: string): Finding {
  const paths = [...new Set(admin.roles.map((r) => `${r.roleName} (${r.assignment}${r.via.kind !== 'direct' ? ` via ${r.via.kind === 'pimGroup' ? 'PIM group' : 'group'} '${r.via.groupName ?? r.via.groupId}'` : ''})`))];
  const unprotected = admin.verdict === 'unprotected';
  return finding(
    unprotected ? 'new-admin-unprotected' : 'new-admin-partial',
    unprotected ? 'high' : 'medium',
    admin.id,
    `${who(admin)} became an admin (${paths.join(', ')}) and is ${unprotected ? 'not protected by MFA' : 'only partly protected'}: ${admin.gaps[0]?.summary ?? ''}`,
    `new-admin:${admin.id}:${previousEvaluationId}`,
    { subjectName: who(admin), policyIds: [...new Set(admin.gaps.flatMap((g) => g.policyIds))] },
  );
}

/**
 * Permanent active assignments of monitored roles added outside PIM activation. The event is the addition the
 * history recorded (item and when it was seen): removed and added again is a new event, told again.
 */
function permanentAssignmentFindings(inputs: ChangeInputs, current: ReadonlyMap<string, AdminLike>): Finding[] {
  const out: Finding[] = [];
  for (const change of inputs.assignmentChanges) {
    if (change.change !== 'added' || !change.after) continue;
    if (change.dataset !== 'activeInstance' && change.dataset !== 'roleAssignment') continue;
    const a = change.after as unknown as RoleAssignmentScheduleInstance & UnifiedRoleAssignment;
    if (change.dataset === 'activeInstance' && (!sameEnum(a.assignmentType ?? 'Assigned', 'Assigned') || a.endDateTime)) continue;
    const role = normId(a.roleDefinitionId);
    if (!inputs.monitoredRoleIds.has(role)) continue;
    const principal = current.get(normId(a.principalId));
    const name = principal ? who(principal) : `principal ${a.principalId}`;
    const roleName = builtInRole(role)?.displayName ?? `role ${role}`;
    out.push(
      finding('permanent-assignment-added', CORE_ADMIN_ROLE_IDS.includes(role) ? 'high' : 'medium', normId(a.principalId), `${name} was given '${roleName}' permanently (active, no end date${a.directoryScopeId && a.directoryScopeId !== '/' ? `, scope ${a.directoryScopeId}` : ''}) outside PIM activation.`, `permanent-assignment-added:${normId(a.id)}:${change.observedAt}`, { subjectName: name }),
    );
  }
  return out;
}

/** Break-glass sign-ins: always alerted, each once. */
function breakGlassFinding(s: BreakGlassSignIn): Finding {
  const name = s.userPrincipalName ?? s.userId ?? 'an excluded account';
  return finding(
    'break-glass-sign-in',
    'high',
    s.userId ?? name,
    `Excluded (break-glass) account ${name} signed in at ${s.createdDateTime} to ${s.appDisplayName ?? 'an app'} from ${s.ipAddress ?? 'an unknown address'}${s.location ? ` (${s.location})` : ''}${s.errorCode ? ` — error ${s.errorCode}` : ' — succeeded'}.`,
    `break-glass-sign-in:${s.id}`,
    { subjectName: name },
  );
}

/** Monitor health: a silent monitor is the worst failure. */
function healthFindings(inputs: ChangeInputs): Finding[] {
  const out: Finding[] = [];
  for (const h of inputs.health) {
    const ageMinutes = h.lastRunAt ? (Date.parse(inputs.now) - Date.parse(h.lastRunAt)) / 60_000 : Infinity;
    const reasons: string[] = [];
    if (h.status === 'never') reasons.push('has never run');
    else if (h.status === 'failed') reasons.push(`last run failed${h.error ? `: ${h.error}` : ''}`);
    const limit = h.staleAfterMinutes ?? inputs.staleAfterMinutes;
    if (h.status !== 'never' && ageMinutes > limit) reasons.push(`last ran ${Math.round(ageMinutes)} minutes ago`);
    // Every dataset the latest run could not read (stale or unavailable) makes the monitor unhealthy at once:
    // the first failed run is told, and the first good run resolves it.
    for (const p of h.problems) reasons.push(`${p.dataset} is ${p.state === 'stale' ? 'stale (its read failed; the previous data is used)' : p.state}${p.asOf ? ` (data from ${p.asOf})` : ''}${p.message ? `: ${p.message}` : ''}`);
    if (reasons.length > 0) out.push(finding('monitor-unhealthy', 'high', h.collector, `The ${h.collector} collector ${reasons.join('; ')}.`, `monitor-unhealthy:${h.collector}`, { subjectName: h.collector }));
  }
  return out;
}

/** What changed for this admin since the previous evaluation, in words. */
function causesFor(adminId: string, inputs: ChangeInputs, weakened: Map<string, { name: string; labels: string[] }>): string[] {
  const causes: string[] = [];
  for (const [key, w] of weakened) {
    if ((inputs.weakenedFor.get(key) ?? []).includes(adminId)) causes.push(`policy '${w.name}' was changed (${w.labels.join(', ') || 'conditions changed'})`);
  }
  for (const c of inputs.assignmentChanges) {
    const item = (c.after ?? c.before) as Record<string, unknown> | null;
    if (!item) continue;
    if (c.dataset === 'group') {
      const before = new Set((c.before?.memberUserIds as string[] | undefined) ?? []);
      const after = new Set((c.after?.memberUserIds as string[] | undefined) ?? []);
      const name = String(item.displayName ?? c.itemId);
      if (after.has(adminId) && !before.has(adminId)) causes.push(`they were added to group '${name}'`);
      if (before.has(adminId) && !after.has(adminId)) causes.push(`they were removed from group '${name}'`);
    } else if (normId(String(item.principalId ?? '')) === adminId) {
      causes.push(`their role assignment changed (${c.change} ${c.dataset})`);
    }
  }
  return causes;
}

/** How a PIM activation setting got weaker. */
export function pimWeakening(before: RoleManagementPolicyAssignment | null, after: RoleManagementPolicyAssignment | null): string[] {
  if (!before || !after) return [];
  const b = activationSettings(before);
  const a = activationSettings(after);
  const out: string[] = [];
  if (b.requiresMfa && !a.requiresMfa) out.push('MFA on activation removed');
  if (b.authenticationContext && !a.authenticationContext) out.push(`authentication context ${b.authenticationContext} on activation removed`);
  if (b.requiresApproval && !a.requiresApproval) out.push('approval on activation removed');
  const bd = durationMinutes(b.maximumDuration);
  const ad = durationMinutes(a.maximumDuration);
  if (bd !== null && ad !== null && ad > bd) out.push(`maximum activation extended from ${b.maximumDuration} to ${a.maximumDuration}`);
  return out;
}
