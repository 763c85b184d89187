// One runtime per registered tenant (issue 20): its own tables (per-tenant prefix), its own Graph gateway —
// so its own throttling budgets, as Graph's are per app per tenant — its own identity, and its own settings
// (the deployment's with the tenant's values in their place). Built on first use and kept while the
// tenant's record is unchanged.
import { type TenantRecord, TenantInputError, parseTenantId } from '../core/tenants.js';
import { tenantCredentialChoice } from './credentials.js';
import type { Logger } from './logger.js';
import type { GraphSource, Runtime } from './runtime.js';
import type { Settings } from './settings.js';
import { settingsForTenant } from './tenants.js';

/** Where a registered tenant's Graph is read: Microsoft Graph as the multi-tenant app, or a local stand-in. */
export type TenantSourceFactory = (tenant: TenantRecord, settings: Settings) => GraphSource;

/** Microsoft Graph as the multi-tenant app registration, with a token issued by the tenant itself. */
export const liveTenantSource: TenantSourceFactory = (tenant, settings) => ({
  baseUrl: settings.graphBaseUrl,
  credential: tenantCredentialChoice({ tenantId: tenant.tenantId, clientId: settings.tenants.clientId, ...(settings.tenants.certificatePath ? { certificatePath: settings.tenants.certificatePath } : {}) }).credential,
  tenant: { id: tenant.tenantId, tenantId: tenant.tenantId, displayName: tenant.displayName },
  pacing: { timeScale: 1 },
  retryDelaySeconds: 3,
});

function prefixed(log: Logger, prefix: string): Logger {
  return { info: (m) => log.info(`${prefix} ${m}`), warn: (m) => log.warn(`${prefix} ${m}`), error: (m) => log.error(`${prefix} ${m}`), debug: (m) => log.debug(`${prefix} ${m}`) };
}

export class TenantRuntimes {
  private readonly cache = new Map<string, { version: string; runtime: Runtime }>();

  constructor(
    private readonly base: Runtime,
    private readonly source: TenantSourceFactory,
    private readonly create: (options: { settings: Settings; store: Runtime['store']; source: GraphSource; log: Logger; now: () => Date; base: Runtime }) => Runtime,
  ) {}

  /** The runtime of a registered tenant (the same object, and gateway, while its record is unchanged). */
  forTenant(tenant: TenantRecord): Runtime {
    const version = `${tenant.updatedAt}|${tenant.displayName}|${JSON.stringify(tenant.settings)}`;
    const cached = this.cache.get(tenant.tenantId);
    if (cached?.version === version) return cached.runtime;
    const settings = settingsForTenant(this.base.settings, tenant.settings);
    const runtime = this.create({
      settings,
      store: this.base.registry.tenantStore(tenant.tenantId),
      source: this.source(tenant, settings),
      log: prefixed(this.base.log, `[tenant ${tenant.displayName}]`),
      now: this.base.now,
      base: this.base,
    });
    this.cache.set(tenant.tenantId, { version, runtime });
    return runtime;
  }

  /**
   * The runtime a `tenant` parameter names (history, overview, CLI `--tenant`): none or the deployment's own
   * tenant id → the deployment's runtime; a registered tenant's id → its runtime. A value that is no GUID, or
   * a tenant not registered, is a TenantInputError naming the parameter.
   */
  async select(tenant: string | undefined, field = 'tenant'): Promise<Runtime> {
    if (tenant === undefined || tenant === '') return this.base;
    const id = parseTenantId(tenant, field);
    if (id === this.base.source.tenant.tenantId.toLowerCase()) return this.base;
    const record = await this.base.registry.get(id);
    if (!record) throw new TenantInputError([`${field}: ${id} is neither this deployment's tenant nor a registered one (tenants list)`]);
    return this.forTenant(record);
  }

  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }
}
