// Queue triggers as the Functions host runs them (Azure Storage queue extension), against Azurite's queue
// service: poll each trigger's queue, receive up to `batchSize` messages invisible for a lease, run the same
// handler (FunctionApp.invokeQueue) with the same metadata (id, dequeueCount, …), then
//   success              → delete the message;
//   failure, dequeueCount < maxDequeueCount → make it visible again after `visibilityTimeout` (the retry delay);
//   failure, dequeueCount ≥ maxDequeueCount → copy it to `<queue>-poison` and delete it.
// The numbers come from host.json `extensions.queues`, the file the Functions host reads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueueServiceClient, QueueClient } from '@azure/storage-queue';
import type { Logger } from '../../src/app/logger.js';
import { POISON_SUFFIX, decodeMessage } from '../../src/storage/queue.js';
import type { FunctionApp, QueueRegistration } from './functions.js';
import { resolveSchedule } from './timers.js';

export interface QueueSemantics {
  maxDequeueCount: number;
  /** Seconds a failed message stays invisible before its next delivery. */
  visibilityTimeoutSeconds: number;
  batchSize: number;
  /**
   * The runtime fetches a new batch when this few of a queue's messages are still running, so at most
   * batchSize + newBatchThreshold run at once per instance (default batchSize / 2).
   */
  newBatchThreshold: number;
  /** The longest wait between polls of an empty queue (ms). */
  maxPollingIntervalMs: number;
}

/** The queue extension's defaults (Learn: "Azure Queue storage trigger and bindings", host.json settings). */
export const RUNTIME_DEFAULTS: QueueSemantics = { maxDequeueCount: 5, visibilityTimeoutSeconds: 0, batchSize: 16, newBatchThreshold: 8, maxPollingIntervalMs: 60_000 };

/** How long a received message stays invisible while its handler runs (the runtime's lease is 10 minutes). */
export const MESSAGE_LEASE_SECONDS = 600;

function timespanSeconds(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86_400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** host.json `extensions.queues`, over the runtime's defaults. */
export function queueSemantics(hostJson: unknown): QueueSemantics {
  const q = ((hostJson as { extensions?: { queues?: Record<string, unknown> } })?.extensions?.queues ?? {}) as Record<string, unknown>;
  const int = (v: unknown, d: number) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : d);
  const batchSize = int(q.batchSize, RUNTIME_DEFAULTS.batchSize);
  return {
    maxDequeueCount: int(q.maxDequeueCount, RUNTIME_DEFAULTS.maxDequeueCount),
    visibilityTimeoutSeconds: timespanSeconds(q.visibilityTimeout) ?? RUNTIME_DEFAULTS.visibilityTimeoutSeconds,
    batchSize,
    newBatchThreshold: typeof q.newBatchThreshold === 'number' && Number.isInteger(q.newBatchThreshold) && q.newBatchThreshold >= 0 ? q.newBatchThreshold : Math.floor(batchSize / 2),
    maxPollingIntervalMs: (timespanSeconds(q.maxPollingInterval) ?? RUNTIME_DEFAULTS.maxPollingIntervalMs / 1000) * 1000,
  };
}

/** The project's host.json (beside package.json). */
export function projectHostJson(): unknown {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../host.json');
  const fallback = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../host.json');
  for (const f of [file, fallback]) {
    try {
      return JSON.parse(readFileSync(f, 'utf8'));
    } catch {
      // next
    }
  }
  return {};
}

interface Watched {
  registration: QueueRegistration;
  queue: QueueClient;
  poison: QueueClient;
  /** The wait before this queue's next poll: 100 ms after messages came, doubling while it is empty. */
  idleMs: number;
  nextPollAt: number;
}

