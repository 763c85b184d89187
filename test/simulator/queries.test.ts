import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE } from '../../src/core/catalog.js';
import type { GraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import { startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import type { GraphPage } from './helpers.js';
import { ID, NOW, errorOf, graphClient, rawGet, readAllPages, richFixture } from './helpers.js';

let sim: GraphSimulator;
let client: Client;

beforeAll(async () => {
  sim = await startGraphSimulator({ fixture: richFixture(), now: () => NOW });
  client = graphClient(sim);
});
afterAll(() => sim.close());

const get = (path: string): Promise<GraphPage> => client.api(path).get() as Promise<GraphPage>;
const ids = (page: GraphPage): unknown[] => page.value.map((v) => v.id);

describe('role definitions', () => {
  it('serves built-in roles from the catalog and custom ones from the fixture, with $select', async () => {
    const page = (await client
      .api('/roleManagement/directory/roleDefinitions')
      .select(['id', 'displayName', 'templateId', 'isBuiltIn', 'isEnabled', 'description'])
      .get()) as GraphPage;
    const ga = page.value.find((r) => r.id === ROLE.globalAdministrator);
    expect(ga).toMatchObject({ displayName: 'Global Administrator', isBuiltIn: true, templateId: ROLE.globalAdministrator, isEnabled: true });
    expect(Object.keys(ga as object).sort()).toEqual(['description', 'displayName', 'id', 'isBuiltIn', 'isEnabled', 'templateId']);
    expect(page.value.find((r) => r.id === ID.customRole)).toMatchObject({ displayName: 'Custom helpdesk', isBuiltIn: false });
    expect(page['@odata.context']).toBe(`${sim.url}/v1.0/$metadata#roleManagement/directory/roleDefinitions(id,displayName,templateId,isBuiltIn,isEnabled,description)`);
  });

  it('has no isPrivileged on v1.0 (filter and $select are 400)', async () => {
    const all = await get('/roleManagement/directory/roleDefinitions');
    expect(all.value.every((r) => !('isPrivileged' in r))).toBe(true);
    expect((await errorOf(get('/roleManagement/directory/roleDefinitions?$filter=isPrivileged eq true'))).statusCode).toBe(400);
    expect((await errorOf(get('/roleManagement/directory/roleDefinitions?$select=id,isPrivileged'))).statusCode).toBe(400);
  });

  it('filters isPrivileged eq true on beta', async () => {
    const page = (await client.api('/roleManagement/directory/roleDefinitions').version('beta').filter('isPrivileged eq true').select('id,displayName').get()) as GraphPage;
    const found = ids(page);
    expect(found).toContain(ROLE.globalAdministrator);
    expect(found).not.toContain(ROLE.exchangeAdministrator);
    expect(found).not.toContain(ROLE.sharePointAdministrator);
    expect(found).not.toContain(ID.customRole);
    expect(page.value[0]).not.toHaveProperty('isPrivileged');
  });
});

describe('PIM role instances', () => {
  it('serves only instances current at the simulator clock, filtered by assignmentType', async () => {
    expect(ids(await get('/roleManagement/directory/roleAssignmentScheduleInstances')).sort()).toEqual(
      ['rasi-alice-ga', 'rasi-bob-ua', 'rasi-deleted', 'rasi-group-sa'],
    );
    expect(ids(await get("/roleManagement/directory/roleAssignmentScheduleInstances?$filter=assignmentType eq 'Activated'"))).toEqual(['rasi-bob-ua']);
    expect(ids(await get("/roleManagement/directory/roleAssignmentScheduleInstances?$filter=assignmentType eq 'Assigned'")).sort()).toEqual(
      ['rasi-alice-ga', 'rasi-deleted', 'rasi-group-sa'],
    );
  });

  it('expands principal to the typed directory object, or null for an id that resolves to nothing', async () => {
    const page = (await client.api('/roleManagement/directory/roleAssignmentScheduleInstances').expand('principal').get()) as GraphPage;
    const byId = new Map(page.value.map((v) => [v.id, v.principal as Record<string, unknown> | null]));
    expect(byId.get('rasi-alice-ga')).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: ID.alice, userPrincipalName: 'alice@contoso.test' });
    const group = byId.get('rasi-group-sa') as Record<string, unknown>;
    expect(group).toMatchObject({ '@odata.type': '#microsoft.graph.group', id: ID.admins, isAssignableToRole: true });
    expect(group).not.toHaveProperty('members');
    expect(byId.get('rasi-deleted')).toBeNull();
    // Without $expand the property is absent.
    const plain = await get('/roleManagement/directory/roleAssignmentScheduleInstances');
    expect(plain.value[0]).not.toHaveProperty('principal');
  });

  it('serves eligibility instances with $expand=principal and no filter', async () => {
    const page = (await client.api('/roleManagement/directory/roleEligibilityScheduleInstances').expand('principal').get()) as GraphPage;
    expect(ids(page).sort()).toEqual(['resi-bob-ua', 'resi-dave-ga']);
    expect(page.value.find((v) => v.id === 'resi-dave-ga')?.principal).toMatchObject({ userType: 'Guest' });
    expect((await errorOf(get(`/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '${ID.dave}'`))).statusCode).toBe(400);
  });

  it('reads role assignment schedule requests with action and createdDateTime filters', async () => {
    expect(ids(await get("/roleManagement/directory/roleAssignmentScheduleRequests?$filter=action eq 'selfActivate'")).sort()).toEqual(['req-bob', 'req-old']);
    expect(ids(await get("/roleManagement/directory/roleAssignmentScheduleRequests?$filter=action eq 'selfActivate' and createdDateTime ge 2026-06-01T00:00:00Z"))).toEqual(['req-bob']);
    expect(ids(await get('/roleManagement/directory/roleAssignmentScheduleRequests')).sort()).toEqual(['req-admin', 'req-bob', 'req-old']);
  });
});

