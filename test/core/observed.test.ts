// What a sign-in says (R-OBS-1..5), what became of an interruption (R-OBS-8, R-OBS-9), addresses in ranges,
// and the daily digest the collector builds. Sources: docs/evaluation.md, section 15.
import { describe, expect, it } from 'vitest';
import { inCidr, parseIp } from '../../src/core/ip.js';
import { classifyInterrupts, isInteractive, observeSignIn, outcomeOf, requirementOf } from '../../src/core/observed.js';
import { buildDigest, isLegacyClient } from '../../src/core/signin-digest.js';
import { CODES, ago, signIn } from './signins.js';
import { CAPTURED_AT } from './helpers.js';

const U = 'a0000000-0000-0000-0000-000000000001';

describe('what a sign-in says', () => {
  it.each([
    ['R-OBS-1 errorCode 0 is a success (Graph signIn status)', 0, 'success'],
    ['R-OBS-1 an interrupt code is an interruption (entra-facts §5)', 50074, 'interrupted'],
    ['R-OBS-1 53003 (blocked by Conditional Access) is a failure, not an interrupt (entra-facts §5)', 53003, 'failure'],
    ['R-OBS-1 a wrong password is a failure (AADSTS50126)', 50126, 'failure'],
  ])('%s', (_name, code, outcome) => {
    expect(outcomeOf(code, CODES)).toBe(outcome);
  });

  it.each([
    ['R-OBS-2 singleFactorAuthentication (Graph signIn authenticationRequirement)', 'singleFactorAuthentication', 'single'],
    ['R-OBS-2 multiFactorAuthentication', 'multiFactorAuthentication', 'multi'],
    ['R-OBS-2 an unknown value is unknown, never single', 'passkeyAuthentication', 'unknown'],
    ['R-OBS-2 missing is unknown', null, 'unknown'],
  ])('%s', (_name, value, requirement) => {
    expect(requirementOf(value)).toBe(requirement);
  });

  it.each([
    ['R-OBS-3 signInEventTypes nonInteractiveUser (Graph signIn beta)', { signInEventTypes: ['nonInteractiveUser'], isInteractive: true }, false],
    ['R-OBS-3 signInEventTypes interactiveUser wins', { signInEventTypes: ['interactiveUser'], isInteractive: false }, true],
    ['R-OBS-3 without event types, isInteractive decides', { isInteractive: false }, false],
    ['R-OBS-3 neither: interactive (v1.0 lists interactive sign-ins)', {}, true],
  ])('%s', (_name, fields, interactive) => {
    expect(isInteractive(fields)).toBe(interactive);
  });

  it('R-OBS-2 an unknown requirement is named, not guessed', () => {
    const o = observeSignIn(signIn(U, { authenticationRequirement: 'somethingNew' }), CODES);
    expect(o.requirement).toBe('unknown');
    expect(o.unknownValues).toEqual(['authenticationRequirement=somethingNew']);
  });

  it('R-OBS-4 missing appliedConditionalAccessPolicies (no P1 or no permission) is "unknown", an empty list is "none applied"', () => {
    const { appliedConditionalAccessPolicies: _drop, ...rest } = signIn(U);
    expect(observeSignIn(rest as never, CODES).policies).toBeNull();
    expect(observeSignIn(signIn(U, { appliedConditionalAccessPolicies: null }), CODES).policies).toBeNull();
    expect(observeSignIn(signIn(U), CODES).policies).toEqual([]);
  });

  it('R-OBS-5 policy results: known ones kept, conditionsNotSatisfied split, an unknown result named (Graph applied CA policy)', () => {
    const o = observeSignIn(
      signIn(U, {
        appliedConditionalAccessPolicies: [
          { id: 'P1', displayName: 'Admins MFA', result: 'notApplied', conditionsNotSatisfied: 'application,location' },
          { id: 'P2', displayName: 'Rollout', result: 'unknownFutureValue' },
          { id: 'P3', displayName: 'Future', result: 'reportOnlySomething' },
        ],
      }),
      CODES,
    );
    expect(o.policies).toEqual([
      { id: 'p1', name: 'Admins MFA', result: 'notApplied', notSatisfied: ['application', 'location'], grantControls: [] },
      { id: 'p2', name: 'Rollout', result: 'unknownFutureValue', notSatisfied: [], grantControls: [] },
      { id: 'p3', name: 'Future', result: 'reportOnlySomething', notSatisfied: [], grantControls: [] },
    ]);
    expect(o.unknownValues).toEqual(['result=reportOnlySomething', 'result=unknownFutureValue']);
  });
});

