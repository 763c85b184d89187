// Who can switch MFA off for an admin: every exclusion of an enforcing Conditional Access policy (users, groups
// with their nested groups, roles, guest kinds, locations, platforms, device filters, apps), who controls it
// (owners, roles by their resource actions and scope, restricted-management administrative units, dynamic rules
// and who writes the attributes they read, service principals by their application permissions, policy
// editors), and whether each controller is itself protected. Rules R-EXEMPT-* in docs/evaluation.md. Pure.
import type { Box } from './boxes.js';
import { ROLE } from './catalog.js';
import type { CompiledPolicy, PolicySet } from './conditions.js';
import { type DeviceExpr, parseDeviceRule } from './devices.js';
import { type AdminState, type CoverageMemo, SCOPE, type UserContext, explainGap, guestTypesOf, scopeSignature, stateCoverage } from './coverage.js';
import { type RuleParse, attributeName, parseRule } from './dynamic-rule.js';
import type { ControlPath, ControllerOut, ExclusionKind, ExclusionOut, ExemptionData, ExemptionsOut, StoredExclusionGroup, StoredPrincipalRef } from './exemption-types.js';
import { emptyExemptionData } from './exemption-types.js';
import { normId, sameEnum, scopeKind } from './ids.js';
import type { DirectoryIndex } from './inventory.js';
import { resolveRole } from './inventory.js';
import type { AdminOut } from './report.js';
import { type Ability, type RoleAbilities, APP_PERMISSION_ABILITIES, DEVICE_REPORTED_PROPERTIES, SELF_SERVICE_USER_ATTRIBUTES, hasAbility, roleAbilities, userAttributeWritable, writesUserAttribute } from './role-abilities.js';
import type { TenantSnapshot } from './snapshot.js';

export interface EvaluatedPrincipal {
  out: AdminOut;
  states: AdminState[];
  user: UserContext;
  /** Per state, in the order of `states`: its scope signature (admins alike share it). */
  coverages?: ReadonlyArray<{ signature: string }>;
}

export interface ExemptionInput {
  snapshot: TenantSnapshot;
  index: DirectoryIndex;
  set: PolicySet;
  memo: CoverageMemo;
  admins: readonly EvaluatedPrincipal[];
  potential: readonly EvaluatedPrincipal[];
}

/** A role held by a principal at a scope (standing or eligible). */
interface Holding {
  principalId: string;
  roleId: string;
  roleName: string;
  scope: string;
  eligible: boolean;
}

/** What is known about a group an exclusion goes through. */
export interface GroupFacts {
  id: string;
  name: string;
  stored: StoredExclusionGroup | undefined;
  roleAssignable: boolean | null;
  dynamic: boolean;
  security: boolean;
  unified: boolean;
  units: string[];
  restrictedUnits: string[];
  unitsKnown: boolean;
}

const SELF = 'everyone';
const ON_PREMISES = 'on-premises';
const SIGN_IN = 'sign-in';

/** The policies whose exclusions can take MFA away: enabled, on apps, requiring MFA or blocking (R-EXEMPT-1). */
export function enforcingPolicies(set: PolicySet): CompiledPolicy[] {
  return set.policies.filter((p) => p.state === 'enabled' && p.target.kind === 'apps' && (p.grant.kind === 'mfa' || p.grant.kind === 'block'));
}

class Analysis {
  readonly data: ExemptionData;
  readonly abilities = new Map<string, RoleAbilities | null>();
  readonly holdings: Holding[] = [];
  readonly unknowns = new Set<string>();
  readonly exclusions = new Map<string, ExclusionOut>();
  readonly controllers = new Map<string, ControllerOut>();
  readonly groupsById: Map<string, StoredExclusionGroup>;
  readonly unitsById: Map<string, { units: Array<{ id: string; displayName: string | null; restricted: boolean | null }> }>;
  readonly appsById: Map<string, ExemptionData['apps'][number]>;
  readonly controllerGroups: Map<string, ExemptionData['controllerGroups'][number]>;
  readonly userNames = new Map<string, string>();
  readonly controllerRecords: Map<string, ExemptionData['controllers'][number]>;
  readonly evaluatedById = new Map<string, { e: EvaluatedPrincipal; admin: boolean }>();

  constructor(readonly input: ExemptionInput) {
    this.data = input.snapshot.exemptions ?? emptyExemptionData();
    this.groupsById = new Map(this.data.groups.map((g) => [normId(g.id), g]));
    this.unitsById = new Map(this.data.units.map((u) => [normId(u.id), u]));
    this.appsById = new Map(this.data.apps.map((a) => [normId(a.id), a]));
    this.controllerGroups = new Map(this.data.controllerGroups.map((g) => [normId(g.id), g]));
    this.controllerRecords = new Map(this.data.controllers.map((c) => [normId(c.id), c]));
    for (const e of input.potential) this.evaluatedById.set(e.out.id, { e, admin: false });
    for (const e of input.admins) this.evaluatedById.set(e.out.id, { e, admin: true });
    for (const u of input.snapshot.users) this.userNames.set(normId(u.id), u.userPrincipalName ?? u.displayName ?? u.id);
    for (const c of this.data.controllers) if (c.found) this.userNames.set(normId(c.id), c.userPrincipalName ?? c.displayName ?? c.id);
    this.collectHoldings();
    // Role-level unknowns (unreadable permissions, unclassified actions) are the tenant's, not one exclusion's.
    for (const h of this.holdings) this.abilitiesOf(h.roleId);
  }