describe('roleAssignments', () => {
  it('filters by roleDefinitionId in (...) and eq, with $expand=principal', async () => {
    // This PIM tenant has no explicit list: the current direct instances are the assignments.
    const both = (await client
      .api('/roleManagement/directory/roleAssignments')
      .filter(`roleDefinitionId in ('${ROLE.globalAdministrator}', '${ROLE.userAdministrator}')`)
      .expand('principal')
      .get()) as GraphPage;
    expect(both.value.map((a) => (a.principal as { id: string }).id).sort()).toEqual([ID.alice, ID.bob].sort());
    const one = await get(`/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${ROLE.globalAdministrator.toUpperCase()}'`);
    expect(one.value.map((a) => a.principalId)).toEqual([ID.alice]);
  });
});

describe('groups and PIM for Groups', () => {
  it('returns typed transitive members with $select trimming per type', async () => {
    const page = (await client.api(`/groups/${ID.admins}/transitiveMembers`).select(['id', 'displayName', 'userPrincipalName', 'appId']).top(999).get()) as GraphPage;
    expect(page.value).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: ID.alice, displayName: 'Alice Admin', userPrincipalName: 'alice@contoso.test' },
      { '@odata.type': '#microsoft.graph.user', id: ID.bob, displayName: 'Bob Builder', userPrincipalName: 'bob@contoso.test' },
      { '@odata.type': '#microsoft.graph.group', id: ID.nested, displayName: 'Nested admins' },
      { '@odata.type': '#microsoft.graph.servicePrincipal', id: ID.sp, displayName: 'Automation app', appId: 'app-1' },
    ]);
  });

  it('answers 404 Request_ResourceNotFound for an unknown group, and matches ids case-insensitively', async () => {
    const error = await errorOf(get('/groups/00000000-0000-4000-8000-000000000000/transitiveMembers'));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('Request_ResourceNotFound');
    expect((await get(`/groups/${ID.admins.toUpperCase()}/transitiveMembers`)).value).toHaveLength(4);
  });

  it('filters PIM-for-Groups eligibility by groupId (and accessId)', async () => {
    const base = '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances';
    expect(ids(await get(`${base}?$filter=groupId eq '${ID.admins}'`)).sort()).toEqual(['pge-carol', 'pge-dave-owner']);
    const members = (await client.api(base).filter(`groupId eq '${ID.admins}' and accessId eq 'member'`).expand('principal').get()) as GraphPage;
    expect(ids(members)).toEqual(['pge-carol']);
    expect(members.value[0]?.principal).toMatchObject({ id: ID.carol, accountEnabled: false });
    expect(ids(await get(`${base}?$filter=principalId eq '${ID.dave}'`)).sort()).toEqual(['pge-dave-owner', 'pge-other-group']);
  });

  it('filters PIM-for-Groups assignments by groupId and assignmentType', async () => {
    const base = '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances';
    expect(ids(await get(`${base}?$filter=groupId eq '${ID.admins}'`)).sort()).toEqual(['pga-alice', 'pga-bob']);
    expect(ids(await get(`${base}?$filter=groupId eq '${ID.admins}' and assignmentType eq 'activated'`))).toEqual(['pga-bob']);
  });

  it('requires the groupId or principalId filter, as Graph does', async () => {
    for (const path of [
      '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances',
      "/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=accessId eq 'member'",
    ]) {
      const error = await errorOf(get(path));
      expect(error.statusCode, path).toBe(400);
      expect(error.message, path).toContain('groupId or principalId');
    }
  });
});

