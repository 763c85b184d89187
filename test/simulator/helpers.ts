// Shared test setup: a tenant fixture with every resource kind, and a real Graph SDK client wired to
// the simulator (the SDK's own AuthenticationHandler only sends tokens to https Graph hosts).
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { Client, HTTPMessageHandler, RetryHandler, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { ROLE } from '../../src/core/catalog.js';
import type { TenantFixture } from '../../devkit/fixture/format.js';
import { parseTenantFixture } from '../../devkit/fixture/format.js';
import type { GraphSimulator } from '../../devkit/simulator/graph-simulator.js';

export const NOW = new Date('2026-06-01T12:00:00Z');

export const ID = {
  alice: '00000000-0000-4000-8000-00000000a11c',
  bob: '00000000-0000-4000-8000-000000000b0b',
  carol: '00000000-0000-4000-8000-0000000ca201',
  dave: '00000000-0000-4000-8000-000000000da7',
  admins: '00000000-0000-4000-8000-0000000ad315',
  nested: '00000000-0000-4000-8000-00000000e57d',
  big: '00000000-0000-4000-8000-000000000b19',
  sp: '00000000-0000-4000-8000-0000000005b1',
  deleted: '00000000-0000-4000-8000-00000000de1e',
  customRole: '11111111-2222-4333-8444-555555555555',
  strength: '22222222-3333-4444-8555-666666666666',
} as const;

export const BIG_GROUP_EXTRA_USERS = 250;
export const REGISTRATION_DETAILS = 1200;

function generatedUserId(i: number): string {
  return `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** A tenant with PIM, nested groups, 254 users, 1,200 registration details and 31 sign-ins. */
export function richFixture(): TenantFixture {
  const generated = Array.from({ length: BIG_GROUP_EXTRA_USERS }, (_, i) => ({
    id: generatedUserId(i),
    displayName: `User ${i}`,
    userPrincipalName: `user${i}@contoso.test`,
    accountEnabled: true,
    userType: 'Member',
  }));
  const interrupts = [50074, 50076, 0, 500121, 0, 53003];
  return parseTenantFixture({
    version: 1,
    tenantId: 'contoso-test',
    displayName: 'Contoso (test)',
    users: [
      { id: ID.alice, displayName: 'Alice Admin', userPrincipalName: 'alice@contoso.test', accountEnabled: true, userType: 'Member' },
      { id: ID.bob, displayName: 'Bob Builder', userPrincipalName: 'bob@contoso.test', accountEnabled: true, userType: 'Member' },
      { id: ID.carol, displayName: 'Carol Cloud', userPrincipalName: 'carol@contoso.test', accountEnabled: false, userType: 'Member' },
      { id: ID.dave, displayName: 'Dave Guest', userPrincipalName: 'dave@fabrikam.test', accountEnabled: true, userType: 'Guest' },
      ...generated,
    ],
    groups: [
      { id: ID.admins, displayName: 'Tier 0 admins', isAssignableToRole: true, securityEnabled: true, members: [ID.alice, ID.nested] },
      { id: ID.nested, displayName: 'Nested admins', isAssignableToRole: false, securityEnabled: true, members: [ID.bob, ID.sp] },
      { id: ID.big, displayName: 'Everyone', securityEnabled: true, members: [...generated.map((u) => u.id), ID.admins] },
    ],
    servicePrincipals: [{ id: ID.sp, displayName: 'Automation app', appId: 'app-1', servicePrincipalType: 'Application', accountEnabled: true }],
    roleDefinitions: [{ id: ID.customRole, displayName: 'Custom helpdesk', isBuiltIn: false, isEnabled: true, description: 'custom' }],
    roleAssignmentScheduleInstances: [
      { id: 'rasi-alice-ga', principalId: ID.alice, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
      { id: 'rasi-bob-ua', principalId: ID.bob, roleDefinitionId: ROLE.userAdministrator, directoryScopeId: '/', assignmentType: 'Activated', memberType: 'Direct', startDateTime: '2026-06-01T11:00:00Z', endDateTime: '2026-06-01T19:00:00Z' },
      { id: 'rasi-carol-expired', principalId: ID.carol, roleDefinitionId: ROLE.securityAdministrator, directoryScopeId: '/', assignmentType: 'Activated', memberType: 'Direct', startDateTime: '2026-05-31T08:00:00Z', endDateTime: '2026-05-31T16:00:00Z' },
      { id: 'rasi-group-sa', principalId: ID.admins, roleDefinitionId: ROLE.securityAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null },
      { id: 'rasi-deleted', principalId: ID.deleted, roleDefinitionId: ROLE.exchangeAdministrator, directoryScopeId: '/', assignmentType: 'Assigned', memberType: 'Direct' },
    ],
    roleEligibilityScheduleInstances: [
      { id: 'resi-dave-ga', principalId: ID.dave, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/', memberType: 'Direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: '2027-01-01T00:00:00Z' },
      { id: 'resi-bob-ua', principalId: ID.bob, roleDefinitionId: ROLE.userAdministrator, directoryScopeId: '/', memberType: 'Direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
    ],
    privilegedAccessGroupEligibilityScheduleInstances: [
      { id: 'pge-carol', groupId: ID.admins, principalId: ID.carol, accessId: 'member', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
      { id: 'pge-dave-owner', groupId: ID.admins, principalId: ID.dave, accessId: 'owner', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
      { id: 'pge-other-group', groupId: ID.nested, principalId: ID.dave, accessId: 'member', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
    ],
    privilegedAccessGroupAssignmentScheduleInstances: [
      { id: 'pga-alice', groupId: ID.admins, principalId: ID.alice, accessId: 'member', assignmentType: 'assigned', memberType: 'direct', startDateTime: '2025-01-01T00:00:00Z', endDateTime: null },
      { id: 'pga-bob', groupId: ID.admins, principalId: ID.bob, accessId: 'member', assignmentType: 'activated', memberType: 'direct', startDateTime: '2026-06-01T10:00:00Z', endDateTime: '2026-06-01T14:00:00Z' },
    ],
    roleAssignmentScheduleRequests: [
      { id: 'req-bob', action: 'selfActivate', status: 'Provisioned', principalId: ID.bob, roleDefinitionId: ROLE.userAdministrator, directoryScopeId: '/', createdDateTime: '2026-06-01T10:59:00Z', justification: 'ticket 42' },
      { id: 'req-old', action: 'selfActivate', status: 'Provisioned', principalId: ID.carol, roleDefinitionId: ROLE.securityAdministrator, directoryScopeId: '/', createdDateTime: '2026-05-31T07:59:00Z' },
      { id: 'req-admin', action: 'adminAssign', status: 'Provisioned', principalId: ID.alice, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/', createdDateTime: '2026-05-01T00:00:00Z' },
      { id: 'req-future', action: 'selfActivate', status: 'Provisioned', principalId: ID.dave, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/', createdDateTime: '2026-07-01T00:00:00Z' },
    ],
    roleManagementPolicyAssignments: [
      {
        id: 'Directory_contoso_ga',
        policyId: 'Directory_contoso_policy_ga',
        scopeId: '/',
        scopeType: 'Directory',
        roleDefinitionId: ROLE.globalAdministrator,
        policy: {
          id: 'Directory_contoso_policy_ga',
          displayName: 'Directory',
          rules: [
            { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication', 'Justification'], target: { caller: 'EndUser', level: 'Assignment' } },
          ],
        },
      },
      {
        id: 'Group_admins_member',
        policyId: 'Group_admins_policy_member',
        scopeId: ID.admins,
        scopeType: 'Group',
        roleDefinitionId: 'member',
        policy: { id: 'Group_admins_policy_member', displayName: 'Group', rules: [{ id: 'Approval_EndUser_Assignment', setting: { isApprovalRequired: true } }] },
      },
      { id: 'Group_admins_owner', policyId: 'Group_admins_policy_owner', scopeId: ID.admins, scopeType: 'Group', roleDefinitionId: 'owner' },
    ],
    conditionalAccessPolicies: [
      {
        id: 'ca-admin-mfa',
        displayName: 'Require MFA for admins',
        state: 'enabled',
        conditions: { users: { includeRoles: [ROLE.globalAdministrator] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
        grantControls: { operator: 'OR', builtInControls: ['mfa'] },
      },
      {
        id: 'ca-report-only',
        displayName: 'Report-only strength',
        state: 'enabledForReportingButNotEnforced',
        conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } },
        grantControls: { operator: 'AND', builtInControls: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000004' } },
      },
    ],
    namedLocations: [{ '@odata.type': '#microsoft.graph.ipNamedLocation', id: 'loc-hq', displayName: 'HQ', isTrusted: true, ipRanges: [{ cidrAddress: '203.0.113.0/24' }] }],
    authenticationStrengthPolicies: [{ id: ID.strength, displayName: 'FIDO2 only', policyType: 'custom', requirementsSatisfied: 'mfa', allowedCombinations: ['fido2'] }],
    securityDefaults: { isEnabled: false },
    userRegistrationDetails: Array.from({ length: REGISTRATION_DETAILS }, (_, i) => ({
      id: i === 0 ? ID.alice : i === 1 ? ID.bob : generatedUserId(i),
      userPrincipalName: `reg${i}@contoso.test`,
      isAdmin: i < 2 || i % 100 === 0,
      isMfaRegistered: i % 3 !== 0,
      isMfaCapable: i % 3 !== 0,
      methodsRegistered: i % 3 !== 0 ? ['microsoftAuthenticatorPush'] : [],
    })),
    signIns: [
      ...Array.from({ length: 30 }, (_, i) => ({
        id: `si-${String(i).padStart(2, '0')}`,
        // i = 0 is the oldest (2026-05-02), i = 29 the newest (2026-05-31).
        createdDateTime: new Date(Date.UTC(2026, 4, 2 + i, 9, 0, 0)).toISOString(),
        userId: i % 2 === 0 ? ID.alice : ID.bob,
        userPrincipalName: i % 2 === 0 ? 'alice@contoso.test' : 'bob@contoso.test',
        appDisplayName: 'Azure Portal',
        status: { errorCode: interrupts[i % interrupts.length] },
      })),
      { id: 'si-future', createdDateTime: '2026-07-01T00:00:00Z', userId: ID.alice, status: { errorCode: 50074 } },
    ],
  });
}

/** The same tenant without PIM keys (a P1 tenant): role assignments come from `roleAssignments`. */
export function fixtureWithoutPim(): TenantFixture {
  const {
    roleAssignmentScheduleInstances: _a,
    roleEligibilityScheduleInstances: _b,
    privilegedAccessGroupAssignmentScheduleInstances: _c,
    privilegedAccessGroupEligibilityScheduleInstances: _d,
    roleAssignmentScheduleRequests: _e,
    roleManagementPolicyAssignments: _f,
    ...rest
  } = richFixture();
  return parseTenantFixture({
    ...rest,
    roleAssignments: [
      { id: 'ra-alice-ga', principalId: ID.alice, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/' },
      { id: 'ra-bob-ua', principalId: ID.bob, roleDefinitionId: ROLE.userAdministrator, directoryScopeId: '/' },
      { id: 'ra-sp-ca', principalId: ID.sp, roleDefinitionId: ROLE.conditionalAccessAdministrator, directoryScopeId: '/' },
    ],
  });
}

/** Adds `Authorization: Bearer <token>` to every request (plain-http loopback, so the SDK's handler won't). */
export class BearerTokenMiddleware implements Middleware {
  private next?: Middleware;
  constructor(private readonly token: string | null) {}

  async execute(context: Context): Promise<void> {
    if (this.token !== null) {
      context.options ??= {};
      const headers = context.options.headers;
      if (headers instanceof Headers) headers.set('Authorization', `Bearer ${this.token}`);
      else context.options.headers = { ...(headers as Record<string, string> | undefined), Authorization: `Bearer ${this.token}` };
    }
    await (this.next as Middleware).execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export interface ClientOptions {
  /** Send this token instead of the simulator's; null = no Authorization header. */
  token?: string | null;
  /** Put the SDK's RetryHandler in the chain with these options. */
  retry?: { maxRetries: number; delaySeconds: number };
}

/** A real Graph SDK client against the simulator: our bearer middleware, optional RetryHandler, HTTPMessageHandler. */
export function graphClient(sim: GraphSimulator, options: ClientOptions = {}): Client {
  const middleware: Middleware[] = [new BearerTokenMiddleware(options.token === undefined ? sim.token : options.token)];
  if (options.retry) middleware.push(new RetryHandler(new RetryHandlerOptions(options.retry.delaySeconds, options.retry.maxRetries)));
  middleware.push(new HTTPMessageHandler());
  return Client.initWithMiddleware({ baseUrl: sim.url, middleware });
}

export interface GraphPage<T = Record<string, unknown>> {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  value: T[];
}

/**
 * Follows a nextLink with the SDK. The SDK only strips `https://` hosts from absolute URLs, so an
 * `http://` link on the simulator is given as a path with the version (and `.version('')`).
 */
export function followLink(client: Client, sim: GraphSimulator, link: string): Promise<GraphPage> {
  if (!link.startsWith(`${sim.url}/`)) throw new Error(`nextLink ${link} is not on the simulator ${sim.url}`);
  return client.api(link.slice(sim.url.length)).version('').get() as Promise<GraphPage>;
}

/** Reads every page; returns the pages so tests can check page sizes. */
export async function readAllPages(client: Client, sim: GraphSimulator, first: Promise<GraphPage>): Promise<GraphPage[]> {
  const pages = [await first];
  for (let link = pages[0]?.['@odata.nextLink']; link; link = pages[pages.length - 1]?.['@odata.nextLink']) {
    pages.push(await followLink(client, sim, link));
    if (pages.length > 1000) throw new Error('too many pages');
  }
  return pages;
}

/** Raw fetch with the simulator token (for headers and exact status codes). */
export function rawGet(sim: GraphSimulator, path: string, token: string | null = sim.token): Promise<Response> {
  return fetch(`${sim.url}${path}`, { headers: token === null ? {} : { Authorization: `Bearer ${token}` } });
}

export async function errorOf(promise: Promise<unknown>): Promise<{ statusCode: number; code: string; message: string; headers?: Headers }> {
  try {
    await promise;
  } catch (error) {
    return error as { statusCode: number; code: string; message: string; headers?: Headers };
  }
  throw new Error('expected the request to fail');
}
