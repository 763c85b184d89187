// Integration test environment: real Azurite (in memory), the simulated Graph tenant and the real SDKs,
// wired the way the app wires them. Each environment gets its own table prefix so tests do not interfere.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger, type Logger } from '../../src/app/logger.js';
import { type Runtime, createRuntime } from '../../src/app/runtime.js';
import { simulatedSource } from '../../devkit/host/host.js';
import { type Settings, loadSettings } from '../../src/app/settings.js';
import type { TenantFixture } from '../../devkit/fixture/format.js';
import { type EmbeddedAzurite, startAzurite } from '../../devkit/emulators/azurite.js';
import { type GraphSimulator, type GraphSimulatorOptions, startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import type { Mailer } from '../../src/alerts/mailer.js';
import { TableStore } from '../../src/storage/tables.js';

let shared: Promise<EmbeddedAzurite> | undefined;

/** One in-memory Azurite per test file (worker), started on first use. */
export function azurite(): Promise<EmbeddedAzurite> {
  shared ??= startAzurite({ dataDir: null });
  return shared;
}

export async function stopAzurite(): Promise<void> {
  if (shared) await (await shared).stop();
  shared = undefined;
}

export interface TestEnvironment {
  rt: Runtime;
  sim: GraphSimulator;
  store: TableStore;
  settings: Settings;
  /** Replace the tenant (the next collection sees the change). */
  setTenant(fixture: TenantFixture): void;
  /** A fresh runtime on the same storage (a new process, as after a crash). */
  restart(overrides?: Record<string, string>): Runtime;
  close(): Promise<void>;
}

export function tempDir(prefix = 'amm-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function testEnvironment(
  fixture: TenantFixture,
  options: { env?: Record<string, string>; now?: () => Date; mailer?: Mailer; log?: Logger; simulatorNow?: () => Date; simulator?: Pick<GraphSimulatorOptions, 'auditLatency' | 'deltaLifetimeHours'> } = {},
): Promise<TestEnvironment> {
  const storage = await azurite();
  const prefix = `t${randomBytes(6).toString('hex')}`;
  const baseEnv = { MONITOR_TABLE_PREFIX: prefix, MONITOR_DATA_DIR: tempDir(), GRAPH_MAX_RETRIES: '4', ...(options.env ?? {}) };
  const settings = loadSettings(baseEnv);
  const store = new TableStore({ kind: 'connectionString', connectionString: storage.connectionString }, prefix);
  await store.ensureTables();
  let current = fixture;
  const sim = await startGraphSimulator({ fixture, ...(options.simulatorNow ? { now: options.simulatorNow } : {}), ...(options.simulator ?? {}) });
  const make = (overrides: Record<string, string> = {}, fresh = false) => {
    const s = Object.keys(overrides).length ? loadSettings({ ...baseEnv, ...overrides }) : settings;
    // A restart gets its own store object (write counters start at zero), on the same tables.
    const st = fresh ? new TableStore({ kind: 'connectionString', connectionString: storage.connectionString }, prefix) : store;
    return createRuntime({ settings: s, store: st, source: simulatedSource(sim.url, sim.token, current), log: options.log ?? silentLogger, now: options.now, mailer: options.mailer });
  };
  const rt = make();
  return {
    rt,
    sim,
    store,
    settings,
    setTenant(next) {
      current = next;
      sim.setFixture(next);
    },
    restart: (overrides) => make(overrides, true),
    close: () => sim.close(),
  };
}