describe('users and groups by id', () => {
  it('reads users and groups with id in (...) and $select, case-insensitively', async () => {
    const users = (await client
      .api('/users')
      .filter(`id in ('${ID.alice.toUpperCase()}', '${ID.dave}', '${ID.admins}', '00000000-0000-4000-8000-000000000000')`)
      .select('id,displayName,userType')
      .get()) as GraphPage;
    expect(users.value).toEqual([
      { id: ID.alice, displayName: 'Alice Admin', userType: 'Member' },
      { id: ID.dave, displayName: 'Dave Guest', userType: 'Guest' },
    ]);
    const groups = await get(`/groups?$filter=id eq '${ID.nested}'`);
    expect(groups.value).toHaveLength(1);
    expect(groups.value[0]).toMatchObject({ id: ID.nested, displayName: 'Nested admins' });
    expect(groups.value[0]).not.toHaveProperty('members');
  });

  it('allows at most 15 values in an id in (...) list', async () => {
    const ids = Array.from({ length: 16 }, (_, i) => `'${String(i).padStart(8, '0')}-0000-4000-8000-000000000000'`);
    const error = await errorOf(get(`/users?$filter=id in (${ids.join(',')})`));
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/Max allowed: 15/);
    expect((await get(`/users?$filter=id in (${ids.slice(0, 15).join(',')})`)).value).toEqual([]);
  });

  it('pages the user list at $top (max 999)', async () => {
    const pages = await readAllPages(client, sim, client.api('/users').select('id').top(200).get() as Promise<GraphPage>);
    expect(pages.map((p) => p.value.length)).toEqual([200, 54]);
  });
});

describe('reports', () => {
  it('filters userRegistrationDetails by isAdmin and reads one by id', async () => {
    const pages = await readAllPages(client, sim, client.api('/reports/authenticationMethods/userRegistrationDetails').filter('isAdmin eq true').get() as Promise<GraphPage>);
    expect(pages.flatMap((p) => p.value)).toHaveLength(13);
    const one = (await get(`/reports/authenticationMethods/userRegistrationDetails/${ID.bob}`)) as unknown as Record<string, unknown>;
    expect(one).toMatchObject({ id: ID.bob, isAdmin: true });
    expect(one['@odata.context']).toContain('$entity');
    const missing = await errorOf(get(`/reports/authenticationMethods/userRegistrationDetails/${ID.carol}`));
    expect(missing.statusCode).toBe(404);
  });

  it('filters sign-ins by createdDateTime and error codes, newest first', async () => {
    const page = (await client
      .api('/auditLogs/signIns')
      .filter('createdDateTime ge 2026-05-20T00:00:00Z and (status/errorCode eq 50074 or status/errorCode eq 50076)')
      .top(1000)
      .get()) as GraphPage;
    // Days 20..31 May = i 18..29; i % 6 in {0, 1} => 18, 19, 24, 25.
    expect(ids(page)).toEqual(['si-25', 'si-24', 'si-19', 'si-18']);
  });

  it('filters sign-ins by user ids, and by a closed time range', async () => {
    const byUser = await get(`/auditLogs/signIns?$filter=createdDateTime ge 2026-05-29T00:00:00Z and (userId eq '${ID.bob}' or userId eq '${ID.carol}')`);
    expect(ids(byUser)).toEqual(['si-29', 'si-27']);
    const range = await get('/auditLogs/signIns?$filter=createdDateTime ge 2026-05-10T00:00:00Z and createdDateTime le 2026-05-12T23:59:59Z');
    expect(ids(range)).toEqual(['si-10', 'si-09', 'si-08']);
    const since = await get('/auditLogs/signIns?$filter=createdDateTime ge 2026-05-30T00:00:00.000Z');
    expect(ids(since)).toEqual(['si-29', 'si-28']);
  });

  it('answers 400 "Invalid filter clause" for a quoted date', async () => {
    const error = await errorOf(get("/auditLogs/signIns?$filter=createdDateTime ge '2026-05-20T00:00:00Z'"));
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/^Invalid filter clause/);
  });
});