describe('what became of an interruption (R-OBS-8, R-OBS-9; AADSTS error reference)', () => {
  const end = Date.parse(CAPTURED_AT);
  const run = (signIns: ReturnType<typeof signIn>[]) => classifyInterrupts(signIns.map((s) => observeSignIn(s, CODES)), 10, end);

  it('R-OBS-9 completed: a later success with the same correlation id and MFA', () => {
    const i = signIn(U, { createdDateTime: ago(120), status: { errorCode: 50074 }, correlationId: 'c1' });
    const s = signIn(U, { createdDateTime: ago(100), authenticationRequirement: 'multiFactorAuthentication', correlationId: 'c1' });
    expect(run([i, s]).get(i.id)).toBe('completed');
  });

  it('R-OBS-9 completed: a success with MFA to the same app within the window, another correlation id', () => {
    const i = signIn(U, { createdDateTime: ago(120), status: { errorCode: 50076 } });
    const s = signIn(U, { createdDateTime: ago(115), authenticationRequirement: 'multiFactorAuthentication' });
    expect(run([i, s]).get(i.id)).toBe('completed');
  });

  it('R-OBS-9 after an MFA prompt a single-factor success does not complete it', () => {
    const i = signIn(U, { createdDateTime: ago(120), status: { errorCode: 50074 } });
    const s = signIn(U, { createdDateTime: ago(118) });
    expect(run([i, s]).get(i.id)).toBe('abandoned');
  });

  it('R-OBS-8 a non-MFA interruption (16000 account selection) is completed by any success', () => {
    const i = signIn(U, { createdDateTime: ago(120), status: { errorCode: 16000 } });
    const s = signIn(U, { createdDateTime: ago(119) });
    expect(run([i, s]).get(i.id)).toBe('completed');
  });

  it('R-OBS-9 a success to the same app after the window does not complete it', () => {
    const i = signIn(U, { createdDateTime: ago(120), status: { errorCode: 50074 } });
    const s = signIn(U, { createdDateTime: ago(60), authenticationRequirement: 'multiFactorAuthentication' });
    expect(run([i, s]).get(i.id)).toBe('abandoned');
  });

  it.each([50079, 50072])('R-OBS-9 %i (must register for MFA) never completed: blocked for lack of a method', (code) => {
    const i = signIn(U, { createdDateTime: ago(120), status: { errorCode: code } });
    expect(run([i]).get(i.id)).toBe('noMethod');
  });

  it('R-OBS-9 50079 then registered and completed: completed', () => {
    const i = signIn(U, { createdDateTime: ago(120), status: { errorCode: 50079 }, correlationId: 'c2' });
    const s = signIn(U, { createdDateTime: ago(110), authenticationRequirement: 'multiFactorAuthentication', correlationId: 'c2' });
    expect(run([i, s]).get(i.id)).toBe('completed');
  });

  it('R-OBS-9 younger than the window: pending', () => {
    const i = signIn(U, { createdDateTime: ago(3), status: { errorCode: 50074 } });
    expect(run([i]).get(i.id)).toBe('pending');
  });

  it('R-OBS-9 without the end of the data (the collector\'s digests) an unresolved one stays pending however old: the evaluation ages it', () => {
    const i = signIn(U, { createdDateTime: ago(600), status: { errorCode: 50074 } });
    expect(run([i]).get(i.id)).toBe('abandoned');
    expect(classifyInterrupts([observeSignIn(i, CODES)], 10).get(i.id)).toBe('pending');
  });
});

