// The Graph endpoints the monitor calls, each with the throttling budget it draws on and its base cost in
// directory resource units (Learn, throttling-limits, "identity and access"; entra-facts.md §6). One table:
// the gateway paces itself by it and the simulated tenant charges by it, so both count alike.
import type { BudgetClass } from './budgets.js';

export interface GraphEndpoint {
  /** Stable short name; the simulated tenant's routes, stats, fault rules and the bench use it too. */
  key: string;
  /** The path after the version segment, without the query (case-insensitive; `{id}` any segment). */
  path: string;
  budget: BudgetClass;
  /** Directory resource units before the $select / $expand / $top adjustments (directory budget only). */
  baseCost: number;
}

const GRAPH_ENDPOINT_LIST = [
  { key: 'roleDefinitions', path: '/roleManagement/directory/roleDefinitions', budget: 'directory', baseCost: 1 },
  { key: 'roleDefinitionsBeta', path: '/roleManagement/directory/roleDefinitions', budget: 'directory', baseCost: 1 },
  { key: 'roleAssignments', path: '/roleManagement/directory/roleAssignments', budget: 'directory', baseCost: 1 },
  { key: 'transitiveMembers', path: '/groups/{id}/transitiveMembers', budget: 'directory', baseCost: 5 },
  { key: 'users', path: '/users', budget: 'directory', baseCost: 2 },
  { key: 'groups', path: '/groups', budget: 'directory', baseCost: 1 },
  { key: 'roleAssignmentScheduleInstances', path: '/roleManagement/directory/roleAssignmentScheduleInstances', budget: 'unmetered', baseCost: 1 },
  { key: 'roleEligibilityScheduleInstances', path: '/roleManagement/directory/roleEligibilityScheduleInstances', budget: 'unmetered', baseCost: 1 },
  { key: 'pimGroupEligibilityInstances', path: '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances', budget: 'unmetered', baseCost: 1 },
  { key: 'pimGroupAssignmentInstances', path: '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances', budget: 'unmetered', baseCost: 1 },
  { key: 'roleManagementPolicyAssignments', path: '/policies/roleManagementPolicyAssignments', budget: 'unmetered', baseCost: 1 },
  { key: 'roleAssignmentScheduleRequests', path: '/roleManagement/directory/roleAssignmentScheduleRequests', budget: 'unmetered', baseCost: 1 },
  { key: 'userRegistrationDetails', path: '/reports/authenticationMethods/userRegistrationDetails', budget: 'reports', baseCost: 1 },
  { key: 'userRegistrationDetail', path: '/reports/authenticationMethods/userRegistrationDetails/{id}', budget: 'reports', baseCost: 1 },
  { key: 'signIns', path: '/auditLogs/signIns', budget: 'reports', baseCost: 1 },
  { key: 'conditionalAccessPolicies', path: '/identity/conditionalAccess/policies', budget: 'conditionalAccess', baseCost: 1 },
  { key: 'namedLocations', path: '/identity/conditionalAccess/namedLocations', budget: 'conditionalAccess', baseCost: 1 },
  { key: 'authenticationStrengthPolicies', path: '/policies/authenticationStrengthPolicies', budget: 'unmetered', baseCost: 1 },
  { key: 'securityDefaults', path: '/policies/identitySecurityDefaultsEnforcementPolicy', budget: 'unmetered', baseCost: 1 },
  // Microsoft's own verdict (the secure score collector, daily). Secure Score is a Security API resource
  // (Learn, throttling-limits, "Security detections and incidents": 150 requests per minute per app and tenant).
  { key: 'secureScores', path: '/security/secureScores', budget: 'security', baseCost: 1 },
  { key: 'secureScoreControlProfile', path: '/security/secureScoreControlProfiles/{id}', budget: 'security', baseCost: 1 },
  // Entra recommendations (beta). Learn's list of identity and access reports resources names `recommendation`
  // among those still to verify: paced as a report, the cautious reading.
  { key: 'directoryRecommendations', path: '/directory/recommendations', budget: 'reports', baseCost: 1 },
  { key: 'recommendationImpactedResources', path: '/directory/recommendations/{id}/impactedResources', budget: 'reports', baseCost: 1 },
  // Directory reads: GET subscribedSkus costs 3 resource units; any other identity path 1 (throttling-limits).
  { key: 'subscribedSkus', path: '/subscribedSkus', budget: 'directory', baseCost: 3 },
  { key: 'userAuthenticationRequirements', path: '/users/{id}/authentication/requirements', budget: 'directory', baseCost: 1 },
  // Who can change an exclusion (collect/exemptions.ts): directory reads at 1 unit, a transitive walk at 5
  // (like transitiveMembers); the directory audit log is an identity and access report.
  { key: 'groupOwners', path: '/groups/{id}/owners', budget: 'directory', baseCost: 1 },
  { key: 'groupAdministrativeUnits', path: '/groups/{id}/memberOf/microsoft.graph.administrativeUnit', budget: 'directory', baseCost: 1 },
  { key: 'servicePrincipals', path: '/servicePrincipals', budget: 'directory', baseCost: 1 },
  { key: 'appRoleAssignedTo', path: '/servicePrincipals/{id}/appRoleAssignedTo', budget: 'directory', baseCost: 1 },
  { key: 'applications', path: '/applications', budget: 'directory', baseCost: 1 },
  { key: 'userTransitiveMemberOf', path: '/users/{id}/transitiveMemberOf/microsoft.graph.group', budget: 'directory', baseCost: 5 },
  { key: 'directoryAudits', path: '/auditLogs/directoryAudits', budget: 'reports', baseCost: 1 },
  { key: 'batch', path: '/$batch', budget: 'unmetered', baseCost: 0 },
] as const satisfies readonly GraphEndpoint[];

