// The route table: every Graph path the collectors call, with the query options each one accepts, its
// page sizes and how its data comes out of the fixture. Paths match case-insensitively, as Graph's do.
import type { EndpointKey } from './endpoints.js';
import { badRequest, notFound } from './errors.js';
import type { FilterNode, FilterProperty, FilterSchema } from './filter.js';
import { equalityTerm, mentionsLambda } from './filter.js';
import type { ExpandName, PageSpec, QueryOptions } from './query.js';
import type { DirectoryEntry, Item, TenantIndex } from './tenant.js';
import { toDirectoryObject } from './tenant.js';

const normId = (id: string): string => id.toLowerCase();

export type ApiVersion = 'v1.0' | 'beta';
export const API_VERSIONS: readonly ApiVersion[] = ['v1.0', 'beta'];

export interface RouteContext {
  version: ApiVersion;
  params: Readonly<Record<string, string>>;
  options: QueryOptions;
  filter?: FilterNode;
  tenant: TenantIndex;
  now: Date;
  /** The request sent `Prefer: include-unknown-enum-members` (evolvable enum members are served as they are). */
  unknownEnums: boolean;
}

interface RouteBase {
  key: EndpointKey;
  /** Lower-case literal segments; `{name}` captures a path parameter. */
  segments: readonly string[];
  versions: readonly ApiVersion[];
  /** Graph's type name, used in error messages. */
  resource: string;
  /** The `@odata.context` fragment after `$metadata#`. */
  context: string;
  /** `$select` names allowed; `true` = any property name. */
  select: true | ReadonlySet<string>;
  /** Throws before any data is read (missing required filter terms, unknown parent object). */
  check?: (ctx: RouteContext) => void;
}

export interface CollectionRoute extends RouteBase {
  kind: 'collection';
  page: PageSpec;
  filter?: FilterSchema;
  expand: readonly ExpandName[];
  /** The items before `$filter`. */
  source: (ctx: RouteContext) => readonly unknown[];
  /** Whether the filtered list may be memoised per fixture (false when the source depends on the clock). */
  cacheable: boolean;
  /** Accepts `$count=true` (answers `@odata.count`). */
  count?: boolean;
  /** Per-request narrowing applied after the (memoised) filter, e.g. by the clock. */
  narrow?: (items: readonly unknown[], ctx: RouteContext) => readonly unknown[];
  /** The item as served (expansions added); default: the item itself. */
  project?: (item: unknown, ctx: RouteContext) => Item;
  /** Names of navigation properties `project` may add, kept by `$select`. */
  navigation?: readonly string[];
}

export interface EntityRoute extends RouteBase {
  kind: 'entity';
  read: (ctx: RouteContext) => Item;
}

export type Route = CollectionRoute | EntityRoute;

// ------------------------------------------------------------------------------------------- helpers

const SMALL_PAGE: PageSpec = { defaultSize: 100 };
const BOTH: readonly ApiVersion[] = API_VERSIONS;

const str = (ops: FilterProperty['ops'] = ['eq']): FilterProperty => ({ type: 'string', ops });
const bool: FilterProperty = { type: 'boolean', ops: ['eq', 'ne'] };
const dateRange: FilterProperty = { type: 'datetime', ops: ['ge', 'le', 'gt', 'lt'] };

