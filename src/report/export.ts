// What the report page offers for download (issue 18, "Export and share"): admins, gaps, findings and, where
// the report carries them, exemptions — one flat row per item, the same rows as CSV and as JSON. The page
// embeds these rows; its script turns them into files with the same CSV function the server uses (csv.ts).
import { findingTitle } from '../core/finding-types.js';
import type { Report } from '../core/report.js';

export type ExportRow = Record<string, string | number | boolean | null>;

export interface ExportTable {
  /** File name stem and the id of its download buttons. */
  name: string;
  label: string;
  columns: string[];
  rows: ExportRow[];
}

const ADMIN_COLUMNS = ['id', 'userPrincipalName', 'displayName', 'verdict', 'mfaRegistered', 'roles', 'gaps', 'firstGap', 'coveringPolicies', 'excludedBy'];
const GAP_COLUMNS = ['adminId', 'userPrincipalName', 'verdict', 'roleState', 'headline', 'contexts', 'reasons', 'policies', 'fix', 'fixId'];
const FINDING_COLUMNS = ['fingerprint', 'severity', 'type', 'title', 'subjectId', 'subjectName', 'message', 'accepted', 'acceptedUntil', 'acceptedOwner', 'acceptedReason'];

/** The rows of every downloadable table of a report. */
export function exportTables(report: Report): ExportTable[] {
  const policy = new Map(report.policies.map((p) => [p.id, p.displayName]));
  const names = (ids: readonly string[]) => ids.map((id) => policy.get(id) ?? id).join('; ');
  const admins: ExportRow[] = report.admins.map((a) => ({
    id: a.id,
    userPrincipalName: a.userPrincipalName,
    displayName: a.displayName,
    verdict: a.verdict,
    mfaRegistered: a.mfaRegistered,
    roles: [...new Set(a.roles.map((r) => `${r.roleName}${r.assignment === 'eligible' ? ' (eligible)' : ''}`))].join('; '),
    gaps: a.gaps.length,
    firstGap: a.gaps[0]?.headline ?? a.gaps[0]?.summary ?? null,
    coveringPolicies: names(a.coveringPolicyIds),
    excludedBy: a.excludedBy ?? null,
  }));
  const gaps: ExportRow[] = report.admins.flatMap((a) =>
    a.gaps.map((g) => ({
      adminId: a.id,
      userPrincipalName: a.userPrincipalName,
      verdict: a.verdict,
      roleState: g.state,
      headline: g.headline ?? g.summary,
      contexts: g.contexts,
      // Every reason, whole (R-EXPLAIN-2).
      reasons: (g.reasons ?? []).join('; '),
      policies: names(g.policyIds),
      fix: g.fix?.title ?? g.fix?.reason ?? null,
      fixId: g.fix?.proposalId ?? null,
    })),
  );
  const findings: ExportRow[] = report.findings.map((f) => ({
    fingerprint: f.fingerprint,
    severity: f.severity,
    type: f.type,
    title: f.title ?? findingTitle(f.type),
    subjectId: f.subjectId,
    subjectName: f.subjectName ?? null,
    message: f.message,
    accepted: f.acknowledgement?.state === 'active',
    acceptedUntil: f.acknowledgement?.until ?? null,
    acceptedOwner: f.acknowledgement?.owner ?? null,
    acceptedReason: f.acknowledgement?.reason ?? null,
  }));
  const tables: ExportTable[] = [
    { name: 'admins', label: 'Admins', columns: ADMIN_COLUMNS, rows: admins },
    { name: 'gaps', label: 'Gaps', columns: GAP_COLUMNS, rows: gaps },
    { name: 'findings', label: 'Findings', columns: FINDING_COLUMNS, rows: findings },
  ];
  // Exemptions are added to the report by another feature; offered when the report has them.
  const exemptions = (report as unknown as { exemptions?: unknown }).exemptions;
  if (Array.isArray(exemptions) && exemptions.length) {
    const rows = exemptions.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object').map(flatten);
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    tables.push({ name: 'exemptions', label: 'Exemptions', columns, rows });
  }
  return tables;
}

function flatten(item: Record<string, unknown>): ExportRow {
  const out: ExportRow = {};
  for (const [k, v] of Object.entries(item)) {
    out[k] = v === null || v === undefined ? null : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
  }
  return out;
}
