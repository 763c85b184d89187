// The evaluation's part that reads the sign-in log (section 15 of docs/evaluation.md): the evidence window,
// each admin's evidence and findings, and every report-only policy's rollout readiness. Pure.
import type { PolicySet } from './conditions.js';
import { type EvidenceAdmin, type EvidenceWindow, observeAdmins } from './evidence.js';
import { normId } from './ids.js';
import type { Finding, RolloutOut, SignInEvidenceOut } from './report.js';
import { rolloutReadiness } from './rollout.js';
import type { TenantSnapshot } from './snapshot.js';

export const DEFAULT_EVIDENCE_DAYS = 7;
export const DEFAULT_ROLLOUT_DAYS = 14;
export const DEFAULT_COMPLETION_MINUTES = 10;

export interface ObserveOptions {
  now: string;
  evidenceDays: number;
  rolloutDays: number;
  completionMinutes: number;
  isExcluded: (userId: string, upn: string | null) => boolean;
}

export interface Observation {
  findings: Finding[];
  rollout: RolloutOut[];
  signInEvidence: SignInEvidenceOut;
}

/**
 * R-OBS-19: the window ends now, or — when the latest sign-in read failed — when the sign-ins were last read
 * completely, so a collector outage never ages evidence out (a failed sign-in read never resolves a finding).
 */
export function evidenceEnd(snapshot: TenantSnapshot, now: string): string {
  const status = snapshot.dataSources.signIns;
  if (status && status.state !== 'ok' && status.asOf && status.asOf < now) return status.asOf;
  return now;
}

export function observe(snapshot: TenantSnapshot, set: PolicySet, admins: readonly EvidenceAdmin[], options: ObserveOptions): Observation {
  const evidence = snapshot.signInEvidence ?? { digests: [], activations: [] };
  const status = snapshot.dataSources.signIns;
  const to = evidenceEnd(snapshot, options.now);
  const toMs = Date.parse(to);
  const window: EvidenceWindow = { fromMs: toMs - options.evidenceDays * 86_400_000, toMs, days: options.evidenceDays, completionMinutes: options.completionMinutes };
  const findings = observeAdmins(set, admins, evidence.digests, evidence.activations, window);

  const adminIds = new Set(admins.filter((a) => !a.potential).map((a) => a.out.id));
  const registration = new Map(snapshot.registrationDetails.map((r) => [normId(r.id), r.isMfaRegistered ?? undefined]));
  const { rollout, orphaned, caMissing } = rolloutReadiness(set, {
    digests: evidence.digests,
    fromDay: new Date(toMs - options.rolloutDays * 86_400_000).toISOString().slice(0, 10),
    days: options.rolloutDays,
    isAdmin: (id) => adminIds.has(id),
    isExcluded: options.isExcluded,
    registered: (id) => registration.get(id),
  });

  const notes: string[] = [];
  if (!status || status.state === 'unavailable') notes.push(`sign-ins could not be read${status?.message ? ` (${status.message})` : ''}: no evidence is held against the verdicts`);
  else if (status.state === 'stale') notes.push(`the latest sign-in read failed; the evidence is as of ${to}`);
  if (caMissing > 0) notes.push(`${caMissing} sign-in${caMissing === 1 ? '' : 's'} carried no Conditional Access results (no Entra ID P1, or the app may not read them): their policy side is unknown`);
  const unknown = new Set(evidence.digests.flatMap((d) => d.unknownValues));
  if (unknown.size > 0) notes.push(`values the monitor does not know were read as unknown: ${[...unknown].sort().slice(0, 10).join(', ')}`);
  if (orphaned.length > 0) notes.push(`report-only results of ${orphaned.length} polic${orphaned.length === 1 ? 'y' : 'ies'} that no longer exist${orphaned.length === 1 ? 's' : ''} were left out: ${orphaned.slice(0, 5).join(', ')}`);
  return {
    findings,
    rollout,
    signInEvidence: { available: !!status && status.state !== 'unavailable', windowDays: options.evidenceDays, rolloutDays: options.rolloutDays, to, notes },
  };
}
