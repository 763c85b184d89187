// The gateway paces itself by the budget class of each path; the simulated tenant charges each endpoint to a
// class. The two must agree, or the gateway under-paces a metered endpoint (Learn: throttling-limits).
import { describe, expect, it } from 'vitest';
import { budgetClass } from '../../src/graph/endpoints.js';
import { ENDPOINTS, type EndpointKey } from '../../devkit/simulator/endpoints.js';

// A path per endpoint, as the collectors send it (version prefix and query stripped, as the gateway does).
const PATHS: Record<EndpointKey, string> = {
  roleDefinitions: '/roleManagement/directory/roleDefinitions',
  roleDefinitionsBeta: '/roleManagement/directory/roleDefinitions',
  roleAssignments: '/roleManagement/directory/roleAssignments',
  transitiveMembers: '/groups/b0000000-0000-0000-0000-000000000001/transitiveMembers',
  users: '/users',
  groups: '/groups',
  roleAssignmentScheduleInstances: '/roleManagement/directory/roleAssignmentScheduleInstances',
  roleEligibilityScheduleInstances: '/roleManagement/directory/roleEligibilityScheduleInstances',
  pimGroupEligibilityInstances: '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances',
  pimGroupAssignmentInstances: '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances',
  roleManagementPolicyAssignments: '/policies/roleManagementPolicyAssignments',
  roleAssignmentScheduleRequests: '/roleManagement/directory/roleAssignmentScheduleRequests',
  userRegistrationDetails: '/reports/authenticationMethods/userRegistrationDetails',
  userRegistrationDetail: '/reports/authenticationMethods/userRegistrationDetails/a0000000-0000-0000-0000-000000000001',
  signIns: '/auditLogs/signIns',
  conditionalAccessPolicies: '/identity/conditionalAccess/policies',
  namedLocations: '/identity/conditionalAccess/namedLocations',
  authenticationStrengthPolicies: '/policies/authenticationStrengthPolicies',
  securityDefaults: '/policies/identitySecurityDefaultsEnforcementPolicy',
  secureScores: '/security/secureScores',
  secureScoreControlProfile: '/security/secureScoreControlProfiles/AdminMFAV2',
  groupOwners: '/groups/b0000000-0000-0000-0000-000000000001/owners',
  groupAdministrativeUnits: '/groups/b0000000-0000-0000-0000-000000000001/memberOf/microsoft.graph.administrativeUnit',
  servicePrincipals: '/servicePrincipals',
  appRoleAssignedTo: '/servicePrincipals/c0000000-0000-0000-0000-000000000001/appRoleAssignedTo',
  applications: '/applications',
  userTransitiveMemberOf: '/users/a0000000-0000-0000-0000-000000000001/transitiveMemberOf/microsoft.graph.group',
  directoryAudits: '/auditLogs/directoryAudits',
  directoryRecommendations: '/directory/recommendations',
  recommendationImpactedResources: '/directory/recommendations/t_Microsoft.Identity.IAM.Insights.AdminMFAV2/impactedResources',
  subscribedSkus: '/subscribedSkus',
  userAuthenticationRequirements: '/users/a0000000-0000-0000-0000-000000000001/authentication/requirements',
  batch: '/$batch',
};

describe('budget classes: gateway and simulated tenant agree', () => {
  it.each(Object.entries(PATHS) as Array<[EndpointKey, string]>)('%s', (key, path) => {
    const simulated = ENDPOINTS[key].throttleClass;
    expect(budgetClass(path)).toBe(simulated);
  });
});
