// Timer: the activations collector (schedule: app setting SCHEDULE_ACTIVATIONS).
import { registerTimer } from './lib/registry.js';
import { collectorHandler } from './lib/timers.js';

export const collectActivations = collectorHandler('activations');

registerTimer('collectActivations', { schedule: '%SCHEDULE_ACTIVATIONS%', handler: collectActivations });
