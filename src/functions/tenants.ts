// HTTP: the tenants registry (issue 20), admin key only (authLevel admin: the host's master key, not a function
// key — this changes what the deployment reads and whom it mails).
//   GET    /api/tenants                 every tenant: the deployment's own (default: true) and the registered ones
//   GET    /api/tenants/{id}            one registered tenant
//   PUT    /api/tenants/{id}            adds or updates it (body: displayName, enabled, settings); a tenant
//                                       newly enabled gets its first collection queued (a `cycle` message)
//   DELETE /api/tenants/{id}[?purge=true] removes it (purge: its tables too)
//   POST   /api/tenants/{id}/test       reads a little of its Graph: consent and permissions
// Bad input is a 400 naming the field; an unknown tenant a 404.
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { queueFirstCollection } from '../app/fanout.js';
import { getRuntime } from '../app/provider.js';
import { testTenant } from '../app/tenant-probe.js';
import { tenantSettingsProblems } from '../app/tenants.js';
import { TenantInputError, parseTenantId, parseTenantInput } from '../core/tenants.js';
import { registerHttp } from './lib/registry.js';

function error(status: number, problems: string[]): HttpResponseInit {
  const code = status === 404 ? 'NotFound' : status === 409 ? 'Conflict' : 'BadRequest';
  return { status, headers: { 'cache-control': 'no-store' }, jsonBody: { error: { code, message: problems.join('; '), details: problems } } };
}

const ok = (status: number, jsonBody: unknown): HttpResponseInit => ({ status, headers: { 'cache-control': 'no-store' }, jsonBody });

 
export async function tenants(request: HttpRequest): Promise<HttpResponseInit> {
  const rt = await getRuntime();
  const raw = request.params.id;
  const action = request.params.action;
  try {
    if (raw === undefined) {
      if (request.method !== 'GET') return error(405, ['method: GET /api/tenants lists; PUT /api/tenants/{id} adds one']);
      const own = rt.source.tenant;
      const registered = await rt.registry.list();
      return ok(200, { items: [{ tenantId: own.tenantId, displayName: own.displayName ?? own.tenantId, enabled: true, default: true, settings: {} }, ...registered.map((t) => ({ ...t, default: false }))], count: registered.length + 1 });
    }
    const id = parseTenantId(raw, 'id');
    if (action !== undefined) {
      if (action !== 'test' || request.method !== 'POST') return error(404, [`no action '${action.slice(0, 40)}' (POST /api/tenants/{id}/test)`]);
      const tenant = await rt.registry.get(id);
      if (!tenant) return error(404, [`id: no registered tenant ${id}`]);
      return ok(200, await testTenant(rt.tenants.forTenant(tenant), id));
    }
    if (request.method === 'GET') {
      const tenant = await rt.registry.get(id);
      return tenant ? ok(200, tenant) : error(404, [`id: no registered tenant ${id}`]);
    }
    if (request.method === 'DELETE') {
      const purge = request.query.get('purge');
      if (purge !== null && purge !== 'true' && purge !== 'false') return error(400, ['purge: expected true or false']);
      const removed = await rt.registry.remove(id, purge === 'true');
      if (removed) rt.tenants.forget(id);
      return removed ? { status: 204, headers: { 'cache-control': 'no-store' } } : error(404, [`id: no registered tenant ${id}`]);
    }
    let body: unknown;
    try {
      body = JSON.parse((await request.text()) || '{}');
    } catch {
      return error(400, ['body: expected a JSON object with displayName, enabled and settings']);
    }
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      if (b.tenantId !== undefined && String(b.tenantId).toLowerCase() !== id) return error(400, [`tenantId: the body names ${String(b.tenantId).slice(0, 64)}, the path ${id}`]);
      b.tenantId = id;
    }
    const input = parseTenantInput(body, tenantSettingsProblems);
    if (input.tenantId === rt.source.tenant.tenantId.toLowerCase()) return error(409, [`tenantId: ${id} is the deployment's own tenant, monitored with the app settings; it is not registered`]);
    const { tenant, previous } = await rt.registry.put(input, rt.now().toISOString());
    const status = previous ? 200 : 201;
    // Newly watched (added enabled, or enabled again): its first collection now.
    if (!tenant.enabled || previous?.enabled) return ok(status, tenant);
    return ok(status, { ...tenant, firstCollection: await queueFirstCollection(rt, tenant.tenantId) });
  } catch (e) {
    if (e instanceof TenantInputError) return error(400, e.problems);
    throw e;
  }
}

registerHttp('tenants', { methods: ['GET', 'PUT', 'DELETE', 'POST'], route: 'tenants/{id?}/{action?}', authLevel: 'admin', handler: tenants });
