// The secure score collector over the real SDKs (Azurite, the simulated tenant): what it stores, that a steady
// day writes only its run record, how each missing permission or licence is reported (unavailable with its
// reason, never a score of 0), and the whole path through the local host: check JSON, report page, CLI text.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollector, runCycle, runEvaluate } from '../../src/app/cycle.js';
import { silentLogger } from '../../src/app/logger.js';
import { PARTITIONS } from '../../src/collect/specs.js';
import type { Report } from '../../src/core/report.js';
import { loadValues } from '../../src/storage/state.js';
import type { StoredPerUserMfa, StoredSecureScore } from '../../src/core/microsoft-types.js';
import { type Host, startHost } from '../../devkit/host/host.js';
import { type TenantFixture, parseTenantFixture } from '../../devkit/fixture/format.js';
import { scoreText } from '../../devkit/cli/format.js';
import { demoFixturePath, readFixture } from '../../devkit/fixture/load.js';
import { type TestEnvironment, tempDir, testEnvironment } from '../helpers/environment.js';
import { T, baseTenant } from '../helpers/tenant.js';

/** The base tenant with Microsoft's verdict: Microsoft flags Dave (PIM for Groups) and the break-glass account. */
function withVerdict(): TenantFixture {
  const t = baseTenant({ signIns: 2 }) as Record<string, unknown>;
  const today = new Date(Date.now() - 3_600_000).toISOString();
  t.secureScores = [
    {
      id: `${T.tenant}_today`,
      createdDateTime: today,
      controlScores: [
        { controlName: 'MFARegistrationV2', score: 9 },
        { controlName: 'AdminMFAV2', controlCategory: 'Identity', score: 6.67, scoreInPercentage: 66.67, implementationStatus: "You have 2 out of 6 users with administrative roles that aren't registered and protected with MFA.", count: '4', total: '6', lastSynced: today },
      ],
    },
  ];
  t.directoryRecommendations = [
    {
      id: `${T.tenant}_Microsoft.Identity.IAM.Insights.AdminMFAV2`,
      recommendationType: 'adminMFAV2',
      status: 'active',
      lastCheckedDateTime: today,
      impactedResources: [T.dave, T.breakGlass].map((id) => ({ id, subjectId: id, resourceType: 'user', status: 'active' })),
    },
  ];
  t.subscribedSkus = [{ skuId: '078d2b04-f1bd-4111-bbd4-b4b1b354cef4', skuPartNumber: 'AAD_PREMIUM', capabilityStatus: 'Enabled', servicePlans: [{ servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d', servicePlanName: 'AAD_PREMIUM', provisioningStatus: 'Success' }] }];
  t.authenticationRequirements = { [T.erin]: { perUserMfaState: 'enforced' } };
  return parseTenantFixture(t);
}

describe('secure score collector', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    env = await testEnvironment(withVerdict(), { env: { MONITOR_EXCLUDED_ACCOUNTS: T.breakGlass } });
  });
  afterAll(() => env.close());

  it('reads Microsoft\u2019s verdict, the recommendation, the SKUs and every admin\u2019s per-user MFA state in a full cycle', async () => {
    const cycle = await runCycle(env.rt, 'test');
    const run = cycle.runs.find((r) => r.collector === 'securescore');
    expect(run?.status).toBe('succeeded');
    expect(Object.fromEntries(Object.entries(run?.datasets ?? {}).map(([k, d]) => [k, d?.state]))).toEqual({ secureScore: 'ok', mfaRecommendation: 'ok', licences: 'ok', perUserMfa: 'ok' });
    const [score] = await loadValues<StoredSecureScore>(env.store, PARTITIONS.secureScore);
    expect(score?.score?.adminMfa?.score).toBe(6.67);
    // Only what decides the verdict is kept: not the other controls, not the description.
    expect(score?.score?.controlNames).toBe(2);
    const perUser = await loadValues<StoredPerUserMfa>(env.store, PARTITIONS.perUserMfa);
    expect(perUser.find((p) => p.id === T.erin)?.perUserMfaState).toBe('enforced');
    expect(perUser.length).toBe(run?.datasets.perUserMfa?.items);
    // The beta reads go through one $batch per 20 admins.
    expect(env.sim.stats().byEndpoint.userAuthenticationRequirements).toBe(perUser.length);

    const s = cycle.report.secureScore;
    expect(s?.microsoft).toMatchObject({ state: 'ok', score: 6.67, notProtected: 2, total: 6 });
    expect(s?.basis).toBe('observed');
    expect(s?.rows.find((r) => r.adminId === T.breakGlass)?.reason).toBe('breakGlass');
    expect(cycle.report.enforcement?.licences.tier).toBe('p2');
  });

  it('is daily: a second cycle the same day does not read it again, and reading it again unchanged writes only the run record', async () => {
    const second = await runCycle(env.rt, 'test');
    expect(second.runs.map((r) => r.collector)).not.toContain('securescore');
    const again = await runCollector(env.rt, 'securescore', 'test');
    expect(again.status).toBe('succeeded');
    expect(again.writes).toBe(1);
  });

  it('keeps every change of Microsoft\u2019s verdict in the policies history', async () => {
    const changed = withVerdict() as TenantFixture & { secureScores: Array<{ controlScores: Array<{ controlName: string; score: number }> }> };
    const entry = changed.secureScores[0]?.controlScores.find((c) => c.controlName === 'AdminMFAV2');
    if (entry) entry.score = 8.33;
    env.setTenant(changed);
    const run = await runCollector(env.rt, 'securescore', 'test');
    expect(run.datasets.secureScore?.changed).toBe(1);
    const history: string[] = [];
    for await (const e of env.store.partition('policies', 'all', { where: "dataset eq 'secureScore'" })) history.push(String(e.summary));
    expect(history[0]).toMatch(/changed: Secure Score .*6\.67.*8\.33/);
  });
});

describe('secure score collector: missing permissions and licences', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    env = await testEnvironment(withVerdict(), { env: { MONITOR_EXCLUDED_ACCOUNTS: T.breakGlass } });
    await runCycle(env.rt, 'test');
  });
  afterAll(() => env.close());

  it('SecurityEvents.Read.All missing: Secure Score is unavailable with the permission to grant, never a score of 0', async () => {
    env.sim.setFaults([{ kind: 'forbidden403', endpoint: 'secureScores' }]);
    const run = await runCollector(env.rt, 'securescore', 'test');
    expect(run.datasets.secureScore).toMatchObject({ state: 'unavailable', permission: 'SecurityEvents.Read.All' });
    const { report } = await runEvaluate(env.rt, 'test');
    expect(report.secureScore?.microsoft).toMatchObject({ state: 'unavailable', score: null });
    expect(report.secureScore?.microsoft.reason).toContain('SecurityEvents.Read.All');
    expect(report.summary.microsoftSecureScore).toBeNull();
    expect(report.secureScore?.difference.points).toBeNull();
    // Microsoft's per-admin list (the recommendation) is still read: the admins are still compared.
    expect(report.secureScore?.basis).toBe('observed');
    const f = report.findings.find((x) => x.type === 'data-unavailable' && x.subjectId === 'secureScore');
    expect(f?.severity).toBe('low');
    // The other datasets of the run are unaffected.
    expect(run.datasets.perUserMfa?.state).toBe('ok');
  });

  it('recommendations without a licence: first a failed read (it answered before), then notLicensed, and the reconciliation falls back to Microsoft\u2019s counts (predicted rows)', async () => {
    env.sim.setFaults([{ kind: 'licenseError', endpoint: 'directoryRecommendations' }]);
    // A licence error from an API that answered on the previous run is a failure, not a lapse (as every collector).
    const first = await runCollector(env.rt, 'securescore', 'test');
    expect(first.datasets.mfaRecommendation?.state).not.toBe('notLicensed');
    expect(first.datasets.mfaRecommendation?.state).not.toBe('ok');
    const run = await runCollector(env.rt, 'securescore', 'test');
    expect(run.datasets.mfaRecommendation?.state).toBe('notLicensed');
    const { report } = await runEvaluate(env.rt, 'test');
    expect(report.secureScore?.basis).toBe('predicted');
    expect(report.secureScore?.recommendation.reason).toContain('licence');
    expect(report.secureScore?.rows.every((r) => r.basis === 'predicted')).toBe(true);
  });

  it('per-user MFA reads refused: the dataset is unavailable and per-user MFA is not counted (medium finding), nothing else breaks', async () => {
    env.sim.setFaults([{ kind: 'forbidden403', endpoint: 'userAuthenticationRequirements' }]);
    const run = await runCollector(env.rt, 'securescore', 'test');
    expect(run.datasets.perUserMfa).toMatchObject({ state: 'unavailable', permission: 'Policy.Read.All' });
    expect(run.datasets.secureScore?.state).toBe('ok');
  });
});

