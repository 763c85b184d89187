// Report-only rollout readiness (docs/evaluation.md §13, R-ROLLOUT-1..4; Learn, CA report-only).
import { describe, expect, it } from 'vitest';
import type { RolloutOut } from '../../src/core/report.js';
import { rolloutChangeFindings } from '../../src/core/rollout.js';
import { ROLE, activeAdmin, tenant } from './helpers.js';
import { signIn, withSignIns } from './signins.js';

const result = (id: string, r: string) => ({ appliedConditionalAccessPolicies: [{ id, displayName: 'Rollout MFA', result: r }] });

function setup() {
  const t = tenant();
  const alice = activeAdmin(t, 'alice');
  const svc = activeAdmin(t, 'svc', ROLE.exchangeAdministrator);
  const carol = t.user('carol', { registered: false });
  const dave = t.user('dave');
  const bg = activeAdmin(t, 'bg', ROLE.globalAdministrator);
  const policy = t.policy('Rollout MFA', { state: 'enabledForReportingButNotEnforced' });
  return { t, alice, svc, carol, dave, bg, policy };
}

describe('report-only rollout readiness', () => {
  it('R-ROLLOUT-4 every sign-in satisfied or only prompted registered interactive users: ready to enable', () => {
    const { t, alice, dave, policy } = setup();
    const report = t.evaluate({}, withSignIns([signIn(alice, result(policy, 'reportOnlySuccess')), signIn(dave, result(policy, 'reportOnlyInterrupted')), signIn(dave, result(policy, 'reportOnlyNotApplied'))]));
    const [r] = report.rollout ?? [];
    expect(r).toMatchObject({ policyId: policy, verdict: 'ready', signIns: { success: 1, failure: 0, interrupted: 1, notApplied: 1, other: 0 }, users: { success: 1, interrupted: 1, failure: 0, notApplied: 1 }, blocked: [] });
    expect(r?.summary).toBe('ready to enable: it would have blocked nobody (1 user would have been asked for MFA)');
  });

  it('R-ROLLOUT-1 a report-only failure blocks the account', () => {
    const { t, dave, policy } = setup();
    const [r] = t.evaluate({}, withSignIns([signIn(dave, result(policy, 'reportOnlyFailure'))])).rollout ?? [];
    expect(r?.verdict).toBe('wouldBlock');
    expect(r?.blocked).toEqual([expect.objectContaining({ id: dave, effect: 'blocked', failure: 1, reason: '1 sign-in would have failed' })]);
    expect(r?.summary).toBe(`would block 1 account: ${dave}@contoso.test`);
  });

  it('R-ROLLOUT-2 an account signing in only non-interactively (a service account) cannot answer the prompt: blocked, listed as service', () => {
    const { t, svc, policy } = setup();
    const [r] = t.evaluate({}, withSignIns([signIn(svc, { ...result(policy, 'reportOnlyInterrupted'), isInteractive: false })])).rollout ?? [];
    expect(r?.verdict).toBe('wouldBlock');
    expect(r?.excludedOrService).toEqual([expect.objectContaining({ id: svc, kinds: ['admin', 'service'], effect: 'blocked' })]);
    expect(r?.admins.map((a) => a.id)).toEqual([svc]);
  });

  it('R-ROLLOUT-2 legacy-protocol sign-ins only: service pattern', () => {
    const { t, dave, policy } = setup();
    const [r] = t.evaluate({}, withSignIns([signIn(dave, { ...result(policy, 'reportOnlyInterrupted'), clientAppUsed: 'Authenticated SMTP' })])).rollout ?? [];
    expect(r?.blocked[0]?.kinds).toEqual(['service']);
  });

  it('R-ROLLOUT-3 a user without an MFA method (registration details) would be blocked by the prompt', () => {
    const { t, carol, policy } = setup();
    const [r] = t.evaluate({}, withSignIns([signIn(carol, result(policy, 'reportOnlyInterrupted'))])).rollout ?? [];
    expect(r?.unregistered).toEqual([expect.objectContaining({ id: carol, kinds: ['unregistered'], effect: 'blocked' })]);
  });

  it('R-ROLLOUT-3 AADSTS50079 in the window marks the user as without a method', () => {
    const { t, dave, policy } = setup();
    const [r] = t.evaluate({}, withSignIns([signIn(dave, result(policy, 'reportOnlyInterrupted')), signIn(dave, { status: { errorCode: 50079 } })])).rollout ?? [];
    expect(r?.blocked[0]?.kinds).toEqual(['unregistered']);
  });

  it('R-ROLLOUT-1 an excluded (break-glass) account it would reach is blocked', () => {
    const { t, bg, policy } = setup();
    const [r] = t.evaluate({ excludedAccounts: [bg] }, withSignIns([signIn(bg, result(policy, 'reportOnlyInterrupted'))])).rollout ?? [];
    expect(r?.blocked[0]).toMatchObject({ id: bg, kinds: ['admin', 'excluded'] });
  });

  it('R-ROLLOUT-4 no report-only result in the window: no evidence; results withheld by Graph are said (Prefer header)', () => {
    const { t, dave, policy } = setup();
    const [r] = t.evaluate({}, withSignIns([signIn(dave, result(policy, 'unknownFutureValue'))])).rollout ?? [];
    expect(r).toMatchObject({ verdict: 'noEvidence', signIns: { other: 1 } });
    expect(r?.notes[0]).toContain('Prefer: include-unknown-enum-members');
    expect(r?.summary).toContain('no evidence');
  });

  it('R-ROLLOUT-4 results older than the rollout window do not count', () => {
    const { t, dave, policy } = setup();
    const [r] = t.evaluate({ rolloutDays: 1 }, withSignIns([signIn(dave, { ...result(policy, 'reportOnlyFailure'), createdDateTime: '2026-10-25T08:00:00Z' })])).rollout ?? [];
    expect(r?.verdict).toBe('noEvidence');
  });

  it('R-ROLLOUT-4 results of a policy that no longer exists are left out and said; enabled policies get no rollout entry', () => {
    const { t, dave } = setup();
    t.policy('Enabled MFA');
    const report = t.evaluate({}, withSignIns([signIn(dave, { appliedConditionalAccessPolicies: [{ id: 'deadbeef-0000-0000-0000-000000000000', displayName: 'Gone', result: 'reportOnlyFailure' }] })]));
    expect(report.rollout?.map((r) => r.displayName)).toEqual(['Rollout MFA']);
    expect(report.signInEvidence?.notes.join(' ')).toContain("'Gone' (deadbeef-0000-0000-0000-000000000000)");
  });
});

