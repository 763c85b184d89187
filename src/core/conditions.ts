// Compiles Conditional Access policies into what evaluation needs: who they target, which sign-in contexts
// they apply to (a box in the context space) and whether their grant enforces MFA. Rules and sources are in
// docs/evaluation.md; the rule ids (R-…) in comments refer to that page.
import {
  APP_GROUP_MEMBERS,
  APP_ID,
  APPLICATION_NAMES,
  BUILT_IN_AUTHENTICATION_STRENGTHS,
  CLIENT_APP_TYPE_NAMES,
  PLATFORM_NAMES,
  SINGLE_FACTOR_MODES,
} from './catalog.js';
import { type Box, type Dimension, Space } from './boxes.js';
import { type DeviceFact, type DeviceModel, type DeviceTerm, buildDeviceModel, ruleText, termPhrase } from './devices.js';
import type { AuthenticationStrengthPolicy, ConditionalAccessPolicy, NamedLocation } from './graph-types.js';
import { flags, listPhrase, normId, quote } from './ids.js';

export type PolicyState = 'enabled' | 'reportOnly' | 'disabled' | 'unknown';

/**
 * R-STATE-1: only `enabled` enforces; report-only and disabled enforce nothing. R-STATE-3: a value outside
 * Graph's enum (conditionalAccessPolicyState: enabled, disabled, enabledForReportingButNotEnforced) is
 * `unknown`: not counted as enforcing, and an admin whose gap it might close gets an unknown verdict (never a
 * weakening alert).
 */
export function policyState(state: string): PolicyState {
  if (state === 'enabled') return 'enabled';
  if (state === 'enabledForReportingButNotEnforced') return 'reportOnly';
  if (state === 'disabled') return 'disabled';
  return 'unknown';
}

export type GrantEffect =
  | { kind: 'mfa'; description: string }
  | { kind: 'block'; description: string }
  /**
   * The grant can be satisfied without MFA; `alternatives` names how. `unresolvedStrength`: the grant uses an
   * authentication strength that is not in the snapshot, so whether it is MFA is not known (R-DATA-3).
   */
  | { kind: 'notMfa'; description: string; alternatives: string[]; unresolvedStrength?: boolean }
  /**
   * MFA OR alternatives that depend on the device or client app (compliant device, hybrid-joined device, approved
   * client app, app protection policy): MFA is enforced wherever none of them is satisfied (R-GRANT-7).
   */
  | { kind: 'mfaUnless'; description: string; alternatives: string[]; unless: ContextAlternative[] }
  /** No grant control at all (session controls only). */
  | { kind: 'none'; description: string };

/** Grant controls that are facts about the sign-in's device or client app: each is a context dimension. */
export type ContextAlternative = 'compliantDevice' | 'domainJoinedDevice' | 'approvedApplication' | 'compliantApplication';
const CONTEXT_ALTERNATIVES: readonly string[] = ['compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication'];

/** What the policy's application condition targets (R-APP-*). */
export type PolicyTarget =
  | { kind: 'apps' }
  | { kind: 'userActions'; actions: string[] }
  | { kind: 'authenticationContext'; references: string[] }
  | { kind: 'nothing' };

export interface CompiledUserScope {
  includeAll: boolean;
  includeNone: boolean;
  includeUsers: Set<string>;
  includeGroups: string[];
  includeRoles: string[];
  includeGuestTypes: Set<string>;
  includeGuestTenantsEnumerated: boolean;
  excludeUsers: Set<string>;
  excludeGroups: string[];
  excludeRoles: string[];
  excludeGuestTypes: Set<string>;
  excludeGuestTenantsEnumerated: boolean;
}

export interface CompiledPolicy {
  policy: ConditionalAccessPolicy;
  /** Position in the policy set (index into per-policy arrays). */
  index: number;
  /** Atoms the box spans: broad policies first keeps coverage subtraction small. */
  weight: number;
  /** Enabled, targets applications, and its grant requires MFA (or blocks) in some context: it can cover contexts. */
  enforcing: boolean;
  /** The grant requires MFA or blocks, in every context or where no device alternative is met (mfa, block, mfaUnless). */
  mfaGrant: boolean;
  id: string;
  name: string;
  state: PolicyState;
  users: CompiledUserScope;
  target: PolicyTarget;
  /** Contexts the policy applies to. */
  box: Box;
  /**
   * Contexts where it requires MFA or blocks: the box for MFA and block, the box minus the contexts that satisfy a
   * device or app alternative for mfaUnless, nothing otherwise (disjoint boxes).
   */
  cover: Box[];
  grant: GrantEffect;
  /** Per dimension, a phrase for the condition ("excludes trusted locations"); undefined = not narrowed. */
  conditionPhrases: Array<string | undefined>;
}

export interface PolicySet {
  space: Space;
  policies: CompiledPolicy[];
  namedLocations: Map<string, NamedLocation>;
  /** Device filter and device-fact dimensions (R-DEVICE-*), with their phrases. */
  devices: DeviceModel;
  /** Phrases of dimension sets already put in words (describeContexts). */
  phrases: Map<string, string>;
  /**
   * Security defaults, when enabled: what they cover for every user (Azure management, legacy authentication
   * blocked; R-SD-2). Holders of their 16 roles are covered everywhere (R-SD-1). Null when off.
   */
  securityDefaults: { allUsers: Box[] } | null;
  /** Users, groups and roles some policy names: only these can make two admins' scopes differ. */
  referenced: { users: Set<string>; groups: Set<string>; roles: Set<string> };
  /** Groups and roles some enabled MFA (or block) policy excludes: only these can take coverage away. */
  excluded: { groups: Set<string>; roles: Set<string> };
  /** Which policies each user, group, role and guest kind brings in or excludes (R-USERS-1..7), for scope vectors. */
  scopeIndex: ScopeIndex;
}