function time(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** Schedule instances are the current state: started (or no start) and not yet ended at `now`. */
export function isCurrent(item: { startDateTime?: string | null; endDateTime?: string | null }, now: number): boolean {
  const start = time(item.startDateTime);
  const end = time(item.endDateTime);
  return (start === null || start <= now) && (end === null || end > now);
}

function withPrincipal(item: unknown, ctx: RouteContext): Item {
  const object = item as Item;
  if (!ctx.options.expand.principal) return object;
  return { ...object, principal: ctx.tenant.directoryObject(String(object.principalId ?? '')) };
}

function requireOneOf(ctx: RouteContext, paths: readonly string[], example: string): void {
  if (paths.some((p) => equalityTerm(ctx.filter, p) !== undefined)) return;
  throw badRequest(`A filter on ${paths.join(' or ')} is required for this resource, e.g. $filter=${example}.`);
}

const sameScopeType = (actual: string, literal: string): boolean => {
  // Graph answers `scopeType eq 'DirectoryRole'` with assignments whose scopeType reads `Directory`.
  const norm = (s: string): string => (s.toLowerCase() === 'directory' ? 'directoryrole' : s.toLowerCase());
  return norm(actual) === norm(literal);
};

const ROLE_DEFINITION_PROPERTIES = [
  'id',
  'description',
  'displayName',
  'isBuiltIn',
  'isEnabled',
  'resourceScopes',
  'templateId',
  'version',
  'rolePermissions',
  'inheritsPermissionsFrom',
];

function withoutPrivilegedFlag(item: unknown): Item {
  const { isPrivileged: _flag, ...rest } = item as Item;
  return rest;
}

/** A sorted-newest-first list without the items created after `now` (a prefix). */
function notAfter(items: readonly unknown[], now: number): readonly unknown[] {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const t = time((items[mid] as Item).createdDateTime);
    if (t !== null && t > now) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? items : items.slice(lo);
}

function roleAssignmentsSource(ctx: RouteContext): readonly unknown[] {
  const { fixture } = ctx.tenant;
  if (fixture.roleAssignments) return fixture.roleAssignments;
  if (!ctx.tenant.hasPim) return [];
  // A PIM tenant without an explicit list: the current direct assignment instances, as Graph lists
  // the active assignments (permanent and activated) behind them.
  const now = ctx.now.getTime();
  const seen = new Set<string>();
  const out: Item[] = [];
  for (const instance of fixture.roleAssignmentScheduleInstances ?? []) {
    if (!isCurrent(instance, now)) continue;
    if ((instance.memberType ?? 'Direct').toLowerCase() !== 'direct') continue;
    const id = instance.roleAssignmentOriginId ?? instance.id;
    if (seen.has(normId(id))) continue;
    seen.add(normId(id));
    out.push({
      id,
      principalId: instance.principalId,
      roleDefinitionId: instance.roleDefinitionId,
      directoryScopeId: instance.directoryScopeId ?? '/',
      appScopeId: instance.appScopeId ?? null,
    });
  }
  return out;
}

/** The ids of a filter that is exactly `id eq '…'` or `id in (…)`: such reads use the id index. */
function idLookup(filter: FilterNode | undefined): string[] | undefined {
  if (!filter) return undefined;
  if (filter.type === 'compare' && filter.op === 'eq' && filter.path === 'id' && filter.value.kind === 'string') return [filter.value.value];
  if (filter.type === 'in' && filter.path === 'id') return filter.values.flatMap((v) => (v.kind === 'string' ? [v.value] : []));
  return undefined;
}

function directoryCollection(type: 'user' | 'group', all: (ctx: RouteContext) => readonly unknown[]): (ctx: RouteContext) => readonly unknown[] {
  return (ctx) => {
    const ids = idLookup(ctx.filter);
    if (!ids) return all(ctx);
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const id of ids) {
      const entry = ctx.tenant.entry(type, id);
      if (!entry || seen.has(normId(id))) continue;
      seen.add(normId(id));
      out.push(entry.object);
    }
    return out;
  };
}

const idFilter = (resource: string): FilterSchema => ({ resource, properties: { id: { type: 'string', ops: ['eq', 'in'], maxValues: 15 } } });

function policyAssignment(item: unknown, ctx: RouteContext): Item {
  const { policy, ...rest } = item as Item;
  const expand = ctx.options.expand.policy;
  if (!expand) return rest;
  const base = (policy as Item | null | undefined) ?? { id: rest.policyId, displayName: null, rules: [] };
  if (expand.rules) return { ...rest, policy: { ...base, rules: base.rules ?? [] } };
  const { rules: _rules, ...withoutRules } = base;
  return { ...rest, policy: withoutRules };
}

// ------------------------------------------------------------------------------------------- table

