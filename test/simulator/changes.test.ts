// The simulated tenant's change feed sources: edits write the directory audit events Entra writes, visible after
// the configured latency; users/delta and groups/delta answer rounds of changes with their links' state, and
// refuse an expired link with 410 Gone; single policies and named locations are served by id.
import { afterEach, describe, expect, it } from 'vitest';
import { ROLE } from '../../src/core/catalog.js';
import { auditLatencyMs } from '../../devkit/simulator/changes.js';
import { type GraphSimulator, startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import { ID, NOW, rawGet, richFixture } from './helpers.js';

let sim: GraphSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: { auditLatency?: number | 'documented'; deltaLifetimeHours?: number } = {}): Promise<GraphSimulator> {
  sim = await startGraphSimulator({ fixture: richFixture(), now: () => NOW, ...options });
  return sim;
}

async function json(sim: GraphSimulator, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await rawGet(sim, path);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const audits = (sim: GraphSimulator, since = '2026-01-01T00:00:00Z') => json(sim, `/v1.0/auditLogs/directoryAudits?$filter=activityDateTime ge ${since}&$top=999`);

describe('directory audit events from tenant edits', () => {
  it('writes the documented activity for each edit, with its targets, after the latency', async () => {
    const s = await start({ auditLatency: 60 });
    s.edit([
      { op: 'addGroupMember', groupId: ID.admins, memberId: ID.dave },
      { op: 'addRoleAssignment', principalId: ID.bob, roleDefinitionId: ROLE.globalAdministrator },
    ]);
    expect((await audits(s)).body.value).toEqual([]);
    s.setNow(new Date(NOW.getTime() + 61_000));
    const events = (await audits(s)).body.value as Array<{ activityDisplayName: string; category: string; activityDateTime: string; targetResources: Array<{ id: string; type: string }> }>;
    expect(events.map((e) => e.activityDisplayName).sort()).toEqual(['Add member to group', 'Add member to role in PIM completed (permanent)']);
    const group = events.find((e) => e.activityDisplayName === 'Add member to group');
    expect(group?.category).toBe('GroupManagement');
    expect(group?.activityDateTime).toBe(NOW.toISOString());
    expect(group?.targetResources.map((t) => [t.type, t.id])).toEqual([
      ['User', ID.dave],
      ['Group', ID.admins],
    ]);
    expect(Object.keys(events[0] as object)).not.toContain('availableAt');
  });

  it('a policy change, a registration change and a deleted user', async () => {
    const s = await start();
    const fixture = richFixture();
    const policy = fixture.conditionalAccessPolicies?.[0];
    const registered = fixture.userRegistrationDetails?.find((r) => (r.methodsRegistered ?? []).length > 0);
    s.edit([
      { op: 'updatePolicy', policyId: policy?.id as string, set: { state: 'enabledForReportingButNotEnforced' } },
      { op: 'removeAuthMethods', userId: registered?.id as string },
      { op: 'deleteUser', userId: ID.carol },
    ]);
    const events = (await audits(s)).body.value as Array<{ activityDisplayName: string; targetResources: Array<{ id: string; modifiedProperties: Array<{ displayName: string; newValue: string }> }> }>;
    const names = events.map((e) => e.activityDisplayName);
    expect(names).toEqual(expect.arrayContaining(['Update conditional access policy', 'Admin deleted security info', 'Delete user']));
    const update = events.find((e) => e.activityDisplayName === 'Update conditional access policy');
    expect(JSON.parse(update?.targetResources[0]?.modifiedProperties[0]?.newValue ?? '{}').state).toBe('enabledForReportingButNotEnforced');
  });

  it('filters by activityDateTime', async () => {
    const s = await start();
    s.edit([{ op: 'addGroupMember', groupId: ID.admins, memberId: ID.dave }]);
    s.setNow(new Date(NOW.getTime() + 600_000));
    s.edit([{ op: 'removeGroupMember', groupId: ID.admins, memberId: ID.dave }]);
    const later = (await audits(s, new Date(NOW.getTime() + 1_000).toISOString())).body.value as Array<{ activityDisplayName: string }>;
    expect(later.map((e) => e.activityDisplayName)).toEqual(['Remove member from group']);
  });

  it('documented latency: 95 % within 2 minutes, 99 % within 5 (log-normal through both)', () => {
    const ms = Array.from({ length: 20_000 }, (_, i) => auditLatencyMs('documented', `event-${i}`)).sort((a, b) => a - b);
    const q = (p: number) => ms[Math.floor(p * ms.length)] as number;
    expect(q(0.95) / 1000).toBeGreaterThan(110);
    expect(q(0.95) / 1000).toBeLessThan(130);
    expect(q(0.99) / 1000).toBeGreaterThan(270);
    expect(q(0.99) / 1000).toBeLessThan(330);
    expect(auditLatencyMs('documented', 'same')).toBe(auditLatencyMs('documented', 'same'));
  });
});

describe('users/delta and groups/delta', () => {
  it('latest gives a link without data; the next round has only what changed, members in members@delta', async () => {
    const s = await start();
    const first = await json(s, `/v1.0/groups/delta?$select=members&$filter=id eq '${ID.admins}' or id eq '${ID.nested}'&$deltatoken=latest`);
    expect(first.body.value).toEqual([]);
    const link = String(first.body['@odata.deltaLink']);
    expect(await json(s, link.replace(s.url, '')).then((r) => r.body.value)).toEqual([]);
    s.edit([
      { op: 'addGroupMember', groupId: ID.nested, memberId: ID.dave },
      { op: 'addGroupMember', groupId: ID.big, memberId: ID.carol },
    ]);
    const next = await json(s, link.replace(s.url, ''));
    expect(next.body.value).toEqual([{ id: ID.nested, 'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: ID.dave }] }]);
    // The new link starts after this round.
    expect(await json(s, String(next.body['@odata.deltaLink']).replace(s.url, '')).then((r) => r.body.value)).toEqual([]);
  });

  it('a first round pages through every object; a deleted user comes back @removed', async () => {
    const s = await start();
    const pages: Array<Record<string, unknown>> = [];
    let next: string | undefined = '/v1.0/users/delta?$select=id,displayName,accountEnabled';
    while (next) {
      const page: Record<string, unknown> = (await json(s, next)).body;
      pages.push(page);
      next = page['@odata.nextLink'] ? String(page['@odata.nextLink']).replace(s.url, '') : undefined;
    }
    const all = pages.flatMap((p) => p.value as unknown[]);
    expect(all.length).toBe(richFixture().users?.length);
    expect(pages.length).toBeGreaterThan(1);
    s.edit([{ op: 'deleteUser', userId: ID.carol }, { op: 'updateUser', userId: ID.bob, set: { accountEnabled: false } }, { op: 'updateUser', userId: ID.alice, set: { jobTitle: 'CTO' } }]);
    const round = (await json(s, String(pages.at(-1)?.['@odata.deltaLink']).replace(s.url, ''))).body.value as Array<Record<string, unknown>>;
    // Alice's change is to a property not selected: not tracked.
    expect(round).toEqual([
      { id: ID.carol, '@removed': { reason: 'changed' } },
      { id: ID.bob, displayName: 'Bob Builder', accountEnabled: false },
    ]);
  });

  it('an expired link is refused with 410 Gone (syncStateNotFound)', async () => {
    const s = await start({ deltaLifetimeHours: 1 });
    const link = String((await json(s, '/v1.0/users/delta?$deltatoken=latest')).body['@odata.deltaLink']).replace(s.url, '');
    s.setNow(new Date(NOW.getTime() + 2 * 3_600_000));
    const r = await json(s, link);
    expect(r.status).toBe(410);
    expect((r.body.error as { code: string }).code).toBe('syncStateNotFound');
  });

  it('refuses filters other than ids, more than 50 ids, and options changed mid-round', async () => {
    const s = await start();
    expect((await json(s, "/v1.0/users/delta?$filter=displayName eq 'x'")).status).toBe(400);
    const ids = Array.from({ length: 51 }, (_, i) => `id eq '${i}'`).join(' or ');
    expect((await json(s, `/v1.0/groups/delta?$filter=${ids}`)).status).toBe(400);
    const link = String((await json(s, '/v1.0/users/delta?$deltatoken=latest')).body['@odata.deltaLink']).replace(s.url, '');
    expect((await json(s, `${link}&$select=id`)).status).toBe(400);
    expect((await json(s, '/v1.0/users/delta?$top=5')).status).toBe(400);
  });
});

describe('single objects and a user\'s groups', () => {
  it('serves a policy and a named location by id, 404 for one that does not exist', async () => {
    const s = await start();
    const policy = richFixture().conditionalAccessPolicies?.[0];
    expect((await json(s, `/v1.0/identity/conditionalAccess/policies/${policy?.id}`)).body.displayName).toBe(policy?.displayName);
    expect((await json(s, `/v1.0/identity/conditionalAccess/policies/${ID.deleted}`)).status).toBe(404);
    const location = richFixture().namedLocations?.[0];
    if (location) expect((await json(s, `/v1.0/identity/conditionalAccess/namedLocations/${location.id}`)).body.id).toBe(location.id);
  });

  it('users/{id}/transitiveMemberOf lists nested groups', async () => {
    const s = await start();
    const groups = ((await json(s, `/v1.0/users/${ID.bob}/transitiveMemberOf/microsoft.graph.group?$select=id`)).body.value as Array<{ id: string }>).map((g) => g.id).sort();
    expect(groups).toEqual([ID.admins, ID.big, ID.nested].sort());
  });

  it('role instances can be read for one principal', async () => {
    const s = await start();
    const r = await json(s, `/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$filter=principalId eq '${ID.alice}'`);
    expect(r.status).toBe(200);
    for (const i of r.body.value as Array<{ principalId: string }>) expect(i.principalId).toBe(ID.alice);
  });
});
