// The overview over every tenant (GET /api/overview, the MSP digest): for the deployment's own tenant and each
// registered one, what its tables say — its latest evaluation, its open findings, its latest full collections
// and its recent evaluations. Reads storage only (no Graph); each tenant's reads stay in its own tables.
import { odata } from '@azure/data-tables';
import { type OverviewFinding, type OverviewRow, TREND_POINTS, isStale, severityCounts, worstFindings } from '../core/overview.js';
import type { Severity } from '../core/report.js';
import { findingTitle } from '../core/finding-types.js';
import { RUN_PARTITION, latestRuns, runFromEntity } from '../collect/runs.js';
import { decodeJson } from '../storage/codec.js';
import type { TableStore } from '../storage/tables.js';
import type { Runtime } from './runtime.js';

/** Tenants read at once (200 tenants: a few table reads each). */
const PARALLEL = 8;

async function trendOf(store: TableStore): Promise<number[]> {
  const points: number[] = [];
  for await (const e of store.partition('runs', RUN_PARTITION, { where: odata`collector eq ${'evaluate'}` })) {
    const run = runFromEntity(e);
    if (run?.counts) points.push((run.counts.partial ?? 0) + (run.counts.unprotected ?? 0));
    if (points.length >= TREND_POINTS) break;
  }
  return points.reverse();
}

async function openFindings(store: TableStore): Promise<OverviewFinding[]> {
  const out: OverviewFinding[] = [];
  for await (const e of store.partition('findings', 'open')) {
    const f = decodeJson<{ type: string; severity: Severity; subjectName?: string; subjectId: string; message: string }>(e);
    if (f) out.push({ type: f.type, severity: f.severity, title: findingTitle(f.type), subjectName: f.subjectName ?? f.subjectId, message: f.message });
  }
  return out;
}

export async function overviewRow(rt: Runtime, tenant: { tenantId: string; displayName: string; own: boolean; enabled: boolean }): Promise<OverviewRow> {
  const [runs, findings, trend] = await Promise.all([latestRuns(rt.store, ['evaluate', 'roles', 'policies']), openFindings(rt.store), trendOf(rt.store)]);
  const c = runs.evaluate?.counts;
  const collected = [runs.roles?.endedAt, runs.policies?.endedAt];
  const dataAsOf = collected.every((t) => t !== undefined) ? (collected.sort()[0] as string) : null;
  return {
    ...tenant,
    verdicts: c ? { admins: c.admins ?? 0, protected: c.protected ?? 0, partial: c.partial ?? 0, unprotected: c.unprotected ?? 0, excluded: c.excluded ?? 0, unknown: c.unknown ?? 0 } : null,
    openFindings: severityCounts(findings),
    worst: worstFindings(findings),
    lastEvaluation: runs.evaluate?.endedAt ?? null,
    dataAsOf,
    stale: isStale(dataAsOf, rt.now().toISOString(), rt.settings.staleAfterMinutes),
    trend,
  };
}

/** Every tenant's row: the deployment's own first, then the registered ones (the caller sorts). */
export async function buildOverview(rt: Runtime): Promise<OverviewRow[]> {
  const own = rt.source.tenant;
  const registered = await rt.registry.list();
  const jobs: Array<() => Promise<OverviewRow>> = [
    () => overviewRow(rt, { tenantId: own.tenantId, displayName: own.displayName ?? own.tenantId, own: true, enabled: true }),
    ...registered.map((t) => () => overviewRow(rt.tenants.forTenant(t), { tenantId: t.tenantId, displayName: t.displayName, own: false, enabled: t.enabled })),
  ];
  const rows: OverviewRow[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        rows[i] = await (jobs[i] as () => Promise<OverviewRow>)();
      }
    }),
  );
  return rows;
}