describe('policies', () => {
  it('serves CA policies, named locations and security defaults', async () => {
    expect(ids(await get('/identity/conditionalAccess/policies'))).toEqual(['ca-admin-mfa', 'ca-report-only']);
    const locations = await get('/identity/conditionalAccess/namedLocations');
    expect(locations.value[0]).toMatchObject({ '@odata.type': '#microsoft.graph.ipNamedLocation', id: 'loc-hq' });
    const defaults = (await get('/policies/identitySecurityDefaultsEnforcementPolicy')) as unknown as Record<string, unknown>;
    expect(defaults).toMatchObject({ id: '00000000-0000-0000-0000-000000000005', isEnabled: false });
  });

  it('merges built-in authentication strengths and filters policyType', async () => {
    const all = await get('/policies/authenticationStrengthPolicies');
    expect(ids(all)).toEqual(['00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000004', ID.strength]);
    expect(ids(await get("/policies/authenticationStrengthPolicies?$filter=policyType eq 'custom'"))).toEqual([ID.strength]);
  });

  it('serves role management policy assignments for directory roles and groups', async () => {
    const directory = (await client
      .api('/policies/roleManagementPolicyAssignments')
      .filter("scopeId eq '/' and scopeType eq 'DirectoryRole'")
      .expand('policy($expand=rules)')
      .get()) as GraphPage;
    expect(ids(directory)).toEqual(['Directory_contoso_ga']);
    const policy = directory.value[0]?.policy as { rules: Array<{ id: string; enabledRules: string[] }> };
    expect(policy.rules[0]).toMatchObject({ id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication', 'Justification'] });

    const group = await get(`/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${ID.admins}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`);
    expect(ids(group)).toEqual(['Group_admins_member']);
    expect(group.value[0]).not.toHaveProperty('policy');

    const withoutRules = await get(`/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${ID.admins}' and scopeType eq 'Group'&$expand=policy`);
    expect(ids(withoutRules).sort()).toEqual(['Group_admins_member', 'Group_admins_owner']);
    expect(withoutRules.value.every((v) => v.policy && !('rules' in (v.policy as object)))).toBe(true);
  });

  it('requires the scope filter on role management policy assignments', async () => {
    expect((await errorOf(get('/policies/roleManagementPolicyAssignments'))).statusCode).toBe(400);
    expect((await errorOf(get("/policies/roleManagementPolicyAssignments?$filter=scopeType eq 'DirectoryRole'"))).statusCode).toBe(400);
  });
});

describe('strictness: what Graph would refuse is refused, never ignored', () => {
  const refused: Array<[string, RegExp]> = [
    ["/auditLogs/signIns?$filter=appDisplayName eq 'Azure Portal'", /appDisplayName/],
    ["/auditLogs/signIns?$filter=startswith(userPrincipalName,'a')", /property 'userPrincipalName'/],
    ['/auditLogs/signIns?$filter=status/errorCode eq 50074 and', /Invalid filter clause/],
    ["/auditLogs/signIns?$filter=userId in ('a','b')", /operator 'in'/],
    ["/auditLogs/signIns?$filter=status/errorCode eq '50074'", /incompatible types/],
    ['/auditLogs/signIns?$filter=createdDateTime ge 2026-05-20', /Invalid filter clause/],
    ["/identity/conditionalAccess/policies?$filter=state eq 'enabled'", /\$filter/],
    ["/reports/authenticationMethods/userRegistrationDetails?$filter=isAdmin eq 'true'", /incompatible types/],
    ['/reports/authenticationMethods/userRegistrationDetails?$filter=isAdmin eq true or isMfaRegistered eq false', /'or'/],
    ["/roleManagement/directory/roleAssignmentScheduleInstances?$filter=assignmentType eq 'Activated' or assignmentType eq 'Assigned'", /'or'/],
    ['/auditLogs/signIns?$orderby=createdDateTime desc', /\$orderby/],
    ['/auditLogs/signIns?$count=true', /\$count/],
    ['/auditLogs/signIns?$search="alice"', /\$search/],
    ['/auditLogs/signIns?$skip=10', /\$skip/],
    ['/auditLogs/signIns?foo=bar', /foo/],
    ['/identity/conditionalAccess/policies?$expand=principal', /expand/],
    ['/roleManagement/directory/roleAssignments?$expand=principal($select=id)', /Nested/],
    ['/organization', /Resource not found/],
    ["/users?$filter=displayName eq 'Alice Admin'", /displayName/],
    [`/groups/${ID.admins}/members`, /Resource not found/],
  ];
  for (const [path, message] of refused) {
    it(`400 for ${path}`, async () => {
      const response = await rawGet(sim, `/v1.0${path}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(['BadRequest', 'Request_UnsupportedQuery']).toContain(body.error.code);
      expect(body.error.message).toMatch(message);
    });
  }
});