/** Policy indexes per thing a user scope names: a scope vector is then the union of a few lists. */
export interface ScopeIndex {
  /** includeUsers All, and not None. */
  everyone: number[];
  includeNone: Set<number>;
  includeUser: Map<string, number[]>;
  includeGroup: Map<string, number[]>;
  includeRole: Map<string, number[]>;
  /** Per guest kind, where external tenants are not enumerated (R-USERS-6). */
  includeGuest: Map<string, number[]>;
  excludeUser: Map<string, number[]>;
  excludeGroup: Map<string, number[]>;
  excludeRole: Map<string, number[]>;
  /** Per guest kind; the unknown kind (R-USERS-7) is excluded by every policy with a guest exclusion. */
  excludeGuest: Map<string, number[]>;
}

function scopeIndex(policies: readonly CompiledPolicy[], unknownGuestType: string): ScopeIndex {
  const index: ScopeIndex = { everyone: [], includeNone: new Set(), includeUser: new Map(), includeGroup: new Map(), includeRole: new Map(), includeGuest: new Map(), excludeUser: new Map(), excludeGroup: new Map(), excludeRole: new Map(), excludeGuest: new Map() };
  const add = (map: Map<string, number[]>, key: string, i: number): void => {
    const list = map.get(key);
    if (!list) map.set(key, [i]);
    else if (list[list.length - 1] !== i) list.push(i);
  };
  for (const p of policies) {
    const u = p.users;
    const i = p.index;
    if (u.includeNone) index.includeNone.add(i);
    if (u.includeAll) index.everyone.push(i);
    for (const x of u.includeUsers) add(index.includeUser, x, i);
    for (const x of u.includeGroups) add(index.includeGroup, x, i);
    for (const x of u.includeRoles) add(index.includeRole, x, i);
    if (!u.includeGuestTenantsEnumerated) for (const x of u.includeGuestTypes) add(index.includeGuest, x, i);
    for (const x of u.excludeUsers) add(index.excludeUser, x, i);
    for (const x of u.excludeGroups) add(index.excludeGroup, x, i);
    for (const x of u.excludeRoles) add(index.excludeRole, x, i);
    for (const x of u.excludeGuestTypes) add(index.excludeGuest, x, i);
    if (u.excludeGuestTypes.size > 0) add(index.excludeGuest, unknownGuestType, i);
  }
  return index;
}

/** Stands in for the guest kind of an account whose details could not be read (R-USERS-7). */
export const UNKNOWN_GUEST_KIND = 'unknown';

/**
 * A set's indexes with the policy at `policy.index` replaced by `policy` (or added at the end), patched rather
 * than rebuilt (remediation verifies thousands of one-policy changes). The scope index is exact; `referenced` and
 * `excluded` keep what the replaced version named: a superset only makes scope signatures finer and the search
 * for combinations of activations wider, never wrong.
 */
export function replacedPolicyIndexes(set: PolicySet, policy: CompiledPolicy): Pick<PolicySet, 'referenced' | 'excluded' | 'scopeIndex'> {
  const at = policy.index;
  const old = set.policies[at];
  const ix = set.scopeIndex;
  const removed = old ? scopeIndex([old], UNKNOWN_GUEST_KIND) : undefined;
  const added = scopeIndex([policy], UNKNOWN_GUEST_KIND);
  const patch = (key: Exclude<keyof ScopeIndex, 'everyone' | 'includeNone'>): Map<string, number[]> => {
    const gone = removed?.[key] ?? new Map<string, number[]>();
    const come = added[key];
    if (gone.size === 0 && come.size === 0) return ix[key];
    const out = new Map(ix[key]);
    for (const k of gone.keys()) {
      const list = (out.get(k) ?? []).filter((i) => i !== at);
      if (list.length) out.set(k, list);
      else out.delete(k);
    }
    for (const k of come.keys()) out.set(k, [...(out.get(k) ?? []), at]);
    return out;
  };
  const includeNone = new Set(ix.includeNone);
  includeNone.delete(at);
  if (policy.users.includeNone) includeNone.add(at);
  const scope: ScopeIndex = {
    everyone: [...ix.everyone.filter((i) => i !== at), ...(policy.users.includeAll ? [at] : [])],
    includeNone,
    includeUser: patch('includeUser'),
    includeGroup: patch('includeGroup'),
    includeRole: patch('includeRole'),
    includeGuest: patch('includeGuest'),
    excludeUser: patch('excludeUser'),
    excludeGroup: patch('excludeGroup'),
    excludeRole: patch('excludeRole'),
    excludeGuest: patch('excludeGuest'),
  };
  const union = (base: Set<string>, more: Iterable<string>): Set<string> => {
    const extra = [...more].filter((x) => !base.has(x));
    return extra.length ? new Set([...base, ...extra]) : base;
  };
  const u = policy.users;
  return {
    referenced: {
      users: union(set.referenced.users, [...u.includeUsers, ...u.excludeUsers]),
      groups: union(set.referenced.groups, [...u.includeGroups, ...u.excludeGroups]),
      roles: union(set.referenced.roles, [...u.includeRoles, ...u.excludeRoles]),
    },
    excluded: policy.enforcing ? { groups: union(set.excluded.groups, u.excludeGroups), roles: union(set.excluded.roles, u.excludeRoles) } : set.excluded,
    scopeIndex: scope,
  };
}

