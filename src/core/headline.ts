// Gap headlines: a gap sentence names every dimension of the uncovered contexts and every policy that came
// close, which makes it 40-60 words. The headline says the one thing a reader needs first in at most about
// twelve words ("No MFA from trusted location 'HQ'"); the full sentence and the whole list of reasons stay
// with it (R-EXPLAIN-1, docs/evaluation.md).
import type { Box } from './boxes.js';
import { APPLICATION_NAMES, PLATFORM_NAMES } from './catalog.js';
import { DIM, ELSEWHERE, LEGACY_TRUSTED_IPS, OTHER_APPS, type PolicySet, dimensionPhrase } from './conditions.js';
import type { AdminState } from './coverage.js';
import { listPhrase } from './ids.js';

/** The most a headline may say before names are replaced by counts. */
export const HEADLINE_WORDS = 12;
/** A device phrase longer than this is said as "some kinds of device" (the gap's sentence has it whole). */
const DEVICE_WORDS = 7;

/** Which dimension a headline names first, when several are narrowed: where people look for a cause. */
const PRIORITY = [DIM.location, DIM.app, DIM.platform, DIM.clientApp, DIM.authFlow, DIM.signInRisk, DIM.userRisk, DIM.insiderRisk];
/** A dimension whose uncovered part is this broad ("any app but one") says little; another is preferred. */
const BROAD = 0.75;

const CLIENT_SHORT: Record<string, string> = { browser: 'browser', mobileAppsAndDesktopClients: 'mobile and desktop apps', exchangeActiveSync: 'Exchange ActiveSync', other: 'other legacy clients' };

/** How a dimension's values are counted when their names are too long: singular, plural, preposition. */
const COUNTED: Record<number, [string, string, string]> = {
  [DIM.location]: ['location', 'locations', 'from'],
  [DIM.app]: ['app', 'apps', 'to'],
  [DIM.platform]: ['platform', 'platforms', 'on'],
  [DIM.clientApp]: ['client type', 'client types', 'with'],
};

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function names(items: string[], noun: string, plural = `${noun}s`): string {
  if (items.length <= 2) return listPhrase(items, 'or');
  return `${items.length} ${plural}`;
}

function locationName(set: PolicySet, atom: string): string {
  if (atom === LEGACY_TRUSTED_IPS) return 'the MFA trusted IPs';
  if (atom === ELSEWHERE) return 'unnamed locations';
  const location = set.namedLocations.get(atom);
  if (!location) return 'a deleted location';
  return `${location.isTrusted ? 'trusted location ' : ''}'${location.displayName}'`;
}

function appName(atom: string): string {
  return `'${APPLICATION_NAMES[atom] ?? atom}'`;
}

/** The phrase for one narrowed dimension, short: "from trusted location 'HQ'", "with legacy clients". */
function phrase(set: PolicySet, dim: number, mask: bigint): string {
  const { space } = set;
  const atoms = space.atomsOf(dim, mask);
  const missing = space.atomsOf(dim, space.fullMask(dim) & ~mask);
  switch (dim) {
    case DIM.location: {
      if (atoms.includes(ELSEWHERE) && missing.length < atoms.length) return `from outside ${names(missing.map((a) => locationName(set, a)), 'location')}`;
      // Trusted named locations bring the legacy MFA trusted IPs with them (AllTrusted): the sentence says so.
      const named = atoms.filter((a) => a !== LEGACY_TRUSTED_IPS);
      if (named.length > 0 && named.every((a) => set.namedLocations.get(a)?.isTrusted === true)) {
        return `from trusted location${named.length > 1 ? 's' : ''} ${names(named.map((a) => `'${set.namedLocations.get(a)?.displayName ?? a}'`), 'location')}`;
      }
      return `from ${names(atoms.map((a) => locationName(set, a)), 'location')}`;
    }
    case DIM.app:
      if (atoms.includes(OTHER_APPS)) return `to apps other than ${names(missing.map(appName), 'app')}`;
      return `to ${names(atoms.map(appName), 'app')}`;
    case DIM.platform:
      if (atoms.length > 2 && missing.length <= 2) return `on platforms other than ${listPhrase(missing.map((a) => PLATFORM_NAMES[a] ?? a), 'or')}`;
      return `on ${names(atoms.map((a) => PLATFORM_NAMES[a] ?? a), 'platform')}`;
    case DIM.clientApp: {
      if (atoms.every((a) => a === 'exchangeActiveSync' || a === 'other')) return 'with legacy clients';
      return `with ${names(atoms.map((a) => CLIENT_SHORT[a] ?? a), 'client type')}`;
    }
    case DIM.authFlow:
      return `using ${names(atoms.map((a) => (a === 'none' ? 'ordinary sign-in' : a)), 'flow')}`;
    default: {
      const key = space.dimensions[dim]?.key ?? '';
      // Device dimensions (filters and the device facts of R-GRANT-7) are put in words by the device model.
      const device = set.devices.byKey.get(key);
      if (device) {
        const words = device.describe(mask);
        return wordCount(words) <= DEVICE_WORDS ? words : 'from some kinds of device';
      }
      // An app filter's rule can be long: the sentence has it.
      if (key.startsWith('app:')) return atoms[0] === 'match' ? 'from apps matching a filter' : 'from apps not matching a filter';
      // Risk levels and client-app controls are short as the sentence says them.
      return dimensionPhrase(set, dim, mask);
    }
  }
}

