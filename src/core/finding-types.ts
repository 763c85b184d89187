// Every kind of finding the monitor raises, once: its id (a contract, like the check JSON), severity, title,
// what it means, what to do, and where it is documented. The digest, the report, the CLI, the check contract
// and docs/alerts.md (generated from this table; a test keeps them equal) all take their wording from here.
import type { Finding, Severity } from './report.js';
import type { DatasetName } from './snapshot.js';

/** The data an admin's coverage rests on. */
const COVERAGE: readonly DatasetName[] = ['roleDefinitions', 'roleAssignments', 'pimGroups', 'groupMembers', 'conditionalAccess', 'authenticationStrengths', 'securityDefaults'];
/** The data the admin inventory rests on. */
const INVENTORY: readonly DatasetName[] = ['roleDefinitions', 'roleAssignments', 'pimGroups', 'groupMembers'];
/** The data who-can-exempt-whom rests on. */
const EXEMPTIONS: readonly DatasetName[] = [...COVERAGE, 'accounts', 'exclusionGroups', 'exclusionPimOwners', 'administrativeUnits', 'appPermissions', 'controllers'];

export interface FindingTypeInfo {
  /** `state`: open while it holds, resolved when it stops; `event`: a one-off change, told once. */
  kind: 'state' | 'event';
  /** The severity it is raised with; a pair when it depends on the subject (the first is the higher). */
  severity: Severity | readonly [Severity, Severity];
  /** A heading of a few words. */
  title: string;
  /** What the subject id names. */
  subject: string;
  /** When it is raised, in one sentence. */
  meaning: string;
  /** What closes it. */
  remediation: string;
  /** The evaluation rule it comes from (docs/evaluation.md), if any. */
  rule?: string;
  /**
   * `monitor`: about the monitor's own data (it resolves when the data is back). Everything else is about the
   * tenant and resolves only on positive evidence: never while data it rests on is unreadable.
   */
  about?: 'monitor';
  /** For state findings about the tenant: the datasets it rests on (while one is unreadable it cannot resolve). */
  restsOn?: readonly DatasetName[];
}

