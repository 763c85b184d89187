// What a sign-in says happened, read from the sign-in log as Graph records it: the outcome (success,
// interrupted, failure), whether MFA was required and satisfied, the context it came from, and each
// Conditional Access policy's result. Pure: the collector stores these, the evaluation holds them against the
// verdicts. Rule ids (R-OBS-*) refer to docs/evaluation.md, section "Observed enforcement".
import type { AppliedConditionalAccessPolicy, SignIn } from './graph-types.js';
import { flags, normId } from './ids.js';

export type SignInOutcome = 'success' | 'interrupted' | 'failure';
export type Requirement = 'single' | 'multi' | 'unknown';

/** The context fields Conditional Access decides on, as the sign-in log records them. */
export interface SignInContext {
  /** The resource (target app) the token was for; Conditional Access targets resources. */
  resourceId: string | null;
  resourceName: string | null;
  /** The client app that signed in. */
  appId: string | null;
  appName: string | null;
  clientAppUsed: string | null;
  operatingSystem: string | null;
  ipAddress: string | null;
  city: string | null;
  countryOrRegion: string | null;
  /** networkLocationDetails[].networkType; null when Graph sent none. */
  networkTypes: string[] | null;
  signInRisk: string | null;
  /** originalTransferMethod, or deviceCodeFlow for the deviceCode protocol; null when not recorded. */
  flow: string | null;
  deviceTrustType: string | null;
  deviceCompliant: boolean | null;
  deviceManaged: boolean | null;
  interactive: boolean;
}

export interface PolicyResult {
  id: string;
  name: string | null;
  result: string;
  /** conditionsNotSatisfied as a list (e.g. ['location']). */
  notSatisfied: string[];
  grantControls: string[];
}

export interface ObservedSignIn {
  id: string;
  at: string;
  userId: string | null;
  userPrincipalName: string | null;
  outcome: SignInOutcome;
  errorCode: number;
  requirement: Requirement;
  correlationId: string | null;
  context: SignInContext;
  /** null: the sign-in carries no appliedConditionalAccessPolicies (no Entra ID P1, or no permission to read them). */
  policies: PolicyResult[] | null;
  /** Enum values the monitor does not know ("authenticationRequirement=…", "result=…"): said, never guessed. */
  unknownValues: string[];
}

/** R-OBS-5: the appliedConditionalAccessPolicy results Graph documents (the last four only with `Prefer: include-unknown-enum-members`). */
export const POLICY_RESULTS = ['success', 'failure', 'notApplied', 'notEnabled', 'unknown', 'reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyNotApplied', 'reportOnlyInterrupted'] as const;
const KNOWN_RESULTS = new Set<string>(POLICY_RESULTS);
/** Policy results that mean the policy was evaluated and applied to the sign-in (history is indexed by these). */
export const APPLIED_RESULTS: ReadonlySet<string> = new Set(['success', 'failure', 'reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyInterrupted']);

/** R-OBS-8: interrupt codes that are an MFA prompt (AADSTS error reference; entra-facts.md §5). */
export const MFA_PROMPT_CODES: ReadonlySet<number> = new Set([50074, 50076, 50079, 50072, 500121, 50158]);
/** R-OBS-9: the user has no usable method and must register one first (AADSTS50079, AADSTS50072). */
export const NO_METHOD_CODES: ReadonlySet<number> = new Set([50079, 50072]);

/** R-OBS-2: authenticationRequirement. */
export function requirementOf(value: string | null | undefined): Requirement {
  if (value === 'singleFactorAuthentication') return 'single';
  if (value === 'multiFactorAuthentication') return 'multi';
  return 'unknown';
}

/** R-OBS-1: errorCode 0 is a success; an interrupt code is an interruption; anything else a failure. */
export function outcomeOf(errorCode: number, interruptCodes: ReadonlySet<number>): SignInOutcome {
  if (errorCode === 0) return 'success';
  return interruptCodes.has(errorCode) ? 'interrupted' : 'failure';
}

/** R-OBS-3: interactive unless Graph marks it non-interactive (signInEventTypes, else isInteractive). */
export function isInteractive(s: Pick<SignIn, 'signInEventTypes' | 'isInteractive'>): boolean {
  const types = (s.signInEventTypes ?? []).map((t) => t.toLowerCase());
  if (types.includes('interactiveuser')) return true;
  if (types.includes('noninteractiveuser')) return false;
  return s.isInteractive !== false;
}

function flowOf(s: SignIn): string | null {
  const transfer = s.originalTransferMethod;
  if (transfer === 'deviceCodeFlow' || transfer === 'authenticationTransfer' || transfer === 'none') return transfer;
  if ((s.authenticationProtocol ?? '').toLowerCase() === 'devicecode') return 'deviceCodeFlow';
  return null;
}

const text = (v: string | null | undefined): string | null => (v && v.trim() ? v : null);

function contextOf(s: SignIn): SignInContext {
  return {
    resourceId: s.resourceId ? normId(s.resourceId) : null,
    resourceName: text(s.resourceDisplayName),
    appId: s.appId ? normId(s.appId) : null,
    appName: text(s.appDisplayName),
    clientAppUsed: text(s.clientAppUsed),
    operatingSystem: text(s.deviceDetail?.operatingSystem),
    ipAddress: text(s.ipAddress),
    city: text(s.location?.city),
    countryOrRegion: text(s.location?.countryOrRegion),
    networkTypes: s.networkLocationDetails ? [...new Set(s.networkLocationDetails.map((n) => n.networkType ?? '').filter(Boolean))].sort() : null,
    signInRisk: text(s.riskLevelDuringSignIn),
    flow: flowOf(s),
    deviceTrustType: text(s.deviceDetail?.trustType),
    deviceCompliant: s.deviceDetail?.isCompliant ?? null,
    deviceManaged: s.deviceDetail?.isManaged ?? null,
    interactive: isInteractive(s),
  };
}

