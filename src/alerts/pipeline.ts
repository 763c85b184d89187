// After each evaluation: work out change findings, open/resolve snapshot findings, put one digest in the
// outbox when something new needs telling, and deliver everything pending. Order of writes makes it safe to
// crash anywhere: outbox entry (keyed by its content) → finding state → send → mark sent.
import { type Settings, scheduleIntervalMinutes } from '../app/settings.js';
import type { TenantInfo } from '../collect/snapshot.js';
import { type CollectorName, type LatestRuns, RUN_PARTITION, type RunRecord } from '../collect/runs.js';
import type { StoredSignIn } from '../collect/signins.js';
import { loadFeedNotes } from '../collect/changefeed.js';
import { PARTITIONS } from '../collect/specs.js';
import { loadValues } from '../storage/state.js';
import { type BreakGlassSignIn, type ChangeInputs, type DeadLetterNote, type CollectorHealth, type HistoryChange, type PreviousAdmin, changeFindings, changeKey } from '../core/changes.js';
import { materialKeys } from '../core/acceptance.js';
import { type DigestInput, composeDigest, digestSubject } from '../core/digest.js';
import { type ReportNumbers, reportNumbers } from '../core/numbers.js';
import { loadAcknowledgements } from '../app/acknowledgements.js';
import type { EvaluationOptions } from '../core/evaluate.js';
import type { ConditionalAccessPolicy } from '../core/graph-types.js';
import { normId } from '../core/ids.js';
import { monitoredRoles } from '../core/inventory.js';
import type { Finding, Report } from '../core/report.js';
import type { TenantSnapshot } from '../core/snapshot.js';
import { WhatIf } from '../core/what-if.js';
import { odata } from '@azure/data-tables';
import { decodeJson, encodeJson, escapeKey, newestFirstKey } from '../storage/codec.js';
import { type OpenFinding, afterAttempt, decideAlerts, findingWrites } from './decide.js';
import type { Entity, TableStore } from '../storage/tables.js';
import type { Logger } from '../app/logger.js';
import { previousRollout } from '../app/evaluation.js';
import { type Mailer, operationIdFor } from './mailer.js';
import type { WebhookSender } from './webhook.js';
import { deliverPendingWebhooks, enqueueWebhook } from './webhook-outbox.js';

export interface AlertContext {
  store: TableStore;
  settings: Settings;
  tenant: TenantInfo | undefined;
  mailer: Mailer | undefined;
  /** The second channel (WEBHOOK_URL); undefined when none is configured. */
  webhook?: WebhookSender | undefined;
  log: Logger;
  now: () => Date;
}

export type { OpenFinding };

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

/** The daily secure score collector is stale after a day and a bit; before its first run it is not missed. */
const DAILY_STALE_MINUTES = 26 * 60;

/**
 * How old each collector's latest run may be before the monitor is unhealthy. The full collections run every
 * few hours (the change feed keeps their data current in between): their limit is their schedule's longest
 * gap plus MONITOR_STALE_AFTER_MINUTES. The others use MONITOR_STALE_AFTER_MINUTES (the daily one a day).
 */
export function staleLimits(settings: Pick<Settings, 'schedules' | 'staleAfterMinutes'>): Partial<Record<CollectorName, number>> {
  const s = settings.staleAfterMinutes;
  const full = (expr: string) => Math.max(s, scheduleIntervalMinutes(expr) + s);
  return { roles: full(settings.schedules.roles), policies: full(settings.schedules.policies), activations: full(settings.schedules.activations), securescore: DAILY_STALE_MINUTES };
}

/**
 * Health of every collector. The daily secure score collector and the change feed are not missed before their
 * first run (a fresh store, or a host that runs full cycles only); from then on they are watched like the rest.
 */
