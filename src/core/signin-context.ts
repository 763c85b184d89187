// Places an observed sign-in in the engine's space of sign-in contexts: for every dimension the atoms the
// sign-in can be in. A field the sign-in log does not record, or records in a form the monitor cannot place,
// spans the whole dimension, so a sign-in is only ever "covered" or "in a gap" when every reading of it is
// (docs/evaluation.md, R-OBS-11..17, R-OBS-20, R-OBS-21). Pure.
import type { Box } from './boxes.js';
import { APP_GROUP_MEMBERS } from './catalog.js';
import { DIM, ELSEWHERE, LEGACY_TRUSTED_IPS, OTHER_APPS, type PolicySet } from './conditions.js';
import type { StateCoverage } from './coverage.js';
import type { DeviceFact } from './devices.js';
import { inCidr, parseIp } from './ip.js';
import type { SignInContext } from './observed.js';

/** R-OBS-12: clientAppUsed values (Graph signIn; Learn, CA conditions "Client apps") and their client app type. */
const CLIENT_APP: Record<string, string> = {
  browser: 'browser',
  'mobile apps and desktop clients': 'mobileAppsAndDesktopClients',
  'exchange activesync': 'exchangeActiveSync',
  'authenticated smtp': 'other',
  autodiscover: 'other',
  'exchange online powershell': 'other',
  'exchange web services': 'other',
  imap: 'other',
  imap4: 'other',
  'mapi over http': 'other',
  'offline address book': 'other',
  'other clients': 'other',
  'outlook anywhere (rpc over http)': 'other',
  pop: 'other',
  pop3: 'other',
  'reporting web services': 'other',
  smtp: 'other',
  'universal outlook': 'other',
};

/** R-OBS-13: deviceDetail.operatingSystem to the Conditional Access device platform (prefix match, spaces ignored). */
const PLATFORMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^windowsphone/, 'windowsPhone'],
  [/^windows/, 'windows'],
  [/^(ios|ipados|iphone|ipad)/, 'iOS'],
  [/^android/, 'android'],
  [/^(macos|macosx|osx|mac)/, 'macOS'],
  [/^(linux|ubuntu|debian|fedora|redhat|rhel)/, 'linux'],
];

const RISK = new Set(['none', 'low', 'medium', 'high']);
const FLOWS = new Set(['none', 'deviceCodeFlow', 'authenticationTransfer']);

export interface PlacedContext {
  box: Box;
  /** Dimensions the sign-in could not be placed on (they span every atom). */
  unplaced: string[];
}

/** R-OBS-11: the resource's own atom, else the atom of an app group that holds it, else "any other app". */
function appAtom(set: PolicySet, id: string): string {
  const atoms = new Set(set.space.dimensions[DIM.app]?.atoms ?? []);
  if (atoms.has(id)) return id;
  for (const [group, members] of Object.entries(APP_GROUP_MEMBERS)) if (atoms.has(group) && members.includes(id)) return group;
  return OTHER_APPS;
}

function appMask(set: PolicySet, c: SignInContext): bigint | undefined {
  if (!c.resourceId && !c.appId) return undefined;
  const atoms = new Set<string>();
  if (c.resourceId) atoms.add(appAtom(set, c.resourceId));
  // A client that is itself a targetable app (the Azure portal in Microsoft Admin Portals) is matched too.
  if (c.appId && appAtom(set, c.appId) !== OTHER_APPS) atoms.add(appAtom(set, c.appId));
  if (atoms.size === 0) atoms.add(OTHER_APPS);
  return set.space.mask(DIM.app, atoms);
}

function platformAtom(os: string | null): string | undefined {
  if (!os) return undefined;
  const key = os.toLowerCase().replace(/\s+/g, '');
  return PLATFORMS.find(([re]) => re.test(key))?.[1] ?? 'unknown';
}

/**
 * R-OBS-14: the named locations the address (ipNamedLocation) or, when no address range holds it, the country
 * (countryNamedLocation) falls in. The engine's location atoms are disjoint (section 11, "Overlapping named
 * locations"): an address inside an IP range is read as that range's location, as the gaps read it.
 */
