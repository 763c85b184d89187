// The runtime the function handlers use: built from app settings on first use in Azure, or handed over by
// the local host / CLI, which build it with embedded storage and the simulated tenant.
import { consoleLogger } from './logger.js';
import { type Runtime, configuredStorage, createRuntime, liveCredential, fixtureForServing, simulatedSource, storeFor, tenantFromCredential } from './runtime.js';
import { loadSettings } from './settings.js';

let current: Promise<Runtime> | undefined;

export function setRuntime(runtime: Runtime): void {
  current = Promise.resolve(runtime);
}

export function getRuntime(): Promise<Runtime> {
  current ??= buildFromEnvironment().catch((error: unknown) => {
    current = undefined;
    throw error;
  });
  return current;
}

async function buildFromEnvironment(): Promise<Runtime> {
  const settings = loadSettings(process.env);
  const target = configuredStorage(process.env);
  if (!target) throw new Error('AzureWebJobsStorage (or AzureWebJobsStorage__accountName) is not set: the monitor needs Table Storage');
  const store = storeFor(target, settings);
  await store.ensureTables();
  const log = consoleLogger();
  if (settings.tenantFixture) {
    const { startGraphSimulator } = await import('../local/graph-simulator.js');
    const fixture = fixtureForServing(settings.tenantFixture);
    // Lives as long as the worker process.
    const sim = await startGraphSimulator({ fixture });
    return createRuntime({ settings, store, source: simulatedSource(sim.url, sim.token, fixture, settings.tenantFixture), log });
  }
  const credential = liveCredential();
  const tenant = await tenantFromCredential(credential, settings.graphBaseUrl);
  return createRuntime({
    settings,
    store,
    source: { kind: 'live', baseUrl: settings.graphBaseUrl, credential, tenant, pacing: { timeScale: 1 } },
    log,
  });
}
