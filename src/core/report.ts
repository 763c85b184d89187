// The evaluation result: the `check --json` contract (docs/evaluation.md). Names in the contract are read by
// scripts and other tools: add fields freely, never rename.
import type { EnforcementOut } from './enforcement.js';
import type { AcknowledgementOut } from './acceptance.js';
import type { ReportNumbers } from './numbers.js';
import type { GapFix, RemediationOut } from './remediation.js';
import type { ExemptionsOut } from './exemption-types.js';
import type { FindingType } from './finding-types.js';
import type { PerUserMfaOut } from './per-user-mfa.js';
import type { SecureScoreOut } from './secure-score.js';
import type { DatasetName, DatasetStatus } from './snapshot.js';

export type Verdict = 'protected' | 'partial' | 'unprotected' | 'excluded' | 'unknown';
export type Severity = 'high' | 'medium' | 'low';

export interface RoleOut {
  roleTemplateId: string;
  roleName: string;
  roleDefinitionId: string;
  roleKind: 'builtIn' | 'custom';
  assignment: 'active' | 'eligible';
  permanent: boolean;
  activatedNow: boolean;
  startDateTime: string | null;
  endDateTime: string | null;
  via: { kind: 'direct' | 'group' | 'pimGroup'; groupId?: string; groupName?: string | null; throughGroupId?: string; throughGroupName?: string | null };
  directoryScopeId: string;
  scope: 'tenant' | 'administrativeUnit' | 'object';
}

export interface GapOut {
  summary: string;
  policyIds: string[];
  state: string | null;
  contexts: string;
  /** `noPolicy` (nothing requires MFA), `conditions` (some contexts), `unknown` (data missing, R-DATA-*). */
  kind?: 'noPolicy' | 'conditions' | 'unknown';
  /** At most about twelve words (R-EXPLAIN-1). Always set by evaluate(). */
  headline?: string;
  /** Every reason, in the order the summary names them; the summary stops at four (R-EXPLAIN-2). Always set by evaluate(). */
  reasons?: string[];
  /** The smallest verified change that closes this gap (docs/remediation.md); set where remediation ran. */
  fix?: GapFix;
  /** Sign-ins observed in this gap within the evidence window (R-OBS-17): "seen 14 times in 7 days". */
  observed?: { signIns: number; days: number; lastAt: string | null; text: string };
}

/** What the sign-in log shows for one admin over the evidence window (docs/evaluation.md, section 15). */
export interface EvidenceOut {
  /** Sign-ins (successful, interrupted and failed, interactive and non-interactive) in the window. */
  signIns: number;
  /** Successful sign-ins that needed a single factor only (authenticationRequirement). */
  singleFactor: number;
  lastSingleFactorAt: string | null;
  /** Single-factor successes in a context the evaluation says is covered (R-OBS-16). */
  contradictions: number;
  windowDays: number;
  nonInteractive: number;
  lastSignInAt: string | null;
  /** MFA prompts (interrupted sign-ins with an MFA code, R-OBS-8) and what became of them (R-OBS-9). */
  prompted: number;
  completed: number;
  abandoned: number;
  noMethod: number;
}

export interface AdminOut {
  id: string;
  userPrincipalName: string | null;
  displayName: string | null;
  accountEnabled: boolean | null;
  userType: string | null;
  verdict: Verdict;
  mfaRegistered: boolean | null;
  methodsRegistered: string[] | null;
  roles: RoleOut[];
  gaps: GapOut[];
  coveringPolicyIds: string[];
  /** Report-only or disabled policies that would enforce MFA for this admin if enabled. */
  wouldCoverIfEnabled: Array<{ policyId: string; displayName: string; state: string }>;
  /** For `excluded`: how the account matched MONITOR_EXCLUDED_ACCOUNTS. */
  excludedBy?: string;
  /** For `excluded`: the verdict the account would get if it were not listed. */
  coverageIfNotExcluded?: Exclude<Verdict, 'excluded'>;
  /** The sign-in log held against the verdict (present when the snapshot carries sign-in evidence). */
  evidence?: EvidenceOut;
  /** For potential admins: the role-holding PIM groups they own. */
  ownerOf?: Array<{ groupId: string; groupName: string | null; assignment: 'active' | 'eligible'; roles: string[] }>;
  /** Legacy per-user MFA (R-PUMFA-*): its state and whether it closes contexts nothing else covers. */
  perUserMfa?: PerUserMfaOut;
  /** The ways MFA is enforced for this admin in some context: Conditional Access, security defaults, per-user MFA. */
  enforcedBy?: Array<'conditionalAccess' | 'securityDefaults' | 'perUserMfa'>;
  /**
   * The enabled MFA policies that exclude this admin (R-EXCL-3): in the first role state they do (null =
   * standing) and how. Always set by evaluate().
   */
  exclusions?: ExclusionOut[];
}

export interface ExclusionOut {
  policyId: string;
  displayName: string;
  state: string | null;
  /** "excludes this admin through group 'CA-Exclude'". */
  how: string;
}

export interface WorkloadAdminOut {
  id: string;
  displayName: string | null;
  appId: string | null;
  roles: RoleOut[];
}

