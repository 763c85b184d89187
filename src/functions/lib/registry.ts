// Registration seam: in the Functions host each module registers with app.timer / app.http; the local host
// captures the same registrations instead (the package is in "test mode" outside the host and would skip
// them), so both run exactly the definitions in these files.
import azureFunctions, { type HttpFunctionOptions, type StorageQueueFunctionOptions, type TimerFunctionOptions } from '@azure/functions';
import { guarded } from './guard.js';

export type Registration =
  | { kind: 'timer'; name: string; options: TimerFunctionOptions }
  | { kind: 'http'; name: string; options: HttpFunctionOptions }
  | { kind: 'queue'; name: string; options: StorageQueueFunctionOptions };

let captured: Registration[] | undefined;

/** Called by the local host before it imports the function modules. */
export function captureRegistrations(): Registration[] {
  captured ??= [];
  return captured;
}

export function registerTimer(name: string, options: TimerFunctionOptions): void {
  if (captured) captured.push({ kind: 'timer', name, options });
  else azureFunctions.app.timer(name, options);
}

/** Every HTTP function gets the common guards (guard.ts): repeated parameters, storage down. */
export function registerHttp(name: string, options: HttpFunctionOptions): void {
  const withGuards = { ...options, handler: guarded(options.handler) };
  if (captured) captured.push({ kind: 'http', name, options: withGuards });
  else azureFunctions.app.http(name, withGuards);
}

/** A queue-triggered function (the tenant work queue and its poison queue; the local host polls Azurite's). */
export function registerQueue(name: string, options: StorageQueueFunctionOptions): void {
  if (captured) captured.push({ kind: 'queue', name, options });
  else azureFunctions.app.storageQueue(name, options);
}
