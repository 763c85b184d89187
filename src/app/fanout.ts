// Fan-out over the tenant work queue (issue 20). The fan-out timer enqueues, every minute, one message per
// enabled registered tenant and step whose schedule fires in that minute; the queue trigger runs the step on
// that tenant's own runtime; the poison-queue trigger turns work given up into a finding for that tenant only.
//
// At-least-once delivery: a message can arrive twice (a lost delete, a duplicate enqueue). Each piece of work
// has an id (slot, step, tenant) and a claim in the tenant's `runs` table (partition `work`): the first
// delivery claims it, a later one finds it done (or running under another message) and does nothing. Below
// that, the steps themselves are idempotent (change-based sync, the outbox's exactly-once mail), so even two
// runs at once would write no duplicate history and send no duplicate alert.
import { randomUUID } from 'node:crypto';
import { type DeadLetterNote } from '../core/changes.js';
import { type ScheduledStep, type TenantRecord, type WorkMessage, type WorkStep, dueSteps, parseWorkMessage, slotOf, workId } from '../core/tenants.js';
import { PARTITIONS } from '../collect/specs.js';
import { type RunRecord, latestRun, latestRuns } from '../collect/runs.js';
import { escapeKey } from '../storage/codec.js';
import { loadValues, syncDataset } from '../storage/state.js';
import { type TableStore } from '../storage/tables.js';
import { runChangeFeed, runCollector, runCycle, runEvaluate } from './cycle.js';
import type { Runtime } from './runtime.js';
import { settingsForTenant } from './tenants.js';

const CLAIMS = 'work';
/** A claim older than this is taken over by a later delivery (the runtime's longest run: host.json functionTimeout). */
export const CLAIM_LEASE_MINUTES = 30;
/** Claims are kept this long (a duplicate arrives within minutes; the queue keeps a message at most 7 days). */
export const CLAIM_KEEP_DAYS = 8;
const DEAD_LETTER_KEEP_DAYS = 7;

/** The schedules of a tenant's steps (its own, else the deployment's). */
export function tenantSchedules(rt: Runtime, tenant: TenantRecord): Record<ScheduledStep, string> {
  const s = settingsForTenant(rt.settings, tenant.settings).schedules;
  return { changefeed: s.changefeed, roles: s.roles, policies: s.policies, activations: s.activations, signins: s.signins, securescore: s.secureScore, evaluate: s.evaluate };
}

export function workMessage(tenantId: string, step: WorkStep, slot: string, now: Date): WorkMessage {
  return { v: 1, tenantId, step, workId: workId(tenantId, step, slot), enqueuedAt: now.toISOString() };
}

/** The fan-out timer: every enabled tenant's steps due in this minute, one message each. */
export async function fanOut(rt: Runtime, at: Date): Promise<WorkMessage[]> {
  const tenants = (await rt.registry.list()).filter((t) => t.enabled);
  const slot = slotOf(at);
  const messages = tenants.flatMap((t) => dueSteps(tenantSchedules(rt, t), at).map((step) => workMessage(t.tenantId, step, slot, rt.now())));
  const queue = rt.workQueue();
  // Sent a few at a time: 200 tenants are a few hundred messages, each a small request.
  for (let i = 0; i < messages.length; i += 16) await Promise.all(messages.slice(i, i + 16).map((m) => queue.send(m)));
  return messages;
}

export type FirstCollection = { queued: true; workId: string } | { queued: false; detail: string };

/**
 * Queues the first collection of a tenant just registered or enabled again: one `cycle` message, so it is
 * collected and evaluated within one throttling floor instead of over the next hours of schedules. The slot is
 * this minute: a registration repeated within it enqueues the same work, done once. The tenant is registered
 * either way: if the message cannot be sent, its schedules collect it (the change feed's first run is a full
 * read), and the answer says so.
 */
export async function queueFirstCollection(rt: Runtime, tenantId: string): Promise<FirstCollection> {
  const now = rt.now();
  const message = workMessage(tenantId, 'cycle', slotOf(now), now);
  try {
    await rt.workQueue().send(message);
    return { queued: true, workId: message.workId };
  } catch (error) {
    const reason = (error as Error).message.slice(0, 200);
    rt.log.warn(`tenant ${tenantId}: its first collection could not be queued (${reason}); its schedules will collect it`);
    return { queued: false, detail: `not queued (${reason}); its schedules collect it` };
  }
}

/** What the queue trigger knows of a delivery (InvocationContext.triggerMetadata). */
export interface Delivery {
  messageId: string;
  dequeueCount: number;
}

