// Data behind GET /api/report: the current evaluation (from stored state; no Graph calls), trends from the
// run history, recent findings, policy changes and alerts. The HTML itself is rendered by src/report/.
import { type CollectorName, RUN_KINDS, RUN_PARTITION, type RunRecord, latestRuns } from '../collect/runs.js';
import type { TenantInfo } from '../collect/snapshot.js';
import { describeFieldChange, diffFields } from '../core/policy-diff.js';
import type { Finding, Report, Severity, Summary } from '../core/report.js';
import { odata } from '@azure/data-tables';
import { decodeJson, newestFirstKey, timeFromNewestFirstKey } from '../storage/codec.js';
import type { TableStore } from '../storage/tables.js';
import { evaluateStored } from './evaluation.js';
import type { Settings } from './settings.js';

/** One evaluation's verdict counts, for the trend chart. */
export type TrendPoint = { time: string } & Pick<Summary, 'admins' | 'protected' | 'partial' | 'unprotected' | 'excluded' | 'unknown'>;

export interface FindingsDay {
  day: string;
  high: number;
  medium: number;
  low: number;
}

export interface PolicyChangeRow {
  time: string;
  kind: string;
  id: string;
  name: string;
  change: string;
  summary: string;
  diff: string[];
}

export interface ReportPageModel {
  report: Report;
  trend: TrendPoint[];
  findingsPerDay: FindingsDay[];
  recentFindings: Array<Finding & { time: string; event: string }>;
  policyChanges: PolicyChangeRow[];
  alerts: Array<{ createdAt: string; status: string; subject: string; lastError: string | null }>;
  collectors: Array<{ collector: CollectorName; status: string; endedAt: string | null; error: string | null }>;
  days: number;
}

export const REPORT_DAYS = 30;

/** History datasets of the daily secure score collector left out of "Recent policy changes" (per-user MFA stays). */
const DAILY_DATASETS = new Set(['secureScore', 'mfaRecommendation', 'subscribedSkus']);

export async function buildReportModel(store: TableStore, settings: Settings, tenant: TenantInfo | undefined, now: Date, days = REPORT_DAYS): Promise<ReportPageModel> {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString();
  const bound = `${newestFirstKey(since)}~`;
  const runs = await latestRuns(store);
  const { report } = await evaluateStored(store, settings, tenant, now.toISOString(), runs);

  const trend: TrendPoint[] = [];
  for await (const e of store.partition('runs', RUN_PARTITION, { toRow: bound, where: odata`collector eq ${'evaluate'}` })) {
    const run = decodeJson<RunRecord>(e);
    const c = run?.counts;
    if (!run || !c) continue;
    trend.push({ time: run.startedAt, admins: c.admins ?? 0, protected: c.protected ?? 0, partial: c.partial ?? 0, unprotected: c.unprotected ?? 0, excluded: c.excluded ?? 0, unknown: c.unknown ?? 0 });
  }
  trend.reverse();
  // Many runs a day: keep the chart readable with at most ~500 evenly spaced points (always the newest).
  const step = Math.ceil(trend.length / 500);
  const sampled = step > 1 ? trend.filter((_, i) => (trend.length - 1 - i) % step === 0) : trend;

  const perDay = new Map<string, FindingsDay>();
  const recentFindings: ReportPageModel['recentFindings'] = [];
  for await (const e of store.partition('findings', 'all', { toRow: bound })) {
    const f = decodeJson<Finding>(e);
    if (!f) continue;
    const time = timeFromNewestFirstKey(e.rowKey ?? '');
    if (e.event !== 'resolved') {
      const day = time.slice(0, 10);
      const row = perDay.get(day) ?? { day, high: 0, medium: 0, low: 0 };
      row[f.severity as Severity]++;
      perDay.set(day, row);
    }
    if (recentFindings.length < 100) recentFindings.push({ ...f, time, event: String(e.event) });
  }
  const findingsPerDay: FindingsDay[] = [];
  for (let t = new Date(since).getTime(); t <= now.getTime(); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    findingsPerDay.push(perDay.get(day) ?? { day, high: 0, medium: 0, low: 0 });
  }

  const policyChanges: PolicyChangeRow[] = [];
  for await (const e of store.partition('policies', 'all', { toRow: bound })) {
    if (policyChanges.length >= 50) break;
    // Microsoft's daily verdict and the SKUs change with Microsoft's clock, not the tenant's policies.
    if (DAILY_DATASETS.has(String(e.dataset))) continue;
    const before = decodeJson<Record<string, unknown>>(e, 'b') ?? null;
    const after = decodeJson<Record<string, unknown>>(e, 'a') ?? null;
    policyChanges.push({
      time: timeFromNewestFirstKey(e.rowKey ?? ''),
      kind: String(e.dataset),
      id: String(e.itemId),
      name: String((after ?? before)?.displayName ?? e.itemId),
      change: String(e.change),
      summary: String(e.summary),
      diff: e.change === 'changed' ? diffFields(before, after).map(describeFieldChange) : [],
    });
  }

  const alerts: ReportPageModel['alerts'] = [];
  for await (const e of store.partition('outbox', 'alert', { where: odata`createdAt ge ${since}`, select: ['mjson', 'mzn', 'mz0', 'mz1'] })) {
    const m = decodeJson<{ createdAt: string; status: string; subject: string; lastError: string | null }>(e, 'm');
    if (m && m.createdAt >= since) alerts.push({ createdAt: m.createdAt, status: m.status, subject: m.subject, lastError: m.lastError });
  }
  alerts.sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  const collectors = RUN_KINDS.map((collector) => ({
    collector,
    status: runs[collector]?.status ?? 'never',
    endedAt: runs[collector]?.endedAt ?? null,
    error: runs[collector]?.error ?? null,
  }));
  return { report, trend: sampled, findingsPerDay, recentFindings, policyChanges, alerts: alerts.slice(0, 10), collectors, days };
}
