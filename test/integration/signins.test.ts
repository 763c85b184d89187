// The sign-in collector over the real Graph SDK, the simulated tenant and Azurite (issue 13): the monitored
// accounts' sign-ins interactive and non-interactive, stored once, digested, retained; bad input said; a failed
// read never resolves a finding.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCollector, runCycle } from '../../src/app/cycle.js';
import { queryHistory, parseHistoryQuery } from '../../src/app/history.js';
import { DIGEST_PARTITION } from '../../src/collect/signins.js';
import { decodeJson } from '../../src/storage/codec.js';
import type { TenantFixture } from '../../devkit/fixture/format.js';
import type { TableName, TableStore } from '../../src/storage/tables.js';
import { type TestEnvironment, stopAzurite, testEnvironment } from '../helpers/environment.js';
import { T, baseTenant, clone } from '../helpers/tenant.js';

async function count(store: TableStore, table: TableName, partition: string): Promise<number> {
  let n = 0;
  for await (const _ of store.partition(table, partition)) n++;
  return n;
}

const at = (msAgo: number, from = Date.now()) => new Date(from - msAgo).toISOString();
let seq = 0;
function signIn(userId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    id: `5e000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    createdDateTime: at(3_600_000 + seq * 1000),
    userId,
    userPrincipalName: `${userId.slice(0, 4)}@contoso.test`,
    appId: '00000002-0000-0ff1-ce00-000000000000',
    appDisplayName: 'Outlook',
    resourceId: '00000002-0000-0ff1-ce00-000000000000',
    clientAppUsed: 'Browser',
    ipAddress: '198.51.100.9',
    isInteractive: true,
    authenticationRequirement: 'singleFactorAuthentication',
    status: { errorCode: 0 },
    appliedConditionalAccessPolicies: [],
    deviceDetail: { operatingSystem: 'Windows 10' },
    ...fields,
  };
}

function tenantWith(signIns: Array<Record<string, unknown>>): TenantFixture {
  const t = clone(baseTenant({ signIns: 0 }));
  t.signIns = signIns as TenantFixture['signIns'];
  return t;
}

let env: TestEnvironment;
afterEach(async () => {
  await env?.close();
});
afterAll(async () => {
  await stopAzurite();
});

describe('the sign-in collector', () => {
  it('reads the monitored accounts\' interactive and non-interactive sign-ins, stores each once, digests them, and a steady run writes only its record', async () => {
    const fixture = tenantWith([signIn(T.alice), signIn(T.alice, { isInteractive: false, authenticationRequirement: 'multiFactorAuthentication' }), signIn(T.carol, { signInEventTypes: ['nonInteractiveUser'] }), signIn('f0000000-0000-4000-8000-000000000001')]);
    env = await testEnvironment(fixture);
    await runCollector(env.rt, 'roles', 'test');
    const first = await runCollector(env.rt, 'signins', 'test');
    expect(first.status).toBe('succeeded');
    // Alice's two and Carol's one; the filler user's sign-in is no admin's, not interrupted, not a report-only hit.
    expect(first.counts).toMatchObject({ new: 3, admin: 3, digests: 2 });
    expect(await count(env.store, 'signins', 'all')).toBe(3);
    expect(await count(env.store, 'state', DIGEST_PARTITION)).toBe(2);
    const again = await runCollector(env.rt, 'signins', 'test');
    expect(again.counts).toMatchObject({ new: 0, digests: 0 });
    expect(again.writes).toBe(1);
  });

  it('a digest built from what one run read equals the digest rebuilt from storage when a later run adds to the same day', async () => {
    const t0 = Date.now() - 2 * 3_600_000;
    const prompt = signIn(T.alice, { createdDateTime: at(0, t0), correlationId: 'c1', status: { errorCode: 50074 }, authenticationRequirement: 'multiFactorAuthentication' });
    const done = signIn(T.alice, { createdDateTime: at(-120_000, t0), correlationId: 'c1', authenticationRequirement: 'multiFactorAuthentication' });
    const later = signIn(T.alice, { createdDateTime: at(-3_600_000, t0) });
    const digests = async (): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const e of env.store.partition('state', DIGEST_PARTITION)) out.push({ key: e.rowKey, digest: decodeJson(e) });
      return out;
    };
    // Two runs: the second adds a sign-in to days the first stored (read back from storage).
    env = await testEnvironment(tenantWith([prompt, done]));
    await runCollector(env.rt, 'roles', 'test');
    await runCollector(env.rt, 'signins', 'test');
    env.setTenant(tenantWith([prompt, done, later]));
    expect((await runCollector(env.rt, 'signins', 'test')).counts).toMatchObject({ new: 1 });
    const rebuilt = await digests();
    await env.close();
    // One run reading all three (built from what it read).
    env = await testEnvironment(tenantWith([prompt, done, later]));
    await runCollector(env.rt, 'roles', 'test');
    await runCollector(env.rt, 'signins', 'test');
    const fresh = await digests();
    expect(fresh).toEqual(rebuilt);
    expect(JSON.stringify(fresh)).toContain('"completed"');
  });

  it('an interruption whose completion window passes between two runs rewrites no digest: the evaluation ages it to abandoned (R-OBS-9)', async () => {
    const start = Date.now();
    let clock = start;
    const prompt = signIn(T.alice, { createdDateTime: at(120_000, start), status: { errorCode: 50074 }, authenticationRequirement: 'multiFactorAuthentication' });
    env = await testEnvironment(tenantWith([prompt]), { now: () => new Date(clock) });
    const first = await runCycle(env.rt, 'test');
    expect(first.report.admins.find((a) => a.id === T.alice)?.evidence).toMatchObject({ prompted: 1, completed: 0, abandoned: 0 });
    clock = start + 20 * 60_000;
    const again = await runCollector(env.rt, 'signins', 'test');
    expect(again.counts).toMatchObject({ new: 0, digests: 0 });
    expect(again.writes).toBe(1);
    const later = await runCycle(env.rt, 'test');
    expect(later.report.admins.find((a) => a.id === T.alice)?.evidence).toMatchObject({ prompted: 1, completed: 0, abandoned: 1 });
  });

  it('reads interactive sign-ins only with SIGNIN_NON_INTERACTIVE=false', async () => {
    env = await testEnvironment(tenantWith([signIn(T.alice), signIn(T.alice, { isInteractive: false })]), { env: { SIGNIN_NON_INTERACTIVE: 'false' } });
    await runCollector(env.rt, 'roles', 'test');
    expect((await runCollector(env.rt, 'signins', 'test')).counts).toMatchObject({ new: 1 });
  });

  it('reads the tenant\'s report-only hits only while a policy is report-only, with the report-only results (Prefer header)', async () => {
    const hit = signIn('f0000000-0000-4000-8000-000000000003', { appliedConditionalAccessPolicies: [{ id: T.policyAll, displayName: 'MFA for everyone', result: 'reportOnlyFailure' }] });
    const fixture = tenantWith([hit]);
    env = await testEnvironment(fixture);
    await runCycle(env.rt, 'test');
    const stored = await queryHistory(env.store, 'signins', parseHistoryQuery('signins', {}).query);
    expect(stored.items).toEqual([expect.objectContaining({ kind: 'reportOnly', appliedConditionalAccessPolicies: [expect.objectContaining({ result: 'reportOnlyFailure' })] })]);
    // No report-only policy: no such query.
    const enabled = clone(fixture);
    for (const p of enabled.conditionalAccessPolicies ?? []) p.state = 'enabled';
    env.setTenant(enabled);
    env.sim.resetStats();
    await runCollector(env.rt, 'policies', 'test');
    await runCollector(env.rt, 'signins', 'test');
    // A steady run of a small tenant: the whole window in one page, instead of one request for the monitored
    // accounts and one for the interrupted sign-ins.
    expect(env.sim.stats().byEndpoint.signIns).toBe(1);
  });

  it('deletes sign-ins (with their index copies) and digests past SIGNIN_RETENTION_DAYS', async () => {
    const old = signIn(T.alice, { createdDateTime: at(25 * 86_400_000) });
    env = await testEnvironment(tenantWith([old, signIn(T.alice)]), { env: { SIGNIN_INITIAL_LOOKBACK_HOURS: '720', SIGNIN_RETENTION_DAYS: '45' } });
    await runCollector(env.rt, 'roles', 'test');
    await runCollector(env.rt, 'signins', 'test');
    expect(await count(env.store, 'signins', `p|${T.alice}`)).toBe(2);
    expect(await count(env.store, 'state', DIGEST_PARTITION)).toBe(2);
    const short = env.restart({ SIGNIN_RETENTION_DAYS: '20', SIGNIN_INITIAL_LOOKBACK_HOURS: '720' });
    const run = await runCollector(short, 'signins', 'test');
    expect(run.counts).toMatchObject({ expired: 1 });
    expect(await count(env.store, 'signins', 'all')).toBe(1);
    expect(await count(env.store, 'signins', `p|${T.alice}`)).toBe(1);
    expect(await count(env.store, 'state', DIGEST_PARTITION)).toBe(1);
  });

  it('refuses a retention shorter than the evaluation windows, naming the settings', async () => {
    const { loadSettings } = await import('../../src/app/settings.js');
    expect(() => loadSettings({ SIGNIN_RETENTION_DAYS: '10', SIGNIN_ROLLOUT_DAYS: '14' })).toThrow(/SIGNIN_RETENTION_DAYS \(10\) must be at least SIGNIN_EVIDENCE_DAYS and SIGNIN_ROLLOUT_DAYS \(14\)/);
    expect(() => loadSettings({ SIGNIN_NON_INTERACTIVE: 'maybe' })).toThrow(/SIGNIN_NON_INTERACTIVE: expected true or false/);
    expect(() => loadSettings({ SIGNIN_EVIDENCE_DAYS: '31' })).toThrow(/SIGNIN_EVIDENCE_DAYS: expected a number from 1 to 30/);
  });
});

describe('the tenant-wide read of a steady run (docs/storage.md, "Sign-ins")', () => {
  const other = 'f0000000-0000-4000-8000-000000000004';
  async function stored(e: TestEnvironment): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for await (const row of e.store.partition('signins', 'all')) out[String(row.itemId)] = String(row.kind);
    return out;
  }

  it('stores exactly what the per-account queries store, in one request', async () => {
    const first = signIn(T.alice, { createdDateTime: at(120_000) });
    const window = [
      signIn(T.alice, { createdDateTime: at(60_000), isInteractive: false }),
      signIn(other, { createdDateTime: at(50_000), status: { errorCode: 50074 } }),
      signIn(other, { createdDateTime: at(40_000), status: { errorCode: 50074 }, isInteractive: false, signInEventTypes: ['nonInteractiveUser'] }),
      signIn(other, { createdDateTime: at(30_000) }),
    ];
    env = await testEnvironment(tenantWith([first]));
    await runCollector(env.rt, 'roles', 'test');
    await runCollector(env.rt, 'signins', 'test');
    env.setTenant(tenantWith([first, ...window]));
    env.sim.resetStats();
    const steady = await runCollector(env.rt, 'signins', 'test');
    expect(env.sim.stats().byEndpoint.signIns).toBe(1);
    expect(steady.signInRead).toMatchObject({ mode: 'tenant' });
    expect(steady.counts).toMatchObject({ new: 2, admin: 1, interrupted: 1 });
    const tenantWide = await stored(env);
    await env.close();
    // The same sign-ins read per account (a first run) are filed the same.
    env = await testEnvironment(tenantWith([first, ...window]));
    await runCollector(env.rt, 'roles', 'test');
    await runCollector(env.rt, 'signins', 'test');
    expect(await stored(env)).toEqual(tenantWide);
  });

  it('a window larger than the per-account requests goes on per account, and stays so for a day', async () => {
    const start = Date.now();
    let clock = start;
    const busy = Array.from({ length: 1001 }, () => signIn(other, { createdDateTime: at(60_000, start) }));
    env = await testEnvironment(tenantWith([signIn(T.alice, { createdDateTime: at(120_000, start) })]), { now: () => new Date(clock) });
    await runCollector(env.rt, 'roles', 'test');
    await runCollector(env.rt, 'signins', 'test');
    const admin = signIn(T.alice, { createdDateTime: at(30_000, start) });
    env.setTenant(tenantWith([admin, ...busy]));
    // Runs a minute apart (two run records of one instant are ordered by their random ids).
    clock += 60_000;
    env.sim.resetStats();
    const probe = await runCollector(env.rt, 'signins', 'test');
    // One page of the whole window (a second would cost as much as the two per-account requests), then those.
    expect(env.sim.stats().byEndpoint.signIns).toBe(3);
    expect(probe.signInRead).toMatchObject({ mode: 'accounts' });
    expect((await stored(env))[admin.id as string]).toBe('admin');
    clock += 10 * 60_000;
    env.sim.resetStats();
    await runCollector(env.rt, 'signins', 'test');
    expect(env.sim.stats().byEndpoint.signIns).toBe(2);
  });
});

describe('bad input and failures', () => {
  it('sign-ins without Conditional Access results (no P1 or no permission) are kept and said; nothing is invented', async () => {
    env = await testEnvironment(tenantWith([signIn(T.alice, { appliedConditionalAccessPolicies: null, authenticationRequirement: 'somethingNew' })]));
    const result = await runCycle(env.rt, 'test');
    expect(result.report.signInEvidence?.notes.join(' ')).toContain('carried no Conditional Access results');
    expect(result.report.signInEvidence?.notes.join(' ')).toContain('authenticationRequirement=somethingNew');
    expect(result.report.findings.filter((f) => ['admin-single-factor-sign-in', 'evaluation-contradicted'].includes(f.type))).toEqual([]);
  });

  it('a 403 on the sign-in log makes the dataset unavailable with the permission, and the report says no evidence is held', async () => {
    env = await testEnvironment(tenantWith([signIn(T.alice)]));
    env.sim.setFaults([{ kind: 'forbidden403', endpoint: 'signIns' }]);
    const result = await runCycle(env.rt, 'test');
    expect(result.report.dataSources.signIns).toMatchObject({ state: 'unavailable', permission: 'AuditLog.Read.All' });
    expect(result.report.signInEvidence).toMatchObject({ available: false });
    expect(result.report.findings.some((f) => f.type === 'data-unavailable' && f.subjectId === 'signIns')).toBe(true);
  });

  it('a failed sign-in read never resolves a finding: the window ends at the last complete read', async () => {
    const start = Date.now();
    let clock = start;
    env = await testEnvironment(tenantWith([signIn(T.alice, { createdDateTime: at(3_600_000, start) })]), { now: () => new Date(clock) });
    const first = await runCycle(env.rt, 'test');
    expect(first.report.findings.some((f) => f.type === 'admin-single-factor-sign-in' && f.subjectId === T.alice)).toBe(true);
    // Eight days later the sign-in read fails: the evidence is as of the last complete read, the finding stays open.
    clock = start + 8 * 86_400_000;
    env.sim.setFaults([{ kind: 'status503', endpoint: 'signIns', times: 1000 }]);
    const failed = await runCycle(env.rt, 'test');
    expect(failed.runs.find((r) => r.collector === 'signins')?.status).toBe('failed');
    expect(failed.report.findings.some((f) => f.type === 'admin-single-factor-sign-in' && f.subjectId === T.alice)).toBe(true);
    expect(failed.report.signInEvidence?.notes.join(' ')).toContain('the latest sign-in read failed');
    // The read recovers (a minute later): now the sign-in is outside the 7-day window and the finding resolves.
    env.sim.setFaults([]);
    clock += 60_000;
    const recovered = await runCycle(env.rt, 'test');
    expect(recovered.report.signInEvidence, JSON.stringify(recovered.report.dataSources.signIns)).toMatchObject({ available: true, notes: [] });
    expect(recovered.report.findings.filter((f) => f.type === 'admin-single-factor-sign-in').map((f) => f.message)).toEqual([]);
  });
});
