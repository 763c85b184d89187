// Timer: the change feed, every 2 minutes by default (schedule: app setting SCHEDULE_CHANGEFEED): the directory
// audit log and delta queries since the last run, targeted reads, the affected admins evaluated and alerted.
import { registerTimer } from './lib/registry.js';
import { changeFeedHandler } from './lib/timers.js';

export const changeFeed = changeFeedHandler;

registerTimer('changeFeed', { schedule: '%SCHEDULE_CHANGEFEED%', handler: changeFeed });
