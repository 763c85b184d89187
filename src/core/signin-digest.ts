// One user's sign-ins of one UTC day, folded into what evaluation needs: per context, when sign-ins of each
// kind happened (minute of the day), the latest single-factor success per context, what became of each
// interruption, and each report-only policy's results. A digest is rebuilt from the stored sign-ins whenever
// that day gets new ones, so it is the same however often a window is re-read. Pure.
import { type InterruptOutcome, MFA_PROMPT_CODES, type ObservedSignIn, type SignInContext, classifyInterrupts, contextKey } from './observed.js';

export type EventClass = 'singleFactorSuccess' | 'multiFactorSuccess' | 'otherSuccess' | 'interrupted' | 'failure';
export const EVENT_CLASSES: readonly EventClass[] = ['singleFactorSuccess', 'multiFactorSuccess', 'otherSuccess', 'interrupted', 'failure'];

export interface DigestContext {
  key: string;
  context: SignInContext;
  /** Sign-ins per kind. */
  counts: Partial<Record<EventClass, number>>;
  /** Minute of the day (0-1439) of each sign-in per kind, at most MAX_MINUTES each (the counts are exact). */
  minutes: Partial<Record<EventClass, number[]>>;
}

export interface DigestInterrupt {
  id: string;
  at: string;
  errorCode: number;
  outcome: InterruptOutcome;
  /** An MFA prompt (R-OBS-8), not an account picker or a keep-me-signed-in question. */
  mfaPrompt: boolean;
  app: string | null;
}

export interface ReportOnlyCounts {
  success: number;
  failure: number;
  interrupted: number;
  notApplied: number;
  /** Results Graph did not name (unknownFutureValue: the request lacked `Prefer: include-unknown-enum-members`). */
  other: number;
}

export interface DigestReportOnly {
  name: string | null;
  counts: ReportOnlyCounts;
  /** Sign-ins it would have failed or interrupted, by how they were made. */
  hits: { interactive: number; nonInteractive: number; legacyClient: number };
}

export interface SignInDigest {
  userId: string;
  userPrincipalName: string | null;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  total: number;
  nonInteractive: number;
  contexts: DigestContext[];
  /** The latest single-factor success per context key (the finding names one). */
  singleFactor: Record<string, ObservedSignIn>;
  interrupts: DigestInterrupt[];
  /** By policy id: results of policies in report-only mode (reportOnly* results, or results Graph withheld). */
  reportOnly: Record<string, DigestReportOnly>;
  /** Sign-ins without appliedConditionalAccessPolicies (no P1, or no permission to read them). */
  caDetailsMissing: number;
  unknownValues: string[];
}

export const MAX_MINUTES = 2000;
const MAX_INTERRUPTS = 200;

export function dayOf(time: string | number): string {
  return new Date(time).toISOString().slice(0, 10);
}

export function eventClass(s: ObservedSignIn): EventClass {
  if (s.outcome === 'interrupted') return 'interrupted';
  if (s.outcome === 'failure') return 'failure';
  if (s.requirement === 'single') return 'singleFactorSuccess';
  if (s.requirement === 'multi') return 'multiFactorSuccess';
  return 'otherSuccess';
}

const MODERN_CLIENTS = new Set(['browser', 'mobile apps and desktop clients']);

/** R-OBS-10: a sign-in made by a legacy protocol (not a browser or modern client). */
export function isLegacyClient(c: SignInContext): boolean {
  return !!c.clientAppUsed && !MODERN_CLIENTS.has(c.clientAppUsed.toLowerCase());
}

const REPORT_ONLY: Record<string, keyof ReportOnlyCounts> = {
  reportOnlySuccess: 'success',
  reportOnlyFailure: 'failure',
  reportOnlyInterrupted: 'interrupted',
  reportOnlyNotApplied: 'notApplied',
  unknownFutureValue: 'other',
};

function addReportOnly(digest: SignInDigest, s: ObservedSignIn): void {
  for (const p of s.policies ?? []) {
    const bucket = REPORT_ONLY[p.result];
    if (!bucket) continue;
    const entry = (digest.reportOnly[p.id] ??= { name: p.name, counts: { success: 0, failure: 0, interrupted: 0, notApplied: 0, other: 0 }, hits: { interactive: 0, nonInteractive: 0, legacyClient: 0 } });
    entry.counts[bucket]++;
    if (bucket === 'failure' || bucket === 'interrupted') {
      if (s.context.interactive) entry.hits.interactive++;
      else entry.hits.nonInteractive++;
      if (isLegacyClient(s.context)) entry.hits.legacyClient++;
    }
  }
}

/**
 * The digest of `userId` on `day` from that user's sign-ins: those of the day count; later ones (the first
 * minutes of the next day) only tell whether an interruption was completed. `dataEndMs`: how far the read
 * sign-ins reach, so an interruption still inside its completion window is `pending`, not abandoned; without
 * it every interruption nothing completed is `pending` and the evaluation ages it (the collector's digests).
 */
export function buildDigest(userId: string, day: string, signIns: readonly ObservedSignIn[], completionMinutes: number, dataEndMs?: number): SignInDigest {
  const sorted = [...signIns].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  const today = sorted.filter((s) => dayOf(s.at) === day);
  const digest: SignInDigest = { userId, userPrincipalName: today.find((s) => s.userPrincipalName)?.userPrincipalName ?? null, day, total: today.length, nonInteractive: 0, contexts: [], singleFactor: {}, interrupts: [], reportOnly: {}, caDetailsMissing: 0, unknownValues: [] };
  const contexts = new Map<string, DigestContext>();
  const unknown = new Set<string>();
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  for (const s of today) {
    const key = contextKey(s.context);
    let c = contexts.get(key);
    if (!c) contexts.set(key, (c = { key, context: s.context, counts: {}, minutes: {} }));
    const cls = eventClass(s);
    c.counts[cls] = (c.counts[cls] ?? 0) + 1;
    const minutes = (c.minutes[cls] ??= []);
    if (minutes.length < MAX_MINUTES) minutes.push(Math.min(1439, Math.floor((Date.parse(s.at) - dayStart) / 60_000)));
    if (cls === 'singleFactorSuccess') digest.singleFactor[key] = s;
    if (!s.context.interactive) digest.nonInteractive++;
    if (s.policies === null) digest.caDetailsMissing++;
    for (const u of s.unknownValues) unknown.add(u);
    addReportOnly(digest, s);
  }
  digest.contexts = [...contexts.values()].sort((a, b) => a.key.localeCompare(b.key));
  const outcomes = classifyInterrupts(sorted, completionMinutes, dataEndMs);
  for (const s of today) {
    const outcome = outcomes.get(s.id);
    if (!outcome || digest.interrupts.length >= MAX_INTERRUPTS) continue;
    digest.interrupts.push({ id: s.id, at: s.at, errorCode: s.errorCode, outcome, mfaPrompt: MFA_PROMPT_CODES.has(s.errorCode), app: s.context.appName ?? s.context.appId });
  }
  digest.unknownValues = [...unknown].sort();
  return digest;
}
