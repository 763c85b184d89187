// npm run bench -- --load: the HTTP functions under concurrent callers, over the local host on the demo
// tenant: 50 concurrent POST /api/check (they must share one run) and 500 concurrent history reads (all must
// answer 200), with p50/p95 latencies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/app/logger.js';
import { latestRuns } from '../../src/collect/runs.js';
import { runStartupCycle, startHost } from '../host/host.js';

export interface LoadResult {
  checks: { requests: number; statuses: Record<string, number>; runs: number; p50Ms: number; p95Ms: number };
  history: { requests: number; statuses: Record<string, number>; p50Ms: number; p95Ms: number };
}

function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

async function burst(n: number, call: () => Promise<Response>): Promise<{ statuses: Record<string, number>; p50Ms: number; p95Ms: number }> {
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: n }, async () => {
      const t = performance.now();
      const response = await call();
      await response.arrayBuffer();
      times.push(performance.now() - t);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }),
  );
  times.sort((a, b) => a - b);
  return { statuses, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95) };
}

export async function loadBench(): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'amm-load-'));
  const host = await startHost({ env: { CHECK_MIN_INTERVAL_SECONDS: '600' }, dataDir: dir, serve: true, port: 0, log: silentLogger });
  try {
    await runStartupCycle(host);
    const runsBefore = (await latestRuns(host.runtime.store)).evaluate?.runId;
    const key = `code=${host.functionKey}`;
    const checks = await burst(50, () => fetch(`${host.url}/api/check?wait=60&${key}`, { method: 'POST' }));
    // Every check run records an evaluation whose trigger names the check: count the distinct ones.
    const triggers = new Set<string>();
    for await (const e of host.runtime.store.partition('runs', 'run', { select: ['collector', 'trigger', 'runId'] })) {
      if (e.collector === 'evaluate' && String(e.trigger).startsWith('check:') && e.runId !== runsBefore) triggers.add(String(e.trigger));
    }
    const history = await burst(500, () => fetch(`${host.url}/api/history/runs?top=20&${key}`));
    return { checks: { requests: 50, runs: triggers.size, ...checks }, history: { requests: 500, ...history } };
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
