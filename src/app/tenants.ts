// The tenants registry (issue 20): the tenants a deployment watches besides its own, in the deployment's
// `<prefix>tenants` table (partition `tenant`, row key the tenant id). The deployment's own tenant (the one
// its identity belongs to) is not in it: it keeps today's tables and timers unchanged (docs/tenants.md).
import { odata } from '@azure/data-tables';
import { type TenantInput, type TenantRecord, type TenantSettingName, type TenantSettings, TENANT_SETTING_NAMES, tenantTablePrefix } from '../core/tenants.js';
import { TABLES, type TableStore } from '../storage/tables.js';
import { type Settings, SettingsError, loadSettings } from './settings.js';

const PARTITION = 'tenant';

/** The problems with a tenant's own settings, each naming the setting (validated like the app setting). */
export function tenantSettingsProblems(settings: TenantSettings): string[] {
  try {
    // ALERT_SENDER is the deployment's; a placeholder keeps "recipients need a sender" out of the tenant's problems.
    loadSettings({ ...settings, ALERT_SENDER: 'sender@example.com' });
    return [];
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
}

/** The deployment's settings with a tenant's own values in their place. */
export function settingsForTenant(base: Settings, own: TenantSettings): Settings {
  const keys = Object.keys(own) as TenantSettingName[];
  if (keys.length === 0) return base;
  const parsed = loadSettings({ ...own, ALERT_SENDER: 'sender@example.com' });
  const has = (k: TenantSettingName) => own[k] !== undefined;
  return {
    ...base,
    ...(has('MONITOR_ADMIN_ROLES') ? { adminRoles: parsed.adminRoles } : {}),
    ...(has('MONITOR_EXCLUDED_ACCOUNTS') ? { excludedAccounts: parsed.excludedAccounts } : {}),
    ...(has('ALERT_RECIPIENTS') ? { alertRecipients: parsed.alertRecipients } : {}),
    schedules: {
      changefeed: has('SCHEDULE_CHANGEFEED') ? parsed.schedules.changefeed : base.schedules.changefeed,
      roles: has('SCHEDULE_ROLES') ? parsed.schedules.roles : base.schedules.roles,
      policies: has('SCHEDULE_POLICIES') ? parsed.schedules.policies : base.schedules.policies,
      activations: has('SCHEDULE_ACTIVATIONS') ? parsed.schedules.activations : base.schedules.activations,
      signins: has('SCHEDULE_SIGNINS') ? parsed.schedules.signins : base.schedules.signins,
      secureScore: has('SCHEDULE_SECURE_SCORE') ? parsed.schedules.secureScore : base.schedules.secureScore,
      evaluate: has('SCHEDULE_EVALUATE') ? parsed.schedules.evaluate : base.schedules.evaluate,
    },
  };
}

function fromEntity(e: Record<string, unknown>): TenantRecord {
  let settings: TenantSettings = {};
  try {
    const raw = JSON.parse(String(e.settings ?? '{}')) as Record<string, unknown>;
    settings = Object.fromEntries(Object.entries(raw).filter(([k, v]) => (TENANT_SETTING_NAMES as readonly string[]).includes(k) && typeof v === 'string')) as TenantSettings;
  } catch {
    // unreadable settings: the deployment's apply
  }
  return {
    tenantId: String(e.rowKey),
    displayName: String(e.displayName ?? e.rowKey),
    enabled: e.enabled !== false,
    settings,
    addedAt: String(e.addedAt ?? ''),
    updatedAt: String(e.updatedAt ?? ''),
  };
}

export class TenantRegistry {
  constructor(readonly store: TableStore) {}

  async list(): Promise<TenantRecord[]> {
    const out: TenantRecord[] = [];
    try {
      for await (const e of this.store.client('tenants').listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` } })) out.push(fromEntity(e));
    } catch (error) {
      // No registry table yet (a deployment that never registered a tenant): no tenants.
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
    return out.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.tenantId.localeCompare(b.tenantId));
  }

  async get(tenantId: string): Promise<TenantRecord | undefined> {
    const e = await this.store.get('tenants', PARTITION, tenantId);
    return e ? fromEntity(e) : undefined;
  }

  /** Adds or updates a tenant (its first `addedAt` is kept); its tables are created. `previous`: the record it replaced. */
  async put(input: TenantInput, now: string): Promise<{ tenant: TenantRecord; previous: TenantRecord | undefined }> {
    const existing = await this.get(input.tenantId);
    const tenant: TenantRecord = { ...input, addedAt: existing?.addedAt || now, updatedAt: now };
    await this.store.ensureTables(['tenants']);
    await this.tenantStore(tenant.tenantId).ensureTables();
    await this.store.write('tenants', [
      { partitionKey: PARTITION, rowKey: tenant.tenantId, displayName: tenant.displayName, enabled: tenant.enabled, settings: JSON.stringify(tenant.settings), addedAt: tenant.addedAt, updatedAt: tenant.updatedAt, tablePrefix: tenantTablePrefix(this.store.prefix, tenant.tenantId) },
    ]);
    return { tenant, previous: existing };
  }

  /** Removes a tenant from the registry; `purge` also deletes its tables (its history). */
  async remove(tenantId: string, purge = false): Promise<boolean> {
    const existing = await this.get(tenantId);
    if (!existing) return false;
    await this.store.write('tenants', [], [{ partitionKey: PARTITION, rowKey: tenantId }]);
    if (purge) {
      const store = this.tenantStore(tenantId);
      await Promise.all(TABLES.map((t) => store.client(t).deleteTable()));
    }
    return true;
  }

  /** A registered tenant's tables (its own prefix on the deployment's storage). */
  tenantStore(tenantId: string): TableStore {
    return this.store.withPrefix(tenantTablePrefix(this.store.prefix, tenantId));
  }
}
