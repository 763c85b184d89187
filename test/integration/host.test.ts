// The local host: the same function definitions as Azure (timers and HTTP through @azure/functions' own
// HttpRequest / InvocationContext / Timer types), embedded Azurite, the simulated tenant, function keys.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import azureFunctions from '@azure/functions';
import { latestRuns, saveRun } from '../../src/collect/runs.js';
import { checkTrigger } from '../../src/app/check.js';
import { runCollector, runCycle } from '../../src/app/cycle.js';
import { type Host, matchRoute, resolveSchedule, runStartupCycle, startHost } from '../../devkit/host/host.js';
import { silentLogger } from '../../src/app/logger.js';
import { startAzurite } from '../../devkit/emulators/azurite.js';
import { tempDir } from '../helpers/environment.js';
import { baseTenant } from '../helpers/tenant.js';

let host: Host;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDir();
  const fixture = path.join(dataDir, 'tenant.json');
  writeFileSync(fixture, JSON.stringify(baseTenant({ signIns: 5 })));
  host = await startHost({ env: { ALERT_RECIPIENTS: 'secops@contoso.test', ALERT_SENDER: 'DoNotReply@contoso.test', CHECK_MIN_INTERVAL_SECONDS: '0' }, tenantFile: fixture, dataDir, serve: true, port: 0, log: silentLogger });
});

afterAll(async () => {
  await host?.stop();
});

describe('local host', () => {
  it('registers every function the way the Functions host would', () => {
    const names = host.registrations.map((r) => `${r.kind}:${r.name}`).sort();
    expect(names).toEqual(expect.arrayContaining(['timer:collectRoles', 'timer:collectPolicies', 'timer:collectActivations', 'timer:collectSignIns', 'timer:evaluate', 'http:check', 'http:checkStatus', 'http:history']));
    for (const r of host.registrations) {
      if (r.kind === 'timer') expect(r.options.schedule).toMatch(/^%SCHEDULE_[A-Z_]+%$/);
      else if (r.kind === 'http') expect(r.options.authLevel).toBe(r.name === 'tenants' ? 'admin' : 'function');
      else expect(r.options.queueName).toMatch(/^%MONITOR_WORK_QUEUE%(-poison)?$/);
    }
  });

  it('invokes a timer function through the real InvocationContext and Timer types', async () => {
    await host.invokeTimer('collectRoles');
    const runs = await latestRuns(host.runtime.store);
    expect(runs.roles?.status).toBe('succeeded');
    expect(runs.roles?.trigger).toBe('timer');
  });

  it('runs a full cycle at start-up through the handlers and writes the mail to the data dir', async () => {
    expect(await runStartupCycle(host)).toBe(true);
    const runs = await latestRuns(host.runtime.store);
    expect(Object.keys(runs).sort()).toEqual(['activations', 'evaluate', 'policies', 'roles', 'securescore', 'signins']);
    const mail = path.join(dataDir, 'mail');
    expect(existsSync(mail)).toBe(true);
    expect(readdirSync(mail).some((f) => f.endsWith('.eml'))).toBe(true);
    expect(readdirSync(mail).some((f) => f.endsWith('.html'))).toBe(true);
  });

  it('invokes an HTTP function through the real HttpRequest type', async () => {
    const response = await host.invokeHttp('history', { method: 'GET', url: 'http://127.0.0.1/api/history/runs?top=2', params: { dataset: 'runs' } });
    expect(response.status).toBe(200);
    const body = JSON.parse(response.body) as { items: unknown[]; continuation: string | null };
    expect(body.items).toHaveLength(2);
    expect(body.continuation).toBeTruthy();
  });

  it('serves HTTP functions on 127.0.0.1 and requires the function key', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const denied = await fetch(`${host.url}/api/history/runs`);
    expect(denied.status).toBe(401);
    const wrong = await fetch(`${host.url}/api/history/runs?code=wrong`);
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${host.url}/api/history/runs?code=${host.functionKey}`);
    expect(ok.status).toBe(200);
    const header = await fetch(`${host.url}/api/history/runs`, { headers: { 'x-functions-key': host.functionKey } });
    expect(header.status).toBe(200);
    const missing = await fetch(`${host.url}/api/nothing-here?code=${host.functionKey}`);
    expect(missing.status).toBe(404);
  });

  it('POST /api/check answers 200 with the check contract', async () => {
    const response = await fetch(`${host.url}/api/check?code=${host.functionKey}`, { method: 'POST' });
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, unknown>;
    for (const key of ['generatedAt', 'tenantId', 'dataSources', 'summary', 'admins', 'workloadAdmins', 'findings']) expect(report).toHaveProperty(key);
    expect(report.tenantId).toBe(baseTenant().tenantId);
  });

  it('POST /api/check answers 202 with a status URL when the run takes longer than the wait, and the status URL then gives the report', async () => {
    const started = await fetch(`${host.url}/api/check?wait=0&code=${host.functionKey}`, { method: 'POST' });
    expect(started.status).toBe(202);
    const location = started.headers.get('location') as string;
    expect(location).toMatch(/\/api\/check\/[0-9a-f-]{36}$/);
    const body = (await started.json()) as { statusUrl: string; status: string };
    expect(body.status).toBe('running');
    let status = 202;
    let report: Record<string, unknown> = {};
    for (let i = 0; i < 100 && status === 202; i++) {
      const poll = await fetch(`${location}?code=${host.functionKey}`);
      status = poll.status;
      report = (await poll.json()) as Record<string, unknown>;
      if (status === 202) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect(report).toHaveProperty('summary');
    const unknown = await fetch(`${host.url}/api/check/00000000-0000-4000-8000-000000000000?code=${host.functionKey}`);
    expect(unknown.status).toBe(404);
    const badWait = await fetch(`${host.url}/api/check?wait=forever&code=${host.functionKey}`, { method: 'POST' });
    expect(badWait.status).toBe(400);
  });

  it('GET /api/check/{id} answers for a check another instance ran, from its run records', async () => {
    // Another instance: only the run records (trigger check:<id>) are shared, through storage.
    const id = '5ca1ab1e-0000-4000-8000-000000000001';
    await runCycle(host.runtime, checkTrigger(id));
    const response = await fetch(`${host.url}/api/check/${id}?code=${host.functionKey}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-check-status')).toBe('succeeded');
    expect((await response.json()) as Record<string, unknown>).toHaveProperty('summary');
    // Collectors recorded, no evaluation yet: still running.
    const running = '5ca1ab1e-0000-4000-8000-000000000002';
    await runCollector(host.runtime, 'roles', checkTrigger(running));
    expect((await fetch(`${host.url}/api/check/${running}?code=${host.functionKey}`)).status).toBe(202);
    // The instance was recycled after its collectors: nothing for 30 minutes means it is not coming back.
    const abandoned = '5ca1ab1e-0000-4000-8000-000000000003';
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    await saveRun(host.runtime.store, { runId: 'r-abandoned', collector: 'roles', trigger: checkTrigger(abandoned), startedAt: at(90), endedAt: at(89), status: 'succeeded', datasets: {}, writes: 0, graphRequests: 0, httpRequests: 0 });
    const gone = await fetch(`${host.url}/api/check/${abandoned}?code=${host.functionKey}`);
    expect(gone.status).toBe(503);
    expect(((await gone.json()) as { error: string }).error).toContain('stopped before its evaluation');
    const bad = await fetch(`${host.url}/api/check/not-an-id?code=${host.functionKey}`);
    expect(bad.status).toBe(400);
  });

  it('GET /api/check is not a route (POST only)', async () => {
    const response = await fetch(`${host.url}/api/check?code=${host.functionKey}`);
    expect(response.status).toBe(404);
  });
});