export const CLIENT_APP_ATOMS = ['browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other'];
export const PLATFORM_ATOMS = ['android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux', 'unknown'];
const RISK_ATOMS = ['none', 'low', 'medium', 'high'];
const INSIDER_RISK_ATOMS = ['none', 'minor', 'moderate', 'elevated'];
const FLOW_ATOMS = ['none', 'deviceCodeFlow', 'authenticationTransfer'];
/** Every app not named by any policy. */
export const OTHER_APPS = '@otherApps';
/** Every network location that is neither a trusted named location nor one some policy names. */
export const ELSEWHERE = '@elsewhere';
/**
 * The "MFA trusted IPs" of the legacy per-user MFA service settings: part of AllTrusted, not readable through
 * Graph (R-LOCATION-3). Kept as an atom of its own so excluding AllTrusted is never read as excluding nothing.
 */
export const LEGACY_TRUSTED_IPS = '@mfaTrustedIps';

const APP_SPECIAL = new Set(['All', 'None']);

function list(value: readonly string[] | null | undefined): string[] {
  return (value ?? []).filter((v) => typeof v === 'string' && v.length > 0);
}

function has(values: readonly string[], wanted: string): boolean {
  return values.some((v) => v.toLowerCase() === wanted.toLowerCase());
}

function normList(values: readonly string[] | null | undefined): string[] {
  return list(values).map(normId);
}

function filterKey(kind: 'device' | 'app', rule: string): string {
  return `${kind}:${rule.replace(/\s+/g, ' ').trim()}`;
}

/** Maps a client app type value to its atom (easSupported is Exchange ActiveSync, R-CLIENT-1). */
function clientAppAtom(value: string): string | undefined {
  if (value === 'easSupported' || value === 'exchangeActiveSync') return 'exchangeActiveSync';
  if (value === 'browser' || value === 'mobileAppsAndDesktopClients' || value === 'other') return value;
  return undefined;
}

function guestTypes(value: { guestOrExternalUserTypes?: string | null } | null | undefined): Set<string> {
  return new Set(flags(value?.guestOrExternalUserTypes));
}

function compileUsers(policy: ConditionalAccessPolicy): CompiledUserScope {
  const users = policy.conditions.users ?? {};
  const includeUsers = list(users.includeUsers);
  const includeGuestTypes = guestTypes(users.includeGuestsOrExternalUsers);
  // Legacy value: "GuestsOrExternalUsers" in includeUsers means every guest/external type.
  if (has(includeUsers, 'GuestsOrExternalUsers')) {
    for (const t of ['internalGuest', 'b2bCollaborationGuest', 'b2bCollaborationMember', 'b2bDirectConnectUser', 'otherExternalUser', 'serviceProvider']) includeGuestTypes.add(t);
  }
  const excludeUsers = list(users.excludeUsers);
  const excludeGuestTypes = guestTypes(users.excludeGuestsOrExternalUsers);
  if (has(excludeUsers, 'GuestsOrExternalUsers')) {
    for (const t of ['internalGuest', 'b2bCollaborationGuest', 'b2bCollaborationMember', 'b2bDirectConnectUser', 'otherExternalUser', 'serviceProvider']) excludeGuestTypes.add(t);
  }
  return {
    includeAll: has(includeUsers, 'All'),
    includeNone: has(includeUsers, 'None'),
    includeUsers: new Set(includeUsers.filter((u) => !['All', 'None', 'GuestsOrExternalUsers'].includes(u)).map(normId)),
    includeGroups: normList(users.includeGroups),
    includeRoles: normList(users.includeRoles),
    includeGuestTypes,
    includeGuestTenantsEnumerated: users.includeGuestsOrExternalUsers?.externalTenants?.membershipKind === 'enumerated',
    excludeUsers: new Set(excludeUsers.filter((u) => u !== 'GuestsOrExternalUsers').map(normId)),
    excludeGroups: normList(users.excludeGroups),
    excludeRoles: normList(users.excludeRoles),
    excludeGuestTypes,
    excludeGuestTenantsEnumerated: users.excludeGuestsOrExternalUsers?.externalTenants?.membershipKind === 'enumerated',
  };
}

function compileTarget(policy: ConditionalAccessPolicy): PolicyTarget {
  const apps = policy.conditions.applications ?? {};
  const include = list(apps.includeApplications);
  const actions = list(apps.includeUserActions);
  const contexts = list(apps.includeAuthenticationContextClassReferences);
  // R-APP-3: a policy on user actions or authentication contexts applies only when that action/context is
  // requested, never to ordinary resource access.
  if (include.length === 0 || has(include, 'None')) {
    // R-APP-2: "Select resources" with only an include-mode filter: the apps matching the filter.
    if (apps.applicationFilter?.rule && apps.applicationFilter.mode !== 'exclude') return { kind: 'apps' };
    if (actions.length > 0) return { kind: 'userActions', actions };
    if (contexts.length > 0) return { kind: 'authenticationContext', references: contexts };
    return { kind: 'nothing' };
  }
  return { kind: 'apps' };
}

function strengthIsMfa(strength: AuthenticationStrengthPolicy): { mfa: boolean; singleFactor: string[] } {
  // R-GRANT-4: a strength counts as MFA when Entra says it satisfies MFA and no allowed combination is a
  // single factor on its own.
  const singleFactor = strength.allowedCombinations.filter((combination) => {
    const modes = combination.split(',').map((m) => m.trim()).filter(Boolean);
    return modes.length === 1 && SINGLE_FACTOR_MODES.has(modes[0] as string);
  });
  const declared = strength.requirementsSatisfied;
  const mfa = (declared === undefined || declared === null || declared === 'mfa') && singleFactor.length === 0 && strength.allowedCombinations.length > 0;
  return { mfa, singleFactor };
}