const BASE_ROUTES: readonly Route[] = [
  {
    kind: 'collection',
    key: 'roleDefinitions',
    segments: ['rolemanagement', 'directory', 'roledefinitions'],
    versions: ['v1.0'],
    resource: 'microsoft.graph.unifiedRoleDefinition',
    context: 'roleManagement/directory/roleDefinitions',
    select: new Set(ROLE_DEFINITION_PROPERTIES),
    page: SMALL_PAGE,
    expand: [],
    source: (ctx) => ctx.tenant.roleDefinitions(),
    cacheable: true,
    project: withoutPrivilegedFlag,
  },
  {
    kind: 'collection',
    key: 'roleDefinitionsBeta',
    segments: ['rolemanagement', 'directory', 'roledefinitions'],
    versions: ['beta'],
    resource: 'microsoft.graph.unifiedRoleDefinition',
    context: 'roleManagement/directory/roleDefinitions',
    select: new Set([...ROLE_DEFINITION_PROPERTIES, 'isPrivileged', 'allowedPrincipalTypes']),
    page: SMALL_PAGE,
    filter: { resource: 'microsoft.graph.unifiedRoleDefinition', properties: { isPrivileged: bool } },
    expand: [],
    source: (ctx) => ctx.tenant.roleDefinitions(),
    cacheable: true,
  },
  {
    kind: 'collection',
    key: 'roleAssignmentScheduleInstances',
    segments: ['rolemanagement', 'directory', 'roleassignmentscheduleinstances'],
    versions: BOTH,
    resource: 'microsoft.graph.unifiedRoleAssignmentScheduleInstance',
    context: 'roleManagement/directory/roleAssignmentScheduleInstances',
    select: true,
    page: SMALL_PAGE,
    filter: { resource: 'microsoft.graph.unifiedRoleAssignmentScheduleInstance', properties: { assignmentType: str() } },
    expand: ['principal'],
    source: (ctx) => (ctx.tenant.fixture.roleAssignmentScheduleInstances ?? []).filter((i) => isCurrent(i, ctx.now.getTime())),
    cacheable: false,
    project: withPrincipal,
    navigation: ['principal'],
  },
  {
    kind: 'collection',
    key: 'roleEligibilityScheduleInstances',
    segments: ['rolemanagement', 'directory', 'roleeligibilityscheduleinstances'],
    versions: BOTH,
    resource: 'microsoft.graph.unifiedRoleEligibilityScheduleInstance',
    context: 'roleManagement/directory/roleEligibilityScheduleInstances',
    select: true,
    page: SMALL_PAGE,
    expand: ['principal'],
    source: (ctx) => (ctx.tenant.fixture.roleEligibilityScheduleInstances ?? []).filter((i) => isCurrent(i, ctx.now.getTime())),
    cacheable: false,
    project: withPrincipal,
    navigation: ['principal'],
  },
  {
    kind: 'collection',
    key: 'roleAssignments',
    segments: ['rolemanagement', 'directory', 'roleassignments'],
    versions: BOTH,
    resource: 'microsoft.graph.unifiedRoleAssignment',
    context: 'roleManagement/directory/roleAssignments',
    select: true,
    page: SMALL_PAGE,
    filter: { resource: 'microsoft.graph.unifiedRoleAssignment', properties: { roleDefinitionId: str(['eq', 'in']) } },
    expand: ['principal'],
    source: roleAssignmentsSource,
    cacheable: false,
    project: withPrincipal,
    navigation: ['principal'],
  },
  {
    kind: 'collection',
    key: 'transitiveMembers',
    segments: ['groups', '{groupId}', 'transitivemembers'],
    versions: BOTH,
    resource: 'microsoft.graph.directoryObject',
    context: 'directoryObjects',
    select: true,
    page: { defaultSize: 100, maxTop: 999 },
    expand: [],
    check: (ctx) => {
      const id = ctx.params.groupId as string;
      if (!ctx.tenant.hasGroup(id)) throw notFound(id);
    },
    source: (ctx) => ctx.tenant.transitiveMembersOf(ctx.params.groupId as string),
    cacheable: false,
    project: (entry) => toDirectoryObject(entry as DirectoryEntry),
  },
  {
    kind: 'collection',
    key: 'users',
    segments: ['users'],
    versions: BOTH,
    resource: 'microsoft.graph.user',
    context: 'users',
    select: true,
    page: { defaultSize: 100, maxTop: 999 },
    filter: idFilter('microsoft.graph.user'),
    expand: [],
    source: directoryCollection('user', (ctx) => ctx.tenant.fixture.users ?? []),
    cacheable: false,
    count: true,
  },
  {
    kind: 'collection',
    key: 'groups',
    segments: ['groups'],
    versions: BOTH,
    resource: 'microsoft.graph.group',
    context: 'groups',
    select: true,
    page: { defaultSize: 100, maxTop: 999 },
    filter: idFilter('microsoft.graph.group'),
    expand: [],
    source: directoryCollection('group', (ctx) => ctx.tenant.fixture.groups ?? []),
    cacheable: false,
    project: (item) => {
      const { members: _members, ...group } = item as Item;
      return group;
    },
  },
  {
    kind: 'collection',
    key: 'pimGroupEligibilityInstances',
    segments: ['identitygovernance', 'privilegedaccess', 'group', 'eligibilityscheduleinstances'],
    versions: BOTH,
    resource: 'microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance',
    context: 'identityGovernance/privilegedAccess/group/eligibilityScheduleInstances',
    select: true,
    page: SMALL_PAGE,
    filter: {
      resource: 'microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance',
      properties: { groupId: str(), principalId: str(), accessId: str() },
    },
    expand: ['principal'],
    check: (ctx) => requireOneOf(ctx, ['groupId', 'principalId'], "groupId eq '{groupId}'"),
    source: (ctx) => (ctx.tenant.fixture.privilegedAccessGroupEligibilityScheduleInstances ?? []).filter((i) => isCurrent(i, ctx.now.getTime())),
    cacheable: false,
    project: withPrincipal,
    navigation: ['principal'],
  },
  {
    kind: 'collection',
    key: 'pimGroupAssignmentInstances',
    segments: ['identitygovernance', 'privilegedaccess', 'group', 'assignmentscheduleinstances'],
    versions: BOTH,
    resource: 'microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance',
    context: 'identityGovernance/privilegedAccess/group/assignmentScheduleInstances',
    select: true,
    page: SMALL_PAGE,
    filter: {
      resource: 'microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance',
      properties: { groupId: str(), principalId: str(), accessId: str(), assignmentType: str() },
    },
    expand: ['principal'],
    check: (ctx) => requireOneOf(ctx, ['groupId', 'principalId'], "groupId eq '{groupId}'"),
    source: (ctx) => (ctx.tenant.fixture.privilegedAccessGroupAssignmentScheduleInstances ?? []).filter((i) => isCurrent(i, ctx.now.getTime())),
    cacheable: false,
    project: withPrincipal,
    navigation: ['principal'],
  },
  {
    kind: 'collection',
    key: 'userRegistrationDetails',
    segments: ['reports', 'authenticationmethods', 'userregistrationdetails'],
    versions: BOTH,
    resource: 'microsoft.graph.userRegistrationDetails',
    context: 'reports/authenticationMethods/userRegistrationDetails',
    select: true,
    page: { defaultSize: 1000, maxTop: 1000 },
    filter: {
      resource: 'microsoft.graph.userRegistrationDetails',
      properties: { isAdmin: bool, isMfaRegistered: bool, isMfaCapable: bool },
    },
    expand: [],
    source: (ctx) => ctx.tenant.fixture.userRegistrationDetails ?? [],
    cacheable: true,
  },
  {
    kind: 'entity',
    key: 'userRegistrationDetail',
    segments: ['reports', 'authenticationmethods', 'userregistrationdetails', '{userId}'],
    versions: BOTH,
    resource: 'microsoft.graph.userRegistrationDetails',
    context: 'reports/authenticationMethods/userRegistrationDetails/$entity',
    select: true,
    read: (ctx) => {
      const id = ctx.params.userId as string;
      const detail = ctx.tenant.registrationDetail(id);
      if (!detail) throw notFound(id);
      return detail;
    },
  },
  {
    kind: 'collection',
    key: 'conditionalAccessPolicies',
    segments: ['identity', 'conditionalaccess', 'policies'],
    versions: BOTH,
    resource: 'microsoft.graph.conditionalAccessPolicy',
    context: 'identity/conditionalAccess/policies',
    select: true,
    page: SMALL_PAGE,
    expand: [],
    source: (ctx) => ctx.tenant.fixture.conditionalAccessPolicies ?? [],
    cacheable: true,
  },
  {
    kind: 'collection',
    key: 'namedLocations',
    segments: ['identity', 'conditionalaccess', 'namedlocations'],
    versions: BOTH,
    resource: 'microsoft.graph.namedLocation',
    context: 'identity/conditionalAccess/namedLocations',
    select: true,
    page: SMALL_PAGE,
    expand: [],
    source: (ctx) => ctx.tenant.fixture.namedLocations ?? [],
    cacheable: true,
  },
  {
    kind: 'collection',
    key: 'authenticationStrengthPolicies',
    segments: ['policies', 'authenticationstrengthpolicies'],
    versions: BOTH,
    resource: 'microsoft.graph.authenticationStrengthPolicy',
    context: 'policies/authenticationStrengthPolicies',
    select: true,
    page: SMALL_PAGE,
    filter: { resource: 'microsoft.graph.authenticationStrengthPolicy', properties: { policyType: str() } },
    expand: [],
    source: (ctx) => ctx.tenant.authenticationStrengths(),
    cacheable: true,
  },
  {
    kind: 'entity',
    key: 'securityDefaults',
    segments: ['policies', 'identitysecuritydefaultsenforcementpolicy'],
    versions: BOTH,
    resource: 'microsoft.graph.identitySecurityDefaultsEnforcementPolicy',
    context: 'policies/identitySecurityDefaultsEnforcementPolicy/$entity',
    select: true,
    read: (ctx) => ({
      id: '00000000-0000-0000-0000-000000000005',
      displayName: 'Security Defaults',
      description:
        'Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization.',
      isEnabled: false,
      ...(ctx.tenant.fixture.securityDefaults ?? {}),
    }),
  },
  {
    kind: 'collection',
    key: 'roleManagementPolicyAssignments',
    segments: ['policies', 'rolemanagementpolicyassignments'],
    versions: BOTH,
    resource: 'microsoft.graph.unifiedRoleManagementPolicyAssignment',
    context: 'policies/roleManagementPolicyAssignments',
    select: true,
    page: SMALL_PAGE,
    filter: {
      resource: 'microsoft.graph.unifiedRoleManagementPolicyAssignment',
      properties: { scopeId: str(), scopeType: { type: 'string', ops: ['eq'], equals: sameScopeType }, roleDefinitionId: str() },
    },
    expand: ['policy'],
    check: (ctx) => {
      if (equalityTerm(ctx.filter, 'scopeId') === undefined || equalityTerm(ctx.filter, 'scopeType') === undefined) {
        throw badRequest(
          "The filter must name both scopeId and scopeType, e.g. $filter=scopeId eq '/' and scopeType eq 'DirectoryRole'.",
        );
      }
    },
    source: (ctx) => ctx.tenant.fixture.roleManagementPolicyAssignments ?? [],
    cacheable: true,
    project: policyAssignment,
    navigation: ['policy'],
  },
  {
    kind: 'collection',
    key: 'roleAssignmentScheduleRequests',
    segments: ['rolemanagement', 'directory', 'roleassignmentschedulerequests'],
    versions: BOTH,
    resource: 'microsoft.graph.unifiedRoleAssignmentScheduleRequest',
    context: 'roleManagement/directory/roleAssignmentScheduleRequests',
    select: true,
    page: SMALL_PAGE,
    filter: {
      resource: 'microsoft.graph.unifiedRoleAssignmentScheduleRequest',
      properties: { action: str(), createdDateTime: dateRange },
    },
    expand: [],
    source: (ctx) => {
      const now = ctx.now.getTime();
      return (ctx.tenant.fixture.roleAssignmentScheduleRequests ?? []).filter((r) => {
        const t = time(r.createdDateTime);
        return t === null || t <= now;
      });
    },
    cacheable: false,
  },
  {
    kind: 'collection',
    key: 'signIns',
    segments: ['auditlogs', 'signins'],
    versions: BOTH,
    resource: 'microsoft.graph.signIn',
    context: 'auditLogs/signIns',
    select: true,
    page: { defaultSize: 1000, maxTop: 1000 },
    filter: {
      resource: 'microsoft.graph.signIn',
      allowOr: true,
      properties: {
        createdDateTime: dateRange,
        'status/errorCode': { type: 'number', ops: ['eq', 'ne'] },
        userId: str(),
        userPrincipalName: str(),
      },
      lambdas: {
        signInEventTypes: { '': str() },
        appliedConditionalAccessPolicies: { id: str(), result: str() },
      },
    },
    expand: [],
    check: (ctx) => {
      // signInEventTypes is a beta property: v1.0 has no such property to filter on.
      if (ctx.version === 'v1.0' && mentionsLambda(ctx.filter, 'signInEventTypes')) throw badRequest("Could not find a property named 'signInEventTypes' on type 'microsoft.graph.signIn'.");
    },
    source: (ctx) => ctx.tenant.servedSignIns(ctx.version, ctx.unknownEnums),
    cacheable: true,
    // Without a signInEventTypes filter Graph lists interactive sign-ins only (Learn: sign-in logs with Microsoft Graph).
    narrow: (items, ctx) => notAfter(mentionsLambda(ctx.filter, 'signInEventTypes') ? items : items.filter((s) => (s as Item).isInteractive !== false), ctx.now.getTime()),
  },
];

