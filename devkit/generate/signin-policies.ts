// The generator's own reading of its Conditional Access policies for one sign-in: which policies apply, which
// condition left a policy out, and what its grant asks of this user on this device. Written from the Learn
// pages on Conditional Access (users, target resources, client apps, platforms, locations, grant) for the
// policies the generator writes, never with the app's engine (src/core): the sign-ins it emits are the
// evidence the engine is tested against, so a misconception in the engine cannot hide in them.
import { APP_ID, BUILT_IN_STRENGTHS } from '../simulator/builtins.js';

type Json = Record<string, unknown>;

/** Who signs in, at that moment. */
export interface Subject {
  userId: string;
  /** Groups the user is a member of, nested ones included. */
  groups: ReadonlySet<string>;
  /** Built-in roles the user holds actively at tenant scope at that moment (activations included). */
  roles: ReadonlySet<string>;
  guest: boolean;
  /** Registered authentication methods (userRegistrationDetails.methodsRegistered). */
  methods: readonly string[];
}

/** How and from where. */
export interface Setting {
  resourceId: string;
  appId: string;
  client: 'browser' | 'mobileAppsAndDesktopClients' | 'exchangeActiveSync' | 'other';
  platform: 'windows' | 'macOS' | 'iOS' | 'android' | 'linux';
  ip: string;
  country: string;
  compliant: boolean;
}

/** What a policy's grant asks: nothing more, MFA, or something this user cannot give (or a block). */
export type Demand = 'none' | 'mfa' | 'block' | 'unsatisfiable';

export interface Judgement {
  policy: Json;
  state: 'enabled' | 'reportOnly' | 'disabled';
  applies: boolean;
  /** The condition that left the policy out (conditionsNotSatisfied), when it does not apply. */
  notSatisfied: string | null;
  demand: Demand;
  /** enforcedGrantControls as the sign-in log names them. */
  controls: string[];
}

/**
 * App groupings as Conditional Access documents them (target resources): "Office 365" holds Exchange Online,
 * SharePoint Online and Teams among others; "Microsoft Admin Portals" holds the Azure portal. Only the members
 * the generator's sign-ins use are listed.
 */
const APP_GROUPS: Record<string, readonly string[]> = {
  Office365: [APP_ID.exchangeOnline, APP_ID.sharePointOnline, APP_ID.teamsServices],
  MicrosoftAdminPortals: [APP_ID.azurePortal],
};

/** Registered methods and the authentication-strength combinations they make. */
const METHOD_COMBINATIONS: Record<string, readonly string[]> = {
  microsoftAuthenticatorPush: ['password,microsoftAuthenticatorPush'],
  microsoftAuthenticatorPasswordless: ['deviceBasedPush'],
  softwareOneTimePasscode: ['password,softwareOath'],
  hardwareOneTimePasscode: ['password,hardwareOath'],
  mobilePhone: ['password,sms', 'password,voice', 'sms'],
  fido2SecurityKey: ['fido2'],
  passKeyDeviceBound: ['fido2'],
  windowsHelloForBusiness: ['windowsHelloForBusiness'],
};
/** Combinations that are one factor on their own. */
const SINGLE_FACTOR = new Set(['sms', 'password', 'voice', 'email']);

const CONTROL_NAMES: Record<string, string> = { mfa: 'Mfa', compliantDevice: 'RequireCompliantDevice', domainJoinedDevice: 'RequireDomainJoinedDevice', approvedApplication: 'RequireApprovedApp', compliantApplication: 'RequireCompliantApp', passwordChange: 'RequirePasswordChange', block: 'Block' };

function ipv4(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((((parts[0] as number) << 24) >>> 0) + ((parts[1] as number) << 16) + ((parts[2] as number) << 8) + (parts[3] as number)) >>> 0;
}