const CONTROL_NAMES: Record<string, string> = {
  mfa: 'MFA',
  compliantDevice: 'a compliant device',
  domainJoinedDevice: 'a hybrid-joined device',
  approvedApplication: 'an approved client app',
  compliantApplication: 'an app protection policy',
  passwordChange: 'a password change',
  block: 'block',
};

export function resolveStrength(
  id: string,
  strengths: ReadonlyMap<string, AuthenticationStrengthPolicy>,
): AuthenticationStrengthPolicy | undefined {
  return strengths.get(normId(id));
}

function compileGrant(
  policy: ConditionalAccessPolicy,
  strengths: ReadonlyMap<string, AuthenticationStrengthPolicy>,
): GrantEffect {
  const grant = policy.grantControls;
  const controls = list(grant?.builtInControls).filter((c) => c !== 'unknownFutureValue');
  const custom = list(grant?.customAuthenticationFactors);
  const terms = list(grant?.termsOfUse);
  const strengthRef = grant?.authenticationStrength ?? null;
  // R-GRANT-5: block covers every context the policy applies to.
  if (has(controls, 'block')) return { kind: 'block', description: 'blocks access' };
  let strengthMfa = false;
  let strengthProblem: string | undefined;
  let strengthName = '';
  let unresolvedStrength = false;
  if (strengthRef) {
    const strength = resolveStrength(strengthRef.id, strengths);
    strengthName = quote(strength?.displayName ?? strengthRef.displayName, strengthRef.id);
    if (!strength) {
      unresolvedStrength = true;
      strengthProblem = `authentication strength ${strengthName} could not be resolved`;
    }
    else {
      const check = strengthIsMfa(strength);
      strengthMfa = check.mfa;
      if (!check.mfa) {
        strengthProblem =
          check.singleFactor.length > 0
            ? `authentication strength ${strengthName} allows single-factor ${listPhrase(check.singleFactor, 'or')}`
            : `authentication strength ${strengthName} does not satisfy MFA`;
      }
    }
  }
  const requiresMfaControl = has(controls, 'mfa');
  const total = controls.length + custom.length + terms.length + (strengthRef ? 1 : 0);
  // R-GRANT-6: a policy without grant controls (session controls only) enforces nothing.
  if (total === 0) return { kind: 'none', description: 'has no grant control (session controls only)' };
  const operator = (grant?.operator ?? 'AND').toUpperCase();
  const mfaBy = requiresMfaControl ? 'MFA' : strengthMfa ? `authentication strength ${strengthName}` : undefined;
  if (operator === 'AND' || total === 1) {
    // R-GRANT-1: under AND every control is required, so MFA (or an MFA strength) anywhere in it enforces MFA.
    if (mfaBy) return { kind: 'mfa', description: `requires ${mfaBy}` };
    const required = [...controls.map((c) => CONTROL_NAMES[c] ?? c), ...custom.map((c) => `custom control '${c}'`), ...terms.map(() => 'terms of use')];
    return {
      kind: 'notMfa',
      description: strengthProblem ? `grant uses ${strengthProblem}` : `requires ${listPhrase(required)} but not MFA`,
      alternatives: strengthProblem ? [strengthProblem] : required,
      ...(unresolvedStrength ? { unresolvedStrength } : {}),
    };
  }
  // R-GRANT-2/3: under OR, MFA is guaranteed only if every alternative is MFA.
  const alternatives: string[] = [];
  const unless: ContextAlternative[] = [];
  for (const c of controls) if (c !== 'mfa') alternatives.push(CONTROL_NAMES[c] ?? c);
  for (const c of controls) if (CONTEXT_ALTERNATIVES.includes(c)) unless.push(c as ContextAlternative);
  for (const c of custom) alternatives.push(`custom control '${c}'`);
  if (terms.length > 0) alternatives.push('accepting terms of use');
  if (strengthRef && !strengthMfa) alternatives.push(strengthProblem ?? `authentication strength ${strengthName}`);
  if (alternatives.length === 0 && mfaBy) return { kind: 'mfa', description: `requires ${mfaBy}` };
  if (!mfaBy) {
    // No MFA among the alternatives at all: say so rather than "MFA OR …".
    return { kind: 'notMfa', description: `requires ${listPhrase(alternatives, 'or')} but not MFA`, alternatives, ...(unresolvedStrength ? { unresolvedStrength } : {}) };
  }
  if (unless.length === alternatives.length) {
    // R-GRANT-7: every alternative is a fact about the device or client app: MFA where none of them holds.
    return {
      kind: 'mfaUnless',
      description: `grant is ${mfaBy} OR ${listPhrase(alternatives, 'OR')}: ${listPhrase(alternatives, 'or')} satisfies it without MFA`,
      alternatives,
      unless,
    };
  }
  return {
    kind: 'notMfa',
    description: `grant is ${mfaBy} OR ${listPhrase(alternatives, 'OR')}: ${listPhrase(alternatives, 'or')} satisfies it without MFA`,
    alternatives,
    ...(unresolvedStrength ? { unresolvedStrength } : {}),
  };
}

interface Mentions {
  apps: Set<string>;
  locations: Set<string>;
  deviceFilters: Set<string>;
  appFilters: Set<string>;
  /** Device facts OR grants name (compliant, hybrid-joined). */
  deviceFacts: Set<DeviceFact>;
  /** Client app controls OR grants name (approved client app, app protection policy). */
  appControls: Set<string>;
}

const FACT_OF: Partial<Record<ContextAlternative, DeviceFact>> = { compliantDevice: 'compliant', domainJoinedDevice: 'hybridJoined' };