describe('readiness changes (R-ROLLOUT-4)', () => {
  const r = (verdict: RolloutOut['verdict']): RolloutOut => ({ policyId: 'P', displayName: 'Rollout', windowDays: 14, signIns: { success: 3, failure: 0, interrupted: 1, notApplied: 0, other: 0 }, users: { success: 2, failure: 0, interrupted: 1, notApplied: 0 }, verdict, summary: verdict === 'wouldBlock' ? 'would block 1 account: x@contoso.test' : 'ready to enable', blocked: [], admins: [], excludedOrService: [], unregistered: [], notes: [] });
  it.each([
    ['became ready (from would block)', 'wouldBlock', 'ready', 'is ready to enable'],
    ['became ready (from no evidence)', 'noEvidence', 'ready', 'is ready to enable'],
    ['became ready (a new report-only policy)', undefined, 'ready', 'is ready to enable'],
    ['stopped being ready', 'ready', 'wouldBlock', 'is no longer ready to enable: it would block 1 account'],
  ] as const)('R-ROLLOUT-4 %s: a medium change finding', (_name, before, now, text) => {
    const previous = new Map(before ? [['p', { verdict: before, displayName: 'Rollout' }]] : []);
    const [f] = rolloutChangeFindings([r(now)], previous, 'eval-1');
    expect(f).toMatchObject({ type: 'rollout-readiness-changed', severity: 'medium', subjectId: 'P', fingerprint: 'rollout-readiness-changed:p:eval-1' });
    expect(f?.message).toContain(text);
  });

  it.each([
    ['still ready', 'ready', 'ready'],
    ['evidence aged out (ready to no evidence)', 'ready', 'noEvidence'],
    ['still blocking', 'wouldBlock', 'wouldBlock'],
  ] as const)('R-ROLLOUT-4 %s: nothing told', (_name, before, now) => {
    expect(rolloutChangeFindings([r(now)], new Map([['p', { verdict: before, displayName: 'Rollout' }]]), 'eval-1')).toEqual([]);
  });
});