// Microsoft's own verdict and the tenant's licences (the daily secure score collector).
const VERDICT_ROUTES: readonly Route[] = [
  {
    kind: 'collection',
    key: 'secureScores',
    segments: ['security', 'securescores'],
    versions: BOTH,
    resource: 'microsoft.graph.secureScore',
    context: 'security/secureScores',
    select: true,
    // Secure Score keeps 90 days; `$top=1` is the latest.
    page: { defaultSize: 100, maxTop: 100 },
    expand: [],
    source: (ctx) => ctx.tenant.secureScores(),
    cacheable: true,
  },
  {
    kind: 'entity',
    key: 'secureScoreControlProfile',
    segments: ['security', 'securescorecontrolprofiles', '{profileId}'],
    versions: BOTH,
    resource: 'microsoft.graph.secureScoreControlProfile',
    context: 'security/secureScoreControlProfiles/$entity',
    select: true,
    read: (ctx) => {
      const id = ctx.params.profileId as string;
      const profile = ctx.tenant.controlProfile(id);
      if (!profile) throw notFound(id);
      return profile;
    },
  },
  {
    kind: 'collection',
    key: 'directoryRecommendations',
    segments: ['directory', 'recommendations'],
    versions: ['beta'],
    resource: 'microsoft.graph.recommendation',
    context: 'directory/recommendations',
    select: true,
    page: SMALL_PAGE,
    filter: { resource: 'microsoft.graph.recommendation', properties: { recommendationType: str(), status: str(), id: str(), category: str() } },
    expand: [],
    source: (ctx) => ctx.tenant.fixture.directoryRecommendations ?? [],
    cacheable: true,
    // The fixture keeps a recommendation's impacted resources with it; Graph serves them on their own path.
    project: (item) => {
      const { impactedResources: _impacted, ...rec } = item as Item;
      return rec;
    },
  },
  {
    kind: 'collection',
    key: 'recommendationImpactedResources',
    segments: ['directory', 'recommendations', '{recommendationId}', 'impactedresources'],
    versions: ['beta'],
    resource: 'microsoft.graph.impactedResource',
    context: 'directory/recommendations/impactedResources',
    select: true,
    page: SMALL_PAGE,
    expand: [],
    check: (ctx) => {
      const id = ctx.params.recommendationId as string;
      if (!ctx.tenant.recommendation(id)) throw notFound(id);
    },
    source: (ctx) => {
      const rec = ctx.tenant.recommendation(ctx.params.recommendationId as string);
      return (rec?.impactedResources ?? []).map((r) => ({ recommendationId: rec?.id, ...r }));
    },
    cacheable: false,
  },
  {
    kind: 'collection',
    key: 'subscribedSkus',
    segments: ['subscribedskus'],
    versions: BOTH,
    resource: 'microsoft.graph.subscribedSku',
    context: 'subscribedSkus',
    select: true,
    page: SMALL_PAGE,
    expand: [],
    source: (ctx) => ctx.tenant.fixture.subscribedSkus ?? [],
    cacheable: true,
  },
  {
    kind: 'entity',
    key: 'userAuthenticationRequirements',
    segments: ['users', '{userId}', 'authentication', 'requirements'],
    versions: ['beta'],
    resource: 'microsoft.graph.strongAuthenticationRequirements',
    context: 'users/authentication/requirements/$entity',
    select: true,
    read: (ctx) => {
      const id = ctx.params.userId as string;
      const requirements = ctx.tenant.authenticationRequirements(id);
      if (!requirements) throw notFound(id);
      return requirements;
    },
  },
];

