// The gateway paces itself by the same budgets the simulated tenant enforces: Graph never has to say 429,
// and the time taken is close to the budget's floor.
import { afterAll, describe, expect, it } from 'vitest';
import { GraphGateway, staticTokenCredential } from '../../src/graph/gateway.js';
import { type GraphSimulator, startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import { T, baseTenant } from '../helpers/tenant.js';

let sim: GraphSimulator;
afterAll(() => sim?.close());

describe('pacing', () => {
  it('stays inside the reports, Conditional Access and directory budgets without a single 429', async () => {
    const scale = 20;
    sim = await startGraphSimulator({ fixture: baseTenant({ signIns: 5 }), throttle: { timeScale: scale } });
    const graph = new GraphGateway({ baseUrl: sim.url, credential: staticTokenCredential(sim.token), pacing: { timeScale: scale }, maxConcurrency: 4, timeoutMs: 10_000, maxRetries: 0, retryDelaySeconds: 0 });
    const started = performance.now();
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 16; i++) work.push(graph.get('/auditLogs/signIns?$top=1000'));
    for (let i = 0; i < 6; i++) work.push(graph.get('/identity/conditionalAccess/policies'));
    // 1,000 transitiveMembers reads with $select: 4 units each, 4,000 units > the 3,500-unit bucket.
    const batch = Array.from({ length: 1000 }, (_, i) => ({ id: String(i), url: `/groups/${T.everyone}/transitiveMembers?$select=id&$top=999` }));
    work.push(graph.batch(batch));
    await Promise.all(work);
    const elapsed = performance.now() - started;
    expect(sim.stats().throttled429).toBe(0);
    // Floors (scaled): reports 16 requests = 3 full windows of 10 s; CA 6 requests = 5 s; directory 500 units over the bucket = 1.43 s.
    const floor = Math.max((Math.ceil(16 / 5) - 1) * 10_000, (6 - 1) * 1000, ((4000 - 3500) / 350) * 1000) / scale;
    // Pacing waits: never faster than the budgets allow (how close to the floor it gets is measured by the bench).
    expect(elapsed).toBeGreaterThanOrEqual(floor - 5);
  });
});
