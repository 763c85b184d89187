// Timer functions on their NCRONTAB schedules, as the Functions host runs them: `%SETTING%` resolved from
// app settings, no overlapping runs of one timer, a failure logged and the schedule kept.
import { Cron } from 'croner';
import type { Logger } from '../../src/app/logger.js';
import { SETTINGS } from '../../src/app/settings.js';
import type { FunctionApp } from './functions.js';

/** Resolves `%SETTING%` in a schedule the way the Functions host resolves app settings. */
export function resolveSchedule(schedule: string, env: Record<string, string | undefined>): string {
  return schedule.replace(/%([^%]+)%/g, (_, name: string) => {
    const value = env[name]?.trim() || SETTINGS.find((s) => s.name === name)?.default;
    if (!value) throw new Error(`schedule setting ${name} is not set`);
    return value;
  });
}

/** The timers, paused until `start()`: a start-up cycle must not overlap a scheduled run. */
export function scheduleTimers(app: FunctionApp, env: Record<string, string | undefined>, log: Logger, track: <T>(work: () => Promise<T>) => Promise<T>): { start(): void; stop(): void } {
  const crons = app.timers.map(
    (t) =>
      new Cron(resolveSchedule(String(t.options.schedule), env), { paused: true, protect: true, catch: (e: unknown) => log.error(`${t.name}: ${(e as Error).message}`) }, async () => {
        try {
          await track(() => app.invokeTimer(t.name));
        } catch (e) {
          log.error(`${t.name} failed: ${(e as Error).message}`);
        }
      }),
  );
  return { start: () => crons.forEach((c) => c.resume()), stop: () => crons.forEach((c) => c.stop()) };
}