const LIST_PAGE: PageSpec = { defaultSize: 100, maxTop: 999 };

function requireEntry(type: 'user' | 'group' | 'servicePrincipal', param: string): (ctx: RouteContext) => void {
  return (ctx) => {
    const id = ctx.params[param] as string;
    const found = type === 'servicePrincipal' ? ctx.tenant.servicePrincipals().some((sp) => normId(String(sp.id)) === normId(id)) : type === 'group' ? ctx.tenant.hasGroup(id) : !!ctx.tenant.entry('user', id);
    if (!found) throw notFound(id);
  };
}

/** Items whose `key` matches an `id in (…)` / `id eq` (or appId) filter, read from a list without the id index. */
function byIds(items: readonly Item[], ids: string[] | undefined): readonly Item[] {
  if (!ids) return items;
  const wanted = new Set(ids.map(normId));
  return items.filter((i) => wanted.has(normId(String(i.id))));
}

/** A newest-first list without the items after `now` (audit events the directory has not logged yet). */
function auditsUntil(items: readonly unknown[], now: number): readonly unknown[] {
  return items.filter((i) => {
    const t = time((i as Item).activityDateTime);
    return t === null || t <= now;
  });
}

// Who can change an exclusion: owners, administrative units, service principals and their app role
// assignments, app registrations, a user's groups, and the directory audit log.
const EXEMPTION_ROUTES: readonly Route[] = [
  {
    kind: 'collection',
    key: 'groupOwners',
    segments: ['groups', '{groupId}', 'owners'],
    versions: BOTH,
    resource: 'microsoft.graph.directoryObject',
    context: 'directoryObjects',
    select: true,
    page: LIST_PAGE,
    expand: [],
    check: requireEntry('group', 'groupId'),
    source: (ctx) => ctx.tenant.ownersOf(ctx.params.groupId as string),
    cacheable: false,
  },
  {
    kind: 'collection',
    key: 'groupAdministrativeUnits',
    segments: ['groups', '{groupId}', 'memberof', 'microsoft.graph.administrativeunit'],
    versions: BOTH,
    resource: 'microsoft.graph.administrativeUnit',
    context: 'administrativeUnits',
    select: true,
    page: LIST_PAGE,
    expand: [],
    check: requireEntry('group', 'groupId'),
    source: (ctx) => ctx.tenant.unitsOf(ctx.params.groupId as string),
    cacheable: false,
  },
  {
    kind: 'collection',
    key: 'servicePrincipals',
    segments: ['serviceprincipals'],
    versions: BOTH,
    resource: 'microsoft.graph.servicePrincipal',
    context: 'servicePrincipals',
    select: true,
    page: LIST_PAGE,
    filter: { resource: 'microsoft.graph.servicePrincipal', properties: { id: { type: 'string', ops: ['eq', 'in'], maxValues: 15 }, appId: { type: 'string', ops: ['eq', 'in'], maxValues: 15 } } },
    expand: [],
    source: (ctx) => byIds(ctx.tenant.servicePrincipals(), idLookup(ctx.filter)),
    cacheable: false,
  },
  {
    kind: 'collection',
    key: 'appRoleAssignedTo',
    segments: ['serviceprincipals', '{spId}', 'approleassignedto'],
    versions: BOTH,
    resource: 'microsoft.graph.appRoleAssignment',
    context: 'servicePrincipals/appRoleAssignedTo',
    select: true,
    page: LIST_PAGE,
    expand: [],
    check: requireEntry('servicePrincipal', 'spId'),
    source: (ctx) => (ctx.tenant.fixture.appRoleAssignments ?? []).filter((a) => normId(a.resourceId) === normId(ctx.params.spId as string)),
    cacheable: false,
  },
  {
    kind: 'collection',
    key: 'applications',
    segments: ['applications'],
    versions: BOTH,
    resource: 'microsoft.graph.application',
    context: 'applications',
    select: true,
    page: LIST_PAGE,
    filter: { resource: 'microsoft.graph.application', properties: { id: { type: 'string', ops: ['eq', 'in'], maxValues: 15 }, appId: { type: 'string', ops: ['eq', 'in'], maxValues: 15 } } },
    expand: [],
    source: (ctx) => ctx.tenant.fixture.applications ?? [],
    cacheable: true,
  },
  {
    kind: 'collection',
    key: 'userTransitiveMemberOf',
    segments: ['users', '{userId}', 'transitivememberof', 'microsoft.graph.group'],
    versions: BOTH,
    resource: 'microsoft.graph.group',
    context: 'groups',
    select: true,
    page: LIST_PAGE,
    expand: [],
    check: requireEntry('user', 'userId'),
    source: (ctx) => ctx.tenant.groupsOfUser(ctx.params.userId as string),
    cacheable: false,
  },
  {
    kind: 'collection',
    key: 'directoryAudits',
    segments: ['auditlogs', 'directoryaudits'],
    versions: BOTH,
    resource: 'microsoft.graph.directoryAudit',
    context: 'auditLogs/directoryAudits',
    select: true,
    page: { defaultSize: 100, maxTop: 999 },
    filter: {
      resource: 'microsoft.graph.directoryAudit',
      properties: {
        activityDateTime: dateRange,
        activityDisplayName: str(['eq', 'startswith']),
        category: str(['eq']),
        'initiatedBy/user/id': str(['eq']),
      },
      lambdas: { targetResources: { id: str(['eq']) } },
    },
    expand: [],
    source: (ctx) => ctx.tenant.directoryAudits(),
    cacheable: true,
    narrow: (items, ctx) => auditsUntil(items, ctx.now.getTime()),
  },
];

export const ROUTES: readonly Route[] = [...BASE_ROUTES, ...VERDICT_ROUTES, ...EXEMPTION_ROUTES];

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** Finds the route for decoded path segments (after the version); Graph's segment names are case-insensitive. */
export function matchRoute(version: ApiVersion, segments: readonly string[]): RouteMatch | undefined {
  for (const route of ROUTES) {
    if (!route.versions.includes(version) || route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length; i++) {
      const pattern = route.segments[i] as string;
      const actual = segments[i] as string;
      if (pattern.startsWith('{')) {
        if (actual === '') {
          ok = false;
          break;
        }
        params[pattern.slice(1, -1)] = actual;
      } else if (pattern !== actual.toLowerCase()) {
        ok = false;
        break;
      }
    }
    if (ok) return { route, params };
  }
  return undefined;
}
