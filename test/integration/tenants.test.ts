// Many tenants, one deployment (issue 20), end to end on the local host: the tenants admin API, the fan-out
// over Azurite's queue service, the queue triggers with the Functions runtime's semantics (dequeue count,
// poison queue), per-tenant tables and budgets, a duplicated message, a poison message, a tenant without
// consent and a tenant removed while its message is in flight — each touching that tenant only.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Host, startHost } from '../../devkit/host/host.js';
import { silentLogger } from '../../src/app/logger.js';
import { fanOut, workMessage } from '../../src/app/fanout.js';
import { sendMspDigest } from '../../src/app/msp-digest.js';
import { latestRuns } from '../../src/collect/runs.js';
import { decodeJson } from '../../src/storage/codec.js';
import type { WorkStep } from '../../src/core/tenants.js';
import { tenantTablePrefix } from '../../src/core/tenants.js';
import type { TableStore } from '../../src/storage/tables.js';
import { tempDir } from '../helpers/environment.js';
import { baseTenant, clone } from '../helpers/tenant.js';

const A = 'aaaaaaaa-1111-4000-8000-00000000000a';
const B = 'bbbbbbbb-2222-4000-8000-00000000000b';
const C = 'cccccccc-3333-4000-8000-00000000000c';

let host: Host;
let dataDir: string;
let slot = 0;

function fixtureFor(tenantId: string, name: string) {
  const f = clone(baseTenant({ signIns: 3 }));
  f.tenantId = tenantId;
  f.displayName = name;
  return f;
}

