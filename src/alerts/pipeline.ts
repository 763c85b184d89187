// After each evaluation: work out change findings, open/resolve snapshot findings, put one digest in the
// outbox when something new needs telling, and deliver everything pending. Order of writes makes it safe to
// crash anywhere: outbox entry (keyed by its content) → finding state → send → mark sent.
import { createHash } from 'node:crypto';
import { type Settings } from '../app/settings.js';
import type { TenantInfo } from '../collect/snapshot.js';
import { type LatestRuns, RUN_PARTITION, type RunRecord } from '../collect/runs.js';
import type { StoredSignIn } from '../collect/activity.js';
import { type BreakGlassSignIn, type ChangeInputs, type CollectorHealth, type HistoryChange, type PreviousAdmin, changeFindings, changeKey } from '../core/changes.js';
import { composeDigest } from '../core/digest.js';
import type { EvaluationOptions } from '../core/evaluate.js';
import type { ConditionalAccessPolicy } from '../core/graph-types.js';
import { normId } from '../core/ids.js';
import { monitoredRoles } from '../core/inventory.js';
import type { Finding, Report, Severity } from '../core/report.js';
import { SEVERITY_ORDER } from '../core/report.js';
import type { TenantSnapshot } from '../core/snapshot.js';
import { WhatIf } from '../core/what-if.js';
import { odata } from '@azure/data-tables';
import { decodeJson, encodeJson, escapeKey, newestFirstKey } from '../storage/codec.js';
import type { Entity, TableStore } from '../storage/tables.js';
import type { Logger } from '../app/logger.js';
import { type Mailer, operationIdFor } from './mailer.js';

export interface AlertContext {
  store: TableStore;
  settings: Settings;
  tenant: TenantInfo | undefined;
  mailer: Mailer | undefined;
  log: Logger;
  now: () => Date;
}

export interface OpenFinding extends Finding {
  firstSeenAt: string;
  lastNotifiedAt: string | null;
}

export interface OutboxAlert {
  alertId: string;
  createdAt: string;
  status: 'pending' | 'sent' | 'failed' | 'skipped';
  operationId: string;
  subject: string;
  recipients: string[];
  fingerprints: string[];
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  evaluationRunId: string;
}

export interface AlertResult {
  changeFindings: Finding[];
  opened: Finding[];
  resolved: Finding[];
  notified: Finding[];
  alertId: string | null;
  delivered: number;
  pending: number;
}

const SEVERITY_RANK: Record<Severity, number> = SEVERITY_ORDER;

/** History entities (primary partition) recorded at or after `since`, decoded. */
export async function changesSince<T = Record<string, unknown>>(store: TableStore, table: 'policies' | 'assignments', since: string): Promise<Array<HistoryChange<T>>> {
  const out: Array<HistoryChange<T>> = [];
  for await (const e of store.partition(table, 'all', { toRow: `${newestFirstKey(since)}~` })) {
    out.push({
      dataset: String(e.dataset),
      itemId: String(e.itemId),
      change: e.change as HistoryChange['change'],
      before: decodeJson<T>(e, 'b') ?? null,
      after: decodeJson<T>(e, 'a') ?? null,
      observedAt: String(e.observedAt),
    });
  }
  // Oldest first, so causes read in the order things happened.
  return out.reverse();
}

/** A collector run may still have been writing when the previous evaluation began. */
const LONGEST_COLLECTOR_RUN_MS = 2 * 3_600_000;

/**
 * Where the change window starts. History is stamped with the start of the run that recorded it, so a
 * collector that began before the previous evaluation and finished after it recorded changes that
 * evaluation may not have seen: the window reaches back to the start of such runs. What the previous
 * evaluation already told is not told twice (change findings are deduplicated by fingerprint).
 */
export async function changeWindowStart(store: TableStore, previousStart: string): Promise<string> {
  let start = previousStart;
  const previousMs = Date.parse(previousStart);
  const range = { fromRow: newestFirstKey(previousMs), toRow: `${newestFirstKey(previousMs - LONGEST_COLLECTOR_RUN_MS)}~`, select: ['startedAt', 'endedAt', 'collector'] };
  for await (const e of store.partition('runs', RUN_PARTITION, range)) {
    if (e.collector === 'evaluate') continue;
    const startedAt = String(e.startedAt);
    if (String(e.endedAt) > previousStart && startedAt < start) start = startedAt;
  }
  return start;
}

