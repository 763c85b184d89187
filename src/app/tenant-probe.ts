// `tenants test` and POST /api/tenants/{id}/test: can the deployment read this tenant? A few cheap reads, one
// per permission the collectors lean on most, on the tenant's own runtime (its identity, its budgets). A 403
// on every read is a tenant without consent: the answer names the admin consent URL to send its admin.
import { toGraphError } from '../graph/gateway.js';
import type { Runtime } from './runtime.js';

export interface ProbeResult {
  permission: string;
  path: string;
  status: 'ok' | 'forbidden' | 'failed';
  message?: string;
}

export interface TenantTest {
  tenantId: string;
  /** ok: every read answered; noConsent: every read was refused (403); partial: some permissions missing; failed: Graph could not be reached. */
  verdict: 'ok' | 'noConsent' | 'partial' | 'failed';
  probes: ProbeResult[];
  /** Where the tenant's admin grants consent to the multi-tenant app (docs/tenants.md). */
  adminConsentUrl?: string;
}

/** One cheap read per permission (paths from src/graph/endpoints.ts, the first page only). */
export const PROBES: ReadonlyArray<{ permission: string; path: string }> = [
  { permission: 'RoleManagement.Read.Directory', path: '/roleManagement/directory/roleDefinitions?$select=id' },
  { permission: 'Policy.Read.All', path: '/identity/conditionalAccess/policies?$select=id' },
  { permission: 'User.Read.All', path: '/users?$top=1&$select=id' },
  { permission: 'GroupMember.Read.All', path: '/groups?$top=1&$select=id' },
  { permission: 'AuditLog.Read.All', path: '/auditLogs/directoryAudits?$top=1' },
];

export function adminConsentUrl(tenantId: string, clientId: string): string {
  return `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/adminconsent?client_id=${encodeURIComponent(clientId)}`;
}

/** The verdict of the probes (pure). */
export function probeVerdict(probes: readonly ProbeResult[]): TenantTest['verdict'] {
  if (probes.every((p) => p.status === 'ok')) return 'ok';
  if (probes.every((p) => p.status === 'forbidden')) return 'noConsent';
  if (probes.some((p) => p.status === 'forbidden') && probes.every((p) => p.status !== 'failed')) return 'partial';
  return 'failed';
}

export async function testTenant(rt: Runtime, tenantId: string): Promise<TenantTest> {
  const probes: ProbeResult[] = [];
  for (const probe of PROBES) {
    try {
      await rt.graph.get(probe.path);
      probes.push({ ...probe, status: 'ok' });
    } catch (error) {
      const e = toGraphError(error, 'probe');
      probes.push({ ...probe, status: e.isForbidden || e.status === 401 ? 'forbidden' : 'failed', message: e.message.slice(0, 300) });
    }
  }
  const verdict = probeVerdict(probes);
  const clientId = rt.settings.tenants.clientId;
  return { tenantId, verdict, probes, ...(verdict !== 'ok' && clientId ? { adminConsentUrl: adminConsentUrl(tenantId, clientId) } : {}) };
}