export interface Finding {
  /** One of the catalogued types (finding-types.ts, docs/alerts.md). */
  type: FindingType;
  /** The type's title, from the catalog. */
  title: string;
  severity: Severity;
  subjectId: string;
  message: string;
  /** Stable identity of the finding across runs (type + subject + what it is about). */
  fingerprint: string;
  subjectName?: string | null;
  policyIds?: string[];
  /** An accepted risk (docs/alerts.md "Accepted risks"): `active` hides it from open counts and mail. */
  acknowledgement?: AcknowledgementOut;
}

export interface Summary {
  admins: number;
  protected: number;
  partial: number;
  unprotected: number;
  excluded: number;
  unknown: number;
  registered: number;
  potentialAdmins: number;
  workloadAdmins: number;
  /**
   * What Microsoft should show for "Require MFA for administrative roles" by its documented rule (Learn:
   * Microsoft Secure Score, partial credit = protected / total × max points) applied to our count: admins
   * protected and registered, of all admins (R-SCORE-1). 10 with security defaults on.
   */
  secureScoreEstimate: number;
  secureScoreNotes: string[];
  /** Microsoft's own AdminMFAV2 score, when it could be read (null otherwise; never 0 for "unknown"). */
  microsoftSecureScore?: number | null;
}

export interface Report {
  generatedAt: string;
  tenantId: string;
  tenantName: string | null;
  snapshotCapturedAt: string;
  monitoredRoles: Array<{ roleTemplateId: string; roleName: string }>;
  dataSources: Partial<Record<DatasetName, DatasetStatus>>;
  summary: Summary;
  admins: AdminOut[];
  potentialAdmins: AdminOut[];
  workloadAdmins: WorkloadAdminOut[];
  unresolvedPrincipals: Array<{ id: string; reason: string; roles: string[] }>;
  policies: Array<{ id: string; displayName: string; state: string; enforcesMfa: boolean; grant: string; coversAdmins: number }>;
  securityDefaultsEnabled: boolean | null;
  findings: Finding[];
  /** Microsoft's AdminMFAV2 verdict set against ours, admin by admin (docs/secure-score.md). Always set by evaluate(). */
  secureScore?: SecureScoreOut;
  /** Licences and every way MFA is or could be enforced in this tenant. Always set by evaluate(). */
  enforcement?: EnforcementOut;
  /** Verified changes that close the gaps (docs/remediation.md); set by the app where it evaluates (check, report, CLI). */
  remediation?: RemediationOut;
  /** Every acknowledgement (accepted risk) on record, with its state; set by the app where it evaluates. */
  acknowledgements?: AcknowledgementOut[];
  /** The counts every output shows (console, mail subject and header, report, contract): numbers.ts. */
  numbers?: ReportNumbers;
  /** Every exclusion of an enforcing policy, who controls it, and their own verdicts (docs/evaluation.md, section 14). Always set by evaluate(). */
  exemptions?: ExemptionsOut;
  /** Whether sign-in evidence was held against the verdicts, over which window, and what could not be read. */
  signInEvidence?: SignInEvidenceOut;
  /** Rollout readiness of every report-only policy (R-ROLLOUT-*). */
  rollout?: RolloutOut[];
}

export interface SignInEvidenceOut {
  /** The sign-in collector has read the log at least once (dataset signIns not unavailable). */
  available: boolean;
  windowDays: number;
  rolloutDays: number;
  /** The window's end: now, or when the sign-ins were last read completely. */
  to: string;
  notes: string[];
}

export interface RolloutAccount {
  id: string;
  userPrincipalName: string | null;
  /** admin, excluded (MONITOR_EXCLUDED_ACCOUNTS), service (non-interactive or legacy sign-ins only), unregistered (no MFA method). */
  kinds: Array<'admin' | 'excluded' | 'service' | 'unregistered'>;
  /** blocked: the policy would stop it; prompted: it would be asked for MFA and can answer. */
  effect: 'blocked' | 'prompted';
  failure: number;
  interrupted: number;
  reason: string;
}

export interface RolloutOut {
  policyId: string;
  displayName: string;
  windowDays: number;
  /** Sign-ins by report-only result: what the policy would have done. */
  signIns: { success: number; failure: number; interrupted: number; notApplied: number; other: number };
  /** Distinct users by result. */
  users: { success: number; failure: number; interrupted: number; notApplied: number };
  verdict: 'ready' | 'wouldBlock' | 'noEvidence';
  /** "ready to enable", "would block 2 accounts", "no evidence: …". */
  summary: string;
  /** The accounts it would block, with why. */
  blocked: RolloutAccount[];
  /** Accounts it would reach: admins, excluded or service accounts, users without an MFA method. */
  admins: RolloutAccount[];
  excludedOrService: RolloutAccount[];
  unregistered: RolloutAccount[];
  notes: string[];
}

export const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };
/** Worst first: the order admins are listed in. */
export const VERDICT_ORDER: Record<Verdict, number> = { unprotected: 0, unknown: 1, partial: 2, excluded: 3, protected: 4 };

/** How an admin is named in messages: UPN, else display name, else id. */
export function who(a: { userPrincipalName: string | null; displayName: string | null; id: string }): string {
  return a.userPrincipalName ?? a.displayName ?? a.id;
}