export type WorkOutcome =
  | { status: 'done'; tenantId: string; step: WorkStep; runs: RunRecord[] }
  | { status: 'duplicate'; tenantId: string; step: WorkStep; detail: string }
  | { status: 'dropped'; tenantId: string; detail: string };

/** Thrown for a delivery that should be tried again (the runtime retries it, then dead-letters it). */
export class RetryableWorkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableWorkError';
  }
}

/**
 * Whether a finished step should be retried: a run that failed on a transient cause (a read that failed after
 * the gateway's own retries — throttling, 5xx, timeouts — marks its datasets `stale`). A failure that a retry
 * cannot mend (403: no consent or permission; 404) is done: the tenant's evaluation reports it
 * (monitor-unhealthy), and retrying it five times would only spend its budget.
 */
export function retryReason(runs: readonly RunRecord[]): string | undefined {
  for (const run of runs) {
    if (run.status !== 'failed') continue;
    const states = Object.values(run.datasets).map((d) => d?.state);
    if (states.length === 0 || states.includes('stale')) return `${run.collector} failed${run.error ? `: ${run.error}` : ''}`;
  }
  return undefined;
}

type Claim = { status: 'running' | 'done'; messageId: string; until: string };

/** Claims the work for this delivery; false when it is done or running under another delivery. */
async function claim(store: TableStore, id: string, delivery: Delivery, now: Date): Promise<{ claimed: true } | { claimed: false; detail: string }> {
  const client = store.client('runs');
  const rowKey = escapeKey(id);
  const until = new Date(now.getTime() + CLAIM_LEASE_MINUTES * 60_000).toISOString();
  const entity = { partitionKey: CLAIMS, rowKey, status: 'running', messageId: delivery.messageId, until };
  try {
    await client.createEntity(entity);
    return { claimed: true };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
  }
  const existing = await client.getEntity<Claim>(CLAIMS, rowKey);
  if (existing.status === 'done') return { claimed: false, detail: `work ${id} was already done` };
  // The same message again (its earlier delivery crashed), or a claim whose holder is gone: take it over.
  if (existing.messageId !== delivery.messageId && existing.until > now.toISOString()) return { claimed: false, detail: `work ${id} is running under another delivery` };
  try {
    await client.updateEntity(entity, 'Replace', { etag: existing.etag });
    return { claimed: true };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 412) return { claimed: false, detail: `work ${id} was taken over by another delivery` };
    throw error;
  }
}

async function settleClaim(store: TableStore, id: string, delivery: Delivery, done: boolean): Promise<void> {
  const client = store.client('runs');
  if (done) await client.upsertEntity({ partitionKey: CLAIMS, rowKey: escapeKey(id), status: 'done', messageId: delivery.messageId, until: '' }, 'Replace');
  else await client.deleteEntity(CLAIMS, escapeKey(id)).catch(() => undefined);
}

/** Claims older than CLAIM_KEEP_DAYS go (their work ids start with the slot's time, so this is one range). */
async function pruneClaims(store: TableStore, now: Date): Promise<void> {
  const cutoff = new Date(now.getTime() - CLAIM_KEEP_DAYS * 86_400_000).toISOString();
  const old: Array<{ partitionKey: string; rowKey: string }> = [];
  for await (const e of store.partition('runs', CLAIMS, { toRow: cutoff, select: ['RowKey'] })) old.push({ partitionKey: CLAIMS, rowKey: e.rowKey ?? '' });
  if (old.length > 0) await store.write('runs', [], old);
}

async function runStep(rt: Runtime, step: WorkStep, trigger: string): Promise<RunRecord[]> {
  switch (step) {
    case 'changefeed':
      return (await runChangeFeed(rt, trigger)).runs;
    case 'evaluate':
      return [(await runEvaluate(rt, trigger)).run];
    case 'cycle':
      return (await runCycle(rt, trigger)).runs;
    default:
      return [await runCollector(rt, step, trigger)];
  }
}

/**
 * The queue trigger: one step of one tenant. A tenant removed (or disabled) while its message was in flight is
 * dropped with a warning naming it; a message nobody can read throws (it ends in the poison queue, where it is
 * reported); a transient failure throws RetryableWorkError (the runtime delivers it again after host.json
 * `visibilityTimeout`, and after `maxDequeueCount` deliveries moves it to the poison queue).
 */