export const FINDING_TYPES = {
  // ---- state findings of one evaluation
  'admin-unprotected': {
    kind: 'state',
    severity: 'high',
    title: 'Admin without MFA',
    subject: 'admin',
    meaning: 'An admin has no enforced MFA in any sign-in context: no enabled policy (or security defaults) requires it where they sign in.',
    remediation: 'Include the admin (or their role) in an enabled Conditional Access policy that requires MFA for all cloud apps, or remove the exclusion that takes them out of it.',
    rule: 'R-VERDICT-3',
    restsOn: COVERAGE,
  },
  'admin-partially-protected': {
    kind: 'state',
    severity: 'medium',
    title: 'Admin partly protected',
    subject: 'admin',
    meaning: 'An admin is required to use MFA in some sign-in contexts but not in others (an app, a location, a platform, a client type or a role state is left out).',
    remediation: 'Close each gap the finding names: widen the MFA policy to the uncovered apps, locations, platforms or clients, or add a policy that covers them.',
    rule: 'R-VERDICT-2',
    restsOn: COVERAGE,
  },
  'admin-not-registered': {
    kind: 'state',
    severity: 'high',
    title: 'Admin not registered for MFA',
    subject: 'admin',
    meaning: 'An admin is covered by an MFA policy but has no MFA method registered: whoever has the password can register one first.',
    remediation: 'Have the admin register a strong method now (or issue a Temporary Access Pass), and require registration from trusted locations only.',
    rule: 'R-REG-1',
    restsOn: [...COVERAGE, 'registration'],
  },
  'exclusion-inconsistent': {
    kind: 'state',
    severity: 'medium',
    title: 'Inconsistent break-glass exclusion',
    subject: 'excluded account',
    meaning: 'A break-glass account is excluded from some enabled MFA policies but not from others.',
    remediation: 'Exclude emergency-access accounts from every policy the same way (one exclusion group), and monitor their sign-ins.',
    rule: 'R-EXCL-2',
    restsOn: COVERAGE,
  },
  'eligible-activation-without-mfa': {
    kind: 'state',
    severity: 'medium',
    title: 'PIM activation without MFA',
    subject: 'role template id or PIM group id',
    meaning: 'Admins are eligible for a role or PIM group membership whose activation requires neither MFA nor an authentication context.',
    remediation: 'In the PIM settings of the role or group, require Azure MFA (or an authentication context) on activation.',
    rule: 'R-PIM-2',
    restsOn: [...INVENTORY, 'pimSettings'],
  },
  'permanent-privileged-assignment': {
    kind: 'state',
    severity: ['medium', 'low'],
    title: 'Permanent privileged assignment',
    subject: 'admin',
    meaning: 'An admin holds a privileged role permanently (active, no end date); medium for Global and Privileged Role Administrator.',
    remediation: 'Make the assignment eligible in PIM, or give it an end date.',
    rule: 'R-PERM-1',
    restsOn: INVENTORY,
  },
  'global-admin-count': {
    kind: 'state',
    severity: 'medium',
    title: 'Global Administrator count',
    subject: 'Global Administrator role template id',
    meaning: 'Fewer Global Administrators than MONITOR_GLOBAL_ADMIN_MIN or more than MONITOR_GLOBAL_ADMIN_MAX (active or eligible).',
    remediation: 'Keep at least two emergency-access Global Administrators and fewer than five in all; move the rest to least-privileged roles.',
    rule: 'R-GA-1',
    restsOn: INVENTORY,
  },
  'policy-report-only': {
    kind: 'state',
    severity: 'low',
    title: 'Policy in report-only mode',
    subject: 'policy id',
    meaning: 'A report-only policy would require MFA for at least one admin but enforces nothing.',
    remediation: 'Check its sign-in results, then turn the policy on.',
    rule: 'R-STATE-2',
    restsOn: COVERAGE,
  },
  'role-scope-not-targetable': {
    kind: 'state',
    severity: 'medium',
    title: 'Admin role not targetable by policy',
    subject: 'admin',
    meaning: 'An admin holds a role through an administrative-unit or object scope, or a custom role, which role-targeted Conditional Access policies cannot see.',
    remediation: 'Target the user or a group they are in, not the role; or assign the role at tenant scope.',
    rule: 'R-USERS-4',
    restsOn: COVERAGE,
  },
  'data-unavailable': {
    kind: 'state',
    severity: ['high', 'low'],
    title: 'Data unavailable',
    subject: 'dataset name',
    meaning: 'A dataset could not be read (a permission is missing or the API refused); verdicts that depend on it are unknown. High for the datasets verdicts depend on, medium for per-user MFA states, low for Microsoft\u2019s Secure Score, its recommendation and the licences, which only explain.',
    remediation: 'Grant the permission the finding names (infra/hooks grant them), or fix what the error says.',
    rule: 'R-DATA-1',
    about: 'monitor',
  },
  'potential-admin-unprotected': {
    kind: 'state',
    severity: 'medium',
    title: 'Potential admin not protected',
    subject: 'group owner',
    meaning: 'An owner of a role-holding PIM group could add themselves and would then be partly or not protected.',
    remediation: 'Cover the owner with the admins\u2019 MFA policy, or remove the ownership.',
    rule: 'R-PIMGROUP-4',
    restsOn: COVERAGE,
  },
  'admin-per-user-mfa-only': {
    kind: 'state',
    severity: 'medium',
    title: 'Admin relies on per-user MFA',
    subject: 'admin',
    meaning: 'Some of an admin\u2019s sign-ins require MFA only because of legacy per-user MFA, which Microsoft no longer recommends: it is skipped from the MFA trusted IPs and legacy clients sign in without MFA.',
    remediation: 'Cover the admin with a Conditional Access policy that requires MFA (or, without Entra ID P1, turn on security defaults), then turn per-user MFA off for the account.',
    rule: 'R-PUMFA-4',
    restsOn: [...COVERAGE, 'perUserMfa'],
  },
  'secure-score-disagreement': {
    kind: 'state',
    severity: 'low',
    title: 'Secure Score disagreement',
    subject: 'admin, or AdminMFAV2 for the count',
    meaning: 'Microsoft\u2019s Secure Score counts an admin as not protected whom our evaluation finds protected, for none of the documented reasons (or its count differs by more than those reasons explain).',
    remediation: 'Compare the admin\u2019s MFA registration and the policies that cover them with what Secure Score shows; wait one day if the change is recent (Secure Score refreshes daily).',
    rule: 'R-RECON-7',
    restsOn: [...COVERAGE, 'registration', 'secureScore', 'mfaRecommendation'],
  },
  'managed-policy-pending': {
    kind: 'state',
    severity: 'low',
    title: 'Microsoft-managed policy pending',
    subject: 'policy id',
    meaning: 'A Microsoft-managed Conditional Access policy is in report-only mode: Microsoft turns it on no less than 45 days after introducing it, with 28 days\u2019 notice.',
    remediation: 'Review the policy before Microsoft enables it: exclude the break-glass accounts, then turn it on yourself or opt out by turning it off.',
    rule: 'R-MANAGED-2',
    restsOn: ['conditionalAccess'],
  },
  'principal-unresolved': {
    kind: 'state',
    severity: 'low',
    title: 'Unresolved principal',
    subject: 'object id',
    meaning: 'A role is held by an object id that resolves to no user, group or service principal (deleted, or from another tenant).',
    remediation: 'Remove the assignment.',
    rule: 'R-UNRESOLVED-1',
    restsOn: INVENTORY,
  },
  'policy-stale-reference': {
    kind: 'state',
    severity: 'low',
    title: 'Policy references deleted object',
    subject: 'policy id',
    meaning: 'A policy includes or excludes user or group ids that no longer exist.',
    remediation: 'Remove the stale ids from the policy (a re-created object gets a new id and is not covered).',
    rule: 'R-UNRESOLVED-1',
    restsOn: ['conditionalAccess', 'groupMembers'],
  },
  // ---- observed enforcement: the sign-in log held against the verdicts (docs/evaluation.md, section 15)
  'admin-single-factor-sign-in': {
    kind: 'state',
    severity: 'high',
    title: 'Admin signed in with a single factor',
    subject: 'admin',
    meaning: 'An admin signed in successfully with authenticationRequirement singleFactorAuthentication within the evidence window (SIGNIN_EVIDENCE_DAYS), in any role state; the finding names the latest sign-in\u2019s app, client, address, location and device, and which MFA policies did not apply and why.',
    remediation: 'Find why no MFA policy applied (the conditions the sign-in names), close that gap, and confirm with the admin that the sign-in was theirs.',
    rule: 'R-OBS-18',
    restsOn: [...INVENTORY, 'signIns'],
  },
  'evaluation-contradicted': {
    kind: 'state',
    severity: 'high',
    title: 'Sign-in contradicts the evaluation',
    subject: 'admin',
    meaning: 'A single-factor sign-in of an admin succeeded in a sign-in context and role state the evaluation says an MFA policy covers: the monitor\u2019s model and Entra disagree; it names both sides (the covering policies, and the sign-in\u2019s policy results).',
    remediation: 'Read the sign-in\u2019s policy results: a condition the monitor cannot see (an app Conditional Access leaves out, a location, a device) let it through. Cover that case explicitly, and report the difference if the policy should have applied.',
    rule: 'R-OBS-16',
    restsOn: [...COVERAGE, 'activations', 'signIns'],
  },
  'admin-cannot-complete-mfa': {
    kind: 'state',
    severity: ['high', 'medium'],
    title: 'Admin cannot complete MFA',
    subject: 'admin',
    meaning: 'An admin\u2019s MFA prompts were blocked because no method is registered (AADSTS50079/50072); high when no sign-in with MFA succeeded in the evidence window.',
    remediation: 'Issue a Temporary Access Pass and have the admin register a strong method, from a trusted location.',
    rule: 'R-OBS-9',
    restsOn: [...INVENTORY, 'signIns'],
  },
  // ---- change events, found by the diff after each evaluation
  'new-admin-unprotected': {
    kind: 'event',
    severity: 'high',
    title: 'New admin without MFA',
    subject: 'admin',
    meaning: 'A user became an admin (any path: direct, group, PIM group, nested group) and has no enforced MFA in any context.',
    remediation: 'Bring the new admin under the admins\u2019 MFA policy, or remove the assignment if it was not intended.',
  },
  'new-admin-partial': {
    kind: 'event',
    severity: 'medium',
    title: 'New admin only partly protected',
    subject: 'admin',
    meaning: 'A user became an admin and is only partly protected.',
    remediation: 'Close the gaps the finding names, as for admin-partially-protected.',
  },
  'admin-lost-protection': {
    kind: 'event',
    severity: 'high',
    title: 'Admin lost MFA protection',
    subject: 'admin',
    meaning: 'An admin went from protected to partly or not protected; the message names the cause (a policy change, a group membership, an assignment).',
    remediation: 'Undo the change the finding names, or cover the admin another way.',
  },
  'policy-weakened': {
    kind: 'event',
    severity: 'high',
    title: 'Conditional Access policy weakened',
    subject: 'policy id',
    meaning: 'A Conditional Access change reduced MFA coverage for at least one admin (disabled, report-only, deleted, exclusions added, conditions narrowed, grant loosened); it carries the field-level diff.',
    remediation: 'Revert the change, or confirm it was intended and cover the affected admins another way.',
  },
  'security-defaults-disabled': {
    kind: 'event',
    severity: 'high',
    title: 'Security defaults turned off',
    subject: 'securityDefaults',
    meaning: 'Security defaults were turned off: admins are now protected only by Conditional Access policies.',
    remediation: 'Turn them back on, or make sure enabled Conditional Access policies require MFA for every admin.',
  },
  'pim-setting-weakened': {
    kind: 'event',
    severity: 'high',
    title: 'PIM activation setting weakened',
    subject: 'role template id or PIM group id',
    meaning: 'A PIM activation setting lost MFA, its authentication context or approval, or got a longer maximum activation.',
    remediation: 'Restore the activation requirements in the role\u2019s or group\u2019s PIM settings.',
  },
  'permanent-assignment-added': {
    kind: 'event',
    severity: ['high', 'medium'],
    title: 'Permanent admin assignment added',
    subject: 'principal',
    meaning: 'An active assignment of a monitored role with no end date was created outside PIM activation; high for the 14 core admin roles.',
    remediation: 'Confirm it was intended; make it eligible in PIM or time-bound.',
  },
  'break-glass-sign-in': {
    kind: 'event',
    severity: 'high',
    title: 'Break-glass account signed in',
    subject: 'excluded account',
    meaning: 'An account in MONITOR_EXCLUDED_ACCOUNTS (or a member of a group it lists) signed in, successfully or not; always mailed.',
    remediation: 'Confirm with the account\u2019s keepers that the sign-in was an emergency; otherwise treat it as a compromise.',
  },
  'exemption-used': {
    kind: 'event',
    severity: 'high',
    title: 'Admin exempted from MFA',
    subject: 'admin',
    meaning: 'An admin joined an MFA exclusion since the last evaluation: added to an exclusion group (or a group nested in one), matched a dynamic exclusion rule, or given a role a policy excludes, or the role they hold was added to excludeRoles; the message names who did it and when, from the directory audit log where it could be read.',
    remediation: 'If it was not an approved exception, undo it and find out how the actor got the means; time-box approved exceptions.',
    rule: 'R-EXEMPT-13',
  },
  'rollout-readiness-changed': {
    kind: 'event',
    severity: 'medium',
    title: 'Report-only policy readiness changed',
    subject: 'policy id',
    meaning: 'A report-only policy became ready to enable (its results in the sign-in log would block nobody) or stopped being ready (it would now block accounts, which the finding lists).',
    remediation: 'Ready: turn the policy on. No longer ready: exclude or fix the accounts it names (register MFA, replace service accounts with workload identities) before turning it on.',
    rule: 'R-ROLLOUT-4',
  },
  'admin-protected-again': {
    kind: 'event',
    severity: 'low',
    title: 'Admin protected again',
    subject: 'admin',
    meaning: 'An admin went back to protected.',
    remediation: 'Nothing to do.',
  },
  // ---- who can switch MFA off for an admin (docs/evaluation.md, section 14)
  'exemption-controller-unprotected': {
    kind: 'state',
    severity: 'high',
    title: 'Exemption controller not protected',
    subject: 'controller (user or service principal)',
    meaning: 'A principal that can exempt an admin from MFA (owner or manager of an exclusion group, writer of an attribute a dynamic exclusion rule reads, editor of the policies or named locations, role or permission assigner) is itself not protected by MFA, or is a service principal with a client secret.',
    remediation: 'Protect the controller with the admins’ MFA policy (or replace the app’s secret with a certificate or managed identity), or take the ability away: remove the ownership, the role or the application permission.',
    rule: 'R-EXEMPT-10',
    restsOn: EXEMPTIONS,
  },
  'exemption-dynamic-rule': {
    kind: 'state',
    severity: ['high', 'medium'],
    title: 'Dynamic exclusion group',
    subject: 'exclusion group, or the admin who matches its rule',
    meaning: 'An MFA exclusion group is dynamic and its rule reads a user attribute someone below Global Administrator can write (medium), or an admin matches such a rule now (high); a rule the monitor cannot parse is reported the same way.',
    remediation: 'Replace the dynamic exclusion with an assigned, role-assignable group in a restricted-management administrative unit (or base the rule on an attribute only Global Administrators write), and take matching admins out.',
    rule: 'R-EXEMPT-11',
    restsOn: EXEMPTIONS,
  },
  'exemption-group-unprotected': {
    kind: 'state',
    severity: 'medium',
    title: 'Exclusion group not protected',
    subject: 'exclusion group',
    meaning: 'A group that takes admins out of an MFA policy is neither role-assignable nor in a restricted-management administrative unit, so Groups and User Administrators, its owners and apps with group write permissions can change it.',
    remediation: 'Use a role-assignable group for MFA exclusions, or put the group in a restricted-management administrative unit with its own administrators.',
    rule: 'R-EXEMPT-12',
    restsOn: EXEMPTIONS,
  },
  'change-feed-missed': {
    kind: 'event',
    severity: 'medium',
    title: 'Change found only by reconciliation',
    subject: 'changed item (dataset and id)',
    meaning: 'A full collection found a change the change feed had not applied although the audit log had time to show it (or never showed it): the change was judged hours late instead of within minutes.',
    remediation: 'Nothing to undo in the tenant for this; if it repeats, read the change feed\u2019s run records (history runs, type changefeed) for activities it does not know, failed reads or a stopped feed.',
    about: 'monitor',
  },
  'change-feed-resync': {
    kind: 'event',
    severity: 'medium',
    title: 'Change feed restarted from a full read',
    subject: 'feed source (auditLog, users, groups)',
    meaning: 'The change feed could not continue where it stood (its watermark was older than the audit log keeps events, or Graph refused a delta link as expired), so a full collection ran instead; changes in the gap were reconciled by it, not alerted within minutes.',
    remediation: 'Nothing, if it was a one-off (no false change is derived from it); if it repeats, the change feed was stopped for days or runs too rarely (SCHEDULE_CHANGEFEED).',
    about: 'monitor',
  },
  'tenant-work-dead-lettered': {
    kind: 'event',
    severity: 'high',
    title: 'Tenant work given up',
    subject: 'step of the tenant (roles, policies, changefeed, evaluate, …)',
    meaning: 'A queued step of this tenant failed on every delivery (host.json maxDequeueCount) and went to the poison queue: its data was not collected or evaluated this time; the other tenants were not held up by it.',
    remediation: 'Read the step\u2019s run records (history runs --tenant) and the error the finding quotes: Graph throttling or outage, a revoked consent, a hanging call. The next scheduled message runs it again.',
    about: 'monitor',
  },
  'monitor-unhealthy': {
    kind: 'state',
    severity: 'high',
    title: 'Monitor unhealthy',
    subject: 'collector',
    meaning: 'A collector failed, never ran, or its data is older than MONITOR_STALE_AFTER_MINUTES, or a dataset is unavailable: verdicts may be out of date.',
    remediation: 'Read the collector\u2019s run record (history runs) and fix what it names: a permission, throttling, an outage.',
    about: 'monitor',
  },
} as const satisfies Record<string, FindingTypeInfo>;

export type FindingType = keyof typeof FINDING_TYPES;
export const FINDING_TYPE_IDS = Object.keys(FINDING_TYPES) as FindingType[];

/** The catalog entry of a type; undefined for an id not in the catalog (read back from older history). */
export function findingType(type: string): FindingTypeInfo | undefined {
  return (FINDING_TYPES as Record<string, FindingTypeInfo>)[type];
}

/** The title of a finding type; an id not in the catalog (from older history) is shown as it is. */
export function findingTitle(type: string): string {
  return findingType(type)?.title ?? type;
}

/** Where the type is documented, relative to the repository (docs/alerts.md has a section per type). */
export function findingDoc(type: string): string {
  return `docs/alerts.md#${type}`;
}

/**
 * A finding of a catalogued type. The fingerprint is its identity across runs: type, subject and, where one
 * subject can have several, what it is about.
 */
export function makeFinding(type: FindingType, severity: Severity, subjectId: string, message: string, fingerprint: string, extra: Partial<Finding> = {}): Finding {
  return { type, severity, subjectId, message, fingerprint, title: FINDING_TYPES[type].title, ...extra };
}
