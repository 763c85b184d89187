// On-demand check: a full collection + evaluation now. Concurrent callers share one run, and at most one
// run starts per CHECK_MIN_INTERVAL_SECONDS (later callers get the running or latest result).
import { randomUUID } from 'node:crypto';
import { odata } from '@azure/data-tables';
import type { Report } from '../core/report.js';
import { RUN_PARTITION, type RunRecord, runFromEntity } from '../collect/runs.js';
import { newestFirstKey } from '../storage/codec.js';
import { runCycle } from './cycle.js';
import { evaluateStored } from './evaluation.js';
import type { Runtime } from './runtime.js';

/** Run records of a check carry this trigger, so any instance can answer for it. */
export const checkTrigger = (id: string): string => `check:${id}`;
/** How far back a check id is looked up in the run records. */
const CHECK_LOOKUP_HOURS = 24;
/** A check whose last run ended this long ago without an evaluation is not coming back. */
const CHECK_ABANDONED_MINUTES = 30;

export interface CheckState {
  id: string;
  startedAt: string;
  finishedAt?: string;
  status: 'running' | 'succeeded' | 'failed';
  report?: Report;
  error?: string;
}

/** The failed runs of a check, in words; undefined when none failed. */
function failureSummary(runs: readonly RunRecord[]): string | undefined {
  const failed = runs.filter((r) => r.status === 'failed');
  return failed.length > 0 ? failed.map((r) => `${r.collector}: ${r.error ?? 'failed'}`).join('; ') : undefined;
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
        const result = await runCycle(rt, checkTrigger(state.id));
        Object.assign(state, { status: result.ok ? 'succeeded' : 'failed', report: result.report, finishedAt: new Date().toISOString() });
        if (!result.ok) state.error = failureSummary(result.runs);
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

/**
 * A check another instance ran (Flex Consumption scales out; the status URL may reach any instance): its run
 * records tell whether it is still running and how it ended; the report is the evaluation of what is stored
 * now, which is what the check stored unless a later run changed it.
 */
export async function storedCheck(rt: Runtime, id: string): Promise<CheckState | undefined> {
  const now = rt.now();
  const runs: RunRecord[] = [];
  const range = { toRow: `${newestFirstKey(now.getTime() - CHECK_LOOKUP_HOURS * 3_600_000)}~`, where: odata`trigger eq ${checkTrigger(id)}` };
  for await (const entity of rt.store.partition('runs', RUN_PARTITION, range)) {
    const run = runFromEntity(entity);
    if (run) runs.push(run);
  }
  if (runs.length === 0) return undefined;
  runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const startedAt = runs[0]?.startedAt ?? now.toISOString();
  const evaluation = runs.find((r) => r.collector === 'evaluate');
  if (!evaluation) {
    // Work after a 202 runs on borrowed time: an instance recycled mid-check leaves collectors and no evaluation.
    const lastEnd = runs.map((r) => r.endedAt).sort().at(-1) ?? startedAt;
    if (now.getTime() - Date.parse(lastEnd) > CHECK_ABANDONED_MINUTES * 60_000) {
      return { id, startedAt, status: 'failed', error: `the check stopped before its evaluation (no run for ${CHECK_ABANDONED_MINUTES} minutes; the instance was probably recycled); POST /api/check again` };
    }
    return { id, startedAt, status: 'running' };
  }
  const error = failureSummary(runs);
  const { report } = await evaluateStored(rt.store, rt.settings, rt.source.tenant, now.toISOString());
  return { id, startedAt, finishedAt: evaluation.endedAt, status: error ? 'failed' : 'succeeded', report, ...(error ? { error } : {}) };
}
