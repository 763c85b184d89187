// Every way MFA can be enforced for admins, and which of them this tenant can use (R-ROUTE-*, R-MANAGED-*,
// R-MANDATORY-1, docs/evaluation.md): Conditional Access (Entra ID P1), security defaults, legacy per-user
// MFA, Microsoft-managed Conditional Access policies, and Azure's mandatory MFA for admin portals. Pure.
import type { ConditionalAccessPolicy } from './graph-types.js';
import type { LicencesOut } from './licences.js';
import type { Finding } from './report.js';

/**
 * The Microsoft-managed Conditional Access policies (Learn: managed-policies). Graph shows them as ordinary
 * policies with no flag; organisations cannot rename them, so the display name identifies them.
 */
export const MICROSOFT_MANAGED_POLICIES: readonly string[] = [
  'Multifactor authentication for admins accessing Microsoft Admin Portals',
  'Multifactor authentication for all users',
  'Multifactor authentication for per-user multifactor authentication users',
  'Multifactor authentication and reauthentication for risky sign-ins',
  'Phishing-resistant multifactor authentication for admins',
  'Block legacy authentication',
  'Block device code flow',
  'Block all high risk agents from accessing all resources',
];

/** Microsoft turns a managed policy left in report-only on no less than this many days after introducing it. */
export const MANAGED_POLICY_REPORT_ONLY_DAYS = 45;

export interface ManagedPolicyOut {
  id: string;
  displayName: string;
  state: string;
  createdDateTime: string | null;
  /** Report-only: the earliest date Microsoft may turn it on (created + 45 days); null when not report-only or unknown. */
  autoEnableNotBefore: string | null;
  note: string;
}

const MANAGED = new Set(MICROSOFT_MANAGED_POLICIES.map((n) => n.toLowerCase()));

export function isMicrosoftManaged(policy: Pick<ConditionalAccessPolicy, 'displayName'>): boolean {
  return MANAGED.has((policy.displayName ?? '').trim().toLowerCase());
}

/** R-MANAGED-1/2: Microsoft-managed policies, with the earliest date a report-only one may be turned on. */
export function managedPolicies(policies: readonly ConditionalAccessPolicy[]): ManagedPolicyOut[] {
  return policies.filter(isMicrosoftManaged).map((p) => {
    const created = p.createdDateTime ?? null;
    const createdMs = created ? Date.parse(created) : Number.NaN;
    const reportOnly = p.state === 'enabledForReportingButNotEnforced';
    const notBefore = reportOnly && !Number.isNaN(createdMs) ? new Date(createdMs + MANAGED_POLICY_REPORT_ONLY_DAYS * 86_400_000).toISOString() : null;
    let note: string;
    if (p.state === 'enabled') note = 'Microsoft-managed, on: evaluated like any enabled policy.';
    else if (p.state === 'disabled') note = 'Microsoft-managed, turned off: enforces nothing (an opt-out Microsoft respects).';
    else if (reportOnly) note = `Microsoft-managed, report-only: enforces nothing yet; Microsoft turns such policies on no less than ${MANAGED_POLICY_REPORT_ONLY_DAYS} days after introducing them, with 28 days' notice${notBefore ? `, so not before ${notBefore.slice(0, 10)}` : ''}. Exclude break-glass accounts before then.`;
    else note = `Microsoft-managed, state '${p.state}': enforces nothing.`;
    return { id: p.id, displayName: p.displayName, state: p.state, createdDateTime: created, autoEnableNotBefore: notBefore, note };
  });
}

/**
 * R-MANDATORY-1: Azure's mandatory MFA (Learn: concept-mandatory-multifactor-authentication; Facts §3). It is
 * enforced by Microsoft outside Conditional Access for everyone signing in to the management apps named, so it
 * is shown as what it is and never counted as coverage of other apps.
 */
export const MANDATORY_MFA = {
  apps: ['Azure portal', 'Microsoft Entra admin center', 'Microsoft Intune admin center', 'Microsoft 365 admin center', 'Azure CLI, Azure PowerShell, Azure mobile app and IaC tools (create, update and delete operations)'],
  phases: [
    'phase 1 (from October 2024): Azure portal, Microsoft Entra admin center and Intune admin center; Microsoft 365 admin center from February 2025',
    'phase 2 (from September 2025, postponable by the tenant to July 2026): create, update and delete operations through Azure CLI, PowerShell, the Azure mobile app and infrastructure-as-code tools',
  ],
  note: 'Enforced by Microsoft for every user of these management apps, whatever Conditional Access says; it protects those sign-ins only, not Microsoft Graph, Exchange, SharePoint or any other app, so it is not counted as coverage.',
} as const;

export type RouteId = 'conditionalAccess' | 'securityDefaults' | 'perUserMfa' | 'microsoftManaged' | 'mandatoryMfa' | 'pim' | 'riskConditions';

