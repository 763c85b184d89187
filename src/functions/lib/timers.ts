// Shared shape of the timer functions: get the runtime, run one step, log one line, fail loudly.
import type { InvocationContext, Timer } from '@azure/functions';
import type { Delivery } from '../../app/fanout.js';
import { type CollectorStep, runChangeFeed, runCollector, runEvaluate } from '../../app/cycle.js';
import { getRuntime } from '../../app/provider.js';
import type { RunRecord } from '../../collect/runs.js';

export function runLine(run: RunRecord): string {
  const datasets = Object.entries(run.datasets)
    .map(([name, d]) => `${name}=${d?.state}${d?.added || d?.changed || d?.removed ? ` (+${d.added ?? 0} ~${d.changed ?? 0} -${d.removed ?? 0})` : ''}`)
    .join(' ');
  const counts = Object.entries(run.counts ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${run.collector}: ${run.status} in ${Date.parse(run.endedAt) - Date.parse(run.startedAt)} ms, ${run.graphRequests} Graph requests, ${run.writes} table writes${datasets ? `; ${datasets}` : ''}${counts ? `; ${counts}` : ''}${run.error ? `; error: ${run.error}` : ''}`;
}

function trigger(timer: Timer): string {
  return timer.isPastDue ? 'timer (past due)' : 'timer';
}

export function collectorHandler(step: CollectorStep) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const run = await runCollector(await getRuntime(), step, trigger(timer));
    context.log(runLine(run));
    // A failed collection must show as a failed invocation (alerts in Application Insights), not pass quietly.
    if (run.status === 'failed') throw new Error(`${step} collection failed: ${run.error ?? 'every dataset failed'}`);
  };
}

export async function evaluateHandler(timer: Timer, context: InvocationContext): Promise<void> {
  const { run } = await runEvaluate(await getRuntime(), trigger(timer));
  context.log(runLine(run));
}

/** The change feed: targeted reads of what changed, then the affected admins evaluated (app/cycle.ts runChangeFeed). */
export async function changeFeedHandler(timer: Timer, context: InvocationContext): Promise<void> {
  const { runs } = await runChangeFeed(await getRuntime(), trigger(timer));
  for (const run of runs) context.log(runLine(run));
  const feed = runs[0];
  if (feed?.status === 'failed') throw new Error(`change feed failed: ${feed.error ?? Object.entries(feed.datasets).map(([d, s]) => `${d} ${s?.state}: ${s?.message ?? ''}`).join('; ')}`);
}

/** host.json `extensions.queues.maxDequeueCount`: deliveries of a work message before it is poison (a test keeps them equal). */
export const MAX_DEQUEUE_COUNT = 5;

/** What the queue trigger's metadata says of this delivery. */
export function delivery(context: InvocationContext): Delivery {
  const meta = context.triggerMetadata ?? {};
  const count = Number(meta.dequeueCount ?? 1);
  return { messageId: String(meta.id ?? context.invocationId), dequeueCount: Number.isFinite(count) && count > 0 ? count : 1 };
}
