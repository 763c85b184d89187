// Timer: evaluation, diff and alerts, after the collectors (schedule: app setting SCHEDULE_EVALUATE).
import { registerTimer } from './lib/registry.js';
import { evaluateHandler } from './lib/timers.js';

export const evaluate = evaluateHandler;

registerTimer('evaluate', { schedule: '%SCHEDULE_EVALUATE%', handler: evaluate });
