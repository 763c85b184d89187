import { afterEach, describe, expect, it } from 'vitest';
import type { GraphSimulator, GraphSimulatorOptions } from '../../devkit/simulator/graph-simulator.js';
import { startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import { Throttle, directoryCost } from '../../devkit/simulator/throttle.js';
import type { GraphPage } from './helpers.js';
import { ID, NOW, graphClient, rawGet, richFixture } from './helpers.js';

interface BatchResponse {
  responses: Array<{ id: string; status: number; headers: Record<string, string>; body: Record<string, unknown> }>;
}

const started: GraphSimulator[] = [];
async function start(options: Partial<GraphSimulatorOptions> = {}): Promise<GraphSimulator> {
  const sim = await startGraphSimulator({ fixture: richFixture(), now: () => NOW, ...options });
  started.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('$batch', () => {
  it('answers each inner GET through the normal routing, in request order', async () => {
    const sim = await start();
    const client = graphClient(sim);
    const result = (await client.api('/$batch').post({
      requests: [
        { id: 'a', method: 'GET', url: `/groups/${ID.admins}/transitiveMembers?$select=id&$top=2` },
        { id: 'b', method: 'GET', url: 'identity/conditionalAccess/policies' },
        { id: 'c', method: 'GET', url: '/groups/00000000-0000-4000-8000-000000000000/transitiveMembers' },
        { id: 'd', method: 'GET', url: "/auditLogs/signIns?$filter=createdDateTime ge '2026-01-01T00:00:00Z'" },
        { id: 'e', method: 'GET', url: '/policies/identitySecurityDefaultsEnforcementPolicy', dependsOn: ['c'] },
      ],
    })) as BatchResponse;
    expect(result.responses.map((r) => [r.id, r.status])).toEqual([
      ['a', 200],
      ['b', 200],
      ['c', 404],
      ['d', 400],
      ['e', 424],
    ]);
    const a = result.responses[0]?.body as unknown as GraphPage;
    expect(a.value).toHaveLength(2);
    // An inner nextLink is absolute on the simulator, like Graph's.
    expect(a['@odata.nextLink']).toMatch(new RegExp(`^${sim.url}/v1\\.0/groups/${ID.admins}/transitiveMembers\\?`));
    const stats = sim.stats();
    expect(stats.totalRequests).toBe(1);
    expect(stats.batchInnerRequests).toBe(5);
    expect(stats.graphRequests).toBe(5);
    expect(stats.byEndpoint).toMatchObject({ batch: 1, transitiveMembers: 2, conditionalAccessPolicies: 1, signIns: 1 });
  });

  it('refuses more than 20 requests, and needs the outer token', async () => {
    const sim = await start();
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/identity/conditionalAccess/policies' }));
    const tooMany = await fetch(`${sim.url}/v1.0/$batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
    expect(tooMany.status).toBe(400);
    const twenty = await fetch(`${sim.url}/v1.0/$batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ requests: requests.slice(0, 20) }),
    });
    expect(twenty.status).toBe(200);
    const noToken = await fetch(`${sim.url}/v1.0/$batch`, { method: 'POST', body: JSON.stringify({ requests: requests.slice(0, 1) }) });
    expect(noToken.status).toBe(401);
  });

  it('throttles each inner request on its own: a 200 batch with inner 429s', async () => {
    const sim = await start({ throttle: { timeScale: 10 } });
    const client = graphClient(sim);
    const requests = Array.from({ length: 7 }, (_, i) => ({ id: `r${i}`, method: 'GET', url: '/auditLogs/signIns?$top=1' }));
    const result = (await client.api('/$batch').post({ requests })) as BatchResponse;
    expect(result.responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const throttled = result.responses[5];
    // 10 s window / timeScale 10: the first slot frees in < 1 s, Retry-After is 10 s rounded up, scaled.
    expect(Number(throttled?.headers['Retry-After'])).toBeGreaterThan(0);
    expect(Number(throttled?.headers['Retry-After'])).toBeLessThanOrEqual(1);
    expect((throttled?.body.error as { code: string }).code).toBe('TooManyRequests');
    const stats = sim.stats();
    expect(stats.throttled429).toBe(2);
    expect(stats.throttledByClass.reports).toBe(2);
    expect(stats.byThrottleClass.reports).toBe(7);
  });
});