export type EndpointKey = (typeof GRAPH_ENDPOINT_LIST)[number]['key'];
export const ENDPOINT_KEYS: readonly EndpointKey[] = GRAPH_ENDPOINT_LIST.map((e) => e.key);
export const GRAPH_ENDPOINTS: Readonly<Record<EndpointKey, GraphEndpoint>> = Object.fromEntries(GRAPH_ENDPOINT_LIST.map((e) => [e.key, e])) as Record<EndpointKey, GraphEndpoint>;

/**
 * Paths outside the table still draw on their family's budget (Learn names the budgets by service area):
 * every identity and access report, every Conditional Access resource, and directory objects.
 */
const FAMILIES: ReadonlyArray<readonly [RegExp, BudgetClass]> = [
  [/^\/(auditlogs|reports)\//, 'reports'],
  [/^\/directory\/recommendations(\/|$)/, 'reports'],
  [/^\/security\/securescore/, 'security'],
  [/^\/identity\/conditionalaccess\//, 'conditionalAccess'],
  [/^\/(users|groups|directoryobjects|serviceprincipals|applications)(\/|$)/, 'directory'],
];

const MATCHERS: ReadonlyArray<readonly [RegExp, GraphEndpoint]> = GRAPH_ENDPOINT_LIST.filter((e) => e.key !== 'roleDefinitionsBeta').map((e) => [
  new RegExp(`^${e.path.toLowerCase().replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{id\}/g, '[^/]+')}$`),
  e,
]);

/** The table's entry for a path (version prefix and query already removed), if the monitor calls it. */
export function endpointFor(path: string): GraphEndpoint | undefined {
  const p = path.toLowerCase().replace(/\/$/, '');
  return MATCHERS.find(([re]) => re.test(p))?.[1];
}

/** The budget class of a Graph request path (without the version prefix or query). */
export function budgetClass(path: string): BudgetClass {
  const known = endpointFor(path);
  if (known) return known.budget;
  const p = path.toLowerCase();
  return FAMILIES.find(([re]) => re.test(p))?.[1] ?? 'unmetered';
}
