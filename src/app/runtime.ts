// Wires the adapters together: settings, Table Storage, the Graph gateway (real Graph or the simulated
// tenant) and the tenant identity. The Azure Functions handlers, the local host and the CLI all get their
// dependencies here, so there is one way each behaviour is assembled.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TokenCredential } from '@azure/identity';
import { liveCredential } from './credentials.js';
import type { CollectorDeps } from '../collect/context.js';
import type { TenantInfo } from '../collect/snapshot.js';
import { type TenantFixture, parseTenantFixtureText } from '../core/fixture.js';
import { fixtureAt, fixtureShiftMs } from '../core/fixture-time.js';
import { GraphGateway, graphScope, staticTokenCredential } from '../graph/gateway.js';
import { type StorageTarget, TableStore, storageTargetFromSettings } from '../storage/tables.js';
import type { Logger } from './logger.js';
import type { Settings } from './settings.js';
import { type Mailer, createMailer } from '../alerts/mailer.js';
export { liveCredential };

export interface GraphSource {
  kind: 'live' | 'simulated';
  /** For `simulated`: where the fixture came from (a path, or "demo"). */
  fixtureSource?: string;
  baseUrl: string;
  credential: TokenCredential;
  tenant: TenantInfo;
  /** Pace to Graph's budgets (live: yes; the simulator: only when it enforces them). */
  pacing: { timeScale: number } | false;
}

export interface Runtime {
  settings: Settings;
  store: TableStore;
  graph: GraphGateway;
  source: GraphSource;
  log: Logger;
  now: () => Date;
  /** Sends alert mail; undefined when e-mail is not configured (alerts are recorded, not sent). */
  mailer: Mailer | undefined;
  deps(): CollectorDeps;
}

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'fixtures'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root (package.json with fixtures/)');
    dir = parent;
  }
}

export function demoFixturePath(): string {
  return path.join(packageRoot(), 'fixtures', 'demo-tenant.json');
}

/**
 * A fixture ready to serve: validated, and with relative times (`referenceTime`) moved to now. With a
 * `clockFile` the shift chosen the first time is kept, so later runs see the same tenant (a steady state)
 * while real time moves on, as it does for a real tenant.
 */
export function fixtureForServing(file: string, now = new Date(), clockFile?: string): TenantFixture {
  const fixture = readFixture(file);
  if (!fixture.referenceTime) return fixture;
  let delta = fixtureShiftMs(fixture, now);
  if (clockFile) {
    const key = `${fixture.tenantId}|${fixture.referenceTime}`;
    let clocks: Record<string, number> = {};
    try {
      clocks = JSON.parse(readFileSync(clockFile, 'utf8')) as Record<string, number>;
    } catch {
      // first use of this data directory
    }
    if (typeof clocks[key] === 'number') delta = clocks[key];
    else {
      clocks[key] = delta;
      mkdirSync(path.dirname(clockFile), { recursive: true });
      writeFileSync(clockFile, `${JSON.stringify(clocks, null, 2)}\n`);
    }
  }
  return fixtureAt(fixture, now, delta);
}

export function readFixture(file: string): TenantFixture {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read tenant fixture ${file}: ${(error as Error).message}`);
  }
  return parseTenantFixtureText(text, file);
}

/** The tenant id a Graph token was issued for (the `tid` claim): no extra permission needed. */
export async function tenantFromCredential(credential: TokenCredential, baseUrl = 'https://graph.microsoft.com'): Promise<TenantInfo> {
  const token = await credential.getToken(graphScope(baseUrl));
  const payload = token?.token.split('.')[1];
  let tid = 'unknown';
  if (payload) {
    try {
      tid = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { tid?: string }).tid ?? 'unknown';
    } catch {
      // not a JWT: leave unknown
    }
  }
  return { id: tid, tenantId: tid, displayName: null };
}

export function storeFor(target: StorageTarget, settings: Settings): TableStore {
  return new TableStore(target, settings.tablePrefix);
}

export function configuredStorage(env: Record<string, string | undefined> = process.env): StorageTarget | undefined {
  return storageTargetFromSettings({
    AzureWebJobsStorage: env.AzureWebJobsStorage,
    AzureWebJobsStorage__accountName: env.AzureWebJobsStorage__accountName,
    AzureWebJobsStorage__tableServiceUri: env.AzureWebJobsStorage__tableServiceUri,
    AzureWebJobsStorage__clientId: env.AzureWebJobsStorage__clientId,
    AzureWebJobsStorage__credential: env.AzureWebJobsStorage__credential,
  });
}

export function createRuntime(options: { settings: Settings; store: TableStore; source: GraphSource; log: Logger; now?: () => Date; mailer?: Mailer }): Runtime {
  const { settings, store, source, log } = options;
  const graph = new GraphGateway({
    baseUrl: source.baseUrl,
    credential: source.credential,
    pacing: source.pacing,
    maxConcurrency: settings.graphMaxConcurrency,
    timeoutMs: settings.graphTimeoutSeconds * 1000,
    maxRetries: settings.graphMaxRetries,
    retryDelaySeconds: source.kind === 'live' ? 3 : 0,
  });
  const now = options.now ?? (() => new Date());
  return {
    settings,
    store,
    graph,
    source,
    log,
    now,
    mailer: options.mailer ?? createMailer(settings),
    // Each run gets its own write counter on the shared tables: runs in parallel report their own writes.
    deps: () => ({ graph, store: store.scoped(), settings, now, log }),
  };
}

export function simulatedSource(url: string, token: string, fixture: TenantFixture, fixtureSource: string, pacing: { timeScale: number } | false = false): GraphSource {
  return {
    kind: 'simulated',
    fixtureSource,
    baseUrl: url,
    credential: staticTokenCredential(token),
    tenant: { id: fixture.tenantId, tenantId: fixture.tenantId, displayName: fixture.displayName ?? null },
    pacing,
  };
}
