// Accepted risks end to end (issue 18, R-ACCEPT-1..3): POST /api/acknowledgements over Azurite with the real
// handler — 201 with who and when, 4xx naming the field for bad input — then the alert pipeline: an accepted
// high finding is not mailed again after the re-notify interval, it is told again the moment the acceptance
// expires or the finding changes materially (a new gap), and the acceptance and its end are in history.
import azureFunctions from '@azure/functions';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCollector, runEvaluate } from '../../src/app/cycle.js';
import { evaluateStored } from '../../src/app/evaluation.js';
import { queryHistory } from '../../src/app/history.js';
import { setRuntime } from '../../src/app/provider.js';
import type { Finding } from '../../src/core/report.js';
import { acknowledgements } from '../../src/functions/acknowledgements.js';
import { type AcsEmulator, startAcsEmulator } from '../../devkit/emulators/acs.js';
import type { TenantFixture } from '../../devkit/fixture/format.js';
import { type TestEnvironment, stopAzurite, testEnvironment } from '../helpers/environment.js';
import { T, baseTenant, clone } from '../helpers/tenant.js';

const { HttpRequest } = azureFunctions;

let env: TestEnvironment;
let acs: AcsEmulator;
let clock = Date.parse('2026-12-01T08:00:00Z');
const now = () => new Date(clock);

async function call(method: string, body?: unknown, query = '', headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const request = new HttpRequest({ method, url: `http://127.0.0.1/api/acknowledgements${query}`, headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body: { string: typeof body === 'string' ? body : JSON.stringify(body) } } : {}) });
  const response = await acknowledgements(request);
  return { status: response.status ?? 200, body: (response.jsonBody ?? {}) as Record<string, unknown> };
}

async function cycle(tenant?: TenantFixture) {
  if (tenant) env.setTenant(tenant);
  for (const c of ['roles', 'policies', 'activations', 'signins'] as const) await runCollector(env.rt, c, 'test');
  const before = acs.messages.length;
  const r = await runEvaluate(env.rt, 'test');
  return { mails: acs.messages.slice(before), notified: r.alerts.notified, report: r.report };
}

/** The tenant's high finding that stays open: an admin with no MFA at all. */
function unprotectedFinding(findings: readonly Finding[]): Finding {
  const f = findings.find((x) => x.type === 'admin-unprotected' || x.type === 'admin-not-registered' || x.severity === 'high');
  if (!f) throw new Error(`no high finding; findings: ${findings.map((x) => x.fingerprint).join(', ')}`);
  return f;
}

beforeEach(async () => {
  clock = Date.parse('2026-12-01T08:00:00Z');
  acs = await startAcsEmulator({ mailDir: null });
  env = await testEnvironment(baseTenant({ signIns: 0 }), {
    now,
    env: { ACS_CONNECTION_STRING: acs.connectionString, ALERT_RECIPIENTS: 'secops@contoso.test', ALERT_SENDER: 'DoNotReply@contoso.test', ALERT_MIN_SEVERITY: 'medium', ALERT_RENOTIFY_HOURS: '24', MONITOR_EXCLUDED_ACCOUNTS: T.breakGlass, ACCEPTED_RISK_DEFAULT_DAYS: '30', ACCEPTED_RISK_MAX_DAYS: '90' },
  });
  setRuntime(env.rt);
});

afterEach(async () => {
  await env?.close();
  await acs?.close();
});
afterAll(stopAzurite);

