// Timer: the operator's digest over every tenant, daily by default (SCHEDULE_MSP_DIGEST), to
// MSP_DIGEST_RECIPIENTS; nothing when none are set (app/msp-digest.ts).
import type { InvocationContext, Timer } from '@azure/functions';
import { sendMspDigest } from '../app/msp-digest.js';
import { getRuntime } from '../app/provider.js';
import { registerTimer } from './lib/registry.js';

export async function mspDigest(_timer: Timer, context: InvocationContext): Promise<void> {
  const outcome = await sendMspDigest(await getRuntime());
  context.log(`MSP digest: ${outcome.status}: ${outcome.detail}`);
  if (outcome.status === 'failed') throw new Error(`MSP digest not sent: ${outcome.detail}`);
}

registerTimer('mspDigest', { schedule: '%SCHEDULE_MSP_DIGEST%', handler: mspDigest });
