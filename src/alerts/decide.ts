// What an evaluation's alerts come to, decided without I/O: which findings open, which resolve, which are
// told now (new at or above the threshold, break-glass sign-ins always, unresolved high ones again after
// the re-notify interval), the digest's outbox id, and the finding-table writes that record it all.
import { createHash } from 'node:crypto';
import { findingType } from '../core/finding-types.js';
import type { Finding, Severity } from '../core/report.js';
import { SEVERITY_ORDER } from '../core/report.js';
import { encodeJson, escapeKey, newestFirstKey } from '../storage/codec.js';
import type { Entity } from '../storage/tables.js';

export interface OpenFinding extends Finding {
  firstSeenAt: string;
  lastNotifiedAt: string | null;
}

export interface AlertDecisionInput {
  /** Findings open before this evaluation, by fingerprint. */
  open: ReadonlyMap<string, OpenFinding>;
  /** State findings of this evaluation. */
  reportFindings: readonly Finding[];
  /** Change findings not told before (monitor-unhealthy among them, which is a state). */
  events: readonly Finding[];
  minSeverity: Severity;
  renotifyHours: number;
  now: string;
  /** Run id of the previous evaluation ('first' when there is none). */
  previousEvaluationId: string;
  /** Datasets this evaluation could not read (state `unavailable`): what rests on them does not resolve. */
  unreadable?: readonly string[];
  /** Subjects (admins) whose verdict is `unknown` this time: their findings neither resolve nor reopen. */
  unknownSubjects?: ReadonlySet<string>;
}

export interface AlertDecision {
  opened: Finding[];
  resolved: OpenFinding[];
  /** Change events (recorded once each). */
  oneShot: Finding[];
  /** Unresolved high findings told again. */
  renotify: OpenFinding[];
  /** Everything the digest tells, in the order decided. */
  toSend: Finding[];
  /** Fingerprints of the re-told ones. */
  renotified: Set<string>;
  /** The digest's outbox id; null when nothing is told. */
  alertId: string | null;
  /** Current state findings by fingerprint. */
  current: Map<string, Finding>;
  /** Open findings no longer raised but kept open: what they rest on could not be read. */
  carried: OpenFinding[];
}

/**
 * Findings resolve only on positive evidence: a finding about the tenant that is no longer raised while some
 * dataset is unreadable, or while its subject's verdict is unknown, is carried (kept open, not told, not
 * recorded); the monitor's own findings resolve as soon as they stop.
 */
function carriedBecauseUnknown(f: Finding, input: AlertDecisionInput): boolean {
  const info = findingType(f.type);
  if (!info || info.about === 'monitor') return false;
  return (info.restsOn ?? []).some((d) => input.unreadable?.includes(d)) || (input.unknownSubjects?.has(f.subjectId) ?? false);
}

function hashId(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 24);
}

export function decideAlerts(input: AlertDecisionInput): AlertDecision {
  // monitor-unhealthy is a state: open while it holds, like the evaluation's findings.
  const stateFindings = [...input.reportFindings, ...input.events.filter((f) => f.type === 'monitor-unhealthy')];
  const current = new Map(stateFindings.map((f) => [f.fingerprint, f]));
  const opened = stateFindings.filter((f) => !input.open.has(f.fingerprint));
  const gone = [...input.open.values()].filter((f) => !current.has(f.fingerprint));
  const carried = gone.filter((f) => carriedBecauseUnknown(f, input));
  const resolved = gone.filter((f) => !carriedBecauseUnknown(f, input));
  const oneShot = input.events.filter((f) => f.type !== 'monitor-unhealthy');

  const threshold = SEVERITY_ORDER[input.minSeverity];
  const worthTelling = (f: Finding) => f.type === 'break-glass-sign-in' || SEVERITY_ORDER[f.severity] <= threshold;
  const renotifyMs = input.renotifyHours * 3_600_000;
  const now = Date.parse(input.now);
  const renotify = renotifyMs > 0 ? [...input.open.values()].filter((f) => current.has(f.fingerprint) && f.severity === 'high' && f.lastNotifiedAt && now - Date.parse(f.lastNotifiedAt) >= renotifyMs) : [];
  const notify = [...oneShot.filter(worthTelling), ...opened.filter(worthTelling)];
  const toSend = [...notify, ...renotify.map((f) => current.get(f.fingerprint) as Finding)];
  // Keyed by its content and the evaluation it follows: a crash before the run record is written makes the
  // retry compute the same key, while the same findings told again later (reopened, say) get a mail of their own.
  const alertId =
    toSend.length > 0 ? hashId([`after:${input.previousEvaluationId}`, ...notify.map((f) => f.fingerprint).sort(), ...renotify.map((f) => `renotify:${f.fingerprint}@${f.lastNotifiedAt}`).sort()]) : null;
  return { opened, resolved, oneShot, renotify, toSend, renotified: new Set(renotify.map((f) => f.fingerprint)), alertId, current, carried };
}

export function openEntity(f: OpenFinding): Entity {
  return { partitionKey: 'open', rowKey: escapeKey(f.fingerprint), type: f.type, severity: f.severity, subjectId: f.subjectId, ...encodeJson(f) };
}

/** A finding event in history: the `all` partition, and copies indexed by type and by subject. */
export function historyEntities(event: 'opened' | 'resolved' | 'event', f: Finding, at: string, runId: string): Entity[] {
  const base: Entity = {
    partitionKey: 'all',
    rowKey: `${newestFirstKey(at)}|${escapeKey(f.fingerprint)}`,
    event,
    type: f.type,
    severity: f.severity,
    subjectId: f.subjectId,
    observedAt: at,
    runId,
    ...encodeJson(f),
  };
  return [base, { ...base, partitionKey: `t|${escapeKey(f.type)}` }, { ...base, partitionKey: `p|${escapeKey(f.subjectId.toLowerCase())}` }];
}

/** The findings table writes that record a decision: history entries, then open-state upserts and deletions. */
export function findingWrites(d: AlertDecision, at: string, runId: string): { history: Entity[]; upserts: Entity[]; deletes: Entity[] } {
  const told = new Set(d.toSend.map((f) => f.fingerprint));
  const upserts: Entity[] = [
    ...d.opened.map((f) => openEntity({ ...f, firstSeenAt: at, lastNotifiedAt: told.has(f.fingerprint) ? at : null })),
    ...d.renotify.map((f) => openEntity({ ...(d.current.get(f.fingerprint) as Finding), firstSeenAt: f.firstSeenAt, lastNotifiedAt: at })),
    // Change events are remembered by fingerprint, so a re-read window never tells them twice.
    ...d.oneShot.map((f) => ({ partitionKey: 'event', rowKey: escapeKey(f.fingerprint), type: f.type, observedAt: at })),
  ];
  return {
    history: [...d.opened.flatMap((f) => historyEntities('opened', f, at, runId)), ...d.resolved.flatMap((f) => historyEntities('resolved', f, at, runId)), ...d.oneShot.flatMap((f) => historyEntities('event', f, at, runId))],
    upserts,
    deletes: d.resolved.map((f) => ({ partitionKey: 'open', rowKey: escapeKey(f.fingerprint) })),
  };
}
