// What the local host stands up, decided from settings alone (no I/O): a simulated tenant or Microsoft
// Graph, the configured storage or an embedded one, ACS or a local mail endpoint.
import type { Settings } from '../../src/app/settings.js';
import type { StorageTarget } from '../../src/storage/tables.js';
import { hasGraphCredentials } from './local-settings.js';

export interface GraphChoice {
  /** The fixture to serve as a simulated tenant; null: the real tenant through DefaultAzureCredential. */
  fixtureFile: string | null;
  /** The bundled demo (no fixture named, no credentials). */
  demo: boolean;
}

/** A fixture named by --tenant or MONITOR_TENANT_FIXTURE wins; then credentials (or --live) mean Graph; else the demo. */
export function chooseGraph(env: Record<string, string | undefined>, live: boolean, demoFile: string): GraphChoice {
  const named = env.MONITOR_TENANT_FIXTURE?.trim() ?? '';
  if (named) return { fixtureFile: named, demo: false };
  if (live || hasGraphCredentials(env)) return { fixtureFile: null, demo: false };
  return { fixtureFile: demoFile, demo: true };
}

/** A fixture's settings fill in what the environment leaves unset (the demo names its break-glass group and a mailbox). */
export function withFixtureSettings(env: Record<string, string | undefined>, fixtureSettings: Record<string, string> | undefined): Record<string, string | undefined> {
  const out = { ...env };
  for (const [name, value] of Object.entries(fixtureSettings ?? {})) if (!out[name]?.trim()) out[name] = value;
  return out;
}

export type StorageChoice =
  | { kind: 'configured'; target: StorageTarget }
  /** No storage configured: an embedded Azurite on a port the OS picks. */
  | { kind: 'embedded' }
  /** UseDevelopmentStorage=true names port 10002: embedded there unless something already serves it. */
  | { kind: 'developmentStorage'; target: StorageTarget };

export function chooseStorage(configured: StorageTarget | undefined): StorageChoice {
  if (!configured) return { kind: 'embedded' };
  if (configured.kind === 'connectionString' && /UseDevelopmentStorage=true/i.test(configured.connectionString)) return { kind: 'developmentStorage', target: configured };
  return { kind: 'configured', target: configured };
}

/** Mail is configured to go somewhere, but no ACS resource is named: the local endpoint stands in. */
export function needsMailEndpoint(settings: Settings): boolean {
  return settings.alertRecipients.length > 0 && !settings.acsEndpoint && !settings.acsConnectionString;
}

/** MONITOR_LOCAL_WEBHOOK names a format and no WEBHOOK_URL is set: the local receiver stands in. */
export function localWebhookFormat(env: Record<string, string | undefined>): 'json' | 'teams' | 'slack' | undefined {
  const format = env.MONITOR_LOCAL_WEBHOOK?.trim().toLowerCase();
  if (!format || env.WEBHOOK_URL?.trim()) return undefined;
  if (format !== 'json' && format !== 'teams' && format !== 'slack') throw new Error(`MONITOR_LOCAL_WEBHOOK: expected json, teams or slack, got '${format.slice(0, 20)}'`);
  return format;
}
