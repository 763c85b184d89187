// The changes remediation can propose, as edits of Graph objects (docs/remediation.md): one Conditional Access
// policy made to cover an admin's gap (exclusion removed, admin included, policy enabled, grant made MFA,
// conditions widened), a group membership removed, or a new policy. Each edit is the exact Graph request and
// the edited object the engine re-evaluates. Pure: no I/O; the monitor never sends these requests.
import type { Box } from './boxes.js';
import { APP_GROUP_MEMBERS } from './catalog.js';
import { type CompiledPolicy, DIM, FIXED_DIMENSION_COUNT, LEGACY_TRUSTED_IPS, type PolicySet, policyState } from './conditions.js';
import type { ConditionalAccessPolicy } from './graph-types.js';
import { normId } from './ids.js';

/** One request an administrator (or their automation) sends to Microsoft Graph v1.0. */
export interface GraphRequest {
  method: 'PATCH' | 'POST' | 'DELETE';
  /** Relative to the Graph v1.0 root, e.g. /identity/conditionalAccess/policies/{id}. */
  path: string;
  body?: Record<string, unknown>;
  /** The application or delegated permission the request needs (the monitor holds none of them). */
  permission: string;
}

/** The Graph permission a Conditional Access write needs (Graph: Update conditionalAccessPolicy). */
export const CA_WRITE = 'Policy.ReadWrite.ConditionalAccess (with Policy.Read.All and Application.Read.All)';
/** Removing a member from a (non role-assignable) group (Graph: Remove member). */
export const GROUP_WRITE = 'GroupMember.ReadWrite.All';

/** Built-in authentication strength "Multifactor authentication" (Learn: concept-authentication-strengths). */
export const MFA_STRENGTH_ID = '00000000-0000-0000-0000-000000000002';

/** A policy version with the edits that make it cover a target, and what they are in words. */
export interface PolicyEdit {
  policyId: string;
  after: ConditionalAccessPolicy;
  changes: string[];
  request: GraphRequest;
  /** What the edit does, for ranking: who comes into scope and whether every user in scope is affected. */
  scopeChanges: { includedUsers: string[]; unexcludedUsers: string[]; unexcludedGroups: string[]; unexcludedRoles: string[] };
  /** State, grant or conditions changed: every user in the policy's scope signs in differently. */
  widensForEveryone: boolean;
}

export interface MembershipRemoval {
  userId: string;
  /** The groups the user is removed from (the excluding group and the groups nested in it that hold the user). */
  groupIds: string[];
  requests: GraphRequest[];
  changes: string[];
}

/** Why a policy cannot be the one to cover a target; undefined when it can. */
export function unusable(p: CompiledPolicy): string | undefined {
  if (p.target.kind !== 'apps') return 'it applies to a user action or authentication context, not to ordinary sign-ins';
  if (p.grant.kind === 'block') return 'it blocks access: widening it would lock users out';
  if (p.grant.kind === 'none') return 'it has no grant control (session controls only)';
  if (policyState(p.policy.state) === 'unknown') return `its state '${p.policy.state}' is not documented`;
  if (p.grant.kind === 'notMfa' && p.grant.unresolvedStrength) return 'its authentication strength could not be read';
  return undefined;
}

/**
 * The grant requires MFA through an authentication strength stronger than the built-in MFA one (phishing-
 * resistant, a custom one): adding an admin to it asks for a method they may not have.
 */
