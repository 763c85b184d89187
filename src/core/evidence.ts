// Observed enforcement: each admin's sign-ins held against the verdict. Every sign-in is placed in the
// engine's context space (signin-context.ts) and in the role state the admin was in at that moment; a
// single-factor success where the evaluation says MFA is enforced contradicts the evaluation, sign-ins inside a
// gap are counted next to it, and interrupted MFA prompts are told by what became of them. Pure; rule ids
// (R-OBS-*) refer to docs/evaluation.md, section 15.
import type { Box } from './boxes.js';
import type { CompiledPolicy, PolicySet } from './conditions.js';
import { perUserBox } from './per-user-mfa.js';
import type { AdminState, Gap, StateCoverage } from './coverage.js';
import { makeFinding } from './finding-types.js';
import { listPhrase } from './ids.js';
import { type ObservedSignIn, describeSignIn } from './observed.js';
import type { AdminOut, EvidenceOut, Finding, GapOut } from './report.js';
import { who } from './report.js';
import { type PlacedContext, coveredIn, openIn, placeSignIn, within } from './signin-context.js';
import { type DigestContext, EVENT_CLASSES, type EventClass, type SignInDigest } from './signin-digest.js';
import type { ActivationWindow } from './snapshot.js';

/** The uncovered region behind a gap, and the key of the role state it was found in. */
export interface GapRegion {
  stateKey: string;
  region: Box;
}

/** One evaluated admin, with what the evaluation worked out for them. */
export interface EvidenceAdmin {
  out: AdminOut;
  states: AdminState[];
  coverages: StateCoverage[];
  /** The region and role state behind each gap the admin's record shows. */
  regions: ReadonlyMap<Gap, GapRegion>;
  excluded: boolean;
  potential: boolean;
}

export interface EvidenceWindow {
  fromMs: number;
  toMs: number;
  days: number;
  /** SIGNIN_COMPLETION_MINUTES: an interruption still "pending" after this long was abandoned (R-OBS-9). */
  completionMinutes: number;
}

/** Places contexts once per evaluation: admins share apps, addresses and devices. */
export class ContextPlacer {
  private readonly memo = new Map<string, PlacedContext>();
  constructor(readonly set: PolicySet) {}
  place(c: DigestContext): PlacedContext {
    let placed = this.memo.get(c.key);
    if (!placed) this.memo.set(c.key, (placed = placeSignIn(this.set, c.context)));
    return placed;
  }
}

/** An activation of a role (its role and scope; through a role-holding group too) or of a PIM group membership activates this unit. */
function activates(a: ActivationWindow, unitKey: string): boolean {
  if (a.kind === 'pimGroup') return unitKey === `member:${a.groupId ?? ''}`;
  const role = `role:${a.roleDefinitionId ?? ''}|${a.directoryScopeId ?? '/'}`;
  return unitKey === role || unitKey.startsWith(`${role}|`);
}

/**
 * R-OBS-7: the role state an admin was in at `t`: the eligible units whose activation covered `t`. None active:
 * the standing state. Otherwise the state with exactly those units activated (one unit, or a combination the
 * evaluation judged, R-ROLESTATE-2). A combination it did not list, or no standing role: no state the evaluation
 * made a claim about (null).
 */
export function stateAt(states: readonly AdminState[], activations: readonly ActivationWindow[], t: number): AdminState | null {
  const unitKeys = new Set(states.flatMap((s) => s.units.map((u) => u.key)));
  const active = new Set<string>();
  for (const a of activations) {
    const start = a.startDateTime ? Date.parse(a.startDateTime) : -Infinity;
    const end = a.endDateTime ? Date.parse(a.endDateTime) : Infinity;
    if (!(start <= t && t < end)) continue;
    for (const key of unitKeys) if (activates(a, key)) active.add(key);
  }
  if (active.size === 0) return states.find((s) => s.key === 'standing') ?? null;
  return states.find((s) => s.units.length === active.size && s.units.every((u) => active.has(u.key))) ?? null;
}

interface Contradiction {
  at: number;
  sample: ObservedSignIn | undefined;
  state: AdminState;
  covering: CompiledPolicy[];
  /** Other enforcement the evaluation counts there: security defaults, per-user MFA. */
  also: string[];
}

interface Tally {
  evidence: EvidenceOut;
  gapHits: Map<Gap, { n: number; last: number }>;
  contradictions: Contradiction[];
  latestSingleFactor: ObservedSignIn | undefined;
  latestSingleFactorState: AdminState | null;
  mfaSuccesses: number;
}

