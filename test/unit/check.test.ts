// The on-demand check: concurrent callers share one run; at most one run per interval.
import { describe, expect, it } from 'vitest';
import { CheckCoordinator, within } from '../../src/app/check.js';
import type { Runtime } from '../../src/app/runtime.js';

describe('check coordinator', () => {
  it('coalesces concurrent requests onto one run and reuses a recent result within the interval', async () => {
    let runs = 0;
    // A runtime whose cycle fails fast is enough to count runs: runCycle throws on the missing store.
    const coordinator = new CheckCoordinator(async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 50));
      return {} as Runtime;
    });
    const [a, b] = await Promise.all([coordinator.request(60), coordinator.request(60)]);
    expect(a.state.id).toBe(b.state.id);
    expect(b.reused).toBe(true);
    await a.done;
    expect(runs).toBe(1);
    // A failed run is not reused: the next caller starts a new one.
    const c = await coordinator.request(60);
    expect(c.reused).toBe(false);
    await c.done;
    expect(runs).toBe(2);
    expect(coordinator.get(a.state.id)?.status).toBe('failed');
  });

  it('reuses a successful result inside the interval and starts anew after it', async () => {
    const coordinator = new CheckCoordinator(async () => ({}) as Runtime);
    const state = { id: 'x', startedAt: new Date(1_000_000).toISOString(), status: 'succeeded' as const };
    (coordinator as unknown as { latest: typeof state }).latest = state;
    const soon = await coordinator.request(60, 1_000_000 + 30_000);
    expect(soon.reused).toBe(true);
    expect(soon.state.id).toBe('x');
    const later = await coordinator.request(60, 1_000_000 + 61_000);
    expect(later.reused).toBe(false);
  });

  it('within() gives up waiting without cancelling the work', async () => {
    let finished = false;
    const work = new Promise<number>((r) => setTimeout(() => {
      finished = true;
      r(1);
    }, 80));
    expect(await within(work, 10)).toBeUndefined();
    expect(await within(work, 500)).toBe(1);
    expect(finished).toBe(true);
  });
});