export function strongerThanMfa(p: CompiledPolicy): boolean {
  const strength = p.policy.grantControls?.authenticationStrength?.id;
  return (p.grant.kind === 'mfa' || p.grant.kind === 'mfaUnless') && !!strength && normId(strength) !== MFA_STRENGTH_ID;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function list(value: readonly string[] | null | undefined): string[] {
  return [...(value ?? [])];
}

function removeIds(values: readonly string[] | null | undefined, ids: readonly string[]): string[] {
  const drop = new Set(ids.map(normId));
  return list(values).filter((v) => !drop.has(normId(v)));
}

/** What the scope of a policy needs so that the admin is in it, in every target state. */
export interface ScopeNeeds {
  include: boolean;
  users: boolean;
  groups: string[];
  roles: string[];
  /** Excluded as a guest or external user: not something one admin's fix should change. */
  guests: boolean;
}

/** Per-dimension union of the target regions (the packed words of a dimension OR together). */
export function unionMask(regions: readonly Box[]): Box {
  const out = regions[0]?.map(() => 0) ?? [];
  for (const r of regions) r.forEach((m, i) => (out[i] = (out[i] as number) | m));
  return out;
}

function entryMask(set: PolicySet, dim: number, entry: string): bigint {
  const { space } = set;
  if (dim === DIM.app) return entry === 'All' ? space.fullMask(dim) : space.mask(dim, [entry, ...(APP_GROUP_MEMBERS[entry] ?? [])]);
  if (dim === DIM.location) {
    if (entry === 'All') return space.fullMask(dim);
    if (entry === 'AllTrusted') {
      const atoms = space.dimensions[dim]?.atoms ?? [];
      return space.mask(dim, atoms.filter((a) => a === LEGACY_TRUSTED_IPS || set.namedLocations.get(a)?.isTrusted === true));
    }
    return space.mask(dim, [normId(entry)]);
  }
  return space.mask(dim, [entry]);
}

const LOCATION_WORDS: Record<string, string> = { AllTrusted: 'all trusted locations', All: 'all locations' };

/**
 * Edits policy `p` so that it covers every context of `need` (a per-dimension union of target regions) for
 * the admin, as far as its conditions go. Returns the edited policy and the changes, or a reason it cannot.
 */
// eslint-disable-next-line max-lines-per-function -- one branch per condition of the policy, each a few lines
export function widenConditions(p: CompiledPolicy, set: PolicySet, need: Box, after: ConditionalAccessPolicy): { changes: string[]; widened: boolean } | string {
  const changes: string[] = [];
  const c = after.conditions;
  const names = (ids: string[], dim: number) => ids.map((id) => (dim === DIM.location ? (LOCATION_WORDS[id] ?? `'${set.namedLocations.get(normId(id))?.displayName ?? id}'`) : id)).join(', ');
  for (let dim = 0; dim < set.space.dimensions.length; dim++) {
    const have = set.space.get(p.box, dim);
    const want = set.space.get(need, dim);
    if ((have & want) === want) continue;
    switch (dim) {
      case DIM.app: {
        const apps = (c.applications ??= {});
        const include = list(apps.includeApplications);
        const includeMask = include.reduce((m, e) => m | entryMask(set, dim, e), 0n);
        if (!include.includes('All') && (includeMask & want) !== want) {
          apps.includeApplications = ['All'];
          changes.push(`conditions.applications.includeApplications: ${include.join(', ') || '(none)'} → All`);
        }
        const exclude = list(apps.excludeApplications);
        const keep = exclude.filter((e) => (entryMask(set, dim, e) & want) === 0n);
        if (keep.length !== exclude.length) {
          apps.excludeApplications = keep;
          changes.push(`conditions.applications.excludeApplications: remove ${exclude.filter((e) => !keep.includes(e)).join(', ')}`);
        }
        break;
      }
      case DIM.clientApp:
        changes.push(`conditions.clientAppTypes: ${list(c.clientAppTypes).join(', ')} → all`);
        c.clientAppTypes = ['all'];
        break;
      case DIM.platform: {
        const platforms = c.platforms ?? {};
        const include = list(platforms.includePlatforms);
        const exclude = list(platforms.excludePlatforms);
        const includeMask = include.includes('all') ? set.space.fullMask(dim) : set.space.mask(dim, include);
        const keep = exclude.filter((e) => (set.space.mask(dim, [e]) & want) === 0n);
        const newInclude = include.length === 0 || (includeMask & want) === want ? include : ['all'];
        if (newInclude !== include) changes.push(`conditions.platforms.includePlatforms: ${include.join(', ')} → all`);
        if (keep.length !== exclude.length) changes.push(`conditions.platforms.excludePlatforms: remove ${exclude.filter((e) => !keep.includes(e)).join(', ')}`);
        c.platforms = { ...platforms, includePlatforms: newInclude.length ? newInclude : ['all'], excludePlatforms: keep };
        break;
      }
      case DIM.location: {
        const locations = c.locations ?? {};
        const include = list(locations.includeLocations);
        const exclude = list(locations.excludeLocations);
        const includeMask = include.reduce((m, e) => m | entryMask(set, dim, e), 0n);
        const newInclude = include.length === 0 || include.includes('All') || (includeMask & want) === want ? include : ['All'];
        const keep = exclude.filter((e) => (entryMask(set, dim, e) & want) === 0n);
        if (newInclude !== include) changes.push(`conditions.locations.includeLocations: ${names(include, dim)} → all locations`);
        if (keep.length !== exclude.length) changes.push(`conditions.locations.excludeLocations: stop excluding ${names(exclude.filter((e) => !keep.includes(e)), dim)}`);
        c.locations = { ...locations, includeLocations: newInclude.length ? newInclude : ['All'], excludeLocations: keep };
        break;
      }
      case DIM.signInRisk:
        changes.push(`conditions.signInRiskLevels: ${list(c.signInRiskLevels).join(', ')} → any (no condition)`);
        c.signInRiskLevels = [];
        break;
      case DIM.userRisk:
        changes.push(`conditions.userRiskLevels: ${list(c.userRiskLevels).join(', ')} → any (no condition)`);
        c.userRiskLevels = [];
        break;
      case DIM.insiderRisk:
        changes.push(`conditions.insiderRiskLevels: ${c.insiderRiskLevels ?? ''} → any (no condition)`);
        c.insiderRiskLevels = null;
        break;
      case DIM.authFlow:
        changes.push('conditions.authenticationFlows: remove the condition');
        c.authenticationFlows = null;
        break;
      default: {
        if (dim < FIXED_DIMENSION_COUNT) return `condition ${set.space.dimensions[dim]?.key} cannot be widened`;
        const key = set.space.dimensions[dim]?.key ?? '';
        // A policy's box is narrowed on a device dimension only by its device filter (R-DEVICE-1..3); the
        // dimensions of grant alternatives (R-GRANT-7) are the grant's, never the conditions'.
        if (set.devices.byKey.has(key)) {
          if (!c.devices?.deviceFilter) return `condition ${key} cannot be widened`;
          changes.push('conditions.devices.deviceFilter: remove the filter');
          c.devices = { ...(c.devices ?? {}), deviceFilter: null };
        } else if (key.startsWith('app:')) {
          const apps = (c.applications ??= {});
          changes.push('conditions.applications.applicationFilter: remove the filter');
          apps.applicationFilter = null;
          if (list(apps.includeApplications).filter((a) => a !== 'None').length === 0) apps.includeApplications = ['All'];
        } else return `condition ${key} cannot be widened`;
      }
    }
  }
  return { changes, widened: changes.length > 0 };
}

/** Makes the grant enforce MFA (R-GRANT-*): MFA only under OR, MFA added under AND, or the built-in MFA strength. */
export function grantToMfa(p: CompiledPolicy, after: ConditionalAccessPolicy): string | string[] {
  const g = clone(after.grantControls ?? {});
  const operator = (g.operator ?? 'AND').toUpperCase();
  const controls = list(g.builtInControls);
  const strength = g.authenticationStrength?.id;
  const alternatives = controls.length + list(g.customAuthenticationFactors).length + list(g.termsOfUse).length + (strength ? 1 : 0);
  if (strength && p.grant.kind === 'mfaUnless') {
    // The strength is MFA; device or app alternatives beside it (R-GRANT-7) satisfy the grant without it.
    const dropped = [...controls, ...list(g.customAuthenticationFactors).map((x) => `custom control '${x}'`), ...list(g.termsOfUse).map(() => 'terms of use')];
    g.builtInControls = [];
    g.customAuthenticationFactors = [];
    g.termsOfUse = [];
    after.grantControls = g;
    return [`grantControls: require the authentication strength alone (drop ${dropped.join(', ')}, which satisfy it without MFA)`];
  }
  if (strength) {
    // A strength that does not count as MFA: the built-in MFA strength instead (MFA and a strength cannot be combined).
    g.authenticationStrength = { id: MFA_STRENGTH_ID };
    const changes = [`grantControls.authenticationStrength: '${after.grantControls?.authenticationStrength?.displayName ?? strength}' → 'Multifactor authentication' (built-in)`];
    if (operator === 'OR' && alternatives > 1) {
      changes.push(`grantControls: drop the alternatives that satisfy it without MFA (${[...controls, ...list(g.customAuthenticationFactors), ...list(g.termsOfUse).map(() => 'terms of use')].join(', ')})`);
      g.builtInControls = [];
      g.customAuthenticationFactors = [];
      g.termsOfUse = [];
    }
    after.grantControls = g;
    return changes;
  }
  if (controls.includes('mfa')) {
    if (operator !== 'OR') return 'the grant already requires MFA';
    const dropped = [...controls.filter((x) => x !== 'mfa'), ...list(g.customAuthenticationFactors).map((x) => `custom control '${x}'`), ...list(g.termsOfUse).map(() => 'terms of use')];
    g.builtInControls = ['mfa'];
    g.customAuthenticationFactors = [];
    g.termsOfUse = [];
    after.grantControls = g;
    return [`grantControls.builtInControls: require MFA alone (drop ${dropped.join(', ')}, which satisfy it without MFA)`];
  }
  if (operator === 'AND' || alternatives <= 1) {
    g.builtInControls = [...controls, 'mfa'];
    after.grantControls = g;
    return [`grantControls.builtInControls: add mfa (required with ${controls.join(', ') || 'the other controls'})`];
  }
  // OR of controls none of which is MFA: making it MFA would drop a device requirement or add one for everybody.
  return 'its grant is a choice between controls none of which is MFA';
}

/** The PATCH body: only what changed (Graph: "For best performance, don't include existing values that haven't changed"). */
export function patchBody(before: ConditionalAccessPolicy, after: ConditionalAccessPolicy): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (before.state !== after.state) body.state = after.state;
  const conditions: Record<string, unknown> = {};
  const bc = before.conditions as Record<string, unknown>;
  const ac = after.conditions as Record<string, unknown>;
  for (const part of ['users', 'applications'] as const) {
    const b = (bc[part] ?? {}) as Record<string, unknown>;
    const a = (ac[part] ?? {}) as Record<string, unknown>;
    const changed: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) if (!same(a[key], b[key])) changed[key] = a[key] ?? null;
    if (Object.keys(changed).length) conditions[part] = changed;
  }
  for (const key of ['clientAppTypes', 'platforms', 'locations', 'signInRiskLevels', 'userRiskLevels', 'insiderRiskLevels', 'authenticationFlows', 'devices']) {
    if (!same(bc[key], ac[key])) conditions[key] = ac[key] ?? null;
  }
  if (Object.keys(conditions).length) body.conditions = conditions;
  if (!same(before.grantControls, after.grantControls)) body.grantControls = after.grantControls;
  return body;
}