  abilitiesOf(roleId: string): RoleAbilities | null {
    const id = normId(roleId);
    if (!this.abilities.has(id)) {
      const def = this.input.index.roleDefinitions.get(id) ?? [...this.input.index.roleDefinitions.values()].find((d) => normId(d.templateId ?? '') === id);
      const abilities = roleAbilities(def?.rolePermissions);
      this.abilities.set(id, abilities);
      const name = resolveRole(id, this.input.index).roleName;
      if (!abilities) this.unknowns.add(`the permissions of role '${name}' could not be read: what its holders can change is unknown`);
      else for (const action of abilities.unknown) this.unknowns.add(`role '${name}' has resource action ${action}, which the monitor does not classify: its holders may be able to change exclusions`);
    }
    return this.abilities.get(id) ?? null;
  }

  /** Standing and eligible role assignments (R-EXEMPT-1: an eligible holder can activate). */
  private collectHoldings(): void {
    const { snapshot, index } = this.input;
    const add = (principalId: string, roleId: string, scope: string | null | undefined, eligible: boolean): void => {
      this.holdings.push({ principalId: normId(principalId), roleId: normId(roleId), roleName: resolveRole(roleId, index).roleName, scope: scope ?? '/', eligible });
    };
    if (!snapshot.pimAvailable) for (const a of snapshot.roleAssignments) add(a.principalId, a.roleDefinitionId, a.directoryScopeId, false);
    // Instances Graph derives for a group's members (memberType Group) duplicate the group's own.
    for (const a of snapshot.activeRoleInstances) if (sameEnum(a.memberType ?? 'Direct', 'Direct')) add(a.principalId, a.roleDefinitionId, a.directoryScopeId, false);
    for (const e of snapshot.eligibleRoleInstances) if (sameEnum(e.memberType ?? 'Direct', 'Direct')) add(e.principalId, e.roleDefinitionId, e.directoryScopeId, true);
  }

  /** The users (and service principals) a principal stands for: a group's members hold its roles. */
  expand(principalId: string): Array<{ id: string; via: string | null }> {
    const id = normId(principalId);
    const cached = this.expanded.get(id);
    if (cached) return cached;
    const result = this.expandUncached(id);
    this.expanded.set(id, result);
    return result;
  }

  private expandUncached(id: string): Array<{ id: string; via: string | null }> {
    const group = this.input.index.groups.get(id);
    const cg = this.controllerGroups.get(id);
    if (group?.coverage === 'all' || cg) {
      const users = group?.coverage === 'all' ? group.memberUserIds : (cg?.memberUserIds ?? []);
      const sps = group?.coverage === 'all' ? (group.memberServicePrincipalIds ?? []) : (cg?.memberServicePrincipalIds ?? []);
      const name = group?.displayName ?? cg?.displayName ?? id;
      return [...users, ...sps].map((m) => ({ id: normId(m), via: `member of group '${name}'` }));
    }
    if (group) {
      this.unknowns.add(`group '${group.displayName ?? id}' holds a role, but only its admin members were read`);
      return [];
    }
    return [{ id, via: null }];
  }

  groupFacts(groupId: string): GroupFacts {
    const id = normId(groupId);
    const stored = this.groupsById.get(id);
    const snap = this.input.index.groups.get(id);
    const units = this.unitsById.get(id);
    const types = (stored?.groupTypes ?? []).map((t) => t.toLowerCase());
    const restrictedUnits = (units?.units ?? []).filter((u) => u.restricted === true).map((u) => normId(u.id));
    return {
      id,
      name: stored?.displayName ?? snap?.displayName ?? id,
      stored,
      // R-EXEMPT-3: Graph answers null for groups created before the property existed; it is set only at
      // creation (default false), so a group read with a null value is not role-assignable.
      roleAssignable: stored ? stored.isAssignableToRole === true : (snap?.isAssignableToRole ?? null),
      dynamic: types.includes('dynamicmembership'),
      unified: types.includes('unified'),
      security: stored ? stored.securityEnabled !== false && !types.includes('unified') : true,
      units: (units?.units ?? []).map((u) => normId(u.id)),
      restrictedUnits,
      // A unit Graph names without its restriction (read without AdministrativeUnit.Read.All) leaves it unknown.
      unitsKnown: !!units && (restrictedUnits.length > 0 || units.units.every((u) => u.restricted !== null)),
    };
  }

