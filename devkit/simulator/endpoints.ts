// The simulated endpoints: their short names, budgets and costs come from the app's one table of Graph
// endpoints (src/graph/endpoints.ts), so the simulated tenant charges exactly what the gateway paces for.
// What only the simulated tenant needs is added here: the permission a 403 names, and whether the endpoint
// is PIM's (refused with a licence error in a tenant without PIM).
import { ENDPOINT_KEYS, type EndpointKey, GRAPH_ENDPOINTS } from '../../src/graph/endpoints.js';
import type { ThrottleClass } from './throttle.js';

export { ENDPOINT_KEYS, type EndpointKey };

export interface EndpointInfo {
  throttleClass: ThrottleClass;
  /** Directory resource units before the $select / $expand adjustments. */
  baseCost: number;
  /** Least-privilege application permission (entra-facts.md §4), named in 403 answers. */
  permission: string;
  /** Answers 400 AadPremiumLicenseRequired when the fixture has no PIM data. */
  pim: boolean;
}

const SIMULATED: Readonly<Record<EndpointKey, { permission: string; pim: boolean }>> = {
  roleDefinitions: { permission: 'RoleManagement.Read.Directory', pim: false },
  roleDefinitionsBeta: { permission: 'RoleManagement.Read.Directory', pim: false },
  roleAssignments: { permission: 'RoleManagement.Read.Directory', pim: false },
  transitiveMembers: { permission: 'GroupMember.Read.All', pim: false },
  users: { permission: 'User.Read.All', pim: false },
  groups: { permission: 'GroupMember.Read.All', pim: false },
  roleAssignmentScheduleInstances: { permission: 'RoleAssignmentSchedule.Read.Directory', pim: true },
  roleEligibilityScheduleInstances: { permission: 'RoleEligibilitySchedule.Read.Directory', pim: true },
  pimGroupEligibilityInstances: { permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup', pim: true },
  pimGroupAssignmentInstances: { permission: 'PrivilegedAssignmentSchedule.Read.AzureADGroup', pim: true },
  roleManagementPolicyAssignments: { permission: 'RoleManagementPolicy.Read.Directory', pim: true },
  roleAssignmentScheduleRequests: { permission: 'RoleAssignmentSchedule.Read.Directory', pim: true },
  userRegistrationDetails: { permission: 'AuditLog.Read.All', pim: false },
  userRegistrationDetail: { permission: 'AuditLog.Read.All', pim: false },
  signIns: { permission: 'AuditLog.Read.All', pim: false },
  conditionalAccessPolicies: { permission: 'Policy.Read.All', pim: false },
  namedLocations: { permission: 'Policy.Read.All', pim: false },
  authenticationStrengthPolicies: { permission: 'Policy.Read.AuthenticationMethod', pim: false },
  securityDefaults: { permission: 'Policy.Read.All', pim: false },
  secureScores: { permission: 'SecurityEvents.Read.All', pim: false },
  secureScoreControlProfile: { permission: 'SecurityEvents.Read.All', pim: false },
  directoryRecommendations: { permission: 'DirectoryRecommendations.Read.All', pim: false },
  recommendationImpactedResources: { permission: 'DirectoryRecommendations.Read.All', pim: false },
  subscribedSkus: { permission: 'LicenseAssignment.Read.All', pim: false },
  userAuthenticationRequirements: { permission: 'Policy.Read.All', pim: false },
  groupOwners: { permission: 'GroupMember.Read.All', pim: false },
  groupAdministrativeUnits: { permission: 'GroupMember.Read.All', pim: false },
  servicePrincipals: { permission: 'Application.Read.All', pim: false },
  appRoleAssignedTo: { permission: 'Application.Read.All', pim: false },
  applications: { permission: 'Application.Read.All', pim: false },
  userTransitiveMemberOf: { permission: 'GroupMember.Read.All', pim: false },
  directoryAudits: { permission: 'AuditLog.Read.All', pim: false },
  batch: { permission: 'none', pim: false },
};

export const ENDPOINTS: Readonly<Record<EndpointKey, EndpointInfo>> = Object.fromEntries(
  ENDPOINT_KEYS.map((key) => [key, { throttleClass: GRAPH_ENDPOINTS[key].budget, baseCost: GRAPH_ENDPOINTS[key].baseCost, ...SIMULATED[key] }]),
) as Record<EndpointKey, EndpointInfo>;