export function collectorHealth(runs: LatestRuns, limits: Partial<Record<CollectorName, number>> = { securescore: DAILY_STALE_MINUTES }): CollectorHealth[] {
  const optional = (['changefeed', 'securescore'] as const).filter((c) => runs[c]);
  return ([...(['roles', 'policies', 'activations', 'signins'] as const), ...optional]).map((collector) => {
    const run = runs[collector];
    if (!run) return { collector, lastRunAt: null, status: 'never', problems: [] };
    const limit = limits[collector];
    return {
      collector,
      lastRunAt: run.endedAt,
      status: run.status,
      error: run.error ?? null,
      problems: Object.entries(run.datasets)
        .filter(([, d]) => d && d.state !== 'ok' && d.state !== 'notLicensed')
        .map(([dataset, d]) => ({ dataset, state: d?.state ?? 'unknown', asOf: d?.asOf ?? null, message: d?.message ?? null })),
      ...(limit !== undefined ? { staleAfterMinutes: limit } : {}),
    };
  });
}


async function loadOpen(store: TableStore): Promise<Map<string, OpenFinding>> {
  const open = new Map<string, OpenFinding>();
  for await (const e of store.partition('findings', 'open')) {
    const f = decodeJson<OpenFinding>(e);
    if (f) open.set(f.fingerprint, f);
  }
  return open;
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
  evaluation: { run: RunRecord; report: Report; snapshot: TenantSnapshot; previous: Map<string, PreviousAdmin>; options: EvaluationOptions; runs: LatestRuns; scope?: ReadonlySet<string> },
  previousEvaluation: RunRecord | undefined,
): Promise<AlertResult> {
  const { store, settings, log } = ctx;
  const nowIso = ctx.now().toISOString();
  const report = evaluation.report;

  // 1. What happened since the previous evaluation: change findings not told before.
  const events = await unseenEvents(store, changeFindings(await changeInputs(ctx, evaluation, previousEvaluation, nowIso)));

  // 2-3. Which findings open, resolve, and are told (decideAlerts); accepted risks are not told (R-ACCEPT-2).
  const acknowledgements = new Map((await loadAcknowledgements(store)).map((a) => [a.fingerprint, a]));
  const material = new Map(report.findings.filter((f) => acknowledgements.has(f.fingerprint)).map((f) => [f.fingerprint, materialKeys(f, report)]));
  const decision = decideAlerts({
    acknowledgements,
    material,
    open: await loadOpen(store),
    reportFindings: report.findings,
    events,
    minSeverity: settings.alertMinSeverity,
    renotifyHours: settings.alertRenotifyHours,
    now: nowIso,
    previousEvaluationId: previousEvaluation?.runId ?? 'first',
    unreadable: Object.entries(report.dataSources).filter(([, d]) => d?.state === 'unavailable').map(([name]) => name),
    unknownSubjects: new Set([...report.admins, ...report.potentialAdmins].filter((a) => a.verdict === 'unknown').map((a) => a.id)),
    ...(evaluation.scope ? { scope: evaluation.scope } : {}),
  });

  const writes = findingWrites(decision, nowIso, evaluation.run.runId);
  if (decision.alertId || writes.history.length > 0 || writes.deletes.length > 0) {
    // Everything this evaluation records carries the time of its first attempt: a retry after a crash writes
    // the same keys again (idempotent upserts) instead of a second copy of what was recorded.
    const at = await attemptTime(store, previousEvaluation?.runId ?? 'first', nowIso);
    const stable = at === nowIso ? writes : findingWrites(decision, at, evaluation.run.runId);

    // 4. The outbox entry first, keyed by its content and the evaluation it follows (see alertId): a crash
    // before the run record is written makes the retry find the entry instead of creating a second mail.
    const digestInput: DigestInput = {
      tenantId: report.tenantId,
      tenantName: report.tenantName,
      generatedAt: report.generatedAt,
      summary: report.summary,
      numbers: report.numbers ?? reportNumbers(report),
      findings: decision.toSend,
      renotified: decision.renotified,
      notes: decision.notes,
      reportUrl: settings.reportUrl || null,
    };
    if (decision.alertId && !(await store.get('outbox', 'alert', decision.alertId))) {
      const digest = composeDigest(digestInput);
      const configured = !!ctx.mailer && settings.alertRecipients.length > 0 && !!settings.alertSender;
      const alert = newOutboxAlert(decision.alertId, digest.subject, decision.toSend, settings.alertRecipients, configured, at, evaluation.run.runId);
      await store.write('outbox', [outboxEntity(alert, digest.html, digest.text)]);
      if (!configured) log.warn(`alert ${decision.alertId} recorded but not sent: ${alert.lastError}`);
    }
    // The webhook's own outbox entry, the same way (its own entry: either channel can be down alone).
    if (decision.alertId && settings.webhook) {
      await enqueueWebhook(store, settings.webhook.format, { ...digestInput, alertId: decision.alertId, subject: digestSubject(digestInput), numbers: digestInput.numbers as ReportNumbers, notes: decision.notes }, at, evaluation.run.runId);
    }

    // 5. Finding history (primary entities first, then their index copies), then the open state.
    await store.write('findings', stable.history);
    await store.write('findings', stable.upserts, stable.deletes);
  }

  // 6. Deliver everything pending, oldest first: mail, then the webhook.
  const mail = await deliverPending(ctx);
  const hook = settings.webhook ? await deliverPendingWebhooks(store, ctx.webhook, log, ctx.now) : { delivered: 0, pending: 0 };
  return { changeFindings: events, opened: decision.opened, resolved: decision.resolved, notified: decision.toSend, alertId: decision.alertId, delivered: mail.delivered + hook.delivered, pending: mail.pending + hook.pending };
}

