import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import { startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import type { GraphPage } from './helpers.js';
import { BIG_GROUP_EXTRA_USERS, ID, NOW, REGISTRATION_DETAILS, errorOf, followLink, graphClient, rawGet, readAllPages, richFixture } from './helpers.js';

let sim: GraphSimulator;
let client: Client;

beforeAll(async () => {
  sim = await startGraphSimulator({ fixture: richFixture(), now: () => NOW });
  client = graphClient(sim);
});
afterAll(() => sim.close());

// The big group: 250 generated users + the admins group (alice, nested group (bob, the app)).
const BIG_GROUP_MEMBERS = BIG_GROUP_EXTRA_USERS + 5;

describe('paging via @odata.nextLink', () => {
  it('serves transitiveMembers in pages of $top and ends without a nextLink', async () => {
    const first = client.api(`/groups/${ID.big}/transitiveMembers`).select(['id', 'displayName']).top(100).get() as Promise<GraphPage>;
    const pages = await readAllPages(client, sim, first);
    expect(pages.map((p) => p.value.length)).toEqual([100, 100, BIG_GROUP_MEMBERS - 200]);
    const ids = pages.flatMap((p) => p.value.map((m) => m.id));
    expect(new Set(ids).size).toBe(BIG_GROUP_MEMBERS);
    expect(pages[2]?.['@odata.nextLink']).toBeUndefined();
    // The nextLink is absolute on the simulator, keeps the query and carries a $skiptoken.
    const link = pages[0]?.['@odata.nextLink'] as string;
    expect(link.startsWith(`${sim.url}/v1.0/groups/${ID.big}/transitiveMembers?`)).toBe(true);
    expect(link).toContain('$skiptoken=');
    expect(link).toContain('$top=100');
    expect(decodeURIComponent(link)).toContain('$select=id,displayName');
  });

  it('uses the default page size of 100 without $top and 999 at most', async () => {
    const def = (await client.api(`/groups/${ID.big}/transitiveMembers`).get()) as GraphPage;
    expect(def.value).toHaveLength(100);
    expect(def['@odata.nextLink']).toBeDefined();
    const max = (await client.api(`/groups/${ID.big}/transitiveMembers`).top(999).get()) as GraphPage;
    expect(max.value).toHaveLength(BIG_GROUP_MEMBERS);
    expect(max['@odata.nextLink']).toBeUndefined();
  });

  it('rejects $top over 999 on transitiveMembers with Graph\'s message', async () => {
    const error = await errorOf(client.api(`/groups/${ID.big}/transitiveMembers`).top(1000).get());
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe("Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.");
  });

  it('keeps the query options on every page (a filtered read stays filtered)', async () => {
    const first = client.api('/reports/authenticationMethods/userRegistrationDetails').filter('isAdmin eq true').top(5).get() as Promise<GraphPage>;
    const pages = await readAllPages(client, sim, first);
    const all = pages.flatMap((p) => p.value);
    // 2 named admins + every 100th of the rest (i = 100..1100 => 11).
    expect(all).toHaveLength(13);
    expect(all.every((r) => r.isAdmin === true)).toBe(true);
    expect(pages).toHaveLength(3);
  });

  it('pages userRegistrationDetails at 1000 by default', async () => {
    const pages = await readAllPages(client, sim, client.api('/reports/authenticationMethods/userRegistrationDetails').get() as Promise<GraphPage>);
    expect(pages.map((p) => p.value.length)).toEqual([1000, REGISTRATION_DETAILS - 1000]);
    const tooMany = await errorOf(client.api('/reports/authenticationMethods/userRegistrationDetails').top(1001).get());
    expect(tooMany.statusCode).toBe(400);
  });

  it('honours $top on signIns, newest first across pages', async () => {
    const pages = await readAllPages(client, sim, client.api('/auditLogs/signIns').top(7).get() as Promise<GraphPage>);
    expect(pages.map((p) => p.value.length)).toEqual([7, 7, 7, 7, 2]);
    const times = pages.flatMap((p) => p.value.map((s) => Date.parse(s.createdDateTime as string)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // The sign-in dated after the simulator's clock has not happened yet.
    expect(pages.flatMap((p) => p.value.map((s) => s.id))).not.toContain('si-future');
  });

  it('refuses $top where Graph does not accept it', async () => {
    for (const path of [
      '/identity/conditionalAccess/policies',
      '/roleManagement/directory/roleDefinitions',
      '/roleManagement/directory/roleAssignmentScheduleInstances',
    ]) {
      const error = await errorOf(client.api(path).top(5).get());
      expect(error.statusCode, path).toBe(400);
      expect(error.message, path).toContain("Query option 'Top' is not allowed");
    }
  });

  it('rejects a forged or damaged skiptoken', async () => {
    const response = await rawGet(sim, `/v1.0/groups/${ID.big}/transitiveMembers?$skiptoken=not-a-token`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('Request_BadRequest');
  });

  it('follows a nextLink with the SDK helper (path with version)', async () => {
    const page = (await client.api(`/groups/${ID.big}/transitiveMembers`).top(250).get()) as GraphPage;
    const next = await followLink(client, sim, page['@odata.nextLink'] as string);
    expect(next.value).toHaveLength(BIG_GROUP_MEMBERS - 250);
  });
});
