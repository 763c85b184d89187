// Wires the adapters together: settings, Table Storage, the Graph gateway and the tenant identity. There is
// one assembly (assembleRuntime): the Azure Functions handlers call it with the app settings; the local host
// and the CLI call it with the same settings plus what they stand up locally (a Graph endpoint, storage).
import type { TokenCredential } from '@azure/identity';
import { liveCredential } from './credentials.js';
import type { CollectorDeps } from '../collect/context.js';
import type { TenantInfo } from '../collect/snapshot.js';
import { GraphGateway, graphScope } from '../graph/gateway.js';
import { type StorageTarget, TableStore, storageTargetFromSettings } from '../storage/tables.js';
import type { Logger } from './logger.js';
import { type Settings, loadSettings } from './settings.js';
import { type Mailer, createMailer } from '../alerts/mailer.js';
import { WorkQueue, queueService } from '../storage/queue.js';
import { REGISTRY_TABLES, TABLES } from '../storage/tables.js';
import { TenantRegistry } from './tenants.js';
import { type TenantSourceFactory, TenantRuntimes, liveTenantSource } from './tenant-runtime.js';
import { type WebhookSender, createWebhookSender } from '../alerts/webhook.js';
export { liveCredential };

/** Where Microsoft Graph is read: the real service, or any Graph-compatible endpoint handed in. */
export interface GraphSource {
  baseUrl: string;
  credential: TokenCredential;
  tenant: TenantInfo;
  /** Pace to Graph's budgets (a Graph-compatible endpoint may not enforce them: false). */
  pacing: { timeScale: number } | false;
  /** First retry delay after a 5xx or a 429 without Retry-After (Graph: 3 s; a local endpoint: 0). */
  retryDelaySeconds: number;
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
  /** Posts alerts to WEBHOOK_URL; undefined when no webhook is configured. */
  webhook: WebhookSender | undefined;
  deps(): CollectorDeps;
  /** The registered tenants (the deployment's tables; docs/tenants.md). */
  registry: TenantRegistry;
  /** Each registered tenant's own runtime (tables, gateway and budgets, identity, settings). */
  tenants: TenantRuntimes;
  /** The tenant work queue (MONITOR_WORK_QUEUE), created on first use. */
  workQueue(): WorkQueue;
  /** The registered tenant this runtime is for; undefined for the deployment's own tenant. */
  registered?: string;
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

/** Microsoft Graph itself, read with DefaultAzureCredential (managed identity in Azure). */
export async function liveSource(settings: Settings): Promise<GraphSource> {
  const credential = liveCredential();
  const tenant = await tenantFromCredential(credential, settings.graphBaseUrl);
  return { baseUrl: settings.graphBaseUrl, credential, tenant, pacing: { timeScale: 1 }, retryDelaySeconds: 3 };
}

export function configuredStorage(env: Record<string, string | undefined> = process.env): StorageTarget | undefined {
  return storageTargetFromSettings({
    AzureWebJobsStorage: env.AzureWebJobsStorage,
    AzureWebJobsStorage__accountName: env.AzureWebJobsStorage__accountName,
    AzureWebJobsStorage__tableServiceUri: env.AzureWebJobsStorage__tableServiceUri,
    AzureWebJobsStorage__queueServiceUri: env.AzureWebJobsStorage__queueServiceUri,
    AzureWebJobsStorage__clientId: env.AzureWebJobsStorage__clientId,
    AzureWebJobsStorage__credential: env.AzureWebJobsStorage__credential,
  });
}

export interface RuntimeOptions {
  settings: Settings;
  store: TableStore;
  source: GraphSource;
  log: Logger;
  now?: () => Date;
  mailer?: Mailer;
  /** How a registered tenant's Graph is read (default: Microsoft Graph as the multi-tenant app). */
  tenantSource?: TenantSourceFactory;
  /** A registered tenant's runtime: the deployment's runtime it belongs to. */
  base?: Runtime;
  registered?: string;
}

export function createRuntime(options: RuntimeOptions): Runtime {
  const { settings, store, source, log } = options;
  const graph = new GraphGateway({
    baseUrl: source.baseUrl,
    credential: source.credential,
    pacing: source.pacing,
    maxConcurrency: settings.graphMaxConcurrency,
    timeoutMs: settings.graphTimeoutSeconds * 1000,
    maxRetries: settings.graphMaxRetries,
    retryDelaySeconds: source.retryDelaySeconds,
  });
  const now = options.now ?? (() => new Date());
  const base = options.base;
  let queue: WorkQueue | undefined;
  const runtime: Runtime = {
    settings,
    store,
    graph,
    source,
    log,
    now,
    mailer: options.mailer ?? base?.mailer ?? createMailer(settings),
    webhook: base?.webhook ?? (settings.webhook ? createWebhookSender(settings.webhook) : undefined),
    // Each run gets its own write counter on the shared tables: runs in parallel report their own writes.
    deps: () => ({ graph, store: store.scoped(), settings, now, log }),
    registry: base?.registry ?? new TenantRegistry(store),
    tenants: undefined as unknown as TenantRuntimes,
    workQueue: () => base?.workQueue() ?? (queue ??= new WorkQueue(queueService(store.target), settings.tenants.workQueue)),
    ...(options.registered ? { registered: options.registered } : {}),
  };
  runtime.tenants =
    base?.tenants ??
    new TenantRuntimes(runtime, options.tenantSource ?? liveTenantSource, (o) => createRuntime({ settings: o.settings, store: o.store, source: o.source, log: o.log, now: o.now, base: o.base, registered: o.source.tenant.tenantId }));
  return runtime;
}

export interface Assembly {
  /** App settings (environment variables); validated here. */
  env: Record<string, string | undefined>;
  log: Logger;
  /** Storage other than the configured AzureWebJobsStorage (the local host's embedded storage). */
  storage?: StorageTarget;
  /** A Graph source other than Microsoft Graph with DefaultAzureCredential (the local host's simulated tenant). */
  source?: GraphSource;
  now?: () => Date;
  mailer?: Mailer;
  /** How registered tenants' Graph is read, when not Microsoft Graph (the local host's simulated tenants). */
  tenantSource?: TenantSourceFactory;
}

/** The one assembly of the runtime: settings validated, storage ready (tables exist), Graph source chosen. */
export async function assembleRuntime(a: Assembly): Promise<Runtime> {
  const settings = loadSettings(a.env);
  const target = a.storage ?? configuredStorage(a.env);
  if (!target) throw new Error('AzureWebJobsStorage (or AzureWebJobsStorage__accountName) is not set: the monitor needs Table Storage');
  const store = new TableStore(target, settings.tablePrefix);
  await store.ensureTables([...TABLES, ...REGISTRY_TABLES]);
  const source = a.source ?? (await liveSource(settings));
  return createRuntime({ settings, store, source, log: a.log, ...(a.now ? { now: a.now } : {}), ...(a.mailer ? { mailer: a.mailer } : {}), ...(a.tenantSource ? { tenantSource: a.tenantSource } : {}) });
}
