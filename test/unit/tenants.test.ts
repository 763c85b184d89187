// Tenants as configuration (issue 20): input validation, table prefixes, work messages, due steps, the retry
// decision, the per-tenant credential choice (no network), the queue semantics read from host.json, and the
// overview's order. Table-driven; each case able to fail.
import { describe, expect, it } from 'vitest';
import { ClientAssertionCredential, ClientCertificateCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { TOKEN_EXCHANGE_SCOPE, federatedAssertion, tenantCredentialChoice } from '../../src/app/credentials.js';
import { retryReason, workMessage } from '../../src/app/fanout.js';
import { probeVerdict, adminConsentUrl } from '../../src/app/tenant-probe.js';
import { settingsForTenant, tenantSettingsProblems } from '../../src/app/tenants.js';
import { loadSettings } from '../../src/app/settings.js';
import type { RunRecord } from '../../src/collect/runs.js';
import { type OverviewRow, sortOverview, worstFindings } from '../../src/core/overview.js';
import type { TenantInputError} from '../../src/core/tenants.js';
import { dueSteps, parseTenantInput, parseWorkMessage, tenantIdProblem, tenantTablePrefix } from '../../src/core/tenants.js';
import { decodeMessage, encodeMessage } from '../../src/storage/queue.js';
import { RUNTIME_DEFAULTS, queueSemantics } from '../../devkit/host/queues.js';
import { readFileSync } from 'node:fs';

const GUID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('tenant input', () => {
  it.each([
    ['a GUID', GUID, undefined],
    ['upper case', GUID.toUpperCase(), undefined],
    ['not a GUID', 'contoso.onmicrosoft.com', /expected the tenant's directory id \(a GUID/],
    ['empty', '', /got nothing/],
    ['a number', 42, /got nothing/],
  ])('tenantId %s', (_name, value, problem) => {
    const p = tenantIdProblem(value);
    if (problem) expect(p).toMatch(problem);
    else expect(p).toBeUndefined();
  });

  it('lists every problem, each naming its field', () => {
    try {
      parseTenantInput({ tenantId: 'x', displayName: 'a\u0001', enabled: 'yes', settings: { GRAPH_BASE_URL: 'y' }, extra: 1 }, tenantSettingsProblems);
      expect.unreachable();
    } catch (e) {
      const problems = (e as TenantInputError).problems.join('\n');
      expect(problems).toMatch(/^extra: unknown field/m);
      expect(problems).toMatch(/^tenantId: /m);
      expect(problems).toMatch(/^displayName: /m);
      expect(problems).toMatch(/^enabled: expected true or false/m);
      expect(problems).toMatch(/^settings\.GRAPH_BASE_URL: not a per-tenant setting/m);
    }
  });

  it('validates a tenant\'s settings like the app settings of the same name', () => {
    expect(() => parseTenantInput({ tenantId: GUID, settings: { ALERT_RECIPIENTS: 'nobody' } }, tenantSettingsProblems)).toThrow(/settings\.ALERT_RECIPIENTS: expected comma-separated e-mail addresses/);
    expect(() => parseTenantInput({ tenantId: GUID, settings: { SCHEDULE_ROLES: '* * * * * *' } }, tenantSettingsProblems)).toThrow(/settings\.SCHEDULE_ROLES: .*more than once a minute/);
    const ok = parseTenantInput({ tenantId: GUID.toUpperCase(), settings: { MONITOR_ADMIN_ROLES: 'privileged', ALERT_RECIPIENTS: 'soc@x.test' } }, tenantSettingsProblems);
    expect(ok).toEqual({ tenantId: GUID, displayName: GUID, enabled: true, settings: { MONITOR_ADMIN_ROLES: 'privileged', ALERT_RECIPIENTS: 'soc@x.test' } });
  });

  it('merges a tenant\'s own settings over the deployment\'s, and only those', () => {
    const base = loadSettings({ ALERT_RECIPIENTS: 'ops@msp.test', ALERT_SENDER: 'no-reply@msp.test', MONITOR_EXCLUDED_ACCOUNTS: 'bg@msp.test' });
    const merged = settingsForTenant(base, { ALERT_RECIPIENTS: 'soc@alpha.test', SCHEDULE_ROLES: '0 0 */2 * * *' });
    expect(merged.alertRecipients).toEqual(['soc@alpha.test']);
    expect(merged.alertSender).toBe('no-reply@msp.test');
    expect(merged.excludedAccounts).toEqual(['bg@msp.test']);
    expect(merged.schedules.roles).toBe('0 0 */2 * * *');
    expect(merged.schedules.policies).toBe(base.schedules.policies);
    expect(settingsForTenant(base, {})).toBe(base);
  });
});

describe('table prefixes', () => {
  it('fit the longest table name under the 63-character limit with the longest deployment prefix', () => {
    const prefix = tenantTablePrefix('a'.repeat(30), GUID);
    expect(`${prefix}assignments`.length).toBeLessThanOrEqual(63);
    expect(prefix).toMatch(/^a{30}x[0-9a-f]{16}$/);
  });

  it('are the same for the same tenant (any case) and differ between tenants', () => {
    expect(tenantTablePrefix('mfamon', GUID)).toBe(tenantTablePrefix('mfamon', GUID.toUpperCase()));
    expect(tenantTablePrefix('mfamon', GUID)).not.toBe(tenantTablePrefix('mfamon', '11111111-1111-4111-8111-111111111111'));
    expect(tenantTablePrefix('mfamon', GUID)).not.toBe('mfamon');
  });
});

describe('work messages', () => {
  const m = workMessage(GUID, 'roles', '2026-01-01T00:00:00.000Z', new Date('2026-01-01T00:00:01Z'));

  it('round-trip through the queue encoding (base64 JSON, as the Functions trigger expects)', () => {
    const text = encodeMessage(m);
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(parseWorkMessage(decodeMessage(text))).toEqual(m);
  });

  it('ask for a tenant\'s full cycle in one message (its first collection, docs/tenants.md "Onboarding")', () => {
    const cycle = workMessage(GUID, 'cycle', '2026-01-01T00:00:00.000Z', new Date('2026-01-01T00:00:01Z'));
    expect(parseWorkMessage(decodeMessage(encodeMessage(cycle)))).toEqual(cycle);
  });

  it('carry a work id that starts with the slot (claims are pruned by range) and names tenant and step', () => {
    expect(m.workId).toBe(`2026-01-01T00:00:00.000Z|roles|${GUID}`);
  });

  it.each([
    ['not JSON', 'nope', /message: expected a JSON object/],
    ['another version', { ...m, v: 2 }, /message\.v: expected 1/],
    ['a tenant id that is no GUID', { ...m, tenantId: 'contoso' }, /message\.tenantId: expected/],
    ['an unknown step', { ...m, step: 'everything' }, /message\.step: expected one of/],
    ['no work id', { ...m, workId: '' }, /message\.workId/],
  ])('are refused when %s', (_name, body, problem) => {
    expect(parseWorkMessage(body)).toMatch(problem);
  });
});

describe('due steps', () => {
  const defaults = loadSettings({}).schedules;
  const schedules = { changefeed: defaults.changefeed, roles: defaults.roles, policies: defaults.policies, activations: defaults.activations, signins: defaults.signins, securescore: defaults.secureScore, evaluate: defaults.evaluate };
  it.each([
    ['midnight: every full collection, the change feed and the sign-ins', '2026-01-01T00:00:30Z', ['changefeed', 'roles', 'policies', 'activations', 'signins']],
    ['00:05: the evaluation', '2026-01-01T00:05:00Z', ['evaluate']],
    ['00:06: the change feed', '2026-01-01T00:06:59Z', ['changefeed']],
    ['06:30: the daily secure score, the change feed and the sign-ins', '2026-01-01T06:30:00Z', ['changefeed', 'signins', 'securescore']],
    ['00:07: nothing', '2026-01-01T00:07:10Z', []],
    // The cycle has no schedule: it is enqueued on onboarding only, never by the fan-out.
    ['every minute of a day: never the cycle', '2026-01-01T00:00:00Z', 'no cycle'],
  ])('%s', (_name, at, steps) => {
    if (steps !== 'no cycle') expect(dueSteps(schedules, new Date(at))).toEqual(steps);
    else for (let m = 0; m < 1440; m++) expect(dueSteps(schedules, new Date(Date.parse(at) + m * 60_000))).not.toContain('cycle');
  });
});

function run(collector: RunRecord['collector'], status: RunRecord['status'], states: string[], error?: string): RunRecord {
  return { runId: 'r', collector, trigger: 't', startedAt: '', endedAt: '', status, datasets: Object.fromEntries(states.map((s, i) => [`d${i}`, { state: s }])) as RunRecord['datasets'], writes: 0, graphRequests: 0, httpRequests: 0, ...(error ? { error } : {}) };
}

describe('retrying a step', () => {
  it.each([
    ['a succeeded run is done', [run('roles', 'succeeded', ['ok'])], undefined],
    ['a run that failed on throttling or outage (stale) is retried', [run('roles', 'failed', ['stale', 'stale'])], /roles failed/],
    ['a run that failed without datasets (an exception) is retried', [run('evaluate', 'failed', [], 'boom')], /evaluate failed: boom/],
    ['403 everywhere (no consent) is not retried: a retry cannot mend it', [run('roles', 'failed', ['unavailable', 'unavailable'])], undefined],
    ['a partial run is done', [run('policies', 'partial', ['ok', 'stale'])], undefined],
  ])('%s', (_name, runs, expected) => {
    const reason = retryReason(runs);
    if (expected) expect(reason).toMatch(expected);
    else expect(reason).toBeUndefined();
  });
});

describe('per-tenant credential (no network)', () => {
  const identity: TokenCredential & { scopes: string[] } = {
    scopes: [],
    async getToken(scope) {
      this.scopes.push(String(scope));
      return { token: 'mi-assertion', expiresOnTimestamp: Date.now() + 60_000 };
    },
  };

  it('defaults to a federated credential whose assertion is the managed identity\'s token for api://AzureADTokenExchange', async () => {
    const choice = tenantCredentialChoice({ tenantId: GUID, clientId: '11111111-1111-4111-8111-111111111111', managedIdentity: identity });
    expect(choice.kind).toBe('federated');
    expect(choice.credential).toBeInstanceOf(ClientAssertionCredential);
    expect(await federatedAssertion(identity)()).toBe('mi-assertion');
    expect(identity.scopes).toEqual([TOKEN_EXCHANGE_SCOPE]);
    expect(TOKEN_EXCHANGE_SCOPE).toBe('api://AzureADTokenExchange/.default');
  });

  it('takes a certificate when one is configured', () => {
    const choice = tenantCredentialChoice({ tenantId: GUID, clientId: '11111111-1111-4111-8111-111111111111', certificatePath: '/secrets/app.pem' });
    expect(choice.kind).toBe('certificate');
    expect(choice.credential).toBeInstanceOf(ClientCertificateCredential);
  });

  it('refuses without the multi-tenant app, naming the setting', () => {
    expect(() => tenantCredentialChoice({ tenantId: GUID, clientId: '' })).toThrow(/^MULTITENANT_CLIENT_ID: not set/);
  });
});

describe('tenant test verdict', () => {
  const p = (status: 'ok' | 'forbidden' | 'failed') => ({ permission: 'x', path: '/x', status });
  it.each([
    [[p('ok'), p('ok')], 'ok'],
    [[p('forbidden'), p('forbidden')], 'noConsent'],
    [[p('ok'), p('forbidden')], 'partial'],
    [[p('ok'), p('failed')], 'failed'],
  ] as const)('%j → %s', (probes, verdict) => {
    expect(probeVerdict(probes)).toBe(verdict);
  });

  it('names the admin consent URL of the tenant', () => {
    expect(adminConsentUrl(GUID, 'abc')).toBe(`https://login.microsoftonline.com/${GUID}/adminconsent?client_id=abc`);
  });
});

describe('queue semantics from host.json', () => {
  it('reads the project host.json (maxDequeueCount, visibility timeout as the retry delay)', () => {
    const s = queueSemantics(JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8')));
    expect(s).toEqual({ maxDequeueCount: 5, visibilityTimeoutSeconds: 30, batchSize: 16, newBatchThreshold: 8, maxPollingIntervalMs: 2000 });
  });

  it('falls back to the runtime defaults', () => {
    expect(queueSemantics({})).toEqual(RUNTIME_DEFAULTS);
    expect(queueSemantics({ extensions: { queues: { visibilityTimeout: '1.00:00:05' } } }).visibilityTimeoutSeconds).toBe(86_405);
  });
});

describe('overview order', () => {
  const row = (name: string, high: number, unprotected: number, stale = false, asOf: string | null = '2026-01-01T00:00:00Z'): OverviewRow => ({
    tenantId: name,
    displayName: name,
    own: false,
    enabled: true,
    verdicts: { admins: 10, protected: 10 - unprotected, partial: 0, unprotected, excluded: 0, unknown: 0 },
    openFindings: { high, medium: 0, low: 0 },
    worst: [],
    lastEvaluation: null,
    dataAsOf: asOf,
    stale,
    trend: [],
  });
  const rows = [row('b', 0, 0), row('a', 0, 2), row('c', 3, 0), row('d', 0, 0, true, null)];

  it.each([
    ['risk: high findings, then unprotected admins, then stale data', 'risk', undefined, ['c', 'a', 'd', 'b']],
    ['name', 'name', undefined, ['a', 'b', 'c', 'd']],
    ['name descending', 'name', 'desc', ['d', 'c', 'b', 'a']],
    ['unprotected', 'unprotected', undefined, ['a', 'b', 'c', 'd']],
    ['freshness: never collected first', 'freshness', undefined, ['d', 'a', 'b', 'c']],
  ] as const)('%s', (_name, sort, order, expected) => {
    expect(sortOverview(rows, sort, order).map((r) => r.tenantId)).toEqual(expected);
  });

  it('shows the worst findings first', () => {
    const f = (severity: 'high' | 'medium' | 'low', type: string) => ({ severity, type, title: type, subjectName: 's', message: '' });
    expect(worstFindings([f('low', 'a'), f('high', 'z'), f('medium', 'b'), f('high', 'a')]).map((x) => `${x.severity}:${x.type}`)).toEqual(['high:a', 'high:z', 'medium:b']);
  });
});