export interface RouteOut {
  id: RouteId;
  name: string;
  /** The licence it needs. */
  requires: string;
  /** Whether this tenant's licence allows it; null: unknown. */
  available: boolean | null;
  /** In use now, in words. */
  state: string;
}

export interface EnforcementOut {
  licences: LicencesOut;
  routes: RouteOut[];
  /** Shown above everything when the tenant cannot use Conditional Access; null otherwise. */
  banner: string | null;
  managedPolicies: ManagedPolicyOut[];
  mandatoryMfa: typeof MANDATORY_MFA;
}

export interface RouteInputs {
  licences: LicencesOut;
  policies: readonly ConditionalAccessPolicy[];
  securityDefaultsEnabled: boolean | null;
  /** Admins (and potential admins) with per-user MFA enabled or enforced; null when not read. */
  perUserAdmins: number | null;
  pimInUse: boolean;
}

/** R-ROUTE-1: the routes, what each needs and whether this tenant can use it. */
export function enforcementRoutes(input: RouteInputs): EnforcementOut {
  const { licences: lic } = input;
  const enabledPolicies = input.policies.filter((p) => p.state === 'enabled').length;
  const routes: RouteOut[] = [
    { id: 'conditionalAccess', name: 'Conditional Access', requires: 'Entra ID P1', available: lic.p1, state: `${enabledPolicies} enabled polic${enabledPolicies === 1 ? 'y' : 'ies'}` },
    {
      id: 'securityDefaults',
      name: 'Security defaults',
      requires: 'none (excludes Conditional Access)',
      available: true,
      state: input.securityDefaultsEnabled === null ? 'unknown' : input.securityDefaultsEnabled ? 'on: every admin of the 16 security-defaults roles does MFA at every sign-in' : 'off',
    },
    {
      id: 'perUserMfa',
      name: 'Per-user MFA (legacy)',
      requires: 'none (Microsoft recommends Conditional Access instead)',
      available: true,
      state: input.perUserAdmins === null ? 'not read' : `${input.perUserAdmins} admin${input.perUserAdmins === 1 ? '' : 's'} enabled or enforced`,
    },
    { id: 'microsoftManaged', name: 'Microsoft-managed policies', requires: 'Entra ID P1', available: lic.p1, state: `${managedPolicies(input.policies).length} in the tenant` },
    { id: 'mandatoryMfa', name: 'Azure mandatory MFA (admin portals only)', requires: 'none: enforced by Microsoft', available: true, state: 'enforced by Microsoft for the admin portals and Azure management tools' },
    { id: 'pim', name: 'PIM (MFA on activation)', requires: 'Entra ID P2 or Governance', available: lic.p2, state: input.pimInUse ? 'in use' : 'not in use' },
    { id: 'riskConditions', name: 'Risk-based conditions', requires: 'Entra ID P2', available: lic.p2, state: input.policies.some((p) => (p.conditions.signInRiskLevels?.length ?? 0) + (p.conditions.userRiskLevels?.length ?? 0) > 0) ? 'used by a policy' : 'not used' },
  ];
  // R-LIC-4: without P1 the tenant cannot use Conditional Access at all: say so once instead of per admin.
  const banner =
    lic.p1 === false
      ? `This tenant has no Microsoft Entra ID P1 (${lic.evidence[0] ?? 'no P1 plan found'}): Conditional Access (and the sign-in logs with their policy details) is not available, so admins are evaluated through security defaults and per-user MFA. Turn on security defaults to require MFA of every admin at every sign-in; Azure's mandatory MFA protects the admin portals only.`
      : null;
  return { licences: lic, routes, banner, managedPolicies: managedPolicies(input.policies), mandatoryMfa: MANDATORY_MFA };
}

/** Finding types whose advice is Conditional Access, which a tenant without P1 cannot follow. */
const CA_ADVICE = new Set(['admin-unprotected', 'admin-partially-protected', 'potential-admin-unprotected', 'admin-per-user-mfa-only']);

/**
 * R-LIC-4: findings recommend only what the licence allows. Without P1 the message says what the tenant can do
 * instead (the fingerprint, the finding's identity, is unchanged).
 */
export function adviseForLicence(findings: Finding[], lic: LicencesOut, securityDefaultsEnabled: boolean | null): Finding[] {
  if (lic.p1 !== false) return findings;
  const advice = securityDefaultsEnabled
    ? ' This tenant has no Entra ID P1 (no Conditional Access): security defaults are on but do not cover this role; assign one of the 16 security-defaults roles or enable per-user MFA for the account.'
    : ' This tenant has no Entra ID P1 (no Conditional Access): turn on security defaults, which require MFA of every admin of the 16 security-defaults roles.';
  return findings.map((f) => (CA_ADVICE.has(f.type) ? { ...f, message: `${f.message}${advice}` } : f));
}