describe('throttled mode over HTTP', () => {
  it('enforces the Conditional Access budget of 1 request per second, 429 without Retry-After', async () => {
    // timeScale 10: the 1 s window lasts 100 ms.
    const sim = await start({ throttle: { timeScale: 10 } });
    const first = await rawGet(sim, '/v1.0/identity/conditionalAccess/policies');
    expect(first.status).toBe(200);
    // Named locations share the tenant-wide CA budget.
    const second = await rawGet(sim, '/v1.0/identity/conditionalAccess/namedLocations');
    expect(second.status).toBe(429);
    expect(second.headers.has('retry-after')).toBe(false);
    await sleep(130);
    expect((await rawGet(sim, '/v1.0/identity/conditionalAccess/namedLocations')).status).toBe(200);
    expect((await rawGet(sim, '/v1.0/identity/conditionalAccess/policies')).status).toBe(429);
    expect(sim.stats().throttledByClass.conditionalAccess).toBe(2);
  });

  it('enforces 5 report requests per 10 s with a scaled Retry-After', async () => {
    const sim = await start({ throttle: { timeScale: 50 } }); // 10 s window = 200 ms
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await rawGet(sim, '/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=1')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const throttled = await rawGet(sim, `/v1.0/reports/authenticationMethods/userRegistrationDetails/${ID.alice}`);
    expect(throttled.status).toBe(429);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(0.2);
    await sleep(retryAfter * 1000 + 20);
    expect((await rawGet(sim, '/v1.0/auditLogs/signIns?$top=1')).status).toBe(200);
  });

  it('leaves PIM and policy endpoints unthrottled, and is off by default', async () => {
    const throttled = await start({ throttle: { timeScale: 1 } });
    for (let i = 0; i < 20; i++) {
      expect((await rawGet(throttled, '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances')).status).toBe(200);
      expect((await rawGet(throttled, '/v1.0/policies/authenticationStrengthPolicies')).status).toBe(200);
    }
    const free = await start();
    for (let i = 0; i < 10; i++) expect((await rawGet(free, '/v1.0/identity/conditionalAccess/policies')).status).toBe(200);
    expect(free.stats().throttled429).toBe(0);
  });

  it('reports the directory cost in x-ms-resource-unit', async () => {
    const sim = await start();
    expect((await rawGet(sim, `/v1.0/groups/${ID.admins}/transitiveMembers`)).headers.get('x-ms-resource-unit')).toBe('5');
    expect((await rawGet(sim, `/v1.0/groups/${ID.admins}/transitiveMembers?$select=id`)).headers.get('x-ms-resource-unit')).toBe('4');
    expect((await rawGet(sim, '/v1.0/roleManagement/directory/roleAssignments?$expand=principal')).headers.get('x-ms-resource-unit')).toBe('2');
    expect((await rawGet(sim, '/v1.0/roleManagement/directory/roleDefinitions?$select=id')).headers.get('x-ms-resource-unit')).toBe('1');
    expect((await rawGet(sim, '/v1.0/users')).headers.get('x-ms-resource-unit')).toBe('2');
    expect((await rawGet(sim, `/v1.0/groups/${ID.admins}/transitiveMembers?$select=id&$top=5`)).headers.get('x-ms-resource-unit')).toBe('3');
  });
});

