// Queue: the tenant work queue's poison queue (`<MONITOR_WORK_QUEUE>-poison`), where the runtime moves work
// that failed on every delivery. Each becomes a `tenant-work-dead-lettered` finding of its tenant only
// (app/fanout.ts handleDeadLetter); the message is then done (the next scheduled one runs the step again).
import type { InvocationContext } from '@azure/functions';
import { handleDeadLetter } from '../app/fanout.js';
import { getRuntime } from '../app/provider.js';
import { registerQueue } from './lib/registry.js';
import { MAX_DEQUEUE_COUNT, delivery } from './lib/timers.js';

export async function tenantWorkPoison(message: unknown, context: InvocationContext): Promise<void> {
  const outcome = await handleDeadLetter(await getRuntime(), message, { ...delivery(context), attempts: MAX_DEQUEUE_COUNT });
  context.log(outcome.status === 'recorded' ? `tenant ${outcome.tenantId}: ${outcome.note.step} work given up, recorded for its evaluation` : outcome.detail);
}

registerQueue('tenantWorkPoison', { queueName: '%MONITOR_WORK_QUEUE%-poison', connection: 'AzureWebJobsStorage', handler: tenantWorkPoison });