function policyResult(p: AppliedConditionalAccessPolicy, unknown: Set<string>): PolicyResult {
  const result = p.result ?? 'unknown';
  if (!KNOWN_RESULTS.has(result)) unknown.add(`result=${result}`);
  return { id: normId(p.id), name: p.displayName ?? null, result, notSatisfied: flags(p.conditionsNotSatisfied), grantControls: p.enforcedGrantControls ?? [] };
}

/** A sign-in as Graph returned it, read into what the monitor decides on (R-OBS-1..5). */
export function observeSignIn(s: SignIn, interruptCodes: ReadonlySet<number>): ObservedSignIn {
  const unknown = new Set<string>();
  const errorCode = s.status?.errorCode ?? 0;
  const requirement = requirementOf(s.authenticationRequirement);
  if (requirement === 'unknown' && s.authenticationRequirement) unknown.add(`authenticationRequirement=${s.authenticationRequirement}`);
  const policies = Array.isArray(s.appliedConditionalAccessPolicies) ? s.appliedConditionalAccessPolicies.map((p) => policyResult(p, unknown)) : null;
  return {
    id: normId(s.id),
    at: s.createdDateTime,
    userId: s.userId ? normId(s.userId) : null,
    userPrincipalName: s.userPrincipalName ? s.userPrincipalName.toLowerCase() : null,
    outcome: outcomeOf(errorCode, interruptCodes),
    errorCode,
    requirement,
    correlationId: s.correlationId ? normId(s.correlationId) : null,
    context: contextOf(s),
    policies,
    unknownValues: [...unknown].sort(),
  };
}

/** A stable key for sign-ins that share every context field (the digest groups by it). */
export function contextKey(c: SignInContext): string {
  return [c.resourceId, c.appId, c.clientAppUsed, c.operatingSystem, c.ipAddress, c.countryOrRegion, c.networkTypes?.join('+') ?? '?', c.signInRisk, c.flow, c.deviceTrustType, c.deviceCompliant, c.deviceManaged, c.interactive ? 'i' : 'n']
    .map((v) => (v === null || v === undefined ? '' : String(v)))
    .join('|');
}

/** Where a sign-in came from and with what, in words: "Azure Portal (browser) from 203.0.113.7 (Berlin, DE), Windows 10, compliant device". */
export function describeSignIn(s: Pick<ObservedSignIn, 'context'>): string {
  const c = s.context;
  const app = c.appName ?? c.appId ?? 'an unknown app';
  const resource = c.resourceName && c.resourceName !== c.appName ? ` for ${c.resourceName}` : '';
  const client = c.clientAppUsed ? ` (${c.clientAppUsed}${c.interactive ? '' : ', non-interactive'})` : c.interactive ? '' : ' (non-interactive)';
  const where = [c.city, c.countryOrRegion].filter(Boolean).join(', ');
  const from = c.ipAddress ? ` from ${c.ipAddress}${where ? ` (${where})` : ''}` : where ? ` from ${where}` : '';
  const device = [c.operatingSystem, c.deviceCompliant === true ? 'compliant device' : c.deviceManaged === true ? 'managed device' : c.deviceTrustType ? c.deviceTrustType : 'unmanaged device'].filter(Boolean).join(', ');
  return `${app}${resource}${client}${from}${device ? `, ${device}` : ''}`;
}

// ─── Interruptions ───────────────────────────────────────────────────────────────────────────────────

export type InterruptOutcome = 'completed' | 'abandoned' | 'noMethod' | 'pending';

/**
 * R-OBS-9: what became of each interrupted sign-in of one user: completed (a later success with the same
 * correlation id, or a success to the same app within `completionMinutes`; after an MFA prompt the success must
 * carry MFA), blocked for lack of a registered method (50079/50072 and never completed), still pending (less
 * than `completionMinutes` before `dataEndMs`, the end of the data; without it, every unresolved one), or abandoned.
 */
export function classifyInterrupts(signIns: readonly ObservedSignIn[], completionMinutes: number, dataEndMs?: number): Map<string, InterruptOutcome> {
  const out = new Map<string, InterruptOutcome>();
  const windowMs = completionMinutes * 60_000;
  const successes = signIns.filter((s) => s.outcome === 'success');
  for (const i of signIns) {
    if (i.outcome !== 'interrupted') continue;
    const t = Date.parse(i.at);
    const needsMfa = MFA_PROMPT_CODES.has(i.errorCode);
    const completed = successes.some((s) => {
      const st = Date.parse(s.at);
      if (st < t || (needsMfa && s.requirement !== 'multi')) return false;
      if (i.correlationId && s.correlationId === i.correlationId) return true;
      const sameApp = (s.context.appId ?? s.context.resourceId) === (i.context.appId ?? i.context.resourceId);
      return sameApp && st - t <= windowMs;
    });
    if (completed) out.set(i.id, 'completed');
    else if (NO_METHOD_CODES.has(i.errorCode)) out.set(i.id, 'noMethod');
    else if (dataEndMs === undefined || dataEndMs - t < windowMs) out.set(i.id, 'pending');
    else out.set(i.id, 'abandoned');
  }
  return out;
}