function locationMask(set: PolicySet, c: SignInContext): bigint | undefined {
  const ip = parseIp(c.ipAddress);
  const country = c.countryOrRegion?.toUpperCase() ?? null;
  if (!ip && !country) return undefined;
  const atoms = set.space.dimensions[DIM.location]?.atoms ?? [];
  const byRange = new Set<string>();
  const byCountry = new Set<string>();
  let unsure = false;
  for (const atom of atoms) {
    if (atom === ELSEWHERE || atom === LEGACY_TRUSTED_IPS) continue;
    const l = set.namedLocations.get(atom);
    if (!l) continue;
    if (l.ipRanges?.length) {
      if (!ip) unsure = true;
      else if (l.ipRanges.some((r) => !!r.cidrAddress && inCidr(ip, r.cidrAddress))) byRange.add(atom);
    } else if (l.countriesAndRegions?.length || l.includeUnknownCountriesAndRegions) {
      // A GPS-based country location is decided by the Authenticator app's location, which the log does not hold.
      if ((l.countryLookupMethod ?? 'clientIpAddress') !== 'clientIpAddress') unsure = true;
      else if (country ? (l.countriesAndRegions ?? []).some((x) => x.toUpperCase() === country) : l.includeUnknownCountriesAndRegions === true) byCountry.add(atom);
    }
  }
  if (unsure && byRange.size === 0) return undefined;
  const hits = byRange.size > 0 ? byRange : byCountry;
  // R-OBS-15: legacy MFA trusted IPs show as networkType "trusted"; without network details the sign-in may be from them.
  const types = c.networkTypes;
  const trusted = types?.some((t) => t.toLowerCase() === 'trusted') ?? false;
  const named = hits.size > 0;
  if (types === null || trusted) hits.add(LEGACY_TRUSTED_IPS);
  if (!named && !trusted) hits.add(ELSEWHERE);
  return set.space.mask(DIM.location, hits);
}

/** R-OBS-21: trustType as the log words it ("Hybrid Azure AD joined", "Microsoft Entra hybrid joined", ServerAd): hybrid-joined or not. */
function hybridJoined(trustType: string | null): boolean | null {
  if (!trustType) return null;
  return /hybrid|serverad/i.test(trustType);
}

/**
 * R-OBS-21: a device fact a grant alternative names (compliant, hybrid-joined) narrows its device dimension to
 * the kinds of device with (or without) it; filters on other properties stay open. Unknown: not placed.
 */
function placeDeviceFact(set: PolicySet, box: Box, fact: DeviceFact, value: boolean | null): boolean {
  const f = set.devices.fact(fact);
  if (!f) return true;
  if (value === null) return false;
  const { space } = set;
  const dim = space.dimensionIndex(f.key);
  space.set(box, dim, space.get(box, dim) & (value ? f.mask : space.fullMask(dim) & ~f.mask));
  return true;
}

/**
 * R-OBS-11..15, R-OBS-20, R-OBS-21: the atoms a sign-in can be in. Sign-in risk, client app type, platform,
 * flow and the device facts grants name come from the log when it records a value the monitor knows; user risk,
 * insider risk, other device filters, client app controls and application filters are not decidable from the
 * log and span their dimension.
 */
export function placeSignIn(set: PolicySet, c: SignInContext): PlacedContext {
  const box = set.space.full.slice();
  const unplaced: string[] = [];
  const put = (dim: number, name: string, mask: bigint | undefined): void => {
    if (mask === undefined || mask === 0n) unplaced.push(name);
    else set.space.set(box, dim, mask);
  };
  put(DIM.app, 'app', appMask(set, c));
  const client = c.clientAppUsed ? CLIENT_APP[c.clientAppUsed.toLowerCase()] : undefined;
  put(DIM.clientApp, 'client app type', client ? set.space.mask(DIM.clientApp, [client]) : undefined);
  const platform = platformAtom(c.operatingSystem);
  put(DIM.platform, 'platform', platform ? set.space.mask(DIM.platform, [platform]) : undefined);
  put(DIM.location, 'location', locationMask(set, c));
  put(DIM.signInRisk, 'sign-in risk', c.signInRisk && RISK.has(c.signInRisk) ? set.space.mask(DIM.signInRisk, [c.signInRisk]) : undefined);
  put(DIM.authFlow, 'authentication flow', c.flow && FLOWS.has(c.flow) ? set.space.mask(DIM.authFlow, [c.flow]) : undefined);
  if (!placeDeviceFact(set, box, 'compliant', c.deviceCompliant)) unplaced.push('device compliance');
  if (!placeDeviceFact(set, box, 'hybridJoined', hybridJoined(c.deviceTrustType))) unplaced.push('device join type');
  return { box, unplaced };
}

/**
 * R-OBS-16: every reading of the sign-in is covered in this role state — by the covering policies where they
 * require MFA, security defaults or per-user MFA: the state's uncovered region (the exact complement of what
 * covers it) does not reach it.
 */
export function coveredIn(set: PolicySet, box: Box, coverage: StateCoverage): boolean {
  return !coverage.uncovered.some((region) => set.space.intersects(region, box));
}

/** R-OBS-17: every reading of the sign-in lies in this uncovered region. */
export function within(set: PolicySet, region: Box, box: Box): boolean {
  return set.space.contains(region, box);
}

/** Every reading of the sign-in is left open in this role state. */
export function openIn(set: PolicySet, box: Box, coverage: StateCoverage): boolean {
  return coverage.uncovered.length > 0 && set.space.uncovered([box], coverage.uncovered).length === 0;
}