  /** R-EXEMPT-8: which role scopes reach an object in (or out of) administrative units. */
  scopeReaches(scope: string, g: GroupFacts, ability: Ability): boolean {
    const kind = scopeKind(scope);
    const restricted = g.restrictedUnits.length > 0;
    if (kind === 'tenant') return !restricted || (g.roleAssignable === true && ability === 'roleAssignableGroups');
    if (kind === 'administrativeUnit') {
      const au = normId(scope.split('/').pop() ?? '');
      return restricted ? g.restrictedUnits.includes(au) : g.units.includes(au);
    }
    return !restricted && normId(scope.replace(/^\//, '')) === g.id;
  }

  private readonly holdersCache = new Map<Ability, Array<{ h: Holding; abilities: RoleAbilities }>>();

  /** The holdings whose role has `ability` at all (worked out once per ability). */
  holdersWith(ability: Ability): Array<{ h: Holding; abilities: RoleAbilities }> {
    let list = this.holdersCache.get(ability);
    if (!list) {
      list = [];
      for (const h of this.holdings) {
        const abilities = this.abilitiesOf(h.roleId);
        if (abilities?.grants.some((g) => g.ability === ability)) list.push({ h, abilities });
      }
      this.holdersCache.set(ability, list);
    }
    return list;
  }

  private readonly expanded = new Map<string, Array<{ id: string; via: string | null }>>();
  private readonly grantedByCache = new Map<string, string>();

  /** "eligible for 'Role' at scope (action), as member of group 'G'", built once per holding and action. */
  grantedBy(h: Holding, action: string, via: string | null): string {
    const key = `${h.principalId}|${h.roleId}|${h.scope}|${h.eligible ? 1 : 0}|${action}|${via ?? ''}`;
    let text = this.grantedByCache.get(key);
    if (text === undefined) {
      const scope = scopeKind(h.scope) === 'tenant' ? '' : ` at ${h.scope}`;
      this.grantedByCache.set(key, (text = `${h.eligible ? 'eligible for ' : ''}'${h.roleName}'${scope} (${action})${via ? `, as ${via}` : ''}`));
    }
    return text;
  }

  /** Role holders with `ability` that reach this group (kinds and scope), as control paths. */
  roleControllers(g: GroupFacts | null, ability: Ability, detail: string, steps: ControlPath['steps'], filter?: (h: Holding, abilities: RoleAbilities) => boolean): Array<{ id: string; path: ControlPath }> {
    const out: Array<{ id: string; path: ControlPath }> = [];
    for (const { h, abilities } of this.holdersWith(ability)) {
      const grant = g && ability !== 'roleAssignableGroups' ? hasAbility(abilities, ability, { security: g.security, unified: g.unified, dynamic: g.dynamic }) : hasAbility(abilities, ability);
      if (!grant || (filter && !filter(h, abilities))) continue;
      if (g ? !this.scopeReaches(h.scope, g, ability) : scopeKind(h.scope) !== 'tenant') continue;
      for (const m of this.expand(h.principalId)) out.push({ id: m.id, path: { how: 'role', detail, grantedBy: this.grantedBy(h, grant.action, m.via), steps } });
    }
    return out;
  }

  appControllers(ability: Ability, detail: string, steps: ControlPath['steps']): Array<{ id: string; path: ControlPath }> {
    const out: Array<{ id: string; path: ControlPath }> = [];
    for (const app of this.data.apps) {
      const permission = app.permissions.find((p) => APP_PERMISSION_ABILITIES[p]?.includes(ability));
      if (permission) out.push({ id: normId(app.id), path: { how: 'appPermission', detail, grantedBy: `application permission ${permission}`, steps } });
    }
    return out;
  }

  ownerPrincipal(owner: StoredPrincipalRef): string {
    if (owner.type === 'unknown') {
      this.controllers.set(normId(owner.id), { id: normId(owner.id), kind: 'unknown', name: owner.displayName ?? owner.id, verdict: 'unknown', note: 'an owner Graph does not resolve (a deleted object, or one the monitor may not read)', isAdmin: false });
    } else if (owner.displayName || owner.userPrincipalName) this.userNames.set(normId(owner.id), owner.userPrincipalName ?? owner.displayName ?? owner.id);
    return normId(owner.id);
  }

  /** Owners, eligible owners, member managers and owner managers of one group (R-EXEMPT-2, -3, -7, -8). */
   
  groupControllers(g: GroupFacts, through: string): Array<{ id: string; path: ControlPath }> {
    const out: Array<{ id: string; path: ControlPath }> = [];
    const restricted = g.restrictedUnits.length > 0;
    const what = `group '${g.name}'${through}`;
    if (!g.stored) this.unknowns.add(`the details and owners of group '${g.name}' could not be read: its owners and whether it is dynamic are unknown`);
    if (!g.unitsKnown && this.unitsById.has(g.id)) this.unknowns.add(`whether the administrative units of group '${g.name}' restrict management could not be read: controllers they would block are listed`);
    for (const owner of g.stored?.owners ?? []) {
      const id = this.ownerPrincipal(owner);
      // Restricted-management units block owners (admin-units-restricted-management, "Who can modify objects").
      if (!restricted) out.push({ id, path: { how: 'owner', detail: `owns ${what}`, grantedBy: null, steps: 'direct' } });
    }
    const pim = this.data.pimOwners.find((p) => normId(p.id) === g.id);
    for (const o of pim?.owners ?? []) {
      if (restricted) continue;
      for (const m of this.expand(o.principalId)) out.push({ id: m.id, path: { how: o.assignment === 'eligible' ? 'eligibleOwner' : 'owner', detail: `${o.assignment === 'eligible' ? 'eligible owner (PIM for Groups) of' : 'owner (PIM for Groups) of'} ${what}`, grantedBy: m.via, steps: o.assignment === 'eligible' ? 'twoSteps' : 'direct' } });
    }
    if (g.roleAssignable === true) {
      out.push(...this.roleControllers(g, 'roleAssignableGroups', `manages the members of role-assignable ${what}`, 'direct'));
      if (!restricted) out.push(...this.appControllers('roleAssignableGroups', `manages the members of role-assignable ${what}`, 'direct'));
      return out;
    }
    if (g.roleAssignable === null) this.unknowns.add(`whether group '${g.name}' is role-assignable is unknown: both kinds of member managers are listed`);
    if (g.roleAssignable === null) out.push(...this.roleControllers(g, 'roleAssignableGroups', `may manage the members of ${what}`, 'direct'));
    if (!g.dynamic) {
      out.push(...this.roleControllers(g, 'groupMembers', `adds members to ${what}`, 'direct'));
      if (!restricted) out.push(...this.appControllers('groupMembers', `adds members to ${what}`, 'direct'));
    }
    out.push(...this.roleControllers(g, 'groupRule', `${g.dynamic ? 'edits the membership rule of' : 'can make dynamic (with any rule)'} ${what}`, g.dynamic ? 'direct' : 'twoSteps'));
    out.push(...this.roleControllers(g, 'groupOwners', `can make itself owner of ${what}`, 'twoSteps'));
    if (!restricted) out.push(...this.appControllers('groupRule', `edits the membership rule of ${what}`, g.dynamic ? 'direct' : 'twoSteps'), ...this.appControllers('groupOwners', `can make itself owner of ${what}`, 'twoSteps'));
    if (restricted) out.push(...this.roleControllers(g, 'administrativeUnitMembers', `can take ${what} out of its restricted-management administrative unit`, 'twoSteps'));
    return out;
  }

  /** R-EXEMPT-5: a dynamic group's rule, the attributes it reads, and who writes them. */
  ruleControllers(g: GroupFacts, parsed: RuleParse, through: string): Array<{ id: string; path: ControlPath }> {
    const out: Array<{ id: string; path: ControlPath }> = [];
    if (!parsed.ok) {
      this.unknowns.add(`the membership rule of group '${g.name}' could not be parsed (${parsed.error}): who can steer it is unknown`);
      return out;
    }
    for (const gid of parsed.memberOfGroups) this.unknowns.add(`the rule of group '${g.name}' matches the members of group ${gid}: whoever controls that group controls this one`);
    for (const a of parsed.attributes.filter((x) => x.object === 'user' && userAttributeWritable(x.property))) {
      const detail = `writes ${attributeName(a)}, which the rule of group '${g.name}'${through} reads`;
      const writers = this.roleControllers(null, 'userAttributes', detail, 'direct', (_h, abilities) => abilities.grants.some((grant) => writesUserAttribute(grant, a.property)));
      const au = this.holdings.filter((h) => scopeKind(h.scope) === 'administrativeUnit' && this.abilitiesOf(h.roleId)?.grants.some((grant) => writesUserAttribute(grant, a.property)));
      for (const h of au) for (const m of this.expand(h.principalId)) writers.push({ id: m.id, path: { how: 'attributeWriter', detail: `${detail} (for users in administrative unit ${h.scope.split('/').pop()})`, grantedBy: `'${h.roleName}' at ${h.scope}`, steps: 'direct' } });
      out.push(...writers, ...this.appControllers('userAttributes', detail, 'direct'));
      if (SELF_SERVICE_USER_ATTRIBUTES.has(a.property)) out.push({ id: SELF, path: { how: 'selfService', detail: `every user can change their own ${attributeName(a)}, which the rule of group '${g.name}' reads`, grantedBy: 'default user permissions (manage own mobile phone number)', steps: 'direct' } });
      out.push({ id: ON_PREMISES, path: { how: 'onPremises', detail: `for accounts synchronised from on-premises Active Directory, ${attributeName(a)} is written there`, grantedBy: null, steps: 'direct' } });
    }
    return out;
  }

  /** The roles below Global Administrator whose definitions write an attribute the rule reads (R-EXEMPT-5). */
  writersBelowGlobalAdmin(parsed: RuleParse): string[] {
    if (!parsed.ok) return [];
    const names = new Set<string>();
    for (const def of this.input.index.roleDefinitions.values()) {
      if (normId(def.templateId ?? def.id) === ROLE.globalAdministrator) continue;
      const abilities = roleAbilities(def.rolePermissions);
      if (parsed.attributes.some((a) => a.object === 'user' && abilities?.grants.some((grant) => writesUserAttribute(grant, a.property)))) names.add(def.displayName);
    }
    if (parsed.attributes.some((a) => a.object === 'user' && SELF_SERVICE_USER_ATTRIBUTES.has(a.property))) names.add('every user (self-service)');
    if (this.data.apps.some((app) => app.permissions.some((p) => APP_PERMISSION_ABILITIES[p]?.includes('userAttributes'))) && parsed.attributes.some((a) => a.object === 'user')) names.add('applications with User.ReadWrite.All or Directory.ReadWrite.All');
    return [...names].sort();
  }

  addController(id: string): void {
    if (this.controllers.has(id)) return;
    this.controllers.set(id, this.describeController(id));
  }

   
  describeController(id: string): ControllerOut {
    if (id === SELF) return { id, kind: 'everyone', name: 'every user (self-service)', verdict: 'notApplicable', note: 'default user permissions', isAdmin: false };
    if (id === ON_PREMISES) return { id, kind: 'onPremises', name: 'on-premises Active Directory', verdict: 'unknown', note: 'who writes attributes on-premises is not visible in Graph', isAdmin: false };
    if (id === SIGN_IN) return { id, kind: 'signIn', name: 'whoever signs in', verdict: 'notApplicable', note: 'the client or the device reports it', isAdmin: false };
    const evaluated = this.evaluatedById.get(id);
    if (evaluated) {
      const o = evaluated.e.out;
      return { id, kind: 'user', name: o.userPrincipalName ?? o.displayName ?? id, verdict: o.verdict, note: o.verdict === 'excluded' ? `excluded from MFA by design (${o.excludedBy ?? 'MONITOR_EXCLUDED_ACCOUNTS'})` : gapNote(o.gaps[0]?.summary), isAdmin: evaluated.admin };
    }
    const app = this.appsById.get(id) ?? (this.input.index.servicePrincipals.has(id) ? null : undefined);
    if (app !== undefined) {
      const sp = this.input.index.servicePrincipals.get(id);
      const name = app?.displayName ?? sp?.displayName ?? id;
      if (!app || app.secrets === null) return { id, kind: 'servicePrincipal', name, verdict: 'unknown', note: 'its credentials could not be read', isAdmin: false };
      if (app.secrets > 0) return { id, kind: 'servicePrincipal', name, verdict: 'secretCredential', note: `${app.secrets} client secret${app.secrets > 1 ? 's' : ''}: whoever holds one acts as the app, with no MFA`, isAdmin: false };
      return { id, kind: 'servicePrincipal', name, verdict: 'noSecret', note: sameEnum(app.servicePrincipalType ?? '', 'ManagedIdentity') ? 'managed identity: no credential to steal' : `${app.certificates ?? 0} certificate(s), no client secret`, isAdmin: false };
    }
    return this.evaluateController(id);
  }

  /**
   * A user the snapshot holds when every group policies name is held whole (a fixture's snapshot): their
   * memberships are known without a controller record.
   */
  fromIndex(id: string): ExemptionData['controllers'][number] | undefined {
    const { index, set } = this.input;
    const u = index.users.get(id);
    if (!u || [...set.referenced.groups].some((g) => index.groups.has(g) && index.groups.get(g)?.coverage !== 'all')) return undefined;
    return { id, found: true, userPrincipalName: u.userPrincipalName ?? null, displayName: u.displayName ?? null, userType: u.userType ?? null, accountEnabled: u.accountEnabled ?? null, onPremisesSyncEnabled: u.onPremisesSyncEnabled ?? null, groupIds: [...(index.groupsOfUser.get(id) ?? [])] };
  }

  /** A controller who is no admin: their own MFA coverage, from the groups Conditional Access names they are in. */
  evaluateController(id: string): ControllerOut {
    const { snapshot, index, set, memo } = this.input;
    const c = this.controllerRecords.get(id) ?? this.fromIndex(id);
    const name = this.userNames.get(id) ?? c?.userPrincipalName ?? id;
    if (!c || !c.found) return { id, kind: c ? 'user' : 'unknown', name, verdict: 'unknown', note: c ? 'the account was not found' : 'the account could not be read', isAdmin: false };
    if (c.groupIds === null) return { id, kind: 'user', name, verdict: 'unknown', note: 'their group memberships could not be read', isAdmin: false };
    if (snapshot.dataSources.conditionalAccess?.state === 'unavailable') return { id, kind: 'user', name, verdict: 'unknown', note: 'Conditional Access policies could not be read', isAdmin: false };
    const groups = new Set<string>();
    for (const g of c.groupIds) {
      groups.add(normId(g));
      for (const parent of index.groupsOfGroup.get(normId(g)) ?? []) groups.add(parent);
    }
    const roles = new Set(this.holdings.filter((h) => !h.eligible && scopeKind(h.scope) === 'tenant' && this.expand(h.principalId).some((m) => m.id === id)).map((h) => h.roleId));
    const state: AdminState = { label: null, key: 'standing', units: [], activePaths: [], targetableRoles: roles, untargetablePaths: [], groups };
    const user: UserContext = { id, guestTypes: guestTypesOf({ id, userPrincipalName: c.userPrincipalName, displayName: c.displayName, accountEnabled: c.accountEnabled, userType: c.userType, onPremisesSyncEnabled: c.onPremisesSyncEnabled }) };
    const coverage = stateCoverage(memo, user, state, snapshot.securityDefaults?.isEnabled === true);
    if (coverage.uncovered.length === 0) return { id, kind: 'user', name, verdict: 'protected', note: null, isAdmin: false };
    const first = coverage.uncovered[0] as Box;
    const full = coverage.uncovered.length === 1 && first.every((mask, i) => mask === set.space.full[i]);
    const gap = explainGap(set, memo, user, coverage, first, index);
    return { id, kind: 'user', name, verdict: full ? 'unprotected' : 'partial', note: gapNote(gap.gap.summary), isAdmin: false };
  }
}

/**
 * A controller's first gap without its reasons ("no MFA when signing in from …"): the admin's own row, or the
 * check contract's admin record, gives the why; the view and the finding say only what is open.
 */
function gapNote(summary: string | undefined): string | null {
  if (!summary) return null;
  const cut = summary.indexOf(' (policy ');
  return cut > 0 ? summary.slice(0, cut) : summary;
}

/** The exclusions each enforcing policy makes, keyed so one group excluded by many policies is one exclusion. */
function policyExclusions(p: CompiledPolicy): Array<{ key: string; kind: ExclusionKind; targetId: string }> {
  const c = p.policy.conditions;
  const out: Array<{ key: string; kind: ExclusionKind; targetId: string }> = [];
  for (const id of p.users.excludeUsers) out.push({ key: `user:${id}`, kind: 'user', targetId: id });
  for (const id of p.users.excludeGroups) out.push({ key: `group:${id}`, kind: 'group', targetId: id });
  for (const id of p.users.excludeRoles) out.push({ key: `role:${id}`, kind: 'role', targetId: id });
  if (p.users.excludeGuestTypes.size > 0) {
    const types = [...p.users.excludeGuestTypes].sort().join(',');
    out.push({ key: `guests:${types}`, kind: 'guests', targetId: types });
  }
  for (const id of c.locations?.excludeLocations ?? []) out.push({ key: `location:${normId(id)}`, kind: 'location', targetId: id });
  for (const id of c.platforms?.excludePlatforms ?? []) out.push({ key: `platform:${id.toLowerCase()}`, kind: 'platform', targetId: id });
  const filter = c.devices?.deviceFilter;
  if (filter?.rule) out.push({ key: `deviceFilter:${p.id}`, kind: 'deviceFilter', targetId: filter.rule });
  for (const id of c.applications?.excludeApplications ?? []) out.push({ key: `application:${normId(id)}`, kind: 'application', targetId: id });
  return out;
}

interface Reach {
  /** Per exclusion key: the admins it takes out now, and how many it reaches. */
  byKey: Map<string, { current: string[]; reachable: number }>;
  reach: ExemptionsOut['reach'];
  excludedNow: ExemptionsOut['excludedNow'];
}

/**
 * Which admins each exclusion reaches (a policy includes them, exclusions aside) and takes out now (R-EXEMPT-1).
 * Worked out once per scope signature: admins alike share it, as they share coverage; admins reached by the same
 * exclusions share one entry of the output.
 */
function reach(analysis: Analysis, policies: CompiledPolicy[]): Reach {
  // Exclusion keys as bits (in key order, so a set of bits reads back sorted); each policy's keys as one mask.
  const keys = [...new Set(policies.flatMap((p) => policyExclusions(p).map((x) => x.key)))].sort();
  const bit = new Map(keys.map((k, i) => [k, i]));
  const words = Math.max(1, Math.ceil(keys.length / 32));
  const compiled = policies.map((p) => {
    const exclusions = policyExclusions(p).map((x) => ({ ...x, bit: bit.get(x.key) as number }));
    const mask = new Uint32Array(words);
    for (const x of exclusions) mask[x.bit >>> 5] = (mask[x.bit >>> 5] as number) | (1 << (x.bit & 31));
    return { p, exclusions, mask };
  });
  const toKeys = (m: Uint32Array): string[] => keys.filter((_k, i) => ((m[i >>> 5] as number) & (1 << (i & 31))) !== 0);
  const { set, memo } = analysis.input;
  // Per scope signature: the exclusion keys reached, and those excluding now (sorted, so sets compare as text).
  const signatures = new Map<string, { reachable: Uint32Array; current: Uint32Array }>();
  const ofState = (e: EvaluatedPrincipal, i: number, s: AdminState): { reachable: Uint32Array; current: Uint32Array } => {
    const signature = e.coverages?.[i]?.signature ?? scopeSignature(set, e.user, s);
    let g = signatures.get(signature);
    if (!g) {
      const reachable = new Uint32Array(words);
      const current = new Uint32Array(words);
      // The scope vector coverage computed for this signature: a policy that includes the admin (excluded or not)
      // reaches them with all its exclusions; one that excludes them does so through the exclusions they are in.
      const { scopes } = memo.scopesFor(e.user, s);
      for (const { p, exclusions, mask } of compiled) {
        const scope = scopes[p.index];
        if (scope === SCOPE.out) continue;
        for (let w = 0; w < words; w++) reachable[w] = (reachable[w] as number) | (mask[w] as number);
        if (scope !== SCOPE.excluded) continue;
        for (const x of exclusions) {
          const now =
            (x.kind === 'user' && x.targetId === e.user.id) ||
            (x.kind === 'group' && s.groups.has(x.targetId)) ||
            (x.kind === 'role' && s.targetableRoles.has(x.targetId)) ||
            (x.kind === 'guests' && [...e.user.guestTypes].some((t) => p.users.excludeGuestTypes.has(t)));
          if (now) current[x.bit >>> 5] = (current[x.bit >>> 5] as number) | (1 << (x.bit & 31));
        }
      }
      signatures.set(signature, (g = { reachable, current }));
    }
    return g;
  };
  const union = (masks: Uint32Array[]): Uint32Array => {
    if (masks.length === 1) return masks[0] as Uint32Array;
    const out = new Uint32Array(words);
    for (const m of masks) for (let w = 0; w < words; w++) out[w] = (out[w] as number) | (m[w] as number);
    return out;
  };
  const sets = new Map<string, { exclusionKeys: string[]; adminIds: string[] }>();
  const byKey = new Map<string, { current: string[]; reachable: number }>();
  const entry = (key: string) => {
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { current: [], reachable: 0 }));
    return e;
  };
  const excludedNow: Reach['excludedNow'] = [];
  // Admins alike share one evaluation (the same coverages object): they get the same answer.
  const combos = new Map<object, { r: { exclusionKeys: string[]; adminIds: string[] }; current: string[] }>();
  // Admins are in report order: every list below is too.
  for (const e of analysis.input.admins) {
    const combo = e.coverages ?? null;
    let known = combo === null ? undefined : combos.get(combo);
    if (!known) {
      const perState = e.states.map((s, i) => ofState(e, i, s));
      const reachable = union(perState.map((g) => g.reachable));
      const id = reachable.join(',');
      let r = sets.get(id);
      if (!r) sets.set(id, (r = { exclusionKeys: toKeys(reachable), adminIds: [] }));
      known = { r, current: toKeys(union(perState.map((g) => g.current))) };
      if (combo !== null) combos.set(combo, known);
    }
    known.r.adminIds.push(e.out.id);
    const current = known.current;
    if (current.length === 0) continue;
    excludedNow.push({ adminId: e.out.id, exclusionKeys: current });
    for (const k of current) entry(k).current.push(e.out.id);
  }
  for (const r of sets.values()) for (const k of r.exclusionKeys) entry(k).reachable += r.adminIds.length;
  return { byKey, reach: [...sets.values()].filter((r) => r.exclusionKeys.length > 0), excludedNow };
}

