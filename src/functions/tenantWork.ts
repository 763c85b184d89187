// Queue: the tenant work queue (MONITOR_WORK_QUEUE): one step of one registered tenant per message, on that
// tenant's runtime (app/fanout.ts handleWork). A transient failure throws: the runtime delivers the message
// again after host.json `visibilityTimeout` and moves it to `<queue>-poison` after `maxDequeueCount` deliveries.
import type { InvocationContext } from '@azure/functions';
import { handleWork } from '../app/fanout.js';
import { getRuntime } from '../app/provider.js';
import { registerQueue } from './lib/registry.js';
import { delivery, runLine } from './lib/timers.js';

export async function tenantWork(message: unknown, context: InvocationContext): Promise<void> {
  const outcome = await handleWork(await getRuntime(), message, delivery(context));
  if (outcome.status === 'done') for (const run of outcome.runs) context.log(`tenant ${outcome.tenantId}: ${runLine(run)}`);
  else context.log(`tenant ${outcome.tenantId}: ${outcome.detail}`);
}

registerQueue('tenantWork', { queueName: '%MONITOR_WORK_QUEUE%', connection: 'AzureWebJobsStorage', handler: tenantWork });