export class QueueRunner {
  private readonly watched: Watched[];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly app: FunctionApp,
    service: QueueServiceClient,
    env: Record<string, string | undefined>,
    private readonly log: Logger,
    private readonly track: <T>(work: () => Promise<T>) => Promise<T>,
    readonly semantics: QueueSemantics,
  ) {
    this.watched = app.queues.map((registration) => {
      const name = resolveSchedule(String(registration.options.queueName), env);
      return { registration, queue: service.getQueueClient(name), poison: service.getQueueClient(`${name}${POISON_SUFFIX}`), idleMs: 100, nextPollAt: 0 };
    });
  }

  /** The queues watched, by function. */
  get queues(): Array<{ function: string; queue: string }> {
    return this.watched.map((w) => ({ function: w.registration.name, queue: w.queue.name }));
  }

  async ensureQueues(): Promise<void> {
    await Promise.all(this.watched.flatMap((w) => [w.queue.createIfNotExists(), w.poison.createIfNotExists()]));
  }

  /**
   * One poll of every queue: a batch of up to batchSize messages once no more than newBatchThreshold of the
   * queue's messages are running (so at most batchSize + newBatchThreshold at once, as the runtime), started
   * without waiting for them; how many were received. A message that hangs holds one slot, never the others.
   */
  async pollOnce(backoff = false): Promise<number> {
    let handled = 0;
    await Promise.all(
      this.watched.map(async (w) => {
        if ((this.running_.get(w.registration.name) ?? 0) > this.semantics.newBatchThreshold) return;
        if (backoff && Date.now() < w.nextPollAt) return;
        const received = await w.queue.receiveMessages({ numberOfMessages: Math.min(32, this.semantics.batchSize), visibilityTimeout: MESSAGE_LEASE_SECONDS });
        // As the runtime: an empty queue is polled less and less often, up to maxPollingInterval.
        w.idleMs = received.receivedMessageItems.length > 0 ? 100 : Math.min(w.idleMs * 2, this.semantics.maxPollingIntervalMs);
        w.nextPollAt = Date.now() + w.idleMs;
        handled += received.receivedMessageItems.length;
        for (const m of received.receivedMessageItems) void this.process(w, m);
      }),
    );
    return handled;
  }

  private readonly running_ = new Map<string, number>();

  private process(w: Watched, m: { messageId: string; popReceipt: string; messageText: string; dequeueCount: number; insertedOn: Date; expiresOn: Date; nextVisibleOn: Date }): Promise<void> {
    const name = w.registration.name;
    this.running_.set(name, (this.running_.get(name) ?? 0) + 1);
    const work = this.track(async () => {
      try {
        await this.app.invokeQueue(w.registration.name, decodeMessage(m.messageText), {
          id: m.messageId,
          dequeueCount: m.dequeueCount,
          insertionTime: m.insertedOn.toISOString(),
          expirationTime: m.expiresOn.toISOString(),
          nextVisibleTime: m.nextVisibleOn.toISOString(),
          popReceipt: m.popReceipt,
        });
        await w.queue.deleteMessage(m.messageId, m.popReceipt);
      } catch (error) {
        if (m.dequeueCount >= this.semantics.maxDequeueCount) {
          this.log.warn(`${w.registration.name}: message ${m.messageId} failed on delivery ${m.dequeueCount} of ${this.semantics.maxDequeueCount}: moved to ${w.poison.name} (${(error as Error).message})`);
          await w.poison.sendMessage(m.messageText);
          await w.queue.deleteMessage(m.messageId, m.popReceipt);
        } else {
          this.log.warn(`${w.registration.name}: message ${m.messageId} failed on delivery ${m.dequeueCount} of ${this.semantics.maxDequeueCount}, retried in ${this.semantics.visibilityTimeoutSeconds} s: ${(error as Error).message}`);
          await w.queue.updateMessage(m.messageId, m.popReceipt, undefined, this.semantics.visibilityTimeoutSeconds);
        }
      }
    });
    const settled = work.catch((e: unknown) => this.log.error(`${w.registration.name}: ${(e as Error).message}`));
    this.inFlight.add(settled);
    void settled.finally(() => {
      this.inFlight.delete(settled);
      this.running_.set(name, (this.running_.get(name) ?? 1) - 1);
    });
    return settled;
  }

  /** Messages waiting in the watched queues, visible or not (Azurite's approximate count). */
  async pending(): Promise<number> {
    const counts = await Promise.all(this.watched.map(async (w) => (await w.queue.getProperties()).approximateMessagesCount ?? 0));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Polls until every watched queue is empty and nothing runs (tests, `run --once`); false on timeout. */
  async drain(timeoutMs = 60_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const handled = await this.pollOnce();
      if (handled === 0 && this.inFlight.size === 0 && (await this.pending()) === 0) return true;
      if (handled === 0 || this.inFlight.size > this.semantics.newBatchThreshold) await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /**
   * Polls on its own, as the runtime: a queue that had messages again at once (within capacity), an empty one
   * less and less often up to maxPollingInterval; a queue at capacity is not polled until a slot frees.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = async () => {
      if (!this.running) return;
      try {
        await this.pollOnce(true);
      } catch (error) {
        if ((error as { code?: string }).code !== 'HOST_STOPPING') this.log.warn(`queue poll: ${(error as Error).message}`);
      }
      // A local check every 100 ms; a request only when a queue is due and has a free slot.
      if (this.running) this.timer = setTimeout(() => void tick(), 100);
    };
    void tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }
}