describe('addresses and ranges (R-OBS-14)', () => {
  it.each([
    ['203.0.113.7', '203.0.113.0/24', true],
    ['203.0.114.7', '203.0.113.0/24', false],
    ['203.0.113.7', '203.0.113.7', true],
    ['2001:db8:c0de::1', '2001:db8:c0de::/48', true],
    ['2001:db8:c0df::1', '2001:db8:c0de::/48', false],
    ['::ffff:203.0.113.9', '::ffff:203.0.113.0/120', true],
    ['203.0.113.7', '2001:db8::/32', false],
    ['203.0.113.7', '203.0.113.0/33', false],
  ])('%s in %s: %s', (ip, cidr, inside) => {
    const parsed = parseIp(ip);
    expect(parsed).toBeDefined();
    expect(inCidr(parsed as NonNullable<typeof parsed>, cidr)).toBe(inside);
  });

  it.each(['', 'not-an-ip', '300.1.1.1', '1.2.3', '1:2:3:4:5:6:7:8:9', 'fe80::1::2'])('%s is no address', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('the daily digest', () => {
  it('counts every sign-in of the day by kind and context, keeps the latest single-factor success, and classifies interruptions', () => {
    const day = CAPTURED_AT.slice(0, 10);
    const signIns = [
      signIn(U, { createdDateTime: ago(300) }),
      signIn(U, { createdDateTime: ago(200) }),
      signIn(U, { createdDateTime: ago(100), isInteractive: false, authenticationRequirement: 'multiFactorAuthentication' }),
      signIn(U, { createdDateTime: ago(90), status: { errorCode: 50079 } }),
      signIn(U, { createdDateTime: ago(80), status: { errorCode: 53003 } }),
    ].map((s) => observeSignIn(s, CODES));
    const d = buildDigest(U, day, signIns, 10, Date.parse(CAPTURED_AT));
    expect(d.total).toBe(5);
    expect(d.nonInteractive).toBe(1);
    const counts = d.contexts.reduce<Record<string, number>>((acc, c) => {
      for (const [k, v] of Object.entries(c.counts)) acc[k] = (acc[k] ?? 0) + (v ?? 0);
      return acc;
    }, {});
    expect(counts).toEqual({ singleFactorSuccess: 2, multiFactorSuccess: 1, interrupted: 1, failure: 1 });
    expect(Object.values(d.singleFactor).map((s) => s.at)).toEqual([ago(200)]);
    expect(d.interrupts).toEqual([expect.objectContaining({ errorCode: 50079, outcome: 'noMethod', mfaPrompt: true })]);
  });

  it('R-OBS-5 report-only results per policy, withheld ones (unknownFutureValue) apart; R-OBS-4 missing details counted', () => {
    const day = CAPTURED_AT.slice(0, 10);
    const signIns = [
      signIn(U, { appliedConditionalAccessPolicies: [{ id: 'R', displayName: 'Rollout', result: 'reportOnlyInterrupted' }] }),
      signIn(U, { isInteractive: false, clientAppUsed: 'IMAP4', appliedConditionalAccessPolicies: [{ id: 'R', displayName: 'Rollout', result: 'reportOnlyFailure' }] }),
      signIn(U, { appliedConditionalAccessPolicies: [{ id: 'R', displayName: 'Rollout', result: 'unknownFutureValue' }] }),
      signIn(U, { appliedConditionalAccessPolicies: [{ id: 'E', displayName: 'Enabled', result: 'success' }] }),
      signIn(U, { appliedConditionalAccessPolicies: null }),
    ].map((s) => observeSignIn(s, CODES));
    const d = buildDigest(U, day, signIns, 10, Date.parse(CAPTURED_AT));
    expect(d.reportOnly).toEqual({ r: { name: 'Rollout', counts: { success: 0, failure: 1, interrupted: 1, notApplied: 0, other: 1 }, hits: { interactive: 1, nonInteractive: 1, legacyClient: 1 } } });
    expect(d.caDetailsMissing).toBe(1);
  });

  it('R-OBS-10 legacy clients are anything but a browser or a modern client', () => {
    const ctx = (clientAppUsed: string | null) => observeSignIn(signIn(U, { clientAppUsed }), CODES).context;
    expect(isLegacyClient(ctx('Browser'))).toBe(false);
    expect(isLegacyClient(ctx('Mobile Apps and Desktop clients'))).toBe(false);
    expect(isLegacyClient(ctx('Authenticated SMTP'))).toBe(true);
    expect(isLegacyClient(ctx(null))).toBe(false);
  });
});