describe('POST /api/acknowledgements', () => {
  it('accepts an open finding with who and when (201), lists it, and records it in history', async () => {
    const first = await cycle();
    const f = unprotectedFinding(first.report.findings);
    const r = await call('POST', { finding: f.fingerprint, reason: 'Break-glass style account, compensating control: IP allow-list', owner: 'secops', until: '2026-12-20' }, '', { 'x-ms-client-principal-name': 'alice@contoso.test', 'x-ms-client-principal-id': T.alice });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ fingerprint: f.fingerprint, owner: 'secops', acceptedBy: 'alice@contoso.test', acceptedAt: now().toISOString(), until: '2026-12-20T23:59:59.000Z' });
    expect((r.body.material as string[]).length).toBeGreaterThan(0);

    const list = await call('GET');
    expect(list.body.items).toEqual([expect.objectContaining({ fingerprint: f.fingerprint, state: 'active', open: true })]);
    const history = await queryHistory(env.store, 'findings', { top: 50, principal: f.subjectId });
    expect(history.items.some((i) => i.event === 'accepted' && (i.acknowledgement as { acceptedBy?: string } | undefined)?.acceptedBy === 'alice@contoso.test')).toBe(true);

    // The report counts it apart, with the same numbers everywhere.
    const { report } = await evaluateStored(env.store, env.settings, env.rt.source.tenant, now().toISOString());
    expect(report.numbers?.findings.accepted).toBe(1);
    expect(report.findings.find((x) => x.fingerprint === f.fingerprint)?.acknowledgement?.state).toBe('active');
  });

  it('a caller name without App Service authentication is not taken at its word', async () => {
    const f = unprotectedFinding((await cycle()).report.findings);
    const r = await call('POST', { finding: f.fingerprint, reason: 'known and accepted by the board', owner: 'secops' }, '', { 'x-ms-client-principal-name': 'ceo@contoso.test' });
    expect(r.body.acceptedBy).toBe('function key holder');
  });

  it.each<[string, (fp: string) => unknown, number, RegExp]>([
    ['an unknown finding id: 404 naming finding', () => ({ finding: 'admin-unprotected:00000000-0000-0000-0000-000000000000', reason: 'does not exist anyway', owner: 'x@y' }), 404, /^finding: no open finding/],
    ['an until in the past: 400 naming until', (fp) => ({ finding: fp, reason: 'accepted for a while', owner: 'secops', until: '2026-11-30' }), 400, /^until: 2026-11-30 is in the past/],
    ['an until beyond ACCEPTED_RISK_MAX_DAYS: 400 naming until', (fp) => ({ finding: fp, reason: 'accepted for a while', owner: 'secops', until: '2027-12-31' }), 400, /^until: at most 90 days ahead/],
    ['an over-long reason: 400 naming reason', (fp) => ({ finding: fp, reason: 'x'.repeat(501), owner: 'secops' }), 400, /^reason: at most 500 characters/],
    ['no owner: 400 naming owner', (fp) => ({ finding: fp, reason: 'accepted for a while' }), 400, /^owner: /],
    ['a body that is not JSON: 400 naming body', () => 'finding=x', 400, /^body: expected a JSON object/],
  ])('%s', async (_name, body, status, message) => {
    const f = unprotectedFinding((await cycle()).report.findings);
    const r = await call('POST', body(f.fingerprint));
    expect(r.status).toBe(status);
    expect((r.body.error as { message: string }).message).toMatch(message);
  });

  it('DELETE withdraws an acceptance (204); a second time is a 404', async () => {
    const f = unprotectedFinding((await cycle()).report.findings);
    expect((await call('POST', { finding: f.fingerprint, reason: 'accepted for a while', owner: 'secops' })).status).toBe(201);
    expect((await call('DELETE', undefined, `?finding=${encodeURIComponent(f.fingerprint)}`)).status).toBe(204);
    const again = await call('DELETE', undefined, `?finding=${encodeURIComponent(f.fingerprint)}`);
    expect(again.status).toBe(404);
    expect((await call('GET')).body.items).toEqual([]);
  });
});

describe('accepted risks in the alert pipeline (R-ACCEPT-2/3)', () => {
  it('an accepted high finding is not re-mailed after the interval; it comes back when the acceptance expires', async () => {
    const first = await cycle();
    const f = unprotectedFinding(first.report.findings);
    expect(first.mails).toHaveLength(1);
    expect((await call('POST', { finding: f.fingerprint, reason: 'service account, IP-restricted', owner: 'secops', until: '2026-12-05T00:00:00Z' })).status).toBe(201);

    // Two days later: past ALERT_RENOTIFY_HOURS, but accepted: no mail about it.
    clock += 2 * 86_400_000;
    const quiet = await cycle();
    expect(quiet.notified.map((x) => x.fingerprint)).not.toContain(f.fingerprint);

    // After the acceptance lapses: told at once, saying why; the acceptance is gone, its end in history.
    clock = Date.parse('2026-12-05T01:00:00Z');
    const back = await cycle();
    expect(back.notified.map((x) => x.fingerprint)).toContain(f.fingerprint);
    expect(back.mails).toHaveLength(1);
    expect(back.mails[0]?.plainText).toContain('the acceptance expired');
    expect((await call('GET')).body.items).toEqual([]);
    const history = await queryHistory(env.store, 'findings', { top: 50, principal: f.subjectId });
    expect(history.items.map((i) => i.event)).toEqual(expect.arrayContaining(['accepted', 'acceptance-ended']));
  });

  it('a new gap for the accepted admin is a material change: told at once, naming what is new', async () => {
    // The admins' policy skips trusted locations: alice is partly protected.
    const partly = clone(baseTenant({ signIns: 0 }));
    const admins = (t: TenantFixture) => (t.conditionalAccessPolicies ?? []).find((p) => p.id === T.policyAdmins) as NonNullable<TenantFixture['conditionalAccessPolicies']>[number];
    admins(partly).conditions.locations = { includeLocations: ['All'], excludeLocations: ['AllTrusted'] };
    const first = await cycle(partly);
    const f = first.report.findings.find((x) => x.type === 'admin-partially-protected' && x.subjectId === T.alice) as Finding;
    expect(f, 'alice is partly protected').toBeDefined();
    expect((await call('POST', { finding: f.fingerprint, reason: 'gap known, compensated by device rules', owner: 'secops' })).status).toBe(201);
    // Unchanged: quiet.
    expect((await cycle()).notified.map((x) => x.fingerprint)).not.toContain(f.fingerprint);
    // A new gap: the policy now also skips iOS.
    const next = clone(partly);
    admins(next).conditions.platforms = { includePlatforms: ['all'], excludePlatforms: ['iOS'] };
    const changed = await cycle(next);
    const told = changed.notified.find((x) => x.fingerprint === f.fingerprint);
    expect(told, `notified: ${changed.notified.map((x) => x.fingerprint).join(', ')}`).toBeDefined();
    expect(changed.mails[0]?.plainText).toMatch(/changed since: gap: .*iOS/);
  });
});
