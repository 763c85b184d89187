// On-demand check: a full collection + evaluation now. Concurrent callers share one run, and at most one
// run starts per CHECK_MIN_INTERVAL_SECONDS (later callers get the running or latest result).
import { randomUUID } from 'node:crypto';
import type { Report } from '../core/report.js';
import type { RunRecord } from '../collect/runs.js';
import { runCycle } from './cycle.js';
import type { Runtime } from './runtime.js';

export interface CheckState {
  id: string;
  startedAt: string;
  finishedAt?: string;
  status: 'running' | 'succeeded' | 'failed';
  report?: Report;
  runs?: RunRecord[];
  error?: string;
}

export class CheckCoordinator {
  private running?: { state: CheckState; done: Promise<CheckState> };
  private latest?: CheckState;
  private readonly known = new Map<string, CheckState>();

  constructor(private readonly runtime: () => Promise<Runtime>) {}

  /** Joins the running check, returns a recent one, or starts a new one. */
  async request(minIntervalSeconds: number, now = Date.now()): Promise<{ state: CheckState; done: Promise<CheckState>; reused: boolean }> {
    if (this.running) return { ...this.running, reused: true };
    if (this.latest && this.latest.status === 'succeeded' && now - Date.parse(this.latest.startedAt) < minIntervalSeconds * 1000) {
      return { state: this.latest, done: Promise.resolve(this.latest), reused: true };
    }
    const state: CheckState = { id: randomUUID(), startedAt: new Date(now).toISOString(), status: 'running' };
    this.known.set(state.id, state);
    const done = (async () => {
      try {
        const rt = await this.runtime();
        const result = await runCycle(rt, 'check');
        Object.assign(state, { status: result.ok ? 'succeeded' : 'failed', report: result.report, runs: result.runs, finishedAt: new Date().toISOString() });
        if (!result.ok) state.error = result.runs.filter((r) => r.status === 'failed').map((r) => `${r.collector}: ${r.error ?? 'failed'}`).join('; ');
      } catch (error) {
        Object.assign(state, { status: 'failed', error: error instanceof Error ? error.message : String(error), finishedAt: new Date().toISOString() });
      } finally {
        this.running = undefined;
        this.latest = state;
        // Keep the last few for status polling.
        if (this.known.size > 20) this.known.delete(this.known.keys().next().value as string);
      }
      return state;
    })();
    this.running = { state, done };
    return { state, done, reused: false };
  }

  get(id: string): CheckState | undefined {
    return this.known.get(id);
  }
}

/** Waits for `promise` at most `ms`; undefined when it takes longer. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