/**
 * The time an evaluation's records carry: that of its first attempt. An evaluation that crashed before saving
 * its run record is retried against the same previous evaluation, so that is the key.
 */
async function attemptTime(store: TableStore, previousEvaluationId: string, nowIso: string): Promise<string> {
  const marker = await store.get('findings', 'attempt', 'current');
  if (marker?.previousEvaluationId === previousEvaluationId && typeof marker.at === 'string') return marker.at;
  await store.write('findings', [{ partitionKey: 'attempt', rowKey: 'current', previousEvaluationId, at: nowIso }]);
  return nowIso;
}

/** The change window's history, the what-if of every CA change, break-glass sign-ins and collector health. */
async function changeInputs(
  ctx: AlertContext,
  evaluation: { report: Report; snapshot: TenantSnapshot; previous: Map<string, PreviousAdmin>; options: EvaluationOptions; runs: LatestRuns; run: RunRecord; scope?: ReadonlySet<string> },
  previousEvaluation: RunRecord | undefined,
  nowIso: string,
): Promise<ChangeInputs> {
  const { store, settings } = ctx;
  const firstEvaluation = !previousEvaluation;
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
  return {
    now: nowIso,
    firstEvaluation,
    previousEvaluationId: previousEvaluation?.runId ?? 'first',
    previousAdmins: evaluation.previous,
    report: evaluation.report,
    policyChanges,
    weakenedFor,
    assignmentChanges,
    breakGlassSignIns: await breakGlassSignIns(store, nowIso),
    health: collectorHealth(evaluation.runs, staleLimits(settings)),
    feedNotes: await loadFeedNotes({ store }),
    deadLetters: await loadValues<DeadLetterNote>(store, PARTITIONS.deadLetter),
    staleAfterMinutes: settings.staleAfterMinutes,
    monitoredRoleIds: monitoredRoles(evaluation.options.adminRoles, evaluation.snapshot),
    // Audit events about exclusions: on the first evaluation those of the initial look-back, then the day before
    // the previous evaluation (late-arriving events); each is told once (the `event` partition).
    exemptionAudits: {
      audits: evaluation.snapshot.exemptions?.audits ?? [],
      since: new Date(firstEvaluation ? Date.parse(nowIso) - settings.signInInitialLookbackHours * 3_600_000 : Date.parse(previousEvaluation.startedAt) - 24 * 3_600_000).toISOString(),
      readable: ['ok', 'stale'].includes(evaluation.report.dataSources.directoryAudits?.state ?? 'unavailable'),
    },
    // Rollout readiness rests on every admin's sign-ins: an evaluation of some admins does not judge it.
    ...(evaluation.scope ? {} : { previousRollout: await previousRollout(store, previousEvaluation) }),
  };
}