function targetName(analysis: Analysis, kind: ExclusionKind, id: string): string {
  const { index, set } = analysis.input;
  switch (kind) {
    case 'user':
      return analysis.userNames.get(id) ?? id;
    case 'group':
      return analysis.groupFacts(id).name;
    case 'role':
      return resolveRole(id, index).roleName;
    case 'guests':
      return `guest and external users (${id})`;
    case 'location':
      return id === 'AllTrusted' ? 'all trusted locations' : (set.namedLocations.get(normId(id))?.displayName ?? id);
    case 'platform':
      return `platform ${id}`;
    case 'deviceFilter':
      return `device filter '${id}'`;
    case 'application':
      return `application ${id}`;
  }
}

/** Controllers of one exclusion by kind (R-EXEMPT-2..9). */
 
function exclusionControllers(analysis: Analysis, x: ExclusionOut): Array<{ id: string; path: ControlPath }> {
  const out: Array<{ id: string; path: ControlPath }> = [];
  switch (x.kind) {
    case 'group': {
      const top = analysis.groupFacts(x.targetId);
      const nested = (analysis.input.index.groups.get(top.id)?.memberGroupIds ?? []).map(normId);
      for (const g of [top, ...nested.map((n) => analysis.groupFacts(n))]) {
        const through = g.id === top.id ? '' : ` (nested in '${top.name}')`;
        out.push(...analysis.groupControllers(g, through));
        if (g.dynamic) out.push(...analysis.ruleControllers(g, parseRule(g.stored?.membershipRule), through));
      }
      break;
    }
    case 'role': {
      // R-EXEMPT-4: whoever can give an admin the excluded role: role assigners (listed once, as policy editors
      // can), owners and member managers of the groups that hold the role.
      const groups = new Set(analysis.holdings.filter((h) => h.roleId === normId(x.targetId) && (analysis.input.index.groups.has(h.principalId) || analysis.controllerGroups.has(h.principalId))).map((h) => h.principalId));
      for (const gid of groups) out.push(...analysis.groupControllers(analysis.groupFacts(gid), ` (holds '${x.targetName}')`));
      break;
    }
    case 'guests':
      out.push(...analysis.roleControllers(null, 'userAttributes', 'can change the user type of an admin to guest', 'direct', (_h, a) => a.grants.some((g) => writesUserAttribute(g, 'usertype'))), ...analysis.appControllers('userAttributes', 'can change the user type of an admin to guest', 'direct'));
      break;
    case 'location':
      out.push(...analysis.roleControllers(null, 'namedLocations', `edits ${x.targetId === 'AllTrusted' ? 'trusted named locations (or marks one trusted)' : `named location '${x.targetName}'`}`, 'direct'), ...analysis.appControllers('namedLocations', 'edits named locations', 'direct'));
      break;
    case 'platform':
      out.push({ id: SIGN_IN, path: { how: 'clientReported', detail: 'the device platform is reported by the client: a sign-in can claim an excluded platform', grantedBy: null, steps: 'direct' } });
      break;
    case 'deviceFilter': {
      // Read as the engine reads it (R-DEVICE-3), for the properties it depends on.
      const parsed = parseDeviceRule(x.targetId);
      if ('error' in parsed) analysis.unknowns.add(`the device filter '${x.targetId}' could not be parsed (${parsed.error}): who can steer it is unknown`);
      else {
        out.push(...analysis.roleControllers(null, 'devices', 'writes the device properties the filter reads', 'direct'), ...analysis.appControllers('devices', 'writes the device properties the filter reads', 'direct'));
        if ([...deviceProperties(parsed.expr)].some((p) => DEVICE_REPORTED_PROPERTIES.has(p))) out.push({ id: SIGN_IN, path: { how: 'clientReported', detail: 'the filter reads properties the device reports itself', grantedBy: null, steps: 'direct' } });
      }
      break;
    }
    case 'user':
    case 'application':
      // Only a policy editor can change these (listed once for all exclusions).
      break;
  }
  return out;
}