describe('secure score through the local host', () => {
  let host: Host;

  beforeAll(async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'demo.json');
    writeFileSync(file, JSON.stringify(readFixture(demoFixturePath())));
    host = await startHost({ env: { CHECK_MIN_INTERVAL_SECONDS: '0' }, tenantFile: file, dataDir, serve: false, log: silentLogger });
  });
  afterAll(() => host?.stop());

  it('POST /api/check carries Microsoft\u2019s score, ours and every difference; the report page and the CLI text explain them', async () => {
    const response = await host.invokeHttp('check', { method: 'POST', url: 'http://127.0.0.1/api/check?wait=120' });
    expect(response.status).toBe(200);
    const report = JSON.parse(response.body) as Report;
    expect(report.summary.secureScoreEstimate).toBeTypeOf('number');
    expect(report.summary.microsoftSecureScore).toBe(5.22);
    expect(report.secureScore?.rows).toHaveLength(13);
    expect(report.secureScore?.difference.unexplainedPoints).toBe(0);
    const page = await host.invokeHttp('report', { method: 'GET', url: 'http://127.0.0.1/api/report' });
    expect(page.body).toContain('Secure Score, explained');
    expect(page.body).toContain('data-recon="pimGroupOnly"');
    expect(page.body).toContain('Multifactor authentication for admins accessing Microsoft Admin Portals');
    const text = scoreText(report);
    expect(text).toContain('Microsoft: 5.22 / 10 — 11 of 23 admins not registered and protected');
    expect(text).toContain('james.oconnor@contoso-demo.example: Holds the role only through PIM for Groups');
    expect(text).toContain('Eligible only (R-RECON-2)');
  });
});