describe('registration in Azure', () => {
  it('calls app.timer / app.http with the same options when not captured', async () => {
    vi.resetModules();
    const timer = vi.spyOn(azureFunctions.app, 'timer').mockImplementation(() => undefined);
    const http = vi.spyOn(azureFunctions.app, 'http').mockImplementation(() => undefined);
    // A fresh module graph: nothing captures registrations here, as in the Functions host.
    await import('../../src/functions/collectRoles.js');
    await import('../../src/functions/history.js');
    expect(timer).toHaveBeenCalledWith('collectRoles', expect.objectContaining({ schedule: '%SCHEDULE_ROLES%' }));
    expect(http).toHaveBeenCalledWith('history', expect.objectContaining({ route: 'history/{dataset}', authLevel: 'function', methods: ['GET'] }));
    timer.mockRestore();
    http.mockRestore();
  });
});

describe('host helpers', () => {
  it('resolves %SETTING% schedules from settings, with the documented defaults', () => {
    expect(resolveSchedule('%SCHEDULE_ROLES%', {})).toBe('0 0 */6 * * *');
    expect(resolveSchedule('%SCHEDULE_CHANGEFEED%', {})).toBe('0 */2 * * * *');
    expect(resolveSchedule('%SCHEDULE_ROLES%', { SCHEDULE_ROLES: '0 0 * * * *' })).toBe('0 0 * * * *');
  });

  it('matches Functions route templates', () => {
    expect(matchRoute('history/{dataset}', 'history/runs')).toEqual({ dataset: 'runs' });
    expect(matchRoute('check/{id}', 'check')).toBeUndefined();
    expect(matchRoute('check', 'check/x')).toBeUndefined();
    expect(matchRoute('report/{page?}', 'report')).toEqual({});
  });
});

