import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROLE } from '../../src/core/catalog.js';
import { parseTenantFixture } from '../../devkit/fixture/format.js';
import type { GraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import { startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import type { GraphPage } from './helpers.js';
import { ID, NOW, errorOf, fixtureWithoutPim, followLink, graphClient, rawGet, readAllPages, richFixture } from './helpers.js';

let sim: GraphSimulator;
let client: Client;

beforeAll(async () => {
  sim = await startGraphSimulator({ fixture: richFixture(), now: () => NOW });
  client = graphClient(sim);
});
afterEach(() => {
  sim.setFaults([]);
  sim.setFixture(richFixture());
  sim.resetStats();
});
afterAll(() => sim.close());

const CA = '/identity/conditionalAccess/policies';

describe('authentication', () => {
  it('answers 401 InvalidAuthenticationToken without a token or with a wrong one', async () => {
    for (const token of [null, 'not-the-token']) {
      const error = await errorOf(graphClient(sim, { token }).api(CA).get());
      expect(error.statusCode).toBe(401);
      expect(error.code).toBe('InvalidAuthenticationToken');
    }
    const response = await rawGet(sim, `/v1.0${CA}`, null);
    expect(response.status).toBe(401);
    expect(sim.stats().byStatus['401']).toBe(3);
  });

  it('accepts a custom token', async () => {
    const custom = await startGraphSimulator({ fixture: richFixture(), token: 'abc' });
    try {
      expect(custom.token).toBe('abc');
      expect((await rawGet(custom, `/v1.0${CA}`)).status).toBe(200);
      expect((await rawGet(custom, `/v1.0${CA}`, 'simulated-graph-token')).status).toBe(401);
    } finally {
      await custom.close();
    }
  });
});

describe('fault rules', () => {
  it('sends 429 with Retry-After when retryAfterSeconds is given, and without the header otherwise', async () => {
    sim.setFaults([{ kind: 'throttle429', endpoint: 'conditionalAccessPolicies', retryAfterSeconds: 7, times: 1 }]);
    const first = await rawGet(sim, `/v1.0${CA}`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe('TooManyRequests');
    expect((await rawGet(sim, `/v1.0${CA}`)).status).toBe(200); // times: 1

    sim.setFaults([{ kind: 'throttle429', endpoint: 'conditionalAccessPolicies', times: 1 }]);
    const bare = await rawGet(sim, `/v1.0${CA}`);
    expect(bare.status).toBe(429);
    expect(bare.headers.has('retry-after')).toBe(false);
    expect(sim.stats().throttled429).toBe(2);
  });

  it('lets the SDK RetryHandler recover from a 429 (Retry-After honoured)', async () => {
    sim.setFaults([{ kind: 'throttle429', endpoint: 'namedLocations', retryAfterSeconds: 0.2, times: 2 }]);
    const retrying = graphClient(sim, { retry: { maxRetries: 3, delaySeconds: 0.05 } });
    const started = Date.now();
    const page = (await retrying.api('/identity/conditionalAccess/namedLocations').get()) as GraphPage;
    expect(page.value).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(sim.stats().byEndpoint.namedLocations).toBe(3);
  });

  it('sends 503 only on page 2 of a pagination', async () => {
    sim.setFaults([{ kind: 'status503', endpoint: 'transitiveMembers', page: 2, times: 1 }]);
    const first = (await client.api(`/groups/${ID.big}/transitiveMembers`).top(100).get()) as GraphPage;
    expect(first.value).toHaveLength(100);
    const link = first['@odata.nextLink'] as string;
    const error = await errorOf(followLink(client, sim, link));
    expect(error.statusCode).toBe(503);
    // Page 1 again still works, and the retried page 2 succeeds (times: 1), and so does page 3.
    expect(((await client.api(`/groups/${ID.big}/transitiveMembers`).top(100).get()) as GraphPage).value).toHaveLength(100);
    const pages = await readAllPages(client, sim, Promise.resolve(first));
    expect(pages.map((p) => p.value.length)).toEqual([100, 100, 55]);
  });

  it('delays answers by delayMs', async () => {
    sim.setFaults([{ kind: 'delayMs', delayMs: 300, endpoint: 'securityDefaults' }]);
    let started = Date.now();
    await client.api('/policies/identitySecurityDefaultsEnforcementPolicy').get();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    started = Date.now();
    await client.api(CA).get();
    // Other endpoints are not delayed (well under the 300 ms delay, even on a loaded machine).
    expect(Date.now() - started).toBeLessThan(290);
  });

  it('answers 403 for one endpoint only, naming the missing permission', async () => {
    sim.setFaults([{ kind: 'forbidden403', endpoint: 'userRegistrationDetails' }]);
    const error = await errorOf(client.api('/reports/authenticationMethods/userRegistrationDetails').get());
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
    expect(error.message).toContain('AuditLog.Read.All');
    // The same permission's other endpoints still answer: the rule is per endpoint.
    expect(((await client.api('/auditLogs/signIns').top(1).get()) as GraphPage).value).toHaveLength(1);
    expect(((await client.api(CA).get()) as GraphPage).value).toHaveLength(2);
  });

  it('matches rules by path regex and skips the first afterRequests matches', async () => {
    sim.setFaults([{ kind: 'status503', path: /transitiveMembers/i, afterRequests: 1, times: 1 }]);
    expect((await rawGet(sim, `/v1.0/groups/${ID.admins}/transitiveMembers`)).status).toBe(200);
    expect((await rawGet(sim, `/v1.0/groups/${ID.admins}/transitiveMembers`)).status).toBe(503);
    expect((await rawGet(sim, `/v1.0/groups/${ID.admins}/transitiveMembers`)).status).toBe(200);
  });

  it('injects a licence error on demand', async () => {
    sim.setFaults([{ kind: 'licenseError', endpoint: 'roleEligibilityScheduleInstances' }]);
    const error = await errorOf(client.api('/roleManagement/directory/roleEligibilityScheduleInstances').get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('AadPremiumLicenseRequired');
    expect(((await client.api('/roleManagement/directory/roleAssignmentScheduleInstances').get()) as GraphPage).value.length).toBeGreaterThan(0);
  });

  it('rejects malformed rules', () => {
    expect(() => sim.setFaults([{ kind: 'nope' } as never])).toThrow(/unknown fault kind/);
    expect(() => sim.setFaults([{ kind: 'throttle429', times: -1 }])).toThrow(/times/);
  });
});

describe('a tenant without PIM', () => {
  it('answers every PIM endpoint with AadPremiumLicenseRequired and serves roleAssignments', async () => {
    sim.setFixture(fixtureWithoutPim());
    for (const path of [
      '/roleManagement/directory/roleAssignmentScheduleInstances',
      '/roleManagement/directory/roleEligibilityScheduleInstances',
      `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${ID.admins}'`,
      `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${ID.admins}'`,
      "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'",
      "/roleManagement/directory/roleAssignmentScheduleRequests?$filter=action eq 'selfActivate'",
    ]) {
      const response = await rawGet(sim, `/v1.0${path}`);
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({
        code: 'AadPremiumLicenseRequired',
        message: 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.',
      });
    }
    const assignments = (await client
      .api('/roleManagement/directory/roleAssignments')
      .filter(`roleDefinitionId in ('${ROLE.globalAdministrator}','${ROLE.conditionalAccessAdministrator}')`)
      .expand('principal')
      .get()) as GraphPage;
    expect(assignments.value.map((a) => (a.principal as { '@odata.type': string })['@odata.type'])).toEqual([
      '#microsoft.graph.user',
      '#microsoft.graph.servicePrincipal',
    ]);
  });

  it('serves empty collections for missing keys', async () => {
    sim.setFixture(parseTenantFixture({ tenantId: 'empty' }));
    expect(((await client.api('/reports/authenticationMethods/userRegistrationDetails').get()) as GraphPage).value).toEqual([]);
    expect(((await client.api('/auditLogs/signIns').get()) as GraphPage).value).toEqual([]);
    expect(((await client.api(CA).get()) as GraphPage).value).toEqual([]);
    expect(((await client.api('/roleManagement/directory/roleAssignments').get()) as GraphPage).value).toEqual([]);
    expect(((await client.api('/policies/identitySecurityDefaultsEnforcementPolicy').get()) as { isEnabled: boolean }).isEnabled).toBe(false);
    // Built-in roles and strengths still come from the catalog.
    expect(((await client.api('/policies/authenticationStrengthPolicies').get()) as GraphPage).value).toHaveLength(3);
  });

  it('setFixture swaps the tenant between runs', async () => {
    const before = (await client.api(`/groups/${ID.admins}/transitiveMembers`).get()) as GraphPage;
    expect(before.value).toHaveLength(4);
    const changed = richFixture();
    const admins = changed.groups?.find((g) => g.id === ID.admins);
    if (admins) admins.members = [ID.alice];
    sim.setFixture(changed);
    const after = (await client.api(`/groups/${ID.admins}/transitiveMembers`).get()) as GraphPage;
    expect(after.value.map((m) => m.id)).toEqual([ID.alice]);
  });
});
