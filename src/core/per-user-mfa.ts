// Legacy per-user MFA, the third way MFA is enforced besides Conditional Access and security defaults
// (R-PUMFA-*, docs/evaluation.md; Learn: howto-mfa-userstates). Per-user MFA is a property of the user, not
// of the sign-in: it applies to every sign-in whatever Conditional Access does ("the per-user MFA
// configuration supersedes the MFA settings applied via CA policies", Graph recommendation turnOffPerUserMFA),
// except from the MFA trusted IPs of the legacy MFA service settings, and legacy clients sign in with their
// password (enabled) or an app password (enforced), neither of which is MFA.
import type { Box } from './boxes.js';
import { CLIENT_APP_ATOMS, DIM, LEGACY_TRUSTED_IPS, type PolicySet } from './conditions.js';
import type { StateCoverage } from './coverage.js';
import type { StoredPerUserMfa } from './microsoft-types.js';
import { normId } from './ids.js';

export type PerUserMfaState = 'enforced' | 'enabled' | 'disabled';

export interface PerUserMfaOut {
  /** As Graph said it (normalised); `unknown` when not read (new admin, dataset unavailable or not collected). */
  state: PerUserMfaState | 'unknown';
  /** Per-user MFA closes at least one context Conditional Access and security defaults leave open. */
  closesGaps: boolean;
  /** Contexts covered only by per-user MFA: "everywhere except …", for the admin's record. */
  note: string | null;
}

/** R-PUMFA-1: Graph's values; anything else (unknownFutureValue, a new value) is not counted as coverage. */
export function perUserState(value: string | null | undefined): PerUserMfaState | 'unknown' {
  const v = (value ?? '').trim().toLowerCase();
  return v === 'enforced' || v === 'enabled' || v === 'disabled' ? v : 'unknown';
}

export function perUserIndex(records: readonly StoredPerUserMfa[] | undefined): Map<string, PerUserMfaState | 'unknown'> {
  return new Map((records ?? []).map((r) => [normId(r.id), perUserState(r.perUserMfaState)]));
}

/** Client app types that sign in with modern authentication (where per-user MFA prompts). */
const MODERN_CLIENTS = ['browser', 'mobileAppsAndDesktopClients'];

/**
 * R-PUMFA-2: the contexts per-user MFA (enabled or enforced) requires MFA in: every app, modern clients only,
 * every location except the legacy MFA trusted IPs (an atom of the context space, R-LOCATION-3).
 */
export function perUserBox(set: PolicySet): Box {
  const { space } = set;
  const box = space.full.slice();
  space.set(box, DIM.clientApp, space.mask(DIM.clientApp, MODERN_CLIENTS.filter((c) => CLIENT_APP_ATOMS.includes(c))));
  space.set(box, DIM.location, space.get(space.full, DIM.location) & ~space.mask(DIM.location, [LEGACY_TRUSTED_IPS]));
  return box;
}

/**
 * R-PUMFA-3: per-user MFA adds to what Conditional Access and security defaults cover: each role state's
 * uncovered region minus the per-user box. Memoised in `derived` by the state's uncovered region.
 */
export function withPerUserMfa(set: PolicySet, coverages: readonly StateCoverage[], state: PerUserMfaState | 'unknown', derived: Map<string, unknown>): { coverages: StateCoverage[]; closesGaps: boolean } {
  if (state !== 'enforced' && state !== 'enabled') return { coverages: [...coverages], closesGaps: false };
  let closesGaps = false;
  const box = (derived.get('perUserBox') as Box | undefined) ?? perUserBox(set);
  derived.set('perUserBox', box);
  const out = coverages.map((c) => {
    if (c.uncovered.length === 0) return c;
    const key = `perUser#${c.coveringKey}#${c.securityDefaults ? 'sd' : ''}`;
    let rest = derived.get(key) as Box[] | undefined;
    if (!rest) derived.set(key, (rest = set.space.merge(set.space.uncovered(c.uncovered, [box]))));
    if (rest.length !== c.uncovered.length || rest.some((r, i) => r !== c.uncovered[i])) closesGaps = true;
    return { ...c, uncovered: rest };
  });
  return { coverages: out, closesGaps };
}

/** R-PUMFA-2: why per-user MFA does not reach a region left uncovered, for the gap sentence. */
export function perUserGapReason(set: PolicySet, region: Box, state: PerUserMfaState): string | undefined {
  const { space } = set;
  const legacy = (space.get(region, DIM.clientApp) & space.mask(DIM.clientApp, ['exchangeActiveSync', 'other'])) !== 0n;
  const trustedIps = (space.get(region, DIM.location) & space.mask(DIM.location, [LEGACY_TRUSTED_IPS])) !== 0n;
  const parts: string[] = [];
  if (legacy) parts.push(state === 'enforced' ? 'legacy clients sign in with app passwords, which skip MFA, where the tenant allows them' : 'legacy clients still sign in with the password alone until the admin registers');
  if (trustedIps) parts.push('it is skipped from the MFA trusted IPs of the legacy MFA service settings (if any: Graph cannot read them)');
  return parts.length ? `per-user MFA is ${state}, but ${parts.join(', and ')}` : undefined;
}

/** Adds a reason to a gap summary's parenthesised reasons (or opens them). */
export function withReason(summary: string, reason: string): string {
  return summary.endsWith(')') ? `${summary.slice(0, -1)}; ${reason})` : `${summary} (${reason})`;
}
