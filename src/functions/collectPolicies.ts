// Timer: the policies collector (schedule: app setting SCHEDULE_POLICIES).
import { registerTimer } from './lib/registry.js';
import { collectorHandler } from './lib/timers.js';

export const collectPolicies = collectorHandler('policies');

registerTimer('collectPolicies', { schedule: '%SCHEDULE_POLICIES%', handler: collectPolicies });