/** The device properties a parsed device filter reads (lower case). */
function deviceProperties(expr: DeviceExpr, out = new Set<string>()): Set<string> {
  if (expr.kind === 'pred') out.add(expr.property);
  else if (expr.kind === 'not') deviceProperties(expr.item, out);
  else for (const item of expr.items) deviceProperties(item, out);
  return out;
}

/** Who can edit the policies themselves, and who can give itself any role or any application permission (R-EXEMPT-9). */
function policyEditors(analysis: Analysis): Array<{ id: string; paths: ControlPath[] }> {
  const paths = [
    ...analysis.roleControllers(null, 'conditionalAccess', 'edits Conditional Access policies (can add any exclusion)', 'direct'),
    ...analysis.appControllers('conditionalAccess', 'edits Conditional Access policies (can add any exclusion)', 'direct'),
    ...analysis.roleControllers(null, 'roleAssignments', 'assigns roles, and so can give itself any of the abilities here', 'twoSteps'),
    ...analysis.appControllers('roleAssignments', 'assigns roles, and so can give itself any of the abilities here', 'twoSteps'),
    ...analysis.roleControllers(null, 'consent', 'grants any application any permission, and so can give an app any of the abilities here', 'twoSteps'),
    ...analysis.appControllers('consent', 'grants any application permission, and so can give itself any of the abilities here', 'twoSteps'),
  ];
  return merge(paths);
}

