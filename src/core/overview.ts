// One view over all tenants (issue 20): each tenant's verdict counts, worst open findings, data freshness and
// trend, from what each tenant's evaluations stored. Pure: the rows are built from stored records
// (app/overview.ts reads them); sorting and the worst-first order live here and are table-tested.
import type { Severity } from './report.js';

export interface OverviewFinding {
  type: string;
  severity: Severity;
  title: string;
  subjectName: string;
  message: string;
}

export interface OverviewRow {
  tenantId: string;
  displayName: string;
  /** The deployment's own tenant (app settings), as opposed to a registered one. */
  own: boolean;
  enabled: boolean;
  /** The latest evaluation's counts; null when the tenant was never evaluated. */
  verdicts: { admins: number; protected: number; partial: number; unprotected: number; excluded: number; unknown: number } | null;
  openFindings: Record<Severity, number>;
  /** The worst open findings, high first (at most WORST_SHOWN). */
  worst: OverviewFinding[];
  lastEvaluation: string | null;
  /** The oldest of the latest full collections' end (roles, policies): how old the data the verdicts rest on is. */
  dataAsOf: string | null;
  /** dataAsOf older than MONITOR_STALE_AFTER_MINUTES, or never collected. */
  stale: boolean;
  /** Admins not fully protected (partial + unprotected) at each of the latest evaluations, oldest first. */
  trend: number[];
}

export const WORST_SHOWN = 3;
export const TREND_POINTS = 14;
const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** The worst findings first: severity, then the type, then the subject (stable across runs). */
export function worstFindings(findings: readonly OverviewFinding[], n = WORST_SHOWN): OverviewFinding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.type.localeCompare(b.type) || a.subjectName.localeCompare(b.subjectName)).slice(0, n);
}

export function severityCounts(findings: ReadonlyArray<{ severity: Severity }>): Record<Severity, number> {
  const out: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}

/** Whether data collected at `asOf` is stale at `now`. */
export function isStale(asOf: string | null, now: string, staleAfterMinutes: number): boolean {
  return asOf === null || Date.parse(now) - Date.parse(asOf) > staleAfterMinutes * 60_000;
}

export const OVERVIEW_SORTS = ['risk', 'name', 'unprotected', 'findings', 'freshness'] as const;
export type OverviewSort = (typeof OVERVIEW_SORTS)[number];

/**
 * Rows in the asked order. `risk` (the default): open high findings, then unprotected admins, then stale
 * data first — the tenant to look at first on top. Ties go by name, so the order is stable.
 */
export function sortOverview(rows: readonly OverviewRow[], sort: OverviewSort = 'risk', order: 'asc' | 'desc' = sort === 'name' || sort === 'freshness' ? 'asc' : 'desc'): OverviewRow[] {
  const key = (r: OverviewRow): number | string => {
    switch (sort) {
      case 'name':
        return r.displayName.toLowerCase();
      case 'unprotected':
        return r.verdicts?.unprotected ?? -1;
      case 'findings':
        return r.openFindings.high * 1e6 + r.openFindings.medium * 1e3 + r.openFindings.low;
      case 'freshness':
        return r.dataAsOf ?? '';
      case 'risk':
        return r.openFindings.high * 1e6 + (r.verdicts?.unprotected ?? 0) * 1e3 + (r.stale ? 1 : 0);
    }
  };
  const dir = order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const c = ka < kb ? -1 : ka > kb ? 1 : 0;
    return c * dir || a.displayName.localeCompare(b.displayName) || a.tenantId.localeCompare(b.tenantId);
  });
}

/** The totals over every tenant (the MSP digest's first line, the page's header). */
export function overviewTotals(rows: readonly OverviewRow[]): { tenants: number; admins: number; unprotected: number; partial: number; high: number; stale: number } {
  return {
    tenants: rows.length,
    admins: rows.reduce((n, r) => n + (r.verdicts?.admins ?? 0), 0),
    unprotected: rows.reduce((n, r) => n + (r.verdicts?.unprotected ?? 0), 0),
    partial: rows.reduce((n, r) => n + (r.verdicts?.partial ?? 0), 0),
    high: rows.reduce((n, r) => n + r.openFindings.high, 0),
    stale: rows.filter((r) => r.stale).length,
  };
}