async function api(method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const [id, action] = route.split('/');
  const result = await host.invokeHttp('tenants', {
    method,
    url: `http://127.0.0.1/api/tenants${route ? `/${route}` : ''}`,
    params: { ...(id ? { id } : {}), ...(action ? { action } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: result.status, json: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {} };
}

/** Enqueues steps for tenants in one new slot and lets the queue triggers run them. */
async function run(tenants: string[], steps: WorkStep[]): Promise<void> {
  const at = `2026-01-01T00:${String(slot++).padStart(2, '0')}:00.000Z`;
  const queue = host.runtime.workQueue();
  for (const t of tenants) for (const s of steps) await queue.send(workMessage(t, s, at, new Date()));
  expect(await host.queues?.drain(120_000)).toBe(true);
}

function storeOf(tenantId: string): TableStore {
  return host.runtime.registry.tenantStore(tenantId);
}

async function count(store: TableStore, table: 'findings' | 'outbox' | 'runs', partition: string): Promise<number> {
  let n = 0;
  for await (const _ of store.partition(table, partition)) n++;
  return n;
}

beforeAll(async () => {
  dataDir = tempDir();
  const own = path.join(dataDir, 'own.json');
  writeFileSync(own, JSON.stringify(baseTenant({ signIns: 3 })));
  host = await startHost({
    env: { ALERT_RECIPIENTS: 'secops@contoso.test', ALERT_SENDER: 'DoNotReply@contoso.test', MSP_DIGEST_RECIPIENTS: 'noc@msp.test', GRAPH_MAX_RETRIES: '1', GRAPH_TIMEOUT_SECONDS: '2' },
    tenantFile: own,
    dataDir,
    ephemeral: true,
    serve: false,
    tenants: [
      { tenantId: A, fixture: fixtureFor(A, 'Alpha Ltd') },
      { tenantId: B, fixture: fixtureFor(B, 'Beta GmbH') },
      { tenantId: C, fixture: fixtureFor(C, 'Gamma SA'), consent: false },
    ],
    queueSemantics: { visibilityTimeoutSeconds: 0 },
    log: silentLogger,
  });
  expect(host.queues, 'the embedded Azurite serves queues').toBeDefined();
}, 60_000);

afterAll(async () => {
  await host?.stop();
});

describe('tenants admin API', () => {
  it('refuses a tenant id that is not a GUID, naming the field', async () => {
    const r = await api('PUT', 'not-a-guid', { displayName: 'x' });
    expect(r.status).toBe(400);
    expect(String((r.json.error as { message: string }).message)).toMatch(/^id: expected the tenant's directory id \(a GUID/);
  });

  it('refuses settings a tenant may not set and bad values, naming each', async () => {
    const r = await api('PUT', A, { displayName: 'Alpha', settings: { GRAPH_BASE_URL: 'https://x', ALERT_RECIPIENTS: 'not-an-address' } });
    expect(r.status).toBe(400);
    const details = (r.json.error as { details: string[] }).details;
    expect(details.join('\n')).toMatch(/settings\.GRAPH_BASE_URL: not a per-tenant setting/);
  });

  it('registers tenants with their own settings and lists them beside the deployment\'s own', async () => {
    const added = await api('PUT', A, { displayName: 'Alpha Ltd', settings: { ALERT_RECIPIENTS: 'soc@alpha.test' } });
    expect(added.status).toBe(201);
    expect(added.json.firstCollection).toMatchObject({ queued: true, workId: expect.stringContaining(`|cycle|${A}`) });
    expect((await api('PUT', B, { displayName: 'Beta GmbH' })).status).toBe(201);
    expect((await api('PUT', C, { displayName: 'Gamma SA' })).status).toBe(201);
    const updated = await api('PUT', B, { displayName: 'Beta GmbH', enabled: true });
    expect(updated.status).toBe(200);
    // Already watched: no second first collection.
    expect(updated.json.firstCollection).toBeUndefined();
    const list = await api('GET', '');
    const items = list.json.items as Array<{ tenantId: string; default: boolean }>;
    expect(items.map((i) => i.tenantId)).toEqual([expect.any(String), A, B, C]);
    expect(items[0]?.default).toBe(true);
    expect(tenantTablePrefix(host.runtime.settings.tablePrefix, A)).toMatch(/^[A-Za-z][A-Za-z0-9]{1,51}$/);
  });

  it('a newly registered tenant is collected and evaluated at once: its one cycle message runs every collector, then the evaluation', async () => {
    expect(await host.queues?.drain(120_000)).toBe(true);
    for (const t of [A, B]) {
      const runs = await latestRuns(storeOf(t));
      for (const step of ['roles', 'policies', 'signins', 'activations', 'securescore', 'evaluate'] as const) {
        expect(runs[step]?.status, `${t} ${step}`).toBe('succeeded');
        expect(runs[step]?.trigger, `${t} ${step}`).toBe('queue (delivery 1)');
      }
      expect((runs.evaluate?.startedAt ?? '') >= (runs.roles?.endedAt ?? 'z'), t).toBe(true);
    }
    // Without consent the cycle fails on 403s, which no retry mends: it is done, not retried or dead-lettered.
    expect((await latestRuns(storeOf(C))).roles?.status).toBe('failed');
    expect(await count(storeOf(C), 'runs', 'run')).toBeGreaterThan(0);
  });

  it('registers a tenant even when its first collection cannot be queued, and says so', async () => {
    const E = 'eeeeeeee-5555-4000-8000-00000000000e';
    const workQueue = host.runtime.workQueue;
    host.runtime.workQueue = () => ({ send: () => Promise.reject(new Error('queue service unavailable')) }) as unknown as ReturnType<typeof workQueue>;
    try {
      const r = await api('PUT', E, { displayName: 'Epsilon' });
      expect(r.status).toBe(201);
      expect(r.json.firstCollection).toEqual({ queued: false, detail: 'not queued (queue service unavailable); its schedules collect it' });
    } finally {
      host.runtime.workQueue = workQueue;
    }
    expect((await api('GET', E)).status).toBe(200);
    expect((await api('DELETE', E)).status).toBe(204);
  });

  it('tests a tenant: consented reads answer, a tenant without consent is told with the consent URL', async () => {
    const ok = await api('POST', `${A}/test`);
    expect(ok.json.verdict).toBe('ok');
    const none = await api('POST', `${C}/test`);
    expect(none.json.verdict).toBe('noConsent');
  });
});

describe('fan-out over the queue', () => {
  it('collects and evaluates each tenant in its own tables; the deployment\'s own tenant is untouched', async () => {
    await run([A, B, C], ['roles', 'policies']);
    await run([A, B, C], ['evaluate']);
    for (const t of [A, B]) {
      const runs = await latestRuns(storeOf(t));
      expect(runs.roles?.status, t).toBe('succeeded');
      expect(runs.evaluate?.status, t).toBeDefined();
      expect(await count(storeOf(t), 'findings', 'open'), t).toBeGreaterThan(0);
    }
    expect(Object.keys(await latestRuns(host.runtime.store))).toEqual([]);
    // Each tenant's digest goes to its own recipients (Alpha's own setting; Beta the deployment's).
    const recipients = async (t: string) => {
      const out: string[] = [];
      for await (const e of storeOf(t).partition('outbox', 'alert')) out.push(...(decodeJson<{ recipients: string[]; status: string }>(e, 'm')?.recipients ?? []));
      return [...new Set(out)];
    };
    expect(await recipients(A)).toEqual(['soc@alpha.test']);
    expect(await recipients(B)).toEqual(['secops@contoso.test']);
  });

  it('a tenant without consent (403 everywhere) gets its own monitor-unhealthy finding and is not retried', async () => {
    const runs = await latestRuns(storeOf(C));
    expect(runs.roles?.status).toBe('failed');
    expect(runs.roles?.trigger).toBe('queue (delivery 1)');
    const open: string[] = [];
    for await (const f of storeOf(C).partition('findings', 'open')) open.push(String(f.type));
    expect(open).toContain('monitor-unhealthy');
    const others: string[] = [];
    for await (const f of storeOf(A).partition('findings', 'open')) others.push(`${String(f.type)}:${String(f.subjectId)}`);
    expect(others.filter((f) => f.startsWith('monitor-unhealthy:roles'))).toEqual([]);
  });

  it('a duplicated message does its work once: no second run, history or alert', async () => {
    const at = '2026-01-02T00:00:00.000Z';
    const message = workMessage(A, 'evaluate', at, new Date());
    const before = { runs: await count(storeOf(A), 'runs', 'run'), outbox: await count(storeOf(A), 'outbox', 'alert'), history: await count(storeOf(A), 'findings', 'all') };
    await host.runtime.workQueue().send(message);
    await host.runtime.workQueue().send(message);
    expect(await host.queues?.drain(60_000)).toBe(true);
    expect(await count(storeOf(A), 'runs', 'run')).toBe(before.runs + 1);
    // A new evaluation of an unchanged tenant (a later slot) writes no history and sends nothing new either.
    await run([A], ['evaluate']);
    expect(await count(storeOf(A), 'outbox', 'alert')).toBe(before.outbox);
    expect(await count(storeOf(A), 'findings', 'all')).toBe(before.history);
  });

  it('work that fails on every delivery goes to the poison queue and becomes a finding of that tenant only', async () => {
    host.simulator?.setFaults([{ kind: 'status503' }], B);
    await run([B], ['roles']);
    host.simulator?.setFaults([], B);
    const findings = async (t: string) => {
      const types: string[] = [];
      for await (const f of storeOf(t).partition('findings', 'event')) types.push(String(f.type));
      return types;
    };
    expect(await findings(B)).toContain('tenant-work-dead-lettered');
    expect(await findings(A)).not.toContain('tenant-work-dead-lettered');
    const poison = host.runtime.workQueue().client.name + '-poison';
    expect((await host.queues?.pending()) ?? 0).toBe(0);
    expect(poison).toMatch(/-poison$/);
  });

  it('the overview shows every tenant with its own counts, escaped, sortable', async () => {
    const D = 'dddddddd-4444-4000-8000-00000000000d';
    expect((await api('PUT', D, { displayName: '<img src=x onerror=alert(1)>' })).status).toBe(201);
    const json = await host.invokeHttp('overview', { method: 'GET', url: 'http://127.0.0.1/api/overview?format=json&sort=name' });
    expect(json.status).toBe(200);
    const body = JSON.parse(json.body) as { items: Array<{ tenantId: string; displayName: string; own: boolean; verdicts: { admins: number } | null; openFindings: { high: number }; trend: number[] }> };
    const names = body.items.map((i) => i.displayName);
    expect(names).toHaveLength(5);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    const byId = new Map(body.items.map((i) => [i.tenantId, i]));
    expect(byId.get(A)?.verdicts?.admins).toBeGreaterThan(0);
    expect(byId.get(A)?.trend.length).toBeGreaterThanOrEqual(2);
    expect(byId.get(C)?.openFindings.high).toBeGreaterThan(0);
    expect(byId.get(D)?.verdicts).toBeNull();
    expect(body.items.filter((i) => i.own)).toHaveLength(1);
    const page = await host.invokeHttp('overview', { method: 'GET', url: 'http://127.0.0.1/api/overview?sort=risk' });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect((await host.invokeHttp('overview', { method: 'GET', url: 'http://127.0.0.1/api/overview?sort=colour' })).status).toBe(400);
    expect((await api('DELETE', D)).status).toBe(204);
    const report = await host.invokeHttp('report', { method: 'GET', url: `http://127.0.0.1/api/report?tenant=${A}` });
    expect(report.status).toBe(200);
    expect(report.body).toContain('Alpha Ltd');
    expect((await host.invokeHttp('report', { method: 'GET', url: 'http://127.0.0.1/api/report?tenant=contoso' })).status).toBe(400);
    const history = await host.invokeHttp('history', { method: 'GET', url: `http://127.0.0.1/api/history/runs?tenant=${A}&top=50`, params: { dataset: 'runs' } });
    expect((JSON.parse(history.body) as { items: unknown[] }).items.length).toBeGreaterThan(3);
    const own = await host.invokeHttp('history', { method: 'GET', url: 'http://127.0.0.1/api/history/runs?top=50', params: { dataset: 'runs' } });
    expect((JSON.parse(own.body) as { items: unknown[] }).items).toEqual([]);
    expect((await host.invokeHttp('history', { method: 'GET', url: 'http://127.0.0.1/api/history/runs?tenant=nope', params: { dataset: 'runs' } })).status).toBe(400);
  });

  it('the operator gets one digest over every tenant a day', async () => {
    const first = await sendMspDigest(host.runtime);
    expect(first.status).toBe('sent');
    expect(first.detail).toMatch(/^Admin MFA across 4 tenants: \d+ unprotected admins/);
    expect((await sendMspDigest(host.runtime)).status).toBe('already-sent');
  });

  it('a tenant removed while its message is in flight: the message is dropped with a clear warning, nothing is written', async () => {
    expect((await api('DELETE', C)).status).toBe(204);
    const runsBefore = await count(storeOf(C), 'runs', 'run');
    await run([C], ['roles']);
    expect(await count(storeOf(C), 'runs', 'run')).toBe(runsBefore);
    expect((await api('GET', C)).status).toBe(404);
  });

  it('the fan-out timer enqueues one message per enabled tenant and due step, and none for the others', async () => {
    expect((await api('PUT', B, { displayName: 'Beta GmbH', enabled: false })).status).toBe(200);
    const messages = await fanOut(host.runtime, new Date('2026-01-03T00:05:00Z'));
    expect(messages.map((m) => `${m.tenantId}:${m.step}`)).toEqual([`${A}:evaluate`]);
    expect(await host.queues?.drain(60_000)).toBe(true);
    const atMidnight = await fanOut(host.runtime, new Date('2026-01-03T00:00:00Z'));
    expect(atMidnight.map((m) => m.step)).toEqual(['changefeed', 'roles', 'policies', 'activations', 'signins']);
    expect(await host.queues?.drain(120_000)).toBe(true);
    expect((await latestRuns(storeOf(B))).changefeed).toBeUndefined();
  });
});
