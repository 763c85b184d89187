// Many tenants on one simulator (issue 20): the bearer token picks the tenant; each tenant has its own data,
// throttling budgets (Graph's are per app per tenant), faults, consent and audit log; the clock is shared.
import { afterEach, describe, expect, it } from 'vitest';
import type { TenantFixture } from '../../devkit/fixture/format.js';
import { parseTenantFixture } from '../../devkit/fixture/format.js';
import { readFixture, demoFixturePath } from '../../devkit/fixture/load.js';
import type { GraphSimulator, GraphSimulatorOptions } from '../../devkit/simulator/graph-simulator.js';
import { DEFAULT_SIMULATOR_TOKEN, startGraphSimulator } from '../../devkit/simulator/graph-simulator.js';
import { ID, NOW, richFixture } from './helpers.js';

const A = '3f1c6a52-7d0e-4b8e-9a51-0c2d7e6f1a01';
const B = '8b2e4c19-55aa-4f3d-b0c7-1e9d2a3b4c02';
const C = 'c7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e03';

function tenantB(): TenantFixture {
  return parseTenantFixture({
    version: 1,
    tenantId: B,
    displayName: 'Fabrikam (test)',
    users: [{ id: '00000000-0000-4000-8000-0000000000b1', displayName: 'Only User', userPrincipalName: 'only@fabrikam.test', accountEnabled: true, userType: 'Member' }],
    conditionalAccessPolicies: [],
  });
}

