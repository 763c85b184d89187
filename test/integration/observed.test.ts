// Observed enforcement through the local host (issue 13): the same function handlers as Azure, embedded
// Azurite, the simulated tenant and the local mail endpoint. Each new finding is raised from sign-ins the
// collector reads, reaches the check contract, the report page and the digest mail.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantFixture } from '../../devkit/fixture/format.js';
import { type Host, startHost } from '../../devkit/host/host.js';
import { silentLogger } from '../../src/app/logger.js';
import type { Finding, Report } from '../../src/core/report.js';
import { tempDir } from '../helpers/environment.js';
import { T, baseTenant, clone } from '../helpers/tenant.js';

const FILLER = (i: number) => `f0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
// The sign-ins before the report-only result are "out of its scope" in the first session: no evidence yet.
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
let n = 0;

/** A sign-in as Graph's beta log records it; `result` is the report-only policy's result (MFA for everyone). */
function signIn(userId: string, upn: string, fields: Record<string, unknown>, result = 'reportOnlyNotApplied'): Record<string, unknown> {
  n++;
  return {
    id: `0b5e0000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    createdDateTime: minutesAgo(60 + n),
    userId,
    userPrincipalName: upn,
    appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
    appDisplayName: 'Microsoft Azure CLI',
    resourceId: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
    resourceDisplayName: 'Windows Azure Service Management API',
    ipAddress: '198.51.100.20',
    clientAppUsed: 'Mobile Apps and Desktop clients',
    correlationId: `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    isInteractive: true,
    authenticationRequirement: 'singleFactorAuthentication',
    riskLevelDuringSignIn: 'none',
    status: { errorCode: 0 },
    location: { city: 'Amsterdam', countryOrRegion: 'NL' },
    networkLocationDetails: [],
    deviceDetail: { operatingSystem: 'Windows 10', isCompliant: false, isManaged: false },
    appliedConditionalAccessPolicies: [
      { id: T.policyAdmins, displayName: 'Require MFA for admins', result: 'notApplied', conditionsNotSatisfied: 'application' },
      { id: T.policyAll, displayName: 'MFA for everyone', result },
    ],
    ...fields,
  };
}

/** The test tenant with the sign-ins that raise every observed-enforcement finding. */
function tenantA(): TenantFixture {
  const t = clone(baseTenant({ signIns: 0 }));
  t.signIns = [
    // Alice is covered by "Require MFA for admins" everywhere; a single factor sufficed: contradiction.
    signIn(T.alice, 'alice@contoso.test', {}),
    // Erin has no MFA method: every prompt ends in "you must enroll".
    signIn(T.erin, 'erin@contoso.test', { status: { errorCode: 50079 }, createdDateTime: minutesAgo(200) }),
    signIn(T.erin, 'erin@contoso.test', { status: { errorCode: 50072 }, createdDateTime: minutesAgo(190) }),
  ] as TenantFixture['signIns'];
  return t;
}

/** Later: users' sign-ins the report-only policy would have satisfied or prompted (registered, interactive). */
function tenantB(a: TenantFixture): TenantFixture {
  // The same log, later: the sign-ins read before are still there (same ids), two more since.
  const t = clone(a);
  t.signIns = [
    ...(t.signIns ?? []),
    // An admin's MFA sign-in (read with the admins') and another user's the policy would have prompted (read by
    // the tenant-wide query for report-only hits).
    signIn(T.alice, 'alice@contoso.test', { authenticationRequirement: 'multiFactorAuthentication', createdDateTime: minutesAgo(20) }, 'reportOnlySuccess'),
    signIn(FILLER(2), 'user2@contoso.test', { createdDateTime: minutesAgo(30) }, 'reportOnlyInterrupted'),
  ] as TenantFixture['signIns'];
  return t;
}

let dataDir: string;
let host: Host;

async function session(fixture: TenantFixture): Promise<{ report: Report; host: Host }> {
  const file = path.join(dataDir, `tenant-${n}.json`);
  writeFileSync(file, JSON.stringify(fixture));
  await host?.stop();
  host = await startHost({ env: { ALERT_RECIPIENTS: 'secops@contoso.test', ALERT_SENDER: 'DoNotReply@contoso.test', CHECK_MIN_INTERVAL_SECONDS: '0', MONITOR_EXCLUDED_ACCOUNTS: T.breakGlass }, tenantFile: file, dataDir, serve: true, port: 0, log: silentLogger });
  const response = await fetch(`${host.url}/api/check?code=${host.functionKey}`, { method: 'POST' });
  expect(response.status).toBe(200);
  return { report: (await response.json()) as Report, host };
}

/** The mails' text, quoted-printable decoded (soft line breaks joined, =XX bytes decoded). */
function mails(): string {
  const dir = path.join(dataDir, 'mail');
  const raw = readdirSync(dir).filter((f) => f.endsWith('.eml')).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
  return Buffer.from(raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
}

const of = (report: Report, type: string): Finding[] => report.findings.filter((f) => f.type === type);

let first: Report;
let second: Report;

beforeAll(async () => {
  dataDir = tempDir();
  const a = tenantA();
  first = (await session(a)).report;
  second = (await session(tenantB(a))).report;
}, 120_000);

afterAll(async () => {
  await host?.stop();
});

describe('observed enforcement through the local host', () => {
  it('admin-single-factor-sign-in: an admin signed in with a single factor, named with app, address and policy results', () => {
    const [f] = of(first, 'admin-single-factor-sign-in').filter((x) => x.subjectId === T.alice);
    expect(f?.severity).toBe('high');
    expect(f?.message).toContain('Microsoft Azure CLI for Windows Azure Service Management API (Mobile Apps and Desktop clients) from 198.51.100.20 (Amsterdam, NL)');
    expect(f?.message).toContain("'Require MFA for admins' notApplied (conditions not satisfied: application)");
  });

  it('evaluation-contradicted: the evaluation says alice is covered there, the sign-in says otherwise', () => {
    const alice = first.admins.find((a) => a.id === T.alice);
    expect(alice?.verdict).toBe('protected');
    expect(alice?.evidence).toMatchObject({ signIns: 1, singleFactor: 1, contradictions: 1 });
    const [f] = of(first, 'evaluation-contradicted');
    expect(f).toMatchObject({ severity: 'high', subjectId: T.alice });
    expect(f?.message).toContain("the evaluation says 'Require MFA for admins' enforces MFA");
  });

  it('admin-cannot-complete-mfa: prompts blocked for lack of a method, never completed (high)', () => {
    const [f] = of(first, 'admin-cannot-complete-mfa');
    expect(f).toMatchObject({ severity: 'high', subjectId: T.erin });
    expect(first.admins.find((a) => a.id === T.erin)?.evidence).toMatchObject({ prompted: 2, completed: 0, noMethod: 2 });
  });

  it('rollout-readiness-changed: the report-only policy had no evidence, then its results say it is ready to enable', () => {
    const before = first.rollout?.find((r) => r.policyId === T.policyAll);
    expect(before?.verdict).toBe('noEvidence');
    const after = second.rollout?.find((r) => r.policyId === T.policyAll);
    expect(after).toMatchObject({ verdict: 'ready', signIns: { success: 1, interrupted: 1 }, users: { success: 1, interrupted: 1 } });
  });

  it('every new finding reaches the digest mail', () => {
    const mail = mails();
    for (const title of ['Admin signed in with a single factor', 'Sign-in contradicts the evaluation', 'Admin cannot complete MFA', 'Report-only policy readiness changed']) expect(mail).toContain(title);
    expect(mail).toContain("Report-only policy 'MFA for everyone' is ready to enable");
  });

  it('the report page shows the evidence, the rollout section and the contradiction', async () => {
    const page = await (await fetch(`${host.url}/api/report?code=${host.functionKey}`)).text();
    expect(page).toContain('id="rollout"');
    expect(page).toContain('MFA for everyone');
    expect(page).toContain('Ready to enable');
    expect(page).toContain('contradicts the evaluation');
    expect(page).toContain('prompted 2 times, completed 0');
  });

  it('history signins filters by requirement, result and policy', async () => {
    const get = async (query: string) => (await fetch(`${host.url}/api/history/signins?${query}&code=${host.functionKey}`)).json() as Promise<{ items: Array<Record<string, unknown>>; error?: { details?: string[] } }>;
    const single = await get('requirement=single&result=success');
    expect(single.items.map((i) => i.userId).sort(), JSON.stringify(single.items.map((i) => [i.userId, i.kind, i.createdDateTime]))).toEqual([T.alice, FILLER(2)].sort());
    expect((await get('requirement=multi')).items.map((i) => i.userId)).toEqual([T.alice]);
    const interrupted = await get('result=interrupted');
    expect(interrupted.items.map((i) => i.userId), JSON.stringify(interrupted.items.map((i) => [i.userId, i.kind]))).toEqual([T.erin, T.erin]);
    expect((await get(`policy=${T.policyAll}`)).items.map((i) => i.userId).sort()).toEqual([T.alice, FILLER(2)].sort());
    expect((await get(`policy=${T.policyAll}&principal=user2@contoso.test`)).items.map((i) => i.userId)).toEqual([FILLER(2)]);
    const bad = await fetch(`${host.url}/api/history/signins?requirement=double&code=${host.functionKey}`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('requirement: expected single or multi');
  });
});