/** Break-glass sign-ins of the last 7 days (each is told once: its fingerprint is its sign-in id). */
async function breakGlassSignIns(store: TableStore, nowIso: string): Promise<BreakGlassSignIn[]> {
  const out: BreakGlassSignIn[] = [];
  const window = new Date(Date.parse(nowIso) - 7 * 24 * 3_600_000).toISOString();
  for await (const e of store.partition('signins', 'all', { toRow: `${newestFirstKey(window)}~`, where: odata`kind eq ${'breakGlass'}` })) {
    const s = decodeJson<StoredSignIn>(e)?.signIn;
    if (!s) continue;
    out.push({
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
  return out;
}

function newOutboxAlert(alertId: string, subject: string, findings: readonly Finding[], recipients: string[], configured: boolean, createdAt: string, evaluationRunId: string): OutboxAlert {
  return {
    alertId,
    createdAt,
    status: configured ? 'pending' : 'skipped',
    operationId: operationIdFor(alertId),
    subject,
    recipients,
    fingerprints: findings.map((f) => f.fingerprint),
    attempts: 0,
    lastError: configured ? null : 'e-mail is not configured (ALERT_RECIPIENTS, ALERT_SENDER and ACS_ENDPOINT or ACS_CONNECTION_STRING)',
    sentAt: null,
    evaluationRunId,
  };
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
    // An earlier attempt may have reached ACS (the process stopped before the outbox said so): ask first.
    if (alert.attempts > 0) {
      const known = await mailer.status(alert.operationId).catch((e: unknown) => {
        log.warn(`alert ${alert.alertId}: could not ask ACS about operation ${alert.operationId} (will retry next run): ${(e as Error).message}`);
        return 'ask-again' as const;
      });
      if (known !== 'unknown') {
        if (known === 'Succeeded') {
          await store.write('outbox', [outboxEntity({ ...alert, status: 'sent', sentAt: ctx.now().toISOString(), lastError: null }, content.html, content.text)]);
          delivered++;
          log.info(`alert ${alert.alertId} was sent by an earlier attempt (operation ${alert.operationId}): not sent again`);
        } else if (known === 'Failed' || known === 'Canceled') {
          await store.write('outbox', [outboxEntity({ ...alert, status: 'failed', lastError: `ACS operation ${alert.operationId} ${known}` }, content.html, content.text)]);
          log.error(`alert ${alert.alertId}: ACS operation ${alert.operationId} ${known}`);
        } else stillPending++;
        continue;
      }
    }
    // The intent first: once an attempt may reach ACS, the outbox says so (attempts > 0) before it does.
    await store.write('outbox', [outboxEntity({ ...alert, attempts: alert.attempts + 1 }, content.html, content.text)]);
    const outcome = await mailer.send(
      {
        senderAddress: settings.alertSender,
        content: { subject: alert.subject, plainText: content.text, html: content.html },
        recipients: { to: alert.recipients.map((address) => ({ address })) },
        headers: { 'X-Admin-Mfa-Monitor-Alert': alert.alertId },
      },
      alert.operationId,
    );
    const updated = afterAttempt(alert, outcome, ctx.now().toISOString());
    if (outcome.status === 'sent') {
      delivered++;
      log.info(`alert ${alert.alertId} sent to ${alert.recipients.length} recipient(s): ${alert.subject}`);
    } else if (outcome.status === 'retry') {
      stillPending++;
      log.warn(`alert ${alert.alertId} not sent yet (will retry next run): ${outcome.error}`);
    } else log.error(`alert ${alert.alertId} failed: ${outcome.error}`);
    await store.write('outbox', [outboxEntity(updated, content.html, content.text)]);
  }
  return { delivered, pending: stillPending };
}

