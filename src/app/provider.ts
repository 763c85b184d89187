// The runtime the function handlers use: assembled from app settings on first use in Azure, or handed over
// by the local host / CLI, which assemble it the same way with what they stand up locally.
import { consoleLogger } from './logger.js';
import { type Runtime, assembleRuntime } from './runtime.js';

let current: Promise<Runtime> | undefined;

export function setRuntime(runtime: Runtime): void {
  current = Promise.resolve(runtime);
}

export function getRuntime(): Promise<Runtime> {
  current ??= assembleRuntime({ env: process.env, log: consoleLogger() }).catch((error: unknown) => {
    current = undefined;
    throw error;
  });
  return current;
}
