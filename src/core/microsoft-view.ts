// Puts Microsoft's view next to ours for one evaluation: the Secure Score reconciliation, the licences and
// enforcement routes, and the findings they raise. Called by evaluate() once the admins are evaluated.
import { type EnforcementOut, adviseForLicence, enforcementRoutes } from './enforcement.js';
import { licences } from './licences.js';
import { normId } from './ids.js';
import type { AdminOut, Finding, Summary } from './report.js';
import { managedPolicyFindings, perUserFindings, secureScoreFindings } from './route-findings.js';
import { type SecureScoreOut, microsoftVerdict, reconcile, recommendationView } from './secure-score.js';
import type { TenantSnapshot } from './snapshot.js';

export interface MicrosoftContext {
  secureScore: SecureScoreOut;
  enforcement: EnforcementOut;
  /** Findings about per-user MFA, Microsoft-managed policies and Secure Score disagreements. */
  findings: Finding[];
  /** Makes the other findings' advice fit the tenant's licence (R-LIC-4). */
  adapt(findings: Finding[]): Finding[];
}

export function microsoftContext(snapshot: TenantSnapshot, admins: readonly AdminOut[], potentialAdmins: readonly AdminOut[], summary: Summary, now: string): MicrosoftContext {
  const ds = snapshot.dataSources;
  const lic = licences({
    skus: snapshot.subscribedSkus,
    skuStatus: ds.licences,
    policies: snapshot.conditionalAccessPolicies,
    pimAvailable: snapshot.pimAvailable && ds.roleAssignments?.state === 'ok' && (ds.pimGroups?.state === 'ok' || ds.pimGroups?.state === 'stale'),
    pimNotLicensed: ds.pimGroups?.state === 'notLicensed',
  });
  const securityDefaultsEnabled = snapshot.securityDefaults ? snapshot.securityDefaults.isEnabled : null;
  const everyone = [...admins, ...potentialAdmins];
  const perUserRead = ds.perUserMfa?.state === 'ok' || ds.perUserMfa?.state === 'stale';
  const enforcement = enforcementRoutes({
    licences: lic,
    policies: snapshot.conditionalAccessPolicies,
    securityDefaultsEnabled,
    perUserAdmins: perUserRead ? everyone.filter((a) => a.perUserMfa?.state === 'enabled' || a.perUserMfa?.state === 'enforced').length : null,
    pimInUse: snapshot.eligibleRoleInstances.length + snapshot.pimGroupEligibilities.length > 0,
  });
  const microsoft = microsoftVerdict(snapshot.secureScore, ds.secureScore);
  const recommendation = recommendationView(snapshot.mfaRecommendation, ds.mfaRecommendation, new Set(admins.map((a) => normId(a.id))));
  const secureScore = reconcile({
    admins,
    microsoft,
    recommendation,
    policies: snapshot.conditionalAccessPolicies,
    securityDefaultsEnabled: securityDefaultsEnabled === true,
    shouldShow: summary.secureScoreEstimate,
    now,
  });
  return {
    secureScore,
    enforcement,
    findings: [...perUserFindings(admins), ...managedPolicyFindings(enforcement.managedPolicies), ...secureScoreFindings(secureScore)],
    adapt: (findings) => adviseForLicence(findings, lic, securityDefaultsEnabled),
  };
}