function collectMentions(policies: readonly ConditionalAccessPolicy[], securityDefaults: boolean): Mentions {
  const mentions: Mentions = { apps: new Set(), locations: new Set(), deviceFilters: new Set(), appFilters: new Set(), deviceFacts: new Set(), appControls: new Set() };
  // R-SD-2: security defaults cover Azure management for every user: its app group needs an atom.
  if (securityDefaults) mentions.apps.add(APP_ID.azureServiceManagement);
  for (const policy of policies) {
    if ((policy.grantControls?.operator ?? 'AND').toUpperCase() === 'OR') {
      for (const c of list(policy.grantControls?.builtInControls)) {
        const fact = FACT_OF[c as ContextAlternative];
        if (fact) mentions.deviceFacts.add(fact);
        else if (c === 'approvedApplication' || c === 'compliantApplication') mentions.appControls.add(c);
      }
    }
    const apps = policy.conditions.applications;
    for (const app of [...list(apps?.includeApplications), ...list(apps?.excludeApplications)]) {
      if (!APP_SPECIAL.has(app)) mentions.apps.add(app);
    }
    const rule = apps?.applicationFilter?.rule;
    if (rule) mentions.appFilters.add(filterKey('app', rule));
    const locations = policy.conditions.locations;
    for (const location of [...list(locations?.includeLocations), ...list(locations?.excludeLocations)]) {
      if (location !== 'All' && location !== 'AllTrusted') mentions.locations.add(normId(location));
    }
    const device = policy.conditions.devices?.deviceFilter?.rule;
    if (device) mentions.deviceFilters.add(ruleText(device));
  }
  // Apps shared by two app groups that are both mentioned get an atom of their own, so a policy excluding one
  // group and another excluding the other are seen to leave the shared app uncovered (R-APP-1).
  const seen = new Map<string, number>();
  for (const [group, members] of Object.entries(APP_GROUP_MEMBERS)) {
    if (!mentions.apps.has(group)) continue;
    for (const m of members) seen.set(m, (seen.get(m) ?? 0) + 1);
  }
  for (const [app, count] of seen) if (count > 1) mentions.apps.add(app);
  return mentions;
}

/** An app list with each app group followed by its known members (which the space may or may not split out). */
function expandAppGroups(apps: readonly string[]): string[] {
  return apps.flatMap((a) => [a, ...(APP_GROUP_MEMBERS[a] ?? [])]);
}

export const DIM = {
  app: 0,
  clientApp: 1,
  platform: 2,
  location: 3,
  signInRisk: 4,
  userRisk: 5,
  insiderRisk: 6,
  authFlow: 7,
} as const;
const FIXED_DIMENSIONS = 8;

/** Client app controls as context dimensions (R-GRANT-7): the key, and the phrases for yes / no. */
export const APP_CONTROL_DIMENSIONS: Record<string, { key: string; yes: string; no: string }> = {
  approvedApplication: { key: 'appControl:approvedApplication', yes: 'with an approved client app', no: 'with a client app that is not an approved client app' },
  compliantApplication: { key: 'appControl:compliantApplication', yes: 'with a client app under an app protection policy', no: 'with a client app under no app protection policy' },
};

function buildSpace(mentions: Mentions, locations: ReadonlyMap<string, NamedLocation>, devices: DeviceModel): Space {
  // Every trusted named location is an atom of its own so "AllTrusted" gaps can name them.
  const locationAtoms = new Set(mentions.locations);
  for (const [id, location] of locations) if (location.isTrusted) locationAtoms.add(id);
  const dims: Dimension[] = [
    { key: 'app', atoms: [...[...mentions.apps].sort(), OTHER_APPS] },
    { key: 'clientApp', atoms: CLIENT_APP_ATOMS },
    { key: 'platform', atoms: PLATFORM_ATOMS },
    { key: 'location', atoms: [...[...locationAtoms].sort(), LEGACY_TRUSTED_IPS, ELSEWHERE] },
    { key: 'signInRisk', atoms: RISK_ATOMS },
    { key: 'userRisk', atoms: RISK_ATOMS },
    { key: 'insiderRisk', atoms: INSIDER_RISK_ATOMS },
    { key: 'authFlow', atoms: FLOW_ATOMS },
  ];
  for (const d of devices.dimensions) dims.push({ key: d.key, atoms: d.atoms });
  for (const control of [...mentions.appControls].sort()) dims.push({ key: APP_CONTROL_DIMENSIONS[control]?.key ?? control, atoms: ['yes', 'no'] });
  for (const key of [...mentions.appFilters].sort()) dims.push({ key, atoms: ['match', 'noMatch'] });
  return new Space(dims);
}

function appName(app: string): string {
  return APPLICATION_NAMES[app] ? APPLICATION_NAMES[app] : `app ${app}`;
}

function locationName(id: string, locations: ReadonlyMap<string, NamedLocation>): string {
  if (id === ELSEWHERE) return 'any location that is not a named location';
  if (id === LEGACY_TRUSTED_IPS) return 'the legacy MFA trusted IPs (if any: Graph cannot read them)';
  const location = locations.get(id);
  if (!location) return `location ${id} (no longer exists)`;
  return `${location.isTrusted ? 'trusted location' : 'location'} '${location.displayName}'`;
}

