// Findings about how MFA is enforced outside Conditional Access and about Microsoft's own count: admins that
// rely on legacy per-user MFA (R-PUMFA-4), Microsoft-managed policies Microsoft is about to turn on
// (R-MANAGED-2), Secure Score disagreements to investigate (R-RECON-7), and how loud a missing dataset is.
import type { ManagedPolicyOut } from './enforcement.js';
import { makeFinding } from './finding-types.js';
import type { AdminOut, Finding, Severity } from './report.js';
import { who } from './report.js';
import type { SecureScoreOut } from './secure-score.js';
import type { DatasetName } from './snapshot.js';

/** Datasets that only explain (Microsoft's view, licences) or refine (per-user MFA) the verdicts. */
const SEVERITY_WHEN_UNAVAILABLE: Partial<Record<DatasetName, Severity>> = {
  perUserMfa: 'medium',
  secureScore: 'low',
  mfaRecommendation: 'low',
  licences: 'low',
  // The exemption view: verdicts do not depend on them; what they explain is shown as unknown.
  exclusionGroups: 'medium',
  exclusionPimOwners: 'medium',
  administrativeUnits: 'medium',
  appPermissions: 'medium',
  controllers: 'medium',
  directoryAudits: 'low',
};

/** data-unavailable: high for the datasets verdicts depend on, lower for those that explain. */
export function unavailableSeverity(dataset: string): Severity {
  return SEVERITY_WHEN_UNAVAILABLE[dataset as DatasetName] ?? 'high';
}

/** What a missing dataset costs, for the data-unavailable message. */
export function unavailableConsequence(dataset: string): string {
  switch (dataset as DatasetName) {
    case 'perUserMfa':
      return 'Per-user MFA is not counted as coverage (gaps it may close are reported).';
    case 'secureScore':
      return "Microsoft's Secure Score cannot be compared.";
    case 'mfaRecommendation':
      return "Microsoft's count is compared in total only, not admin by admin.";
    case 'licences':
      return 'The licence is judged from what the tenant uses.';
    case 'exclusionGroups':
    case 'exclusionPimOwners':
    case 'administrativeUnits':
    case 'appPermissions':
    case 'controllers':
      return 'Who can exempt admins from MFA is partly unknown (the Exemptions view says what).';
    case 'directoryAudits':
      return 'Exemption alerts cannot name who made the change.';
    default:
      return "Verdicts that depend on it are 'unknown'.";
  }
}

/** R-PUMFA-4: admins with sign-ins that only legacy per-user MFA covers; advice is Conditional Access. */
export function perUserFindings(admins: readonly AdminOut[]): Finding[] {
  return admins
    .filter((a) => a.perUserMfa?.closesGaps)
    .map((a) => {
      const name = who(a);
      return makeFinding(
        'admin-per-user-mfa-only',
        'medium',
        a.id,
        `${name} relies on legacy per-user MFA (${a.perUserMfa?.state}) for sign-ins no Conditional Access policy or security defaults cover${a.perUserMfa?.note ? ` (${a.perUserMfa.note})` : ''}; Microsoft recommends Conditional Access instead.`,
        `admin-per-user-mfa-only:${a.id}`,
        { subjectName: name },
      );
    });
}

/** R-MANAGED-2: report-only Microsoft-managed policies, with the earliest date Microsoft may turn them on. */
export function managedPolicyFindings(managed: readonly ManagedPolicyOut[]): Finding[] {
  return managed
    .filter((p) => p.state === 'enabledForReportingButNotEnforced')
    .map((p) =>
      makeFinding(
        'managed-policy-pending',
        'low',
        p.id,
        `Microsoft-managed policy '${p.displayName}' is report-only; Microsoft may turn it on ${p.autoEnableNotBefore ? `from ${p.autoEnableNotBefore.slice(0, 10)}` : 'after 45 days'} (28 days' notice). Check its exclusions now.`,
        `managed-policy-pending:${p.id}`,
        { subjectName: p.displayName, policyIds: [p.id] },
      ),
    );
}

/** R-RECON-7: disagreements with Secure Score that no documented reason explains. */
export function secureScoreFindings(out: SecureScoreOut): Finding[] {
  const findings = out.rows
    .filter((r) => r.reason === 'investigate')
    .map((r) => {
      const name = r.userPrincipalName ?? r.displayName ?? r.adminId;
      return makeFinding('secure-score-disagreement', 'low', r.adminId, `Secure Score counts ${name} as not registered and protected with MFA, but our evaluation finds the admin protected and registered, for none of the documented reasons: investigate.`, `secure-score-disagreement:${r.adminId}`, { subjectName: name });
    });
  const extra = out.difference.unexplainedAdmins;
  if (extra) {
    findings.push(
      makeFinding(
        'secure-score-disagreement',
        'low',
        out.control,
        `Secure Score counts ${out.microsoft.notProtected} of ${out.microsoft.total} admins as not protected; ${Math.abs(extra)} ${extra > 0 ? 'more' : 'fewer'} than our evaluation and the documented differences explain${out.basis === 'predicted' ? ' (grant DirectoryRecommendations.Read.All to compare admin by admin)' : ''}.`,
        `secure-score-disagreement:${out.control}`,
        { subjectName: 'Require MFA for administrative roles' },
      ),
    );
  }
  return findings;
}
