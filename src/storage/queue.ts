// Azure Storage Queues: the tenant work queue the fan-out timer fills and the queue-triggered functions drain
// (issue 20). Messages are base64-encoded JSON, as the Functions queue trigger expects by default
// (host.json `extensions.queues.messageEncoding`). The local host reads the same queues with the same client.
import type { QueueClient} from '@azure/storage-queue';
import { QueueServiceClient } from '@azure/storage-queue';
import type { StorageTarget } from './tables.js';

/** The suffix the Functions runtime gives a queue's poison queue. */
export const POISON_SUFFIX = '-poison';

/** A message body as it goes on the queue (base64 of its JSON) and back. */
export function encodeMessage(body: unknown): string {
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
}

export function decodeMessage(text: string): unknown {
  const raw = /^[A-Za-z0-9+/]*={0,2}$/.test(text) ? Buffer.from(text, 'base64').toString('utf8') : text;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function isLoopback(connectionString: string): boolean {
  return /UseDevelopmentStorage=true/i.test(connectionString) || /QueueEndpoint=http:\/\/(127\.0\.0\.1|localhost)/i.test(connectionString);
}

/** The queue service of a storage target; a connection string must name a QueueEndpoint (or be the development storage). */
export function queueService(target: StorageTarget): QueueServiceClient {
  if (target.kind === 'connectionString') {
    const cs = target.connectionString;
    if (/TableEndpoint=/i.test(cs) && !/QueueEndpoint=/i.test(cs)) {
      throw new Error('AzureWebJobsStorage: the connection string names a TableEndpoint but no QueueEndpoint; the tenant work queue needs the queue service too');
    }
    return QueueServiceClient.fromConnectionString(cs, isLoopback(cs) ? { retryOptions: { maxTries: 3 } } : {});
  }
  if (!target.queueEndpoint) throw new Error('AzureWebJobsStorage__queueServiceUri (or AzureWebJobsStorage__accountName) is not set: the tenant work queue needs the queue endpoint');
  return new QueueServiceClient(target.queueEndpoint, target.credential);
}

/** One queue, created on first use. */
export class WorkQueue {
  private ready: Promise<unknown> | undefined;
  readonly client: QueueClient;

  constructor(
    service: QueueServiceClient,
    readonly name: string,
  ) {
    this.client = service.getQueueClient(name);
  }

  ensure(): Promise<unknown> {
    this.ready ??= this.client.createIfNotExists().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** Sends one message; `delaySeconds` keeps it invisible that long (spreading a burst). */
  async send(body: unknown, delaySeconds = 0): Promise<void> {
    await this.ensure();
    await this.client.sendMessage(encodeMessage(body), delaySeconds > 0 ? { visibilityTimeout: delaySeconds } : {});
  }
}