export async function handleWork(rt: Runtime, body: unknown, delivery: Delivery): Promise<WorkOutcome> {
  const message = parseWorkMessage(body);
  if (typeof message === 'string') throw new Error(`unreadable work message: ${message}`);
  const tenant = await rt.registry.get(message.tenantId);
  if (!tenant || !tenant.enabled) {
    const detail = `tenant ${message.tenantId} is ${tenant ? 'disabled' : 'no longer registered (removed while its message was in flight)'}: its ${message.step} work ${message.workId} was dropped`;
    rt.log.warn(detail);
    return { status: 'dropped', tenantId: message.tenantId, detail };
  }
  const trt = rt.tenants.forTenant(tenant);
  const now = rt.now();
  const claimed = await claim(trt.store, message.workId, delivery, now);
  if (!claimed.claimed) {
    trt.log.info(`${message.step}: ${claimed.detail}; delivery ${delivery.messageId} does nothing`);
    return { status: 'duplicate', tenantId: tenant.tenantId, step: message.step, detail: claimed.detail };
  }
  let runs: RunRecord[];
  try {
    runs = await runStep(trt, message.step, `queue (delivery ${delivery.dequeueCount})`);
  } catch (error) {
    await settleClaim(trt.store, message.workId, delivery, false);
    throw error;
  }
  const reason = retryReason(runs);
  if (reason) {
    await settleClaim(trt.store, message.workId, delivery, false);
    throw new RetryableWorkError(`tenant ${tenant.displayName} (${tenant.tenantId}): ${reason}`);
  }
  await settleClaim(trt.store, message.workId, delivery, true);
  if (message.step === 'evaluate') await pruneClaims(trt.store, now);
  return { status: 'done', tenantId: tenant.tenantId, step: message.step, runs };
}

export type DeadLetterOutcome = { status: 'recorded'; tenantId: string; note: DeadLetterNote } | { status: 'unattributable' | 'dropped'; detail: string };

/**
 * The poison-queue trigger: work given up after every delivery failed. The tenant gets a
 * `tenant-work-dead-lettered` finding (told once, by its next evaluation — run here at once unless the
 * evaluation itself is what failed); the other tenants never hear of it.
 */
export async function handleDeadLetter(rt: Runtime, body: unknown, delivery: Delivery & { attempts: number }): Promise<DeadLetterOutcome> {
  const message = parseWorkMessage(body);
  if (typeof message === 'string') {
    const detail = `a work message nobody can read went to the poison queue and was discarded (${message})`;
    rt.log.error(detail);
    return { status: 'unattributable', detail };
  }
  const tenant = await rt.registry.get(message.tenantId);
  if (!tenant) {
    const detail = `work ${message.workId} of tenant ${message.tenantId}, no longer registered, was given up; nothing recorded`;
    rt.log.warn(detail);
    return { status: 'dropped', detail };
  }
  const trt = rt.tenants.forTenant(tenant);
  const at = rt.now().toISOString();
  const lastRun = (await loadLastRun(trt, message.step)) ?? '';
  const note: DeadLetterNote = { id: message.workId, step: message.step, enqueuedAt: message.enqueuedAt, at, attempts: delivery.attempts, detail: lastRun };
  const keepFrom = new Date(Date.parse(at) - DEAD_LETTER_KEEP_DAYS * 86_400_000).toISOString();
  const kept = (await loadValues<DeadLetterNote>(trt.store, PARTITIONS.deadLetter)).filter((n) => n.at >= keepFrom && n.id !== note.id);
  await syncDataset(trt.store, { partition: PARTITIONS.deadLetter, id: (n: DeadLetterNote) => n.id }, [...kept, note], { runId: randomUUID(), runStartedAt: at });
  trt.log.error(`${message.step} work ${message.workId} given up after ${delivery.attempts} deliveries${note.detail ? `: ${note.detail}` : ''}`);
  if (message.step !== 'evaluate') {
    try {
      await runEvaluate(trt, 'dead letter');
    } catch (error) {
      trt.log.warn(`evaluation after the dead letter failed (the next scheduled one tells it): ${(error as Error).message}`);
    }
  }
  return { status: 'recorded', tenantId: tenant.tenantId, note };
}

/** The error of the step's latest run, if it failed (what the finding quotes). */
async function loadLastRun(rt: Runtime, step: WorkStep): Promise<string | undefined> {
  // A cycle is every collector and the evaluation: the failed ones among their latest runs.
  const runs = step === 'cycle' ? Object.values(await latestRuns(rt.store)) : [await latestRun(rt.store, step)];
  const failed = runs.filter((run): run is RunRecord => run?.status === 'failed');
  if (failed.length === 0) return undefined;
  return failed
    .flatMap((run) => {
      const datasets = Object.entries(run.datasets)
        .filter(([, d]) => d && d.state !== 'ok')
        .map(([name, d]) => `${name} ${d?.state}${d?.message ? ` (${d.message})` : ''}`);
      return [step === 'cycle' && run.error ? `${run.collector}: ${run.error}` : run.error, ...datasets];
    })
    .filter(Boolean)
    .join('; ')
    .slice(0, 500);
}