/** Applications (R-APP-1, R-APP-2): included apps, excluded apps, and an application filter. */
function compileApplications(policy: ConditionalAccessPolicy, space: Space, box: Box, phrases: Array<string | undefined>): void {
  const c = policy.conditions;
  const include = list(c.applications?.includeApplications);
  const exclude = list(c.applications?.excludeApplications);
  const filterOnly = (include.length === 0 || has(include, 'None')) && !!c.applications?.applicationFilter?.rule && c.applications.applicationFilter.mode !== 'exclude';
  if (include.length > 0 && !has(include, 'All') && !filterOnly) {
    space.set(box, DIM.app, space.mask(DIM.app, expandAppGroups(include.filter((a) => !APP_SPECIAL.has(a)))));
    phrases[DIM.app] = `applies only to ${listPhrase(include.map(appName))}`;
  }
  if (exclude.length > 0) {
    space.set(box, DIM.app, space.get(box, DIM.app) & ~space.mask(DIM.app, expandAppGroups(exclude)));
    const excluded = `excludes ${listPhrase(exclude.map(appName))}`;
    phrases[DIM.app] = phrases[DIM.app] ? `${phrases[DIM.app]} and ${excluded}` : excluded;
  }
  const appRule = c.applications?.applicationFilter?.rule;
  if (appRule) {
    const dim = space.dimensionIndex(filterKey('app', appRule));
    const mode = c.applications?.applicationFilter?.mode === 'exclude' ? 'noMatch' : 'match';
    space.set(box, dim, space.mask(dim, [mode]));
    phrases[dim] = `${mode === 'match' ? 'applies only to' : 'excludes'} apps matching filter '${appRule}'`;
  }
}

function compileBox(
  policy: ConditionalAccessPolicy,
  space: Space,
  locations: ReadonlyMap<string, NamedLocation>,
  devices: DeviceModel,
): { box: Box; phrases: Array<string | undefined> } {
  const box = space.full.slice();
  const phrases: Array<string | undefined> = new Array(space.dimensions.length).fill(undefined);
  const c = policy.conditions;

  compileApplications(policy, space, box, phrases);

  // Client app types (R-CLIENT-1): empty or "all" means every client.
  const clientTypes = list(c.clientAppTypes);
  if (clientTypes.length > 0 && !has(clientTypes, 'all')) {
    const atoms = clientTypes.map(clientAppAtom).filter((a): a is string => a !== undefined);
    space.set(box, DIM.clientApp, space.mask(DIM.clientApp, atoms));
    phrases[DIM.clientApp] = `applies only to ${listPhrase([...new Set(atoms)].map((a) => CLIENT_APP_TYPE_NAMES[a] ?? a))}`;
  }

  // Platforms (R-PLATFORM-1): a list without "all" leaves unknown platforms out.
  const includePlatforms = list(c.platforms?.includePlatforms);
  const excludePlatforms = list(c.platforms?.excludePlatforms);
  if (includePlatforms.length > 0 && !has(includePlatforms, 'all')) {
    space.set(box, DIM.platform, space.mask(DIM.platform, includePlatforms));
    phrases[DIM.platform] = `applies only to ${listPhrase(includePlatforms.map((p) => PLATFORM_NAMES[p] ?? p))}`;
  }
  if (excludePlatforms.length > 0) {
    space.set(box, DIM.platform, space.get(box, DIM.platform) & ~space.mask(DIM.platform, excludePlatforms));
    const excluded = `excludes ${listPhrase(excludePlatforms.map((p) => PLATFORM_NAMES[p] ?? p))}`;
    phrases[DIM.platform] = phrases[DIM.platform] ? `${phrases[DIM.platform]} and ${excluded}` : excluded;
  }

  // Locations (R-LOCATION-1/2): AllTrusted = every trusted named location.
  const locationAtoms = space.dimensions[DIM.location]?.atoms ?? [];
  const trustedAtoms = locationAtoms.filter((a) => a === LEGACY_TRUSTED_IPS || locations.get(a)?.isTrusted === true);
  const expandLocations = (values: string[]): string[] =>
    values.flatMap((v) => (v === 'All' ? [...locationAtoms] : v === 'AllTrusted' ? trustedAtoms : [normId(v)]));
  const includeLocations = list(c.locations?.includeLocations);
  const excludeLocations = list(c.locations?.excludeLocations);
  const describeLocations = (values: string[]): string =>
    listPhrase(values.map((v) => (v === 'AllTrusted' ? 'all trusted locations' : v === 'All' ? 'all locations' : locationName(normId(v), locations))));
  if (includeLocations.length > 0 && !has(includeLocations, 'All')) {
    space.set(box, DIM.location, space.mask(DIM.location, expandLocations(includeLocations)));
    phrases[DIM.location] = `applies only from ${describeLocations(includeLocations)}`;
  }
  if (excludeLocations.length > 0) {
    space.set(box, DIM.location, space.get(box, DIM.location) & ~space.mask(DIM.location, expandLocations(excludeLocations)));
    const excluded = `excludes ${describeLocations(excludeLocations)}${has(excludeLocations, 'AllTrusted') ? ' (AllTrusted)' : ''}`;
    phrases[DIM.location] = phrases[DIM.location] ? `${phrases[DIM.location]} and ${excluded}` : excluded;
  }

  // Risk levels (R-RISK-1): a list narrows the policy to those levels. Values the space has no atom for
  // (`hidden`) narrow it to nothing rather than being ignored, so they can never make a policy look broader.
  const risk = (dim: number, values: string[], label: string): void => {
    const levels = values.filter((v) => v !== 'unknownFutureValue');
    if (levels.length === 0) return;
    space.set(box, dim, space.mask(dim, levels));
    phrases[dim] = `applies only at ${label} ${listPhrase(levels, 'or')}`;
  };
  risk(DIM.signInRisk, list(c.signInRiskLevels), 'sign-in risk');
  risk(DIM.userRisk, list(c.userRiskLevels), 'user risk');
  risk(DIM.insiderRisk, flags(c.insiderRiskLevels), 'insider risk');

  // Authentication flows (R-FLOW-1).
  const transfer = flags(c.authenticationFlows?.transferMethods);
  if (transfer.length > 0) {
    space.set(box, DIM.authFlow, space.mask(DIM.authFlow, transfer));
    phrases[DIM.authFlow] = `applies only to the ${listPhrase(transfer, 'or')} authentication flow`;
  }

  // Device filter (R-DEVICE-1/3): the device classes the rule matches (include) or does not match (exclude).
  const deviceRule = c.devices?.deviceFilter?.rule;
  const device = deviceRule ? devices.rule(deviceRule) : undefined;
  if (deviceRule && device) {
    const dim = space.dimensionIndex(device.key);
    const exclude = c.devices?.deviceFilter?.mode === 'exclude';
    space.set(box, dim, exclude ? space.fullMask(dim) & ~device.mask : device.mask);
    phrases[dim] = `${exclude ? 'excludes' : 'applies only to'} devices matching filter '${ruleText(deviceRule)}'`;
  }
  return { box, phrases };
}

