// What the report page offers for download (issue 18, "Export and share"): admins, gaps, findings and
// exemptions — one flat row per item, the same rows as CSV and as JSON. The page
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
const EXEMPTION_COLUMNS = ['kind', 'subjectId', 'subjectName', 'policyId', 'policy', 'roleState', 'detail', 'reason', 'owner', 'until', 'state', 'fingerprint'];
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
  return [
    { name: 'admins', label: 'Admins', columns: ADMIN_COLUMNS, rows: admins },
    { name: 'gaps', label: 'Gaps', columns: GAP_COLUMNS, rows: gaps },
    { name: 'findings', label: 'Findings', columns: FINDING_COLUMNS, rows: findings },
    { name: 'exemptions', label: 'Exemptions', columns: EXEMPTION_COLUMNS, rows: exemptionRows(report) },
  ];
}

/**
 * Every way an admin is exempted from MFA or from being told about it: policy exclusions (R-EXCL-3), break-glass
 * accounts (MONITOR_EXCLUDED_ACCOUNTS, R-EXCL-1) and accepted risks (R-ACCEPT-*).
 */
function exemptionRows(report: Report): ExportRow[] {
  const empty = { policyId: null, policy: null, roleState: null, reason: null, owner: null, until: null, fingerprint: null };
  const rows: ExportRow[] = [];
  for (const a of [...report.admins, ...report.potentialAdmins]) {
    for (const x of a.exclusions ?? []) {
      rows.push({ ...empty, kind: 'policy exclusion', subjectId: a.id, subjectName: a.userPrincipalName ?? a.displayName, policyId: x.policyId, policy: x.displayName, roleState: x.state, detail: x.how, state: a.verdict });
    }
    if (a.excludedBy) rows.push({ ...empty, kind: 'break-glass account', subjectId: a.id, subjectName: a.userPrincipalName ?? a.displayName, detail: `listed in MONITOR_EXCLUDED_ACCOUNTS by ${a.excludedBy}; would be ${a.coverageIfNotExcluded ?? 'unknown'}`, state: a.verdict });
  }
  for (const k of report.acknowledgements ?? []) {
    rows.push({ ...empty, kind: 'accepted risk', subjectId: k.subjectId, subjectName: k.subjectName, detail: k.title, reason: k.reason, owner: k.owner, until: k.until, state: k.state, fingerprint: k.fingerprint });
  }
  return rows;
}