function inRange(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const a = ipv4(ip);
  const b = ipv4(base ?? '');
  if (a === undefined || b === undefined) return false;
  const n = Number(bits ?? 32);
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return (a & mask) === (b & mask);
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export class SignInJudge {
  private readonly locations = new Map<string, Json>();
  private readonly strengths = new Map<string, readonly string[]>();

  constructor(
    private readonly policies: readonly Json[],
    namedLocations: readonly Json[],
    customStrengths: readonly Json[],
  ) {
    for (const l of namedLocations) this.locations.set(String(l.id), l);
    for (const s of BUILT_IN_STRENGTHS) this.strengths.set(s.id, s.allowedCombinations);
    for (const s of customStrengths) this.strengths.set(String(s.id), list(s.allowedCombinations));
  }

  /** Every policy, judged for this sign-in. */
  judge(subject: Subject, setting: Setting): Judgement[] {
    return this.policies.map((policy) => this.judgeOne(policy, subject, setting));
  }

  private judgeOne(policy: Json, subject: Subject, setting: Setting): Judgement {
    const state = policy.state === 'enabled' ? 'enabled' : policy.state === 'enabledForReportingButNotEnforced' ? 'reportOnly' : 'disabled';
    const c = policy.conditions as Json;
    const failed = this.firstUnsatisfied(c, subject, setting);
    const grant = policy.grantControls as Json | null;
    const { demand, controls } = this.demand(grant, subject, setting);
    return { policy, state, applies: failed === null, notSatisfied: failed, demand, controls };
  }

  /** The first condition the sign-in does not meet, named as conditionsNotSatisfied names it; null: the policy applies. */
  private firstUnsatisfied(c: Json, s: Subject, x: Setting): string | null {
    if (!this.usersMatch(c.users as Json, s)) return 'users';
    if (!this.appsMatch(c.applications as Json, x)) return 'application';
    const clients = list(c.clientAppTypes);
    if (clients.length > 0 && !clients.includes('all') && !clients.includes(x.client) && !(x.client === 'exchangeActiveSync' && clients.includes('easSupported'))) return 'clientType';
    const platforms = c.platforms as Json | null;
    if (platforms) {
      const include = list(platforms.includePlatforms);
      if (include.length > 0 && !include.includes('all') && !include.includes(x.platform)) return 'devicePlatform';
      if (list(platforms.excludePlatforms).includes(x.platform)) return 'devicePlatform';
    }
    const locations = c.locations as Json | null;
    if (locations) {
      const include = list(locations.includeLocations);
      if (include.length > 0 && !include.includes('All') && !include.some((l) => this.inLocation(l, x))) return 'location';
      if (list(locations.excludeLocations).some((l) => this.inLocation(l, x))) return 'location';
    }
    // The generator's sign-ins carry no risk, come through no transfer flow and from devices that match no filter rule.
    if (list(c.signInRiskLevels).length > 0 && !list(c.signInRiskLevels).includes('none')) return 'signInRisk';
    if (list(c.userRiskLevels).length > 0 && !list(c.userRiskLevels).includes('none')) return 'userRisk';
    if (typeof c.insiderRiskLevels === 'string' && c.insiderRiskLevels !== '') return 'insiderRisk';
    if ((c.authenticationFlows as Json | null)?.transferMethods) return 'authenticationFlows';
    const device = (c.devices as Json | null)?.deviceFilter as Json | undefined;
    if (device && device.mode === 'include') return 'deviceState';
    return null;
  }

  private usersMatch(u: Json, s: Subject): boolean {
    const includeUsers = list(u.includeUsers);
    if (includeUsers.includes('None')) return false;
    const guestTypes = (g: unknown): boolean => !!g && typeof (g as Json).guestOrExternalUserTypes === 'string' && ((g as Json).guestOrExternalUserTypes as string).length > 0;
    const included =
      includeUsers.includes('All') ||
      includeUsers.includes(s.userId) ||
      list(u.includeGroups).some((g) => s.groups.has(g)) ||
      list(u.includeRoles).some((r) => s.roles.has(r)) ||
      (s.guest && guestTypes(u.includeGuestsOrExternalUsers));
    if (!included) return false;
    const excluded =
      list(u.excludeUsers).includes(s.userId) ||
      list(u.excludeGroups).some((g) => s.groups.has(g)) ||
      list(u.excludeRoles).some((r) => s.roles.has(r)) ||
      (s.guest && guestTypes(u.excludeGuestsOrExternalUsers));
    return !excluded;
  }

  private appsMatch(a: Json, x: Setting): boolean {
    const include = list(a.includeApplications);
    // Policies on user actions, authentication contexts or an application filter reach none of these sign-ins.
    if (include.length === 0 || include.includes('None')) return false;
    const readings = [x.resourceId, ...(Object.values(APP_GROUPS).some((m) => m.includes(x.appId)) ? [x.appId] : [])];
    const hits = (entry: string): boolean => readings.some((r) => r === entry || (APP_GROUPS[entry] ?? []).includes(r));
    if (!include.includes('All') && !include.some(hits)) return false;
    return !list(a.excludeApplications).some((e) => e === x.resourceId || (APP_GROUPS[e] ?? []).includes(x.resourceId));
  }

  private inLocation(id: string, x: Setting): boolean {
    if (id === 'All') return true;
    if (id === 'AllTrusted') return [...this.locations.values()].some((l) => l.isTrusted === true && this.inNamed(l, x));
    const l = this.locations.get(id);
    return !!l && this.inNamed(l, x);
  }

  private inNamed(l: Json, x: Setting): boolean {
    const ranges = Array.isArray(l.ipRanges) ? (l.ipRanges as Json[]) : [];
    if (ranges.length > 0) return ranges.some((r) => typeof r.cidrAddress === 'string' && inRange(x.ip, r.cidrAddress));
    return list(l.countriesAndRegions).includes(x.country);
  }

  /** What the user can give: the combinations their methods make. */
  private combinations(s: Subject): Set<string> {
    return new Set(s.methods.flatMap((m) => METHOD_COMBINATIONS[m] ?? []));
  }

  /** What one alternative of a grant asks of this user on this device. */
  private alternative(control: string, s: Subject, x: Setting): Demand {
    if (control === 'mfa') return this.combinations(s).size > 0 && [...this.combinations(s)].some((c) => !SINGLE_FACTOR.has(c)) ? 'mfa' : 'unsatisfiable';
    if (control === 'compliantDevice') return x.compliant ? 'none' : 'unsatisfiable';
    return 'unsatisfiable';
  }

  private strengthDemand(id: string, s: Subject): Demand {
    const allowed = new Set(this.strengths.get(id) ?? []);
    const can = [...this.combinations(s)].filter((c) => allowed.has(c));
    if (can.some((c) => !SINGLE_FACTOR.has(c))) return 'mfa';
    return can.length > 0 ? 'none' : 'unsatisfiable';
  }

  private demand(grant: Json | null, s: Subject, x: Setting): { demand: Demand; controls: string[] } {
    if (!grant) return { demand: 'none', controls: [] };
    const builtIn = list(grant.builtInControls);
    const controls = builtIn.map((c) => CONTROL_NAMES[c] ?? c);
    if (builtIn.includes('block')) return { demand: 'block', controls };
    const alternatives: Demand[] = builtIn.map((c) => this.alternative(c, s, x));
    const strength = grant.authenticationStrength as Json | null;
    if (strength) {
      alternatives.push(this.strengthDemand(String(strength.id), s));
      controls.push('RequireAuthenticationStrength');
    }
    for (const _ of list(grant.termsOfUse)) alternatives.push('none');
    if (alternatives.length === 0) return { demand: 'none', controls };
    const rank: Record<Demand, number> = { none: 0, mfa: 1, unsatisfiable: 2, block: 3 };
    // OR: the easiest alternative; AND: the hardest.
    const pick = (String(grant.operator ?? 'OR').toUpperCase() === 'AND' ? Math.max : Math.min)(...alternatives.map((d) => rank[d]));
    return { demand: (Object.keys(rank) as Demand[]).find((d) => rank[d] === pick) as Demand, controls };
  }
}