export function strengthIndex(custom: readonly AuthenticationStrengthPolicy[]): Map<string, AuthenticationStrengthPolicy> {
  const index = new Map<string, AuthenticationStrengthPolicy>();
  for (const s of BUILT_IN_AUTHENTICATION_STRENGTHS) {
    index.set(s.id, { ...s, allowedCombinations: [...s.allowedCombinations] });
  }
  for (const s of custom) index.set(normId(s.id), s);
  return index;
}

/**
 * The groups and roles the policies include or exclude, from the policies as Graph returns them: what the
 * collectors read memberships and role holders of (normalised ids).
 */
export function policyTargets(policies: readonly ConditionalAccessPolicy[]): { groups: Set<string>; roles: Set<string> } {
  const groups = new Set<string>();
  const roles = new Set<string>();
  for (const p of policies) {
    const u = p.conditions.users;
    for (const g of [...(u?.includeGroups ?? []), ...(u?.excludeGroups ?? [])]) groups.add(normId(g));
    for (const r of [...(u?.includeRoles ?? []), ...(u?.excludeRoles ?? [])]) roles.add(normId(r));
  }
  return { groups, roles };
}

/** The contexts where a device or app alternative of a grant can be satisfied (R-GRANT-7). */
function alternativeBox(alternative: ContextAlternative, space: Space, devices: DeviceModel): Box | undefined {
  const box = space.full.slice();
  const fact = FACT_OF[alternative];
  if (fact) {
    const f = devices.fact(fact);
    if (!f) return undefined;
    space.set(box, space.dimensionIndex(f.key), f.mask);
    return box;
  }
  const control = APP_CONTROL_DIMENSIONS[alternative];
  if (!control) return undefined;
  const dim = space.dimensionIndex(control.key);
  space.set(box, dim, space.mask(dim, ['yes']));
  return box;
}

/** R-SD-2: what security defaults require MFA for (or block) for every user: Azure management, legacy clients. */
function securityDefaultsBoxes(space: Space): Box[] {
  const management = space.full.slice();
  space.set(management, DIM.app, space.mask(DIM.app, expandAppGroups([APP_ID.azureServiceManagement])));
  const legacy = space.full.slice();
  space.set(legacy, DIM.clientApp, space.mask(DIM.clientApp, ['exchangeActiveSync', 'other']));
  return [management, legacy];
}

/**
 * One policy compiled into a set's context space. The space is the set's: a policy that mentions an app,
 * location or filter the space has no atom for would be compiled as if it did not mention it, so callers
 * (remediation's verification) compile only policies whose values the space already holds.
 */
export function compilePolicy(
  policy: ConditionalAccessPolicy,
  index: number,
  { space, namedLocations: locations, devices }: Pick<PolicySet, 'space' | 'namedLocations' | 'devices'>,
  strengthById: ReadonlyMap<string, AuthenticationStrengthPolicy>,
): CompiledPolicy {
  const { box, phrases } = compileBox(policy, space, locations, devices);
  const grant = compileGrant(policy, strengthById);
  const target = compileTarget(policy);
  const state = policyState(policy.state);
  const weight = space.weight(box);
  const mfaGrant = grant.kind === 'mfa' || grant.kind === 'block' || grant.kind === 'mfaUnless';
  let cover: Box[] = [];
  if (mfaGrant && !space.isEmpty(box)) {
    const alternatives = grant.kind === 'mfaUnless' ? grant.unless.map((a) => alternativeBox(a, space, devices)).filter((b): b is Box => b !== undefined) : [];
    cover = space.uncovered([box], alternatives).filter((b) => !space.isEmpty(b));
  }
  return {
    policy,
    index,
    weight,
    enforcing: state === 'enabled' && target.kind === 'apps' && mfaGrant,
    mfaGrant,
    id: normId(policy.id),
    name: policy.displayName,
    state,
    users: compileUsers(policy),
    target,
    box,
    cover,
    grant,
    conditionPhrases: phrases,
  };
}

/** A compiled policy whose user scope changed (and nothing else): the rest of its compilation holds. */
export function withUserScope(compiled: CompiledPolicy, policy: ConditionalAccessPolicy): CompiledPolicy {
  return { ...compiled, policy, users: compileUsers(policy) };
}

export interface CompileOptions {
  /** Other policies whose values the space must also distinguish (what-if comparisons share one space). */
  spacePolicies?: readonly ConditionalAccessPolicy[];
  /** Security defaults are enabled (R-SD-1/2). */
  securityDefaults?: boolean;
}