const started: GraphSimulator[] = [];
async function start(options: Partial<GraphSimulatorOptions> = {}): Promise<GraphSimulator> {
  const sim = await startGraphSimulator({
    tenants: [
      { tenantId: A, fixture: richFixture() },
      { tenantId: B, fixture: tenantB() },
    ],
    now: () => NOW,
    ...options,
  });
  started.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

interface Reply {
  status: number;
  headers: Headers;
  body: { value?: Array<Record<string, unknown>>; error?: { code: string; message: string } } & Record<string, unknown>;
}

async function call(sim: GraphSimulator, token: string | null, path: string, init: RequestInit = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(init.body ? { 'content-type': 'application/json' } : {}) };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${sim.url}${path}`, { ...init, headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
}
const get = (sim: GraphSimulator, tenantId: string, path: string): Promise<Reply> => call(sim, sim.tokenFor(tenantId), path);
const usersOf = async (sim: GraphSimulator, tenantId: string): Promise<string[]> => {
  const reply = await get(sim, tenantId, '/v1.0/users?$select=id,displayName&$top=999');
  expect(reply.status).toBe(200);
  return (reply.body.value ?? []).map((u) => String(u.displayName));
};

describe('simulator: many tenants on one server', () => {
  it('serves each tenant its own data, picked by the bearer token', async () => {
    const sim = await start();
    expect(sim.tenantIds()).toEqual([A, B]);
    expect(sim.tokenFor(A)).not.toBe(sim.tokenFor(B));
    expect(sim.token).toBe(sim.tokenFor(A));
    const a = await usersOf(sim, A);
    const b = await usersOf(sim, B);
    expect(a).toContain('Alice Admin');
    expect(a).toHaveLength(254);
    expect(b).toEqual(['Only User']);
    // Tenant ids compare case-insensitively, as Entra's do.
    expect(sim.tokenFor(A.toUpperCase())).toBe(sim.tokenFor(A));
    expect(() => sim.tokenFor(C)).toThrow(/does not serve the tenant/);
  });

  it('keeps today\'s single-tenant form: `fixture` is the default tenant with the default token', async () => {
    const sim = await startGraphSimulator({ fixture: richFixture(), now: () => NOW });
    started.push(sim);
    expect(sim.token).toBe(DEFAULT_SIMULATOR_TOKEN);
    expect(sim.tokenFor('contoso-test')).toBe(DEFAULT_SIMULATOR_TOKEN);
    expect(sim.tenantIds()).toEqual(['contoso-test']);
    expect((await call(sim, DEFAULT_SIMULATOR_TOKEN, '/v1.0/users?$top=1')).status).toBe(200);
  });

  it('answers 401 InvalidAuthenticationToken for a missing, unknown or removed tenant token', async () => {
    const sim = await start();
    const missing = await call(sim, null, '/v1.0/users');
    expect(missing.status).toBe(401);
    expect(missing.body.error?.code).toBe('InvalidAuthenticationToken');
    const unknown = await call(sim, 'someone-elses-token', '/v1.0/users');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error?.code).toBe('InvalidAuthenticationToken');
    expect(unknown.body.error).toHaveProperty('innerError');
    const tokenB = sim.tokenFor(B);
    sim.removeTenant(B);
    expect((await call(sim, tokenB, '/v1.0/users')).status).toBe(401);
    expect((await get(sim, A, '/v1.0/users?$top=1')).status).toBe(200);
    expect(sim.stats().byStatus['401']).toBe(3);
  });

  it('gives every tenant its own throttling budget: throttling one leaves the other untouched', async () => {
    const sim = await start({ throttle: { timeScale: 1 } });
    // Conditional Access: 1 request per second per app per tenant.
    expect((await get(sim, A, '/v1.0/identity/conditionalAccess/policies')).status).toBe(200);
    const second = await get(sim, A, '/v1.0/identity/conditionalAccess/policies');
    expect(second.status).toBe(429);
    expect((await get(sim, B, '/v1.0/identity/conditionalAccess/policies')).status).toBe(200);
    // Reports: 5 requests per 10 s; tenant A uses all of its budget, tenant B still has all of its own.
    for (let i = 0; i < 5; i++) expect((await get(sim, A, '/beta/reports/authenticationMethods/userRegistrationDetails?$top=1')).status).toBe(200);
    const over = await get(sim, A, '/beta/reports/authenticationMethods/userRegistrationDetails?$top=1');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect((await get(sim, B, '/beta/reports/authenticationMethods/userRegistrationDetails?$top=1')).status).toBe(200);
    expect(sim.stats(A).throttledByClass).toMatchObject({ conditionalAccess: 1, reports: 1 });
    expect(sim.stats(B).throttled429).toBe(0);
    expect(sim.stats().throttled429).toBe(2);
  });

  it('answers 403 Authorization_RequestDenied on every call for a tenant without consent, the others unaffected', async () => {
    const sim = await start({ tenants: [{ tenantId: A, fixture: richFixture() }, { tenantId: C, fixture: tenantB(), consent: false }] });
    for (const path of ['/v1.0/users', '/beta/roleManagement/directory/roleDefinitions', '/v1.0/identity/conditionalAccess/policies']) {
      const reply = await get(sim, C, path);
      expect(reply.status).toBe(403);
      expect(reply.body.error?.code).toBe('Authorization_RequestDenied');
    }
    const batch = await call(sim, sim.tokenFor(C), '/v1.0/$batch', { method: 'POST', body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/users' }] }) });
    expect(batch.status).toBe(403);
    expect((await get(sim, A, '/v1.0/users?$top=1')).status).toBe(200);
    // The tenant's fixture keeps its own id under the spec's tenant id, and consent can be granted later.
    sim.setConsent(true, C);
    expect(await usersOf(sim, C)).toEqual(['Only User']);
  });

  it('expresses a tenant that answers only 429 (with Retry-After) by its own fault rules', async () => {
    const sim = await start({ tenants: [{ tenantId: A, fixture: richFixture() }, { tenantId: C, fixture: tenantB(), faults: [{ kind: 'throttle429', retryAfterSeconds: 7 }] }] });
    for (const path of ['/v1.0/users', '/beta/reports/authenticationMethods/userRegistrationDetails', '/v1.0/identity/conditionalAccess/policies']) {
      const reply = await get(sim, C, path);
      expect(reply.status).toBe(429);
      expect(reply.body.error?.code).toBe('TooManyRequests');
      expect(reply.headers.get('retry-after')).toBe('7');
    }
    const batch = await call(sim, sim.tokenFor(C), '/v1.0/$batch', { method: 'POST', body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/users' }] }) });
    expect(batch.status).toBe(429);
    expect((await get(sim, A, '/v1.0/users?$top=1')).status).toBe(200);
    expect(sim.stats(C).throttled429).toBe(4);
    expect(sim.stats(A).throttled429).toBe(0);
  });

  it('hangs a tenant (the client times out) while the others answer at once; close() ends the hung request', async () => {
    const sim = await start({ tenants: [{ tenantId: A, fixture: richFixture() }, { tenantId: C, fixture: tenantB(), faults: [{ kind: 'hang' }] }] });
    const hung = fetch(`${sim.url}/v1.0/users`, { headers: { authorization: `Bearer ${sim.tokenFor(C)}` }, signal: AbortSignal.timeout(400) });
    const meanwhile = await get(sim, A, '/v1.0/users?$top=1');
    expect(meanwhile.status).toBe(200);
    await expect(hung).rejects.toThrow(/timeout|aborted/i);
    // A hang inside a $batch hangs the batch; a request still hanging when the simulator closes does not keep it open.
    const batch = fetch(`${sim.url}/v1.0/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.tokenFor(C)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/users' }] }),
    });
    const outcome = batch.then(
      () => 'answered',
      () => 'closed',
    );
    await new Promise((r) => setTimeout(r, 100));
    await sim.close();
    expect(await outcome).toBe('closed');
    // `times` makes a tenant hang for its first requests only.
    const sim2 = await start();
    sim2.setFaults([{ kind: 'hang', times: 1 }], B);
    await expect(fetch(`${sim2.url}/v1.0/users`, { headers: { authorization: `Bearer ${sim2.tokenFor(B)}` }, signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect((await get(sim2, B, '/v1.0/users')).status).toBe(200);
    // A hung request is counted as hung once its client has gone, never as an answer.
    await expect.poll(() => sim2.stats(B).hung).toBe(1);
    expect(sim2.stats(B).byStatus).toEqual({ '200': 1 });
    expect(sim2.stats(A).hung).toBe(0);
  });

  it('setFaults without a tenant applies to every tenant; with one, to that tenant only', async () => {
    const sim = await start();
    sim.setFaults([{ kind: 'status503', endpoint: 'users' }]);
    expect((await get(sim, A, '/v1.0/users')).status).toBe(503);
    expect((await get(sim, B, '/v1.0/users')).status).toBe(503);
    sim.setFaults([], B);
    expect((await get(sim, A, '/v1.0/users')).status).toBe(503);
    expect((await get(sim, B, '/v1.0/users')).status).toBe(200);
  });

  it('keeps an audit log per tenant; the control endpoints take the tenant from ?tenant= or the token', async () => {
    const sim = await start();
    const audits = async (tenantId: string): Promise<string[]> => {
      const reply = await get(sim, tenantId, '/v1.0/auditLogs/directoryAudits?$filter=activityDateTime ge 2026-01-01T00:00:00Z&$top=999');
      expect(reply.status).toBe(200);
      return (reply.body.value ?? []).map((e) => String(e.activityDisplayName));
    };
    const beforeA = await audits(A);
    const beforeB = await audits(B);
    const deltaLink = async (tenantId: string): Promise<string> => String((await get(sim, tenantId, '/v1.0/users/delta?$select=id,displayName&$deltatoken=latest')).body['@odata.deltaLink']).replace(sim.url, '');
    const linkA = await deltaLink(A);
    const linkB = await deltaLink(B);
    // Edits of tenant A through B's token and ?tenant=A: A changes, B does not.
    const edit = await call(sim, sim.tokenFor(B), `/_simulator/edits?tenant=${A}`, { method: 'POST', body: JSON.stringify([{ op: 'updateUser', userId: ID.bob, set: { displayName: 'Robert' } }]) });
    expect(edit.status).toBe(200);
    expect(edit.body.tenantId).toBe(A);
    sim.setNow(new Date(NOW.getTime() + 3_600_000));
    expect((await audits(A)).length).toBe(beforeA.length + 1);
    expect(await audits(B)).toEqual(beforeB);
    expect(await usersOf(sim, A)).toContain('Robert');
    // The delta change log is per tenant too.
    expect((await get(sim, A, linkA)).body.value).toEqual([{ id: ID.bob, displayName: 'Robert' }]);
    expect((await get(sim, B, linkB)).body.value).toEqual([]);
    // Faults by control endpoint: the token's tenant by default, `*` for every tenant.
    expect((await call(sim, sim.tokenFor(B), '/_simulator/faults', { method: 'PUT', body: JSON.stringify([{ kind: 'notFound404', endpoint: 'users' }]) })).status).toBe(200);
    expect((await get(sim, B, '/v1.0/users')).status).toBe(404);
    expect((await get(sim, A, '/v1.0/users')).status).toBe(200);
    expect((await call(sim, sim.tokenFor(A), '/_simulator/faults?tenant=*', { method: 'PUT', body: '[]' })).status).toBe(200);
    expect((await get(sim, B, '/v1.0/users')).status).toBe(200);
    expect((await call(sim, sim.tokenFor(A), `/_simulator/faults?tenant=${C}`)).status).toBe(404);
    // The clock is shared by every tenant.
    const clock = await call(sim, sim.tokenFor(B), '/_simulator/clock', { method: 'PUT', body: JSON.stringify({ now: '2026-07-01T00:00:00Z' }) });
    expect(clock.body.now).toBe('2026-07-01T00:00:00.000Z');
    expect(sim.now().toISOString()).toBe('2026-07-01T00:00:00.000Z');
    const listed = await call(sim, sim.tokenFor(A), '/_simulator/tenants');
    expect(listed.body.value).toEqual([
      { tenantId: A, consent: true },
      { tenantId: B, consent: true },
    ]);
  });

  it('names the tenant when it is ambiguous or unknown, and refuses a tenant given twice', async () => {
    const sim = await start();
    expect(() => sim.setFixture(tenantB())).toThrow(/serves 2 tenants: name the tenant/);
    expect(() => sim.edit([], C)).toThrow(/does not serve the tenant/);
    await expect(startGraphSimulator({ tenants: [{ tenantId: A, fixture: richFixture() }, { tenantId: A.toUpperCase(), fixture: tenantB() }] })).rejects.toThrow(/given twice/);
    await expect(startGraphSimulator({})).rejects.toThrow(/a fixture or at least one entry in tenants/);
    sim.addTenant({ tenantId: C, fixture: readFixture(demoFixturePath(), () => undefined) });
    expect((await get(sim, C, '/v1.0/users?$top=1')).status).toBe(200);
  });
});
