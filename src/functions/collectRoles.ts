// Timer: the roles collector (schedule: app setting SCHEDULE_ROLES).
import { registerTimer } from './lib/registry.js';
import { collectorHandler } from './lib/timers.js';

export const collectRoles = collectorHandler('roles');

registerTimer('collectRoles', { schedule: '%SCHEDULE_ROLES%', handler: collectRoles });