export function compilePolicies(
  policies: readonly ConditionalAccessPolicy[],
  namedLocations: readonly NamedLocation[],
  strengths: readonly AuthenticationStrengthPolicy[],
  options: CompileOptions = {},
): PolicySet {
  const locations = new Map(namedLocations.map((l) => [normId(l.id), l]));
  const mentions = collectMentions([...policies, ...(options.spacePolicies ?? [])], options.securityDefaults === true);
  const devices = buildDeviceModel(mentions.deviceFilters, mentions.deviceFacts);
  const space = buildSpace(mentions, locations, devices);
  const strengthById = strengthIndex(strengths);
  const compiled = policies.map((policy, index) => compilePolicy(policy, index, { space, namedLocations: locations, devices }, strengthById));
  return {
    space,
    policies: compiled,
    namedLocations: locations,
    devices,
    phrases: new Map(),
    securityDefaults: options.securityDefaults ? { allUsers: securityDefaultsBoxes(space) } : null,
    ...policyIndexes(compiled),
  };
}

/** What a set knows about its policies' user scopes: the users, groups and roles they name, those enforcing policies exclude, and the scope index. */
function policyIndexes(compiled: readonly CompiledPolicy[]): Pick<PolicySet, 'referenced' | 'excluded' | 'scopeIndex'> {
  const referenced = { users: new Set<string>(), groups: new Set<string>(), roles: new Set<string>() };
  const excluded = { groups: new Set<string>(), roles: new Set<string>() };
  for (const p of compiled) {
    for (const u of [...p.users.includeUsers, ...p.users.excludeUsers]) referenced.users.add(u);
    for (const g of [...p.users.includeGroups, ...p.users.excludeGroups]) referenced.groups.add(g);
    for (const r of [...p.users.includeRoles, ...p.users.excludeRoles]) referenced.roles.add(r);
    if (p.enforcing) {
      for (const g of p.users.excludeGroups) excluded.groups.add(g);
      for (const r of p.users.excludeRoles) excluded.roles.add(r);
    }
  }
  return { referenced, excluded, scopeIndex: scopeIndex(compiled, UNKNOWN_GUEST_KIND) };
}

/** Phrase for the sign-in contexts in a box, e.g. "from trusted location 'HQ' on iOS". Empty for the full space. */
/** The phrase for one (non-device) dimension's set of atoms, e.g. "on iOS or Android". */
export function dimensionPhrase(set: PolicySet, i: number, mask: bigint): string {
  const { space } = set;
  const atoms = space.atomsOf(i, mask);
  const missing = space.atomsOf(i, space.fullMask(i) & ~mask);
  switch (i) {
    case DIM.app:
      return atoms.includes(OTHER_APPS) ? `to any app other than ${listPhrase(missing.map(appName), 'or')}` : `to ${listPhrase(atoms.map(appName))}`;
    case DIM.clientApp:
      return `with ${listPhrase(atoms.map((a) => CLIENT_APP_TYPE_NAMES[a] ?? a), 'or')}`;
    case DIM.platform:
      return `on ${listPhrase(atoms.map((a) => PLATFORM_NAMES[a] ?? a), 'or')}`;
    case DIM.location:
      return atoms.includes(ELSEWHERE) && missing.length < atoms.length
        ? `from anywhere except ${listPhrase(missing.map((a) => locationName(a, set.namedLocations)), 'or')}`
        : `from ${listPhrase(atoms.map((a) => locationName(a, set.namedLocations)), 'or')}`;
    case DIM.signInRisk:
      return `at sign-in risk ${listPhrase(atoms, 'or')}`;
    case DIM.userRisk:
      return `at user risk ${listPhrase(atoms, 'or')}`;
    case DIM.insiderRisk:
      return `at insider risk ${listPhrase(atoms, 'or')}`;
    case DIM.authFlow:
      return `using ${listPhrase(atoms.map((a) => (a === 'none' ? 'an ordinary sign-in flow' : `the ${a} flow`)), 'or')}`;
    default: {
      const key = space.dimensions[i]?.key ?? '';
      const control = Object.values(APP_CONTROL_DIMENSIONS).find((c) => c.key === key);
      if (control) return atoms[0] === 'yes' ? control.yes : control.no;
      const rule = key.slice(key.indexOf(':') + 1);
      return atoms[0] === 'match' ? `from apps matching filter '${rule}'` : `from apps not matching filter '${rule}'`;
    }
  }
}

/** Phrase for the sign-in contexts in a box, e.g. "from trusted location 'HQ' on iOS". Empty for the full space. */
export function describeContexts(set: PolicySet, box: Box): string {
  const { space } = set;
  const parts: string[] = [];
  // Device dimensions that each name one conjunction are said as one: "from compliant, hybrid-joined devices …".
  const deviceTerms: DeviceTerm[] = [];
  const devicePhrases: string[] = [];
  let merged = true;
  let deviceAt = -1;
  space.dimensions.forEach((dim, i) => {
    if (space.isFull(box, i)) return;
    const device = set.devices.byKey.get(dim.key);
    if (device) {
      const mask = space.get(box, i);
      const term = device.term(mask);
      if (term) deviceTerms.push(term);
      else merged = false;
      devicePhrases.push(device.describe(mask));
      if (deviceAt < 0) {
        deviceAt = parts.length;
        parts.push('');
      }
      return;
    }
    // Regions share their dimensions' sets: each set is put in words once.
    const key = `${i}:${box.slice(space.starts[i], space.starts[i + 1]).join(',')}`;
    let phrase = set.phrases.get(key);
    if (phrase === undefined) set.phrases.set(key, (phrase = dimensionPhrase(set, i, space.get(box, i))));
    parts.push(phrase);
  });
  if (deviceAt >= 0) parts[deviceAt] = merged ? termPhrase(deviceTerms) : devicePhrases.join(' and ');
  return parts.join(' ');
}

export const FIXED_DIMENSION_COUNT = FIXED_DIMENSIONS;