export function collectorHealth(runs: LatestRuns): CollectorHealth[] {
  return (['roles', 'policies', 'activations', 'signins'] as const).map((collector) => {
    const run = runs[collector];
    if (!run) return { collector, lastRunAt: null, status: 'never', problems: [] };
    return {
      collector,
      lastRunAt: run.endedAt,
      status: run.status,
      error: run.error ?? null,
      problems: Object.entries(run.datasets)
        .filter(([, d]) => d && d.state !== 'ok' && d.state !== 'notLicensed')
        .map(([dataset, d]) => ({ dataset, state: d?.state ?? 'unknown', asOf: d?.asOf ?? null, message: d?.message ?? null })),
    };
  });
}

function hashId(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 24);
}

async function loadOpen(store: TableStore): Promise<Map<string, OpenFinding>> {
  const open = new Map<string, OpenFinding>();
  for await (const e of store.partition('findings', 'open')) {
    const f = decodeJson<OpenFinding>(e);
    if (f) open.set(f.fingerprint, f);
  }
  return open;
}

function openEntity(f: OpenFinding): Entity {
  return { partitionKey: 'open', rowKey: escapeKey(f.fingerprint), type: f.type, severity: f.severity, subjectId: f.subjectId, ...encodeJson(f) };
}

function historyEntities(event: 'opened' | 'resolved' | 'event', f: Finding, at: string, runId: string): Entity[] {
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

/** Change findings are events: each fingerprint is recorded once, so a re-read window never re-alerts. */
async function unseenEvents(store: TableStore, findings: Finding[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const f of findings) {
    if (f.type === 'monitor-unhealthy') {
      out.push(f);
      continue;
    }
    if (!(await store.get('findings', 'event', escapeKey(f.fingerprint)))) out.push(f);
  }
  return out;
}

export async function processAlerts(
  ctx: AlertContext,
  evaluation: { run: RunRecord; report: Report; snapshot: TenantSnapshot; previous: Map<string, PreviousAdmin>; options: EvaluationOptions; runs: LatestRuns },
  previousEvaluation: RunRecord | undefined,
): Promise<AlertResult> {
  const { store, settings, log } = ctx;
  const nowIso = ctx.now().toISOString();
  const firstEvaluation = !previousEvaluation;
  const report = evaluation.report;

  // 1. Gather what happened since the previous evaluation.
  const since = previousEvaluation ? await changeWindowStart(store, previousEvaluation.startedAt) : evaluation.run.startedAt;
  const policyChanges = firstEvaluation ? [] : await changesSince(store, 'policies', since);
  const assignmentChanges = firstEvaluation ? [] : await changesSince(store, 'assignments', since);
  // Each change judged on its own: who was covered by the version it replaced and is not covered now.
  const weakenedFor = new Map<string, string[]>();
  const caChanges = policyChanges.filter((c) => c.dataset === 'caPolicy');
  if (caChanges.length > 0) {
    // The admins' role states are worked out once for all changes.
    const whatIf = new WhatIf(evaluation.snapshot, evaluation.options);
    for (const change of caChanges) weakenedFor.set(changeKey(change), whatIf.lossesFromChange(change.itemId, (change.before as unknown as ConditionalAccessPolicy | null) ?? null));
  }
  const breakGlass: BreakGlassSignIn[] = [];
  const signInWindow = new Date(Date.parse(nowIso) - 7 * 24 * 3_600_000).toISOString();
  for await (const e of store.partition('signins', 'all', { toRow: `${newestFirstKey(signInWindow)}~`, where: odata`kind eq ${'breakGlass'}` })) {
    const s = decodeJson<StoredSignIn>(e)?.signIn;
    if (!s) continue;
    breakGlass.push({
      id: normId(s.id),
      createdDateTime: s.createdDateTime,
      userId: s.userId ?? null,
      userPrincipalName: s.userPrincipalName ?? null,
      appDisplayName: s.appDisplayName ?? null,
      ipAddress: s.ipAddress ?? null,
      errorCode: s.status?.errorCode ?? 0,
      location: [s.location?.city, s.location?.countryOrRegion].filter(Boolean).join(', ') || null,
    });
  }
  const inputs: ChangeInputs = {
    now: nowIso,
    firstEvaluation,
    previousEvaluationId: previousEvaluation?.runId ?? 'first',
    previousAdmins: evaluation.previous,
    report,
    policyChanges,
    weakenedFor,
    assignmentChanges,
    breakGlassSignIns: breakGlass,
    health: collectorHealth(evaluation.runs),
    staleAfterMinutes: settings.staleAfterMinutes,
    monitoredRoleIds: monitoredRoles(evaluation.options.adminRoles, evaluation.snapshot),
  };
  const events = await unseenEvents(store, changeFindings(inputs));

  // 2. Snapshot findings: open the new, resolve the gone. monitor-unhealthy is a state too.
  const open = await loadOpen(store);
  const stateFindings = [...report.findings, ...events.filter((f) => f.type === 'monitor-unhealthy')];
  const current = new Map(stateFindings.map((f) => [f.fingerprint, f]));
  const opened = stateFindings.filter((f) => !open.has(f.fingerprint));
  const resolved = [...open.values()].filter((f) => !current.has(f.fingerprint));
  const oneShot = events.filter((f) => f.type !== 'monitor-unhealthy');

  // 3. What to tell: new findings at or above the threshold (break-glass sign-ins always), and unresolved
  // high findings whose last mail is older than the re-notify interval.
  const threshold = SEVERITY_RANK[settings.alertMinSeverity];
  const worthTelling = (f: Finding) => f.type === 'break-glass-sign-in' || SEVERITY_RANK[f.severity] <= threshold;
  const renotifyMs = settings.alertRenotifyHours * 3_600_000;
  const renotify = renotifyMs > 0
    ? [...open.values()].filter((f) => current.has(f.fingerprint) && f.severity === 'high' && f.lastNotifiedAt && Date.parse(nowIso) - Date.parse(f.lastNotifiedAt) >= renotifyMs)
    : [];
  const notify = [...oneShot.filter(worthTelling), ...opened.filter(worthTelling)];
  const renotified = new Set(renotify.map((f) => f.fingerprint));
  const toSend = [...notify, ...renotify.map((f) => current.get(f.fingerprint) as Finding)];

  // 4. The outbox entry first, keyed by its content and the evaluation it follows: a crash before the run
  // record is written makes the retry compute the same key and find the entry instead of creating a second
  // mail, while the same findings told again later (reopened, say) get a mail of their own.
  let alertId: string | null = null;
  if (toSend.length > 0) {
    alertId = hashId([`after:${previousEvaluation?.runId ?? 'first'}`, ...notify.map((f) => f.fingerprint).sort(), ...renotify.map((f) => `renotify:${f.fingerprint}@${f.lastNotifiedAt}`).sort()]);
    const existing = await store.get('outbox', 'alert', alertId);
    if (!existing) {
      const digest = composeDigest({
        tenantId: report.tenantId,
        tenantName: report.tenantName,
        generatedAt: report.generatedAt,
        summary: report.summary,
        findings: toSend,
        renotified,
        reportUrl: settings.reportUrl || null,
      });
      const configured = ctx.mailer && settings.alertRecipients.length > 0 && settings.alertSender;
      const alert: OutboxAlert = {
        alertId,
        createdAt: nowIso,
        status: configured ? 'pending' : 'skipped',
        operationId: operationIdFor(alertId),
        subject: digest.subject,
        recipients: settings.alertRecipients,
        fingerprints: toSend.map((f) => f.fingerprint),
        attempts: 0,
        lastError: configured ? null : 'e-mail is not configured (ALERT_RECIPIENTS, ALERT_SENDER and ACS_ENDPOINT or ACS_CONNECTION_STRING)',
        sentAt: null,
        evaluationRunId: evaluation.run.runId,
      };
      await store.write('outbox', [outboxEntity(alert, digest.html, digest.text)]);
      if (!configured) log.warn(`alert ${alertId} recorded but not sent: ${alert.lastError}`);
    }
  }

  // 5. Finding state and history.
  const at = nowIso;
  const toTell = new Set(toSend.map((f) => f.fingerprint));
  const openUpserts: Entity[] = [];
  for (const f of opened) openUpserts.push(openEntity({ ...f, firstSeenAt: at, lastNotifiedAt: toTell.has(f.fingerprint) ? at : null }));
  for (const f of renotify) openUpserts.push(openEntity({ ...(current.get(f.fingerprint) as Finding), firstSeenAt: f.firstSeenAt, lastNotifiedAt: at }));
  const history: Entity[] = [
    ...opened.flatMap((f) => historyEntities('opened', f, at, evaluation.run.runId)),
    ...resolved.flatMap((f) => historyEntities('resolved', f, at, evaluation.run.runId)),
    ...oneShot.flatMap((f) => historyEntities('event', f, at, evaluation.run.runId)),
  ];
  await store.write('findings', history);
  await store.write(
    'findings',
    [...openUpserts, ...oneShot.map((f) => ({ partitionKey: 'event', rowKey: escapeKey(f.fingerprint), type: f.type, observedAt: at }))],
    resolved.map((f) => ({ partitionKey: 'open', rowKey: escapeKey(f.fingerprint) })),
  );

  // 6. Deliver everything pending, oldest first.
  const { delivered, pending } = await deliverPending(ctx);
  return { changeFindings: events, opened, resolved, notified: toSend, alertId, delivered, pending };
}

function outboxEntity(alert: OutboxAlert, html: string, text: string): Entity {
  return {
    partitionKey: 'alert',
    rowKey: alert.alertId,
    status: alert.status,
    createdAt: alert.createdAt,
    subject: alert.subject,
    ...encodeJson(alert, 'm'),
    ...encodeJson({ html, text }, 'c'),
  };
}

/** Sends pending alerts; a throttled or failed send stays pending for the next run. */
export async function deliverPending(ctx: AlertContext): Promise<{ delivered: number; pending: number }> {
  const { store, settings, mailer, log } = ctx;
  const pending: Array<{ alert: OutboxAlert; content: { html: string; text: string } }> = [];
  // Only pending alerts, filtered by the service: the outbox keeps every alert ever sent.
  for await (const e of store.partition('outbox', 'alert', { where: odata`status eq ${'pending'}` })) {
    const alert = decodeJson<OutboxAlert>(e, 'm');
    const content = decodeJson<{ html: string; text: string }>(e, 'c');
    if (alert && content) pending.push({ alert, content });
  }
  pending.sort((a, b) => a.alert.createdAt.localeCompare(b.alert.createdAt));
  let delivered = 0;
  let stillPending = 0;
  for (const { alert, content } of pending) {
    if (!mailer || !settings.alertSender) {
      stillPending++;
      continue;
    }
    const outcome = await mailer.send(
      {
        senderAddress: settings.alertSender,
        content: { subject: alert.subject, plainText: content.text, html: content.html },
        recipients: { to: alert.recipients.map((address) => ({ address })) },
        headers: { 'X-Admin-Mfa-Monitor-Alert': alert.alertId },
      },
      alert.operationId,
    );
    const updated: OutboxAlert = { ...alert, attempts: alert.attempts + 1 };
    if (outcome.status === 'sent') {
      Object.assign(updated, { status: 'sent', sentAt: ctx.now().toISOString(), lastError: null });
      delivered++;
      log.info(`alert ${alert.alertId} sent to ${alert.recipients.length} recipient(s): ${alert.subject}`);
    } else if (outcome.status === 'retry') {
      updated.lastError = outcome.error;
      stillPending++;
      log.warn(`alert ${alert.alertId} not sent yet (will retry next run): ${outcome.error}`);
    } else {
      Object.assign(updated, { status: 'failed', lastError: outcome.error });
      log.error(`alert ${alert.alertId} failed: ${outcome.error}`);
    }
    await store.write('outbox', [outboxEntity(updated, content.html, content.text)]);
  }
  return { delivered, pending: stillPending };
}