describe('options', () => {
  it('adds latencyMs to every HTTP response, a $batch counting once', async () => {
    const sim = await start({ latencyMs: 150 });
    let t = Date.now();
    expect((await rawGet(sim, '/v1.0/policies/authenticationStrengthPolicies')).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
    t = Date.now();
    const requests = Array.from({ length: 5 }, (_, i) => ({ id: String(i), method: 'GET', url: '/policies/authenticationStrengthPolicies' }));
    const batch = await fetch(`${sim.url}/v1.0/$batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
    expect(batch.status).toBe(200);
    const elapsed = Date.now() - t;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(500);
  });

  it('counts and resets stats', async () => {
    const sim = await start();
    await rawGet(sim, '/v1.0/identity/conditionalAccess/policies');
    await rawGet(sim, '/v1.0/nothing/here');
    expect(sim.stats()).toMatchObject({
      totalRequests: 2,
      graphRequests: 2,
      byEndpoint: { conditionalAccessPolicies: 1, unknown: 1 },
      byThrottleClass: { conditionalAccess: 1 },
      byStatus: { '200': 1, '400': 1 },
    });
    sim.resetStats();
    expect(sim.stats()).toMatchObject({ totalRequests: 0, graphRequests: 0, byEndpoint: {}, throttled429: 0 });
  });
});

describe('throttle model (fake clock)', () => {
  it('costs directory reads in resource units', () => {
    expect(directoryCost(5, false, false)).toBe(5);
    expect(directoryCost(5, true, false)).toBe(4);
    expect(directoryCost(1, true, false)).toBe(1);
    expect(directoryCost(1, false, true)).toBe(2);
    expect(directoryCost(5, true, false, 19)).toBe(3);
    expect(directoryCost(5, true, false, 20)).toBe(4);
    expect(directoryCost(2, true, false, 5)).toBe(1);
  });

  it('runs the directory token bucket: 3,500 units, refilled at 350 per second', () => {
    let now = 0;
    const throttle = new Throttle(1, () => now);
    for (let i = 0; i < 700; i++) expect(throttle.check('directory', 5).ok).toBe(true);
    const refused = throttle.check('directory', 5);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 10; // 3.5 units
    expect(throttle.check('directory', 5).ok).toBe(false);
    now += 5; // 5.25 units
    expect(throttle.check('directory', 5).ok).toBe(true);
    now += 10_000_000; // refill caps at capacity
    for (let i = 0; i < 3500; i++) expect(throttle.check('directory', 1).ok).toBe(true);
    expect(throttle.check('directory', 1).ok).toBe(false);
  });

  it('runs the report window as a sliding log: at most 5 in any 10 s', () => {
    let now = 0;
    const throttle = new Throttle(1, () => now);
    for (let i = 0; i < 5; i++) {
      expect(throttle.check('reports', 1).ok).toBe(true);
      now += 1000;
    }
    // t = 5 s: the oldest (t = 0) leaves the window at t = 10 s.
    expect(throttle.check('reports', 1)).toEqual({ ok: false, retryAfterSeconds: 5 });
    now = 9_999;
    expect(throttle.check('reports', 1)).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 10_000;
    expect(throttle.check('reports', 1).ok).toBe(true);
    expect(throttle.check('reports', 1).ok).toBe(false);
  });

  it('scales windows and Retry-After by timeScale', () => {
    let now = 0;
    const throttle = new Throttle(10, () => now);
    for (let i = 0; i < 5; i++) expect(throttle.check('reports', 1).ok).toBe(true);
    expect(throttle.check('reports', 1)).toEqual({ ok: false, retryAfterSeconds: 1 }); // 10 s / 10
    now = 1000;
    expect(throttle.check('reports', 1).ok).toBe(true);
    expect(throttle.check('conditionalAccess', 1).ok).toBe(true);
    now += 99;
    expect(throttle.check('conditionalAccess', 1)).toEqual({ ok: false, retryAfterSeconds: null });
    now += 1;
    expect(throttle.check('conditionalAccess', 1).ok).toBe(true);
    expect(throttle.check('unmetered', 1).ok).toBe(true);
  });
});
