// Timer: the secure score collector, daily (schedule: app setting SCHEDULE_SECURE_SCORE): Microsoft's
// AdminMFAV2 verdict, the admin-MFA recommendation, subscribed SKUs and the admins' per-user MFA states.
import { registerTimer } from './lib/registry.js';
import { collectorHandler } from './lib/timers.js';

export const collectSecureScore = collectorHandler('securescore');

registerTimer('collectSecureScore', { schedule: '%SCHEDULE_SECURE_SCORE%', handler: collectSecureScore });