function merge(paths: Array<{ id: string; path: ControlPath }>): Array<{ id: string; paths: ControlPath[] }> {
  const by = new Map<string, ControlPath[]>();
  const seen = new Set<string>();
  for (const { id, path } of paths) {
    const key = `${id}\u0000${path.detail}\u0000${path.grantedBy ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let list = by.get(id);
    if (!list) by.set(id, (list = []));
    list.push(path);
  }
  return [...by].map(([id, list]) => ({ id, paths: list })).sort((a, b) => a.id.localeCompare(b.id));
}

function datasetUnknowns(snapshot: TenantSnapshot): string[] {
  const names: Record<string, string> = {
    exclusionGroups: 'exclusion groups (owners, dynamic rules)',
    exclusionPimOwners: 'PIM for Groups owners of exclusion groups',
    administrativeUnits: 'administrative units of exclusion groups',
    appPermissions: "service principals' application permissions and credentials",
    controllers: "controllers' accounts and group memberships",
    roleDefinitions: 'role definitions (their permissions)',
  };
  return Object.entries(names)
    .filter(([d]) => snapshot.dataSources[d as keyof TenantSnapshot['dataSources']]?.state === 'unavailable' || (d !== 'roleDefinitions' && !snapshot.dataSources[d as keyof TenantSnapshot['dataSources']]))
    .map(([, label]) => `${label} could not be read: controllers that depend on them are missing or unknown`);
}

/** The exemption analysis: every exclusion of an enforcing policy, its controllers, and theirs verdicts. */
export function analyseExemptions(input: ExemptionInput): { out: ExemptionsOut; analysis: Analysis; policies: CompiledPolicy[] } {
  const analysis = new Analysis(input);
  const policies = enforcingPolicies(input.set);
  const reached = reach(analysis, policies);
  for (const p of policies) {
    for (const x of policyExclusions(p)) {
      let e = analysis.exclusions.get(x.key);
      if (!e) {
        const r = reached.byKey.get(x.key);
        e = { key: x.key, kind: x.kind, targetId: x.targetId, targetName: targetName(analysis, x.kind, x.targetId), policies: [], memberAdminIds: r?.current ?? [], reachableAdmins: r?.reachable ?? 0, controllers: [], unknowns: [] };
        analysis.exclusions.set(x.key, e);
      }
      if (!e.policies.some((q) => q.id === p.policy.id)) e.policies.push({ id: p.policy.id, displayName: p.name });
    }
  }
  for (const x of analysis.exclusions.values()) {
    const before = new Set(analysis.unknowns);
    if (x.kind === 'group') x.group = groupOut(analysis, x.targetId);
    x.controllers = merge(exclusionControllers(analysis, x));
    x.unknowns = [...analysis.unknowns].filter((u) => !before.has(u));
    for (const c of x.controllers) analysis.addController(c.id);
  }
  const editors = policyEditors(analysis);
  for (const c of editors) analysis.addController(c.id);
  for (const u of datasetUnknowns(input.snapshot)) analysis.unknowns.add(u);
  return {
    analysis,
    policies,
    out: {
      exclusions: [...analysis.exclusions.values()].sort((a, b) => b.memberAdminIds.length - a.memberAdminIds.length || a.kind.localeCompare(b.kind) || a.targetName.localeCompare(b.targetName)),
      controllers: [...analysis.controllers.values()].sort((a, b) => a.name.localeCompare(b.name)),
      policyEditors: editors,
      reach: reached.reach,
      excludedNow: reached.excludedNow,
      unknowns: [...analysis.unknowns].sort(),
    },
  };
}

function groupOut(analysis: Analysis, groupId: string): NonNullable<ExclusionOut['group']> {
  const g = analysis.groupFacts(groupId);
  const parsed = g.dynamic ? parseRule(g.stored?.membershipRule) : null;
  return {
    roleAssignable: g.roleAssignable,
    dynamic: g.dynamic,
    rule: g.stored?.membershipRule ?? null,
    ruleAttributes: parsed?.ok ? parsed.attributes.map(attributeName) : [],
    ruleError: parsed && !parsed.ok ? parsed.error : null,
    nestedGroupIds: (analysis.input.index.groups.get(g.id)?.memberGroupIds ?? []).map(normId),
    nestedGroups: (analysis.input.index.groups.get(g.id)?.memberGroupIds ?? []).map((id) => {
      const n = analysis.groupFacts(id);
      return { id: n.id, name: n.name, dynamic: n.dynamic, rule: n.stored?.membershipRule ?? null, roleAssignable: n.roleAssignable };
    }),
    restrictedUnits: g.restrictedUnits,
    units: g.units,
    unitsKnown: g.unitsKnown,
  };
}

export type { Analysis };