function emptyEvidence(days: number): EvidenceOut {
  return { signIns: 0, singleFactor: 0, lastSingleFactorAt: null, contradictions: 0, windowDays: days, nonInteractive: 0, lastSignInAt: null, prompted: 0, completed: 0, abandoned: 0, noMethod: 0 };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** R-OBS-17: the first gap of the admin's record that holds a sign-in at this context and state. */
function gapFor(set: PolicySet, admin: EvidenceAdmin, placed: PlacedContext, state: AdminState | null): Gap | undefined {
  if (!state) return undefined;
  let fallback: Gap | undefined;
  for (const gap of admin.out.gaps as Gap[]) {
    const r = admin.regions.get(gap);
    if (!r || !within(set, r.region, placed.box)) continue;
    if (r.stateKey === state.key) return gap;
    fallback ??= gap;
  }
  // A gap stated once for a smaller state (the standing one, one activation) holds for this state too where this
  // state leaves the sign-in open: the gap is not repeated for it (R-ROLESTATE-1/2).
  const coverage = admin.coverages.find((c) => c.state.key === state.key);
  return fallback && coverage && openIn(set, placed.box, coverage) ? fallback : undefined;
}

/** Every sign-in of one admin in the window, placed and judged. */
function tally(admin: EvidenceAdmin, digests: readonly SignInDigest[], activations: readonly ActivationWindow[], placer: ContextPlacer, w: EvidenceWindow): Tally {
  const t: Tally = { evidence: emptyEvidence(w.days), gapHits: new Map(), contradictions: [], latestSingleFactor: undefined, latestSingleFactorState: null, mfaSuccesses: 0 };
  const e = t.evidence;
  const stateMemo = new Map<number, AdminState | null>();
  const state = (ms: number): AdminState | null => {
    let s = stateMemo.get(ms);
    if (s === undefined) stateMemo.set(ms, (s = stateAt(admin.states, activations, ms)));
    return s;
  };
  for (const d of digests) {
    const dayStart = Date.parse(`${d.day}T00:00:00Z`);
    for (const c of d.contexts) {
      const placed = placer.place(c);
      for (const cls of EVENT_CLASSES) {
        const minutes = c.minutes[cls] ?? [];
        const count = c.counts[cls] ?? 0;
        // Beyond the stored minutes (a very busy context) the day's count is taken as it is.
        const times = minutes.map((m) => dayStart + m * 60_000).filter((ms) => ms >= w.fromMs && ms <= w.toMs);
        const n = minutes.length === count ? times.length : count;
        countClass(t, cls, n, c.context.interactive);
        for (const ms of times) judge(placer.set, admin, t, cls, ms, placed, state(ms), d.singleFactor[c.key]);
      }
    }
    for (const i of d.interrupts) {
      const ms = Date.parse(i.at);
      if (!i.mfaPrompt || ms < w.fromMs || ms > w.toMs) continue;
      e.prompted++;
      // A digest is rebuilt when its day gets sign-ins; one that said "pending" and got no completion since was abandoned.
      const outcome = i.outcome === 'pending' && w.toMs - ms > w.completionMinutes * 60_000 ? 'abandoned' : i.outcome;
      if (outcome === 'completed') e.completed++;
      else if (outcome === 'abandoned') e.abandoned++;
      else if (outcome === 'noMethod') e.noMethod++;
    }
  }
  e.contradictions = t.contradictions.length;
  return t;
}

function countClass(t: Tally, cls: EventClass, n: number, interactive: boolean): void {
  if (n === 0) return;
  t.evidence.signIns += n;
  if (!interactive) t.evidence.nonInteractive += n;
  if (cls === 'singleFactorSuccess') t.evidence.singleFactor += n;
  if (cls === 'multiFactorSuccess') t.mfaSuccesses += n;
}

function judge(set: PolicySet, admin: EvidenceAdmin, t: Tally, cls: EventClass, ms: number, placed: PlacedContext, s: AdminState | null, sample: ObservedSignIn | undefined): void {
  const e = t.evidence;
  if (!e.lastSignInAt || ms > Date.parse(e.lastSignInAt)) e.lastSignInAt = iso(ms);
  const gap = gapFor(set, admin, placed, s);
  if (gap) {
    const hit = t.gapHits.get(gap) ?? { n: 0, last: 0 };
    t.gapHits.set(gap, { n: hit.n + 1, last: Math.max(hit.last, ms) });
  }
  if (cls !== 'singleFactorSuccess') return;
  if (!e.lastSingleFactorAt || ms >= Date.parse(e.lastSingleFactorAt)) {
    e.lastSingleFactorAt = iso(ms);
    if (sample) t.latestSingleFactor = sample;
    t.latestSingleFactorState = s;
  }
  // R-OBS-16: the evaluation says this context is covered in this role state, yet a single factor sufficed.
  const coverage = s ? admin.coverages.find((c) => c.state.key === s.key) : undefined;
  if (s && coverage && coveredIn(set, placed.box, coverage)) t.contradictions.push({ at: ms, sample, state: s, ...enforcersAt(set, admin, coverage, placed.box) });
}

/** What the evaluation says enforces MFA for a sign-in it counts as covered: policies, security defaults, per-user MFA. */
function enforcersAt(set: PolicySet, admin: EvidenceAdmin, coverage: StateCoverage, box: Box): { covering: CompiledPolicy[]; also: string[] } {
  const { space } = set;
  const covering = coverage.covering.filter((p) => p.cover.some((c) => space.intersects(c, box)));
  const also: string[] = [];
  if (coverage.securityDefaults || set.securityDefaults?.allUsers.some((c) => space.intersects(c, box))) also.push('security defaults');
  const perUser = admin.out.perUserMfa?.state;
  if ((perUser === 'enabled' || perUser === 'enforced') && space.intersects(perUserBox(set), box)) also.push(`per-user MFA (${perUser})`);
  return { covering, also };
}

/** "seen 14 times in 7 days". */
export function observedText(n: number, days: number): string {
  return `seen ${n} time${n === 1 ? '' : 's'} in ${days} day${days === 1 ? '' : 's'}`;
}

/** A policy whose grant asks for MFA (alone or as one alternative) or an authentication strength. */
function asksForMfa(p: CompiledPolicy): boolean {
  const g = p.policy.grantControls;
  return (g?.builtInControls ?? []).includes('mfa') || !!g?.authenticationStrength;
}

/** Order of telling: enabled policies that did not apply explain most; report-only ones least. */
function resultRank(result: string, state: string): number {
  if (state === 'enabled') return result === 'notApplied' ? 0 : 1;
  return result.startsWith('reportOnly') ? 3 : 2;
}

const SHOWN_POLICY_RESULTS = 4;

/** What the sign-in's own policy results say about the MFA policies (R-OBS-6): at most four, those that explain most first. */
export function policySide(sample: ObservedSignIn | undefined, set: PolicySet): string {
  if (!sample) return 'the sign-in itself was not kept';
  if (sample.policies === null) return 'the sign-in carries no Conditional Access results (no Entra ID P1, or the monitor may not read them)';
  const byId = new Map(set.policies.map((p) => [p.id, p]));
  const parts: Array<{ rank: number; text: string }> = [];
  for (const r of sample.policies) {
    const p = byId.get(r.id);
    const name = `'${p?.name ?? r.name ?? r.id}'`;
    if (!p) {
      if (r.result !== 'notApplied' && r.result !== 'notEnabled') parts.push({ rank: 4, text: `${name} ${r.result} (a policy that no longer exists)` });
      continue;
    }
    if (!asksForMfa(p)) continue;
    const why = r.notSatisfied.length ? ` (conditions not satisfied: ${r.notSatisfied.join(', ')})` : '';
    parts.push({ rank: resultRank(r.result, p.state), text: `${name} ${r.result}${why}` });
  }
  if (parts.length === 0) return "no MFA policy appears in the sign-in's results";
  const shown = parts.sort((a, b) => a.rank - b.rank).slice(0, SHOWN_POLICY_RESULTS).map((x) => x.text);
  const more = parts.length - shown.length;
  return `MFA policies in the sign-in's results: ${shown.join('; ')}${more > 0 ? `; ${more} more` : ''}`;
}

function singleFactorFinding(admin: EvidenceAdmin, t: Tally, set: PolicySet, w: EvidenceWindow): Finding {
  const name = who(admin.out);
  const e = t.evidence;
  const s = t.latestSingleFactor;
  const stateText = t.latestSingleFactorState?.label ? ` ${t.latestSingleFactorState.label}` : '';
  const last = s ? ` Last: ${e.lastSingleFactorAt}${stateText}, ${describeSignIn(s)}; ${policySide(s, set)}.` : '';
  return makeFinding('admin-single-factor-sign-in', 'high', admin.out.id, `${name} signed in successfully with a single factor ${e.singleFactor} time${e.singleFactor === 1 ? '' : 's'} in the last ${w.days} days.${last}`, `admin-single-factor-sign-in:${admin.out.id}`, {
    subjectName: name,
    policyIds: (s?.policies ?? []).filter((p) => set.policies.some((q) => q.id === p.id && asksForMfa(q))).map((p) => p.id),
  });
}

function contradictionFinding(admin: EvidenceAdmin, t: Tally, set: PolicySet, w: EvidenceWindow): Finding {
  const name = who(admin.out);
  const latest = t.contradictions.reduce((a, b) => (b.at > a.at ? b : a));
  const enforcers = [...new Set(latest.covering.map((p) => `'${p.name}'`)), ...latest.also];
  const state = latest.state.label ? `${latest.state.label}, ` : '';
  const where = latest.sample ? describeSignIn(latest.sample) : 'this context';
  const n = t.contradictions.length;
  return makeFinding(
    'evaluation-contradicted',
    'high',
    admin.out.id,
    `${name}: ${state}the evaluation says ${listPhrase(enforcers)} enforce${enforcers.length === 1 && enforcers[0] !== 'security defaults' ? 's' : ''} MFA for ${where}, yet ${n} single-factor sign-in${n === 1 ? '' : 's'} succeeded there in the last ${w.days} days (last ${iso(latest.at)}); ${policySide(latest.sample, set)}.`,
    `evaluation-contradicted:${admin.out.id}`,
    { subjectName: name, policyIds: [...new Set([...latest.covering.map((p) => p.policy.id), ...(latest.sample?.policies ?? []).filter((p) => p.result !== 'notEnabled').map((p) => p.id)])] },
  );
}

function cannotCompleteFinding(admin: EvidenceAdmin, t: Tally, w: EvidenceWindow): Finding {
  const name = who(admin.out);
  const e = t.evidence;
  const never = t.mfaSuccesses === 0 && e.completed === 0;
  return makeFinding(
    'admin-cannot-complete-mfa',
    never ? 'high' : 'medium',
    admin.out.id,
    `${name} was prompted for MFA ${e.prompted} time${e.prompted === 1 ? '' : 's'} in the last ${w.days} days and completed it ${e.completed} time${e.completed === 1 ? '' : 's'}; ${e.noMethod} prompt${e.noMethod === 1 ? ' was' : 's were'} blocked because no method is registered (AADSTS50079/50072)${never ? ', and no sign-in with MFA succeeded' : ''}.`,
    `admin-cannot-complete-mfa:${admin.out.id}`,
    { subjectName: name },
  );
}

/**
 * Holds each admin's sign-ins against their evaluation: sets `evidence` and the gaps' `observed` counts on the
 * admin records and returns the findings (R-OBS-16: evaluation-contradicted, R-OBS-18: admin-single-factor-sign-in,
 * R-OBS-9: admin-cannot-complete-mfa). Excluded accounts keep their break-glass finding; potential admins get
 * evidence but no findings.
 */
export function observeAdmins(set: PolicySet, admins: readonly EvidenceAdmin[], digests: readonly SignInDigest[], activations: readonly ActivationWindow[], w: EvidenceWindow): Finding[] {
  const fromDay = new Date(w.fromMs).toISOString().slice(0, 10);
  const byUser = new Map<string, SignInDigest[]>();
  for (const d of digests) if (d.day >= fromDay) byUser.set(d.userId, [...(byUser.get(d.userId) ?? []), d]);
  const actsByUser = new Map<string, ActivationWindow[]>();
  for (const a of activations) actsByUser.set(a.principalId, [...(actsByUser.get(a.principalId) ?? []), a]);
  const placer = new ContextPlacer(set);
  const findings: Finding[] = [];
  for (const admin of admins) {
    const t = tally(admin, byUser.get(admin.out.id) ?? [], actsByUser.get(admin.out.id) ?? [], placer, w);
    admin.out.evidence = t.evidence;
    if (t.gapHits.size > 0) {
      admin.out.gaps = admin.out.gaps.map((g): GapOut => {
        const hit = t.gapHits.get(g as Gap);
        return hit ? { ...g, observed: { signIns: hit.n, days: w.days, lastAt: iso(hit.last), text: observedText(hit.n, w.days) } } : g;
      });
    }
    if (admin.excluded || admin.potential) continue;
    if (t.evidence.singleFactor > 0) findings.push(singleFactorFinding(admin, t, set, w));
    if (t.contradictions.length > 0) findings.push(contradictionFinding(admin, t, set, w));
    if (t.evidence.noMethod > 0) findings.push(cannotCompleteFinding(admin, t, w));
  }
  return findings;
}
