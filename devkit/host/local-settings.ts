// Settings only the local host and the CLI read (the deployed app never does), and how the local host
// reads its environment: local.settings.json values under the process environment, as Core Tools does.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SettingDoc } from '../../src/app/settings.js';

export const LOCAL_SETTINGS: readonly SettingDoc[] = [
  { name: 'MONITOR_TENANT_FIXTURE', default: '', description: 'Run against a simulated tenant served from this fixture file instead of Graph (local/testing).', scope: 'local' },
  { name: 'MONITOR_DATA_DIR', default: '.data', description: 'Local data directory: embedded Azurite storage, mail outbox, local function key.', scope: 'local' },
  { name: 'MONITOR_LOCAL_WEBHOOK', default: '', description: '`json`, `teams` or `slack`: when WEBHOOK_URL is empty, the local host starts a receiving endpoint that checks signatures and stores each delivery under `<data dir>/webhooks`, and posts alerts there in that format.', scope: 'local' },
];

/** Values of local.settings.json (as Core Tools reads them), without overriding the environment. */
export function localSettingsValues(dir = process.cwd()): Record<string, string> {
  const file = path.join(dir, 'local.settings.json');
  if (!existsSync(file)) return {};
  try {
    const values = (JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, unknown> }).Values ?? {};
    return Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === 'string') as Array<[string, string]>);
  } catch (error) {
    throw new Error(`local.settings.json is not valid JSON: ${(error as Error).message}`);
  }
}

/** Graph credentials the environment provides (service principal or managed identity). */
export function hasGraphCredentials(env: Record<string, string | undefined>): boolean {
  const sp = !!env.AZURE_TENANT_ID && !!env.AZURE_CLIENT_ID && !!(env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_CERTIFICATE_PATH || env.AZURE_FEDERATED_TOKEN_FILE);
  return sp || !!env.IDENTITY_ENDPOINT || !!env.MSI_ENDPOINT;
}
