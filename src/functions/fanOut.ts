// Timer: the fan-out, every minute by default (SCHEDULE_FANOUT): one message on the tenant work queue per
// enabled registered tenant and step whose schedule fires this minute (app/fanout.ts). The deployment's own
// tenant keeps its timers (collectRoles, evaluate, …); with no tenant registered this does nothing.
import type { InvocationContext, Timer } from '@azure/functions';
import { fanOut as enqueue } from '../app/fanout.js';
import { getRuntime } from '../app/provider.js';
import { registerTimer } from './lib/registry.js';

export async function fanOut(_timer: Timer, context: InvocationContext): Promise<void> {
  const rt = await getRuntime();
  const messages = await enqueue(rt, rt.now());
  if (messages.length > 0) context.log(`fan-out: ${messages.length} messages for ${new Set(messages.map((m) => m.tenantId)).size} tenants`);
}

registerTimer('fanOut', { schedule: '%SCHEDULE_FANOUT%', handler: fanOut });
