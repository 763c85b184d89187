// The stable short names of the simulated endpoints: stats, fault rules and the bench refer to them.
import type { ThrottleClass } from './throttle.js';

export const ENDPOINT_KEYS = [
  'roleDefinitions',
  'roleDefinitionsBeta',
  'roleAssignmentScheduleInstances',
  'roleEligibilityScheduleInstances',
  'roleAssignments',
  'transitiveMembers',
  'users',
  'groups',
  'pimGroupEligibilityInstances',
  'pimGroupAssignmentInstances',
  'userRegistrationDetails',
  'userRegistrationDetail',
  'conditionalAccessPolicies',
  'namedLocations',
  'authenticationStrengthPolicies',
  'securityDefaults',
  'roleManagementPolicyAssignments',
  'roleAssignmentScheduleRequests',
  'signIns',
  'batch',
] as const;
export type EndpointKey = (typeof ENDPOINT_KEYS)[number];

export interface EndpointInfo {
  throttleClass: ThrottleClass;
  /** Directory resource units before the $select / $expand adjustments. */
  baseCost: number;
  /** Least-privilege application permission (entra-facts.md §4), named in 403 answers. */
  permission: string;
  /** Answers 400 AadPremiumLicenseRequired when the fixture has no PIM data. */
  pim: boolean;
}

export const ENDPOINTS: Readonly<Record<EndpointKey, EndpointInfo>> = {
  roleDefinitions: { throttleClass: 'directory', baseCost: 1, permission: 'RoleManagement.Read.Directory', pim: false },
  roleDefinitionsBeta: { throttleClass: 'directory', baseCost: 1, permission: 'RoleManagement.Read.Directory', pim: false },
  roleAssignments: { throttleClass: 'directory', baseCost: 1, permission: 'RoleManagement.Read.Directory', pim: false },
  transitiveMembers: { throttleClass: 'directory', baseCost: 5, permission: 'GroupMember.Read.All', pim: false },
  users: { throttleClass: 'directory', baseCost: 2, permission: 'User.Read.All', pim: false },
  groups: { throttleClass: 'directory', baseCost: 1, permission: 'GroupMember.Read.All', pim: false },
  roleAssignmentScheduleInstances: { throttleClass: 'none', baseCost: 1, permission: 'RoleAssignmentSchedule.Read.Directory', pim: true },
  roleEligibilityScheduleInstances: { throttleClass: 'none', baseCost: 1, permission: 'RoleEligibilitySchedule.Read.Directory', pim: true },
  pimGroupEligibilityInstances: { throttleClass: 'none', baseCost: 1, permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup', pim: true },
  pimGroupAssignmentInstances: { throttleClass: 'none', baseCost: 1, permission: 'PrivilegedAssignmentSchedule.Read.AzureADGroup', pim: true },
  roleManagementPolicyAssignments: { throttleClass: 'none', baseCost: 1, permission: 'RoleManagementPolicy.Read.Directory', pim: true },
  roleAssignmentScheduleRequests: { throttleClass: 'none', baseCost: 1, permission: 'RoleAssignmentSchedule.Read.Directory', pim: true },
  userRegistrationDetails: { throttleClass: 'reports', baseCost: 1, permission: 'AuditLog.Read.All', pim: false },
  userRegistrationDetail: { throttleClass: 'reports', baseCost: 1, permission: 'AuditLog.Read.All', pim: false },
  signIns: { throttleClass: 'reports', baseCost: 1, permission: 'AuditLog.Read.All', pim: false },
  conditionalAccessPolicies: { throttleClass: 'conditionalAccess', baseCost: 1, permission: 'Policy.Read.All', pim: false },
  namedLocations: { throttleClass: 'conditionalAccess', baseCost: 1, permission: 'Policy.Read.All', pim: false },
  authenticationStrengthPolicies: { throttleClass: 'none', baseCost: 1, permission: 'Policy.Read.AuthenticationMethod', pim: false },
  securityDefaults: { throttleClass: 'none', baseCost: 1, permission: 'Policy.Read.All', pim: false },
  batch: { throttleClass: 'none', baseCost: 0, permission: 'none', pim: false },
};
