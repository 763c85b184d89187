// Timer: the signins collector (schedule: app setting SCHEDULE_SIGNINS).
import { registerTimer } from './lib/registry.js';
import { collectorHandler } from './lib/timers.js';

export const collectSignIns = collectorHandler('signins');

registerTimer('collectSignIns', { schedule: '%SCHEDULE_SIGNINS%', handler: collectSignIns });
