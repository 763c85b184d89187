// What an evaluation's alerts come to, decided without I/O: which findings open, which resolve, which are
// told now (new at or above the threshold, break-glass sign-ins always, unresolved high ones again after
// the re-notify interval), the digest's outbox id, and the finding-table writes that record it all.
import { createHash } from 'node:crypto';
import { type Acknowledgement, acknowledgementState } from '../core/acceptance.js';
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
  /**
   * An evaluation of some admins only (the change feed's): only findings about them open and resolve, and the
   * monitor's health; every other open finding stays as it is (a later full evaluation judges it).
   */
  scope?: ReadonlySet<string>;
  /** Accepted risks, by fingerprint (R-ACCEPT-*). */
  acknowledgements?: ReadonlyMap<string, Acknowledgement>;
  /** What each current finding is about (acceptance.ts materialKeys), by fingerprint: something new ends an acceptance. */
  material?: ReadonlyMap<string, readonly string[]>;
}

/** An acknowledgement that ends with this evaluation, and why. */
export interface EndedAcknowledgement {
  ack: Acknowledgement;
  reason: 'expired' | 'changed';
  /** For `changed`: what is new since it was accepted. */
  changes: string[];
  /** The finding, when it is still raised (then it is told again). */
  finding: Finding | null;
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
  /** Raised but accepted (an active acknowledgement): not told (R-ACCEPT-2). */
  accepted: Finding[];
  /** Acknowledgements that end now (R-ACCEPT-2/3); a finding still raised is told again. */
  ended: EndedAcknowledgement[];
  /** What the digest says next to a finding told for a reason other than being new: by fingerprint. */
  notes: Map<string, string>;
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

/** R-ACCEPT-2/3: which raised findings are accepted, and which acknowledgements end now. */
function acceptance(input: AlertDecisionInput, current: ReadonlyMap<string, Finding>): { accepted: Set<string>; ended: EndedAcknowledgement[] } {
  const accepted = new Set<string>();
  const ended: EndedAcknowledgement[] = [];
  for (const ack of input.acknowledgements?.values() ?? []) {
    // An evaluation of some admins judges only their acceptances (a full evaluation judges the rest).
    if (input.scope && !input.scope.has(ack.subjectId)) continue;
    const finding = current.get(ack.fingerprint) ?? null;
    const state = acknowledgementState(ack, finding ? input.material?.get(ack.fingerprint) : undefined, input.now);
    if (state.state === 'active') {
      if (finding) accepted.add(ack.fingerprint);
    } else ended.push({ ack, reason: state.state, changes: state.changes, finding });
  }
  return { accepted, ended };
}

export function decideAlerts(input: AlertDecisionInput): AlertDecision {
  const judged = (f: Finding): boolean => !input.scope || f.type === 'monitor-unhealthy' || input.scope.has(f.subjectId);
  // monitor-unhealthy is a state: open while it holds, like the evaluation's findings.
  const stateFindings = [...input.reportFindings.filter(judged), ...input.events.filter((f) => f.type === 'monitor-unhealthy')];
  const current = new Map(stateFindings.map((f) => [f.fingerprint, f]));
  const opened = stateFindings.filter((f) => !input.open.has(f.fingerprint));
  const gone = [...input.open.values()].filter((f) => judged(f) && !current.has(f.fingerprint));
  const carried = gone.filter((f) => carriedBecauseUnknown(f, input));
  const resolved = gone.filter((f) => !carriedBecauseUnknown(f, input));
  const oneShot = input.events.filter((f) => f.type !== 'monitor-unhealthy');
  const { accepted, ended } = acceptance(input, current);

  const threshold = SEVERITY_ORDER[input.minSeverity];
  const worthTelling = (f: Finding) => f.type === 'break-glass-sign-in' || SEVERITY_ORDER[f.severity] <= threshold;
  const renotifyMs = input.renotifyHours * 3_600_000;
  const now = Date.parse(input.now);
  const notes = new Map<string, string>();
  // An acceptance that ended brings its finding back into the digest now, as if it were new.
  const back = ended.filter((e) => e.finding && worthTelling(e.finding) && !opened.some((o) => o.fingerprint === e.ack.fingerprint));
  for (const e of back) notes.set(e.ack.fingerprint, e.reason === 'expired' ? `accepted until ${e.ack.until.slice(0, 10)}; the acceptance expired` : `accepted by ${e.ack.owner}, but changed since: ${e.changes.join('; ')}`);
  const backPrints = new Set(back.map((e) => e.ack.fingerprint));
  const renotify = renotifyMs > 0 ? [...input.open.values()].filter((f) => current.has(f.fingerprint) && !accepted.has(f.fingerprint) && !backPrints.has(f.fingerprint) && f.severity === 'high' && f.lastNotifiedAt && now - Date.parse(f.lastNotifiedAt) >= renotifyMs) : [];
  const notify = [...oneShot.filter(worthTelling), ...opened.filter((f) => worthTelling(f) && !accepted.has(f.fingerprint))];
  const toSend = [...notify, ...renotify.map((f) => current.get(f.fingerprint) as Finding), ...back.map((e) => e.finding as Finding)];
  // Keyed by its content and the evaluation it follows: a crash before the run record is written makes the
  // retry compute the same key, while the same findings told again later (reopened, say) get a mail of their own.
  const alertId =
    toSend.length > 0
      ? hashId([
          `after:${input.previousEvaluationId}`,
          ...notify.map((f) => f.fingerprint).sort(),
          ...renotify.map((f) => `renotify:${f.fingerprint}@${f.lastNotifiedAt}`).sort(),
          ...back.map((e) => `accepted:${e.ack.fingerprint}@${e.ack.acceptedAt}`).sort(),
        ])
      : null;
  return {
    opened,
    resolved,
    oneShot,
    renotify,
    toSend,
    renotified: new Set(renotify.map((f) => f.fingerprint)),
    alertId,
    current,
    carried,
    accepted: stateFindings.filter((f) => accepted.has(f.fingerprint)),
    ended,
    notes,
  };
}

export function openEntity(f: OpenFinding): Entity {
  return { partitionKey: 'open', rowKey: escapeKey(f.fingerprint), type: f.type, severity: f.severity, subjectId: f.subjectId, ...encodeJson(f) };
}

/** A finding event in history: the `all` partition, and copies indexed by type and by subject. */
export function historyEntities(event: 'opened' | 'resolved' | 'event' | 'accepted' | 'acceptance-ended', f: Finding, at: string, runId: string): Entity[] {
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

/** The stored acknowledgement of a finding (findings table, partition `ack`). */
export function acknowledgementEntity(ack: Acknowledgement): Entity {
  return { partitionKey: 'ack', rowKey: escapeKey(ack.fingerprint), type: ack.type, subjectId: ack.subjectId, until: ack.until, ...encodeJson(ack) };
}

/** An acknowledgement in finding history: event `accepted` when recorded, `acceptance-ended` when it lapses. */
export function acknowledgementHistory(event: 'accepted' | 'acceptance-ended', ack: Acknowledgement, at: string, runId: string, detail: Record<string, unknown> = {}): Entity[] {
  const finding = { type: ack.type, severity: 'low', subjectId: ack.subjectId, subjectName: ack.subjectName, fingerprint: ack.fingerprint, title: findingType(ack.type)?.title ?? ack.type, message: event === 'accepted' ? `Accepted by ${ack.acceptedBy} for ${ack.owner} until ${ack.until}: ${ack.reason}` : `Acceptance ended (${String(detail.reason ?? '')}): ${ack.reason}` };
  return historyEntities(event, { ...finding, acknowledgement: ack, ...detail } as unknown as Finding, at, runId);
}

/** The findings table writes that record a decision: history entries, then open-state upserts and deletions. */
export function findingWrites(d: AlertDecision, at: string, runId: string): { history: Entity[]; upserts: Entity[]; deletes: Entity[] } {
  const told = new Set(d.toSend.map((f) => f.fingerprint));
  const upserts: Entity[] = [
    ...d.opened.map((f) => openEntity({ ...f, firstSeenAt: at, lastNotifiedAt: told.has(f.fingerprint) ? at : null })),
    ...d.renotify.map((f) => openEntity({ ...(d.current.get(f.fingerprint) as Finding), firstSeenAt: f.firstSeenAt, lastNotifiedAt: at })),
    // A finding told again because its acceptance ended: told now.
    ...d.ended.filter((e) => e.finding && told.has(e.ack.fingerprint) && !d.opened.some((o) => o.fingerprint === e.ack.fingerprint)).map((e) => openEntity({ ...(e.finding as Finding), firstSeenAt: e.ack.acceptedAt, lastNotifiedAt: at })),
    // Change events are remembered by fingerprint, so a re-read window never tells them twice.
    ...d.oneShot.map((f) => ({ partitionKey: 'event', rowKey: escapeKey(f.fingerprint), type: f.type, observedAt: at })),
  ];
  return {
    history: [
      ...d.opened.flatMap((f) => historyEntities('opened', f, at, runId)),
      ...d.resolved.flatMap((f) => historyEntities('resolved', f, at, runId)),
      ...d.oneShot.flatMap((f) => historyEntities('event', f, at, runId)),
      ...d.ended.flatMap((e) => acknowledgementHistory('acceptance-ended', e.ack, at, runId, { reason: e.reason, changes: e.changes })),
    ],
    upserts,
    deletes: [...d.resolved.map((f) => ({ partitionKey: 'open', rowKey: escapeKey(f.fingerprint) })), ...d.ended.map((e) => ({ partitionKey: 'ack', rowKey: escapeKey(e.ack.fingerprint) }))],
  };
}

/** An outbox entry after a delivery attempt (mail or webhook): sent, pending with the error (retried), or failed. */
export function afterAttempt<T extends { status: string; attempts: number; lastError: string | null; sentAt: string | null }>(
  alert: T,
  outcome: { status: 'sent' } | { status: 'retry' | 'failed'; error: string },
  now: string,
): T {
  const updated: T = { ...alert, attempts: alert.attempts + 1 };
  if (outcome.status === 'sent') return { ...updated, status: 'sent', sentAt: now, lastError: null };
  if (outcome.status === 'retry') return { ...updated, lastError: outcome.error };
  return { ...updated, status: 'failed', lastError: outcome.error };
}