describe('graceful stop and fault controls (issue 16)', () => {
  it('a stop during the start-up cycle lets it finish, refuses new work, and stops storage last (it saves)', async () => {
    const data = tempDir();
    const fixture = path.join(data, 'tenant.json');
    writeFileSync(fixture, JSON.stringify(baseTenant({ signIns: 5 })));
    // Conditional Access answers slowly: the cycle is still running when the stop comes.
    const slow = await startHost({ env: {}, tenantFile: fixture, dataDir: data, serve: true, port: 0, log: silentLogger, faults: [{ kind: 'delayMs', endpoint: 'conditionalAccessPolicies', delayMs: 1_200 }] });
    const cycle = runStartupCycle(slow);
    await new Promise((r) => setTimeout(r, 300));
    const stopping = slow.stop();
    await expect(slow.invokeTimer('collectRoles')).rejects.toThrow('the host is stopping');
    expect(await cycle).toBe(true);
    await stopping;
    // The storage saved everything the cycle wrote before it stopped: a new host on the same data sees it.
    const again = await startHost({ env: {}, tenantFile: fixture, dataDir: data, serve: false, log: silentLogger });
    try {
      const runs = await latestRuns(again.runtime.store);
      expect(Object.keys(runs).sort()).toEqual(['activations', 'evaluate', 'policies', 'roles', 'securescore', 'signins']);
      expect(runs.evaluate?.trigger).toBe('startup');
    } finally {
      await again.stop();
    }
  });

  it('switches the simulated tenant\'s faults through the local admin endpoint (function key), with named errors', async () => {
    const url = `${host.url}/admin/simulator/faults`;
    expect((await fetch(url)).status).toBe(401);
    const put = await fetch(`${url}?code=${host.functionKey}`, { method: 'PUT', body: JSON.stringify([{ kind: 'forbidden403', endpoint: 'conditionalAccessPolicies' }]) });
    expect(put.status).toBe(200);
    expect(((await (await fetch(`${url}?code=${host.functionKey}`)).json()) as { value: unknown[] }).value).toHaveLength(1);
    await runCollector(host.runtime, 'policies', 'faults');
    expect((await latestRuns(host.runtime.store)).policies?.datasets.conditionalAccess?.state).toBe('unavailable');
    const bad = await fetch(`${url}?code=${host.functionKey}`, { method: 'PUT', body: JSON.stringify([{ kind: 'explode', endpoint: 'users' }]) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("faults[0]: unknown fault kind 'explode'");
    const unknownEndpoint = await fetch(`${url}?code=${host.functionKey}`, { method: 'PUT', body: JSON.stringify([{ kind: 'status503', endpoint: 'nope' }]) });
    expect(((await unknownEndpoint.json()) as { error: { message: string } }).error.message).toContain('faults[0].endpoint: unknown endpoint nope');
    await fetch(`${url}?code=${host.functionKey}`, { method: 'PUT', body: '[]' });
  });
});

describe('every bad input a 4xx, storage down a 503 (issue 16)', () => {
  it('a malformed %-escape is 400, a body over 1 MB is 413, a parameter given twice is 400', async () => {
    const key = `code=${host.functionKey}`;
    expect((await fetch(`${host.url}/api/history/%E0%A4%A?${key}`)).status).toBe(400);
    const big = await fetch(`${host.url}/api/check?${key}`, { method: 'POST', body: 'x'.repeat(1_000_001) });
    expect(big.status).toBe(413);
    for (const url of [`${host.url}/api/report?days=1&days=2&${key}`, `${host.url}/api/history/runs?top=1&top=2&${key}`]) {
      const twice = await fetch(url);
      expect(twice.status, url).toBe(400);
      expect(((await twice.json()) as { error: { message: string } }).error.message).toMatch(/(days|top): given more than once/);
    }
    expect((await fetch(`${host.url}/api/check?wait=0&wait=1&${key}`, { method: 'POST' })).status).toBe(400);
  });

  it('history and the report answer 503 with Retry-After while storage is down', async () => {
    const data = tempDir();
    const storage = await startAzurite({ dataDir: path.join(data, 'storage'), mode: 'child' });
    const fixture = path.join(data, 'tenant.json');
    writeFileSync(fixture, JSON.stringify(baseTenant({ signIns: 0 })));
    const h = await startHost({ env: { AzureWebJobsStorage: storage.connectionString, GRAPH_MAX_RETRIES: '0' }, tenantFile: fixture, dataDir: data, serve: true, port: 0, log: silentLogger });
    try {
      await storage.stop();
      for (const route of ['history/runs', 'report']) {
        const response = await fetch(`${h.url}/api/${route}?code=${h.functionKey}`);
        expect(response.status, route).toBe(503);
        expect(response.headers.get('retry-after'), route).toBe('30');
      }
    } finally {
      await h.stop();
    }
  });
});
