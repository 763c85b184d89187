// A 100k-user tenant: every page is a slice of an index built once, so reading the whole group or the
// whole registration report stays linear. Correctness only here; speed is measured by the bench.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTenantFixture } from '../../devkit/fixture/format.js';
import type { GraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import { startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';

const USERS = 100_000;
let sim: GraphSimulator;

beforeAll(async () => {
  const users = Array.from({ length: USERS }, (_, i) => ({ id: `user-${i}`, displayName: `User ${i}`, userPrincipalName: `u${i}@scale.test` }));
  const fixture = parseTenantFixture({
    tenantId: 'scale',
    users,
    groups: [
      { id: 'everyone', displayName: 'Everyone', members: ['half-a', 'half-b'] },
      { id: 'half-a', displayName: 'A', members: users.slice(0, USERS / 2).map((u) => u.id) },
      { id: 'half-b', displayName: 'B', members: users.slice(USERS / 2).map((u) => u.id) },
    ],
    userRegistrationDetails: users.map((u, i) => ({ id: u.id, isAdmin: i % 100 === 0, isMfaRegistered: i % 2 === 0 })),
  });
  sim = await startGraphSimulator({ fixture });
});
afterAll(() => sim.close());

async function readAll(path: string): Promise<{ items: Array<Record<string, unknown>>; pages: number }> {
  const items: Array<Record<string, unknown>> = [];
  let pages = 0;
  for (let url: string | undefined = `${sim.url}${path}`; url; pages++) {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${sim.token}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string };
    items.push(...body.value);
    url = body['@odata.nextLink'];
  }
  return { items, pages };
}

describe('a 100k-user tenant', () => {
  it('pages 100,002 nested members at 999 per page', async () => {
    const { items, pages } = await readAll('/v1.0/groups/everyone/transitiveMembers?$select=id,userPrincipalName&$top=999');
    expect(items).toHaveLength(USERS + 2);
    expect(pages).toBe(Math.ceil((USERS + 2) / 999));
    expect(new Set(items.map((m) => m.id)).size).toBe(USERS + 2);
    expect(items.filter((m) => m['@odata.type'] === '#microsoft.graph.group')).toHaveLength(2);
  });

  it('pages a filtered registration report without refiltering per page', async () => {
    const all = await readAll('/v1.0/reports/authenticationMethods/userRegistrationDetails');
    expect(all.items).toHaveLength(USERS);
    expect(all.pages).toBe(USERS / 1000);
    const admins = await readAll('/v1.0/reports/authenticationMethods/userRegistrationDetails?$filter=isAdmin eq true&$top=300');
    expect(admins.items).toHaveLength(USERS / 100);
    expect(admins.pages).toBe(Math.ceil(USERS / 100 / 300));
  });
});