/** A quoted role name alone, as unit names of single roles are ("'Global Administrator'"). */
const ROLE_NAME = /^'[^']*'$/;

/** "While 'Global Administrator' is active: " from the role state, kept short. */
function statePrefix(state: Pick<AdminState, 'label' | 'units'>): string {
  const { label, units } = state;
  if (!label) return '';
  if (units.length >= 2) {
    const names = units.map((u) => u.name);
    return names.length === 2 && names.every((n) => ROLE_NAME.test(n)) ? `While ${names[0]} and ${names[1]} are both active: ` : `While ${units.length} activations are combined: `;
  }
  const roles = /^while (.+?) (?:is|are) activated/.exec(label);
  if (!roles) return `${label.replace(/^while/, 'While')}: `;
  const quoted = (roles[1] ?? '').match(/'[^']*'/g) ?? [];
  return quoted.length === 1 ? `While ${quoted[0]} is active: ` : `While ${quoted.length} roles are active: `;
}

/** A headline without its role state: in words, and with the values counted instead of named. */
export interface HeadlineBody {
  text: string;
  counted: string;
}

/** Headlines per role state (states are shared by admins alike) and body. */
const headlines = new WeakMap<object, Map<HeadlineBody, string>>();

/** The headline of a gap in its role state (R-EXPLAIN-1): the state in short, then the body (counted if too long). */
export function withStatePrefix(state: Pick<AdminState, 'label' | 'units'>, body: HeadlineBody): string {
  let byBody = headlines.get(state);
  if (!byBody) headlines.set(state, (byBody = new Map()));
  let headline = byBody.get(body);
  if (headline === undefined) byBody.set(body, (headline = prefixed(state, body)));
  return headline;
}

function prefixed(state: Pick<AdminState, 'label' | 'units'>, body: HeadlineBody): string {
  const prefix = statePrefix(state);
  const text = prefix ? `${prefix}${body.text}` : body.text.charAt(0).toUpperCase() + body.text.slice(1);
  if (wordCount(text) <= HEADLINE_WORDS + 1 || body.counted === body.text) return text;
  return prefix ? `${prefix}${body.counted}` : body.counted.charAt(0).toUpperCase() + body.counted.slice(1);
}

const NO_POLICY: HeadlineBody = { text: 'no enabled policy requires MFA', counted: 'no enabled policy requires MFA' };
/** Bodies per region (a memo interns regions: one object per set of contexts), the same for every admin. */
const bodies = new WeakMap<Box, HeadlineBody>();

/**
 * R-EXPLAIN-1: the headline of a gap without its role state: the most telling narrowed dimension of the
 * uncovered contexts (the narrowest, location first), or that nothing requires MFA at all. `region` null: every
 * context. The body is the same for every admin with this gap; the state is added per admin (withStatePrefix).
 */
export function headlineBody(set: PolicySet, region: Box | null): HeadlineBody {
  if (!region) return NO_POLICY;
  let body = bodies.get(region);
  if (!body) bodies.set(region, (body = regionHeadline(set, region)));
  return body;
}

function regionHeadline(set: PolicySet, region: Box): HeadlineBody {
  const { space } = set;
  const narrowed: Array<{ dim: number; fraction: number; rank: number }> = [];
  space.dimensions.forEach((d, dim) => {
    if (space.isFull(region, dim)) return;
    const fraction = space.atomsOf(dim, space.get(region, dim)).length / d.atoms.length;
    const rank = PRIORITY.indexOf(dim as (typeof PRIORITY)[number]);
    narrowed.push({ dim, fraction, rank: rank < 0 ? PRIORITY.length : rank });
  });
  if (narrowed.length === 0) return NO_POLICY;
  const telling = narrowed.filter((n) => n.fraction <= BROAD);
  const pick = (telling.length ? telling : narrowed).sort((a, b) => a.rank - b.rank || a.fraction - b.fraction)[0] as { dim: number };
  const mask = space.get(region, pick.dim);
  const text = `no MFA ${phrase(set, pick.dim, mask)}`;
  // Long names can still make it wordy: then the values are counted.
  const n = space.atomsOf(pick.dim, mask).length;
  const noun = COUNTED[pick.dim];
  return { text, counted: noun ? `no MFA ${noun[2]} ${n} ${n === 1 ? noun[0] : noun[1]}` : text };
}

/** The headline of a gap the engine could not compute (data missing): its sentence up to the first comma. */
export function unknownHeadline(summary: string): string {
  const text = summary.charAt(0).toUpperCase() + summary.slice(1);
  const cut = text.split(/,| so /)[0] ?? text;
  const words = cut.split(/\s+/).filter(Boolean);
  return words.length <= HEADLINE_WORDS ? `${cut.trim()}: coverage unknown` : `${words.slice(0, HEADLINE_WORDS - 2).join(' ')}…: coverage unknown`;
}