/** Edits of a policy's user scope that bring the admin in: exclusions removed (by PATCH), the admin included. */
export function scopeEdit(p: CompiledPolicy, needs: ScopeNeeds, userId: string, after: ConditionalAccessPolicy, groupName: (id: string) => string, roleName: (id: string) => string): string[] | string {
  if (needs.guests) return 'it excludes the admin as a guest or external user';
  const users = (after.conditions.users ??= {});
  const changes: string[] = [];
  if (needs.users) {
    users.excludeUsers = removeIds(users.excludeUsers, [userId]);
    changes.push('conditions.users.excludeUsers: remove the admin');
  }
  if (needs.groups.length) {
    users.excludeGroups = removeIds(users.excludeGroups, needs.groups);
    changes.push(`conditions.users.excludeGroups: remove ${needs.groups.map((g) => `'${groupName(g)}'`).join(', ')}`);
  }
  if (needs.roles.length) {
    users.excludeRoles = removeIds(users.excludeRoles, needs.roles);
    changes.push(`conditions.users.excludeRoles: remove ${needs.roles.map((r) => `'${roleName(r)}'`).join(', ')}`);
  }
  if (needs.include) {
    if (strongerThanMfa(p)) return 'it requires a stronger method than MFA, which the admin may not have';
    const current = list(users.includeUsers).filter((u) => u !== 'None');
    users.includeUsers = [...current, userId];
    changes.push('conditions.users.includeUsers: add the admin');
  }
  return changes;
}

/** The request that removes `userId` from `groupIds` (one DELETE each; Graph: Remove member). */
export function membershipRemoval(userId: string, groupIds: string[], groupName: (id: string) => string): MembershipRemoval {
  return {
    userId,
    groupIds,
    requests: groupIds.map((g) => ({ method: 'DELETE', path: `/groups/${g}/members/${userId}/$ref`, permission: GROUP_WRITE })),
    changes: groupIds.map((g) => `remove the admin from group '${groupName(g)}'`),
  };
}

/** A new policy requiring MFA for one admin, everywhere: the change when no edit of an existing one suffices. */
export function newPolicyFor(userId: string, name: string): { policy: ConditionalAccessPolicy; request: GraphRequest } {
  const body = {
    displayName: `Require MFA for ${name}`,
    state: 'enabled',
    conditions: {
      users: { includeUsers: [userId] },
      applications: { includeApplications: ['All'] },
      clientAppTypes: ['all'],
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  };
  return {
    policy: { id: `proposed-${userId}`, ...clone(body) } as ConditionalAccessPolicy,
    request: { method: 'POST', path: '/identity/conditionalAccess/policies', body, permission: CA_WRITE },
  };
}

export { clone };
