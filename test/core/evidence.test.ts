// The sign-in log held against the verdicts (docs/evaluation.md §14): contradictions (R-OBS-16), sign-ins
// observed in gaps (R-OBS-17), single-factor admin sign-ins (R-OBS-18), MFA prompts (R-OBS-9), the role state
// at the time (R-OBS-7) and the window's end (R-OBS-19).
import { describe, expect, it } from 'vitest';
import type { ActivationUnit, AdminState } from '../../src/core/coverage.js';
import { stateAt } from '../../src/core/evidence.js';
import type { ActivationWindow } from '../../src/core/snapshot.js';
import { CAPTURED_AT, ROLE, activeAdmin, adminOf, findingsOf, tenant } from './helpers.js';
import { AZURE_PORTAL, SERVICE_MANAGEMENT, ago, signIn, withSignIns } from './signins.js';

const hqIp = '203.0.113.40';

describe('contradictions (R-OBS-16)', () => {
  it('R-OBS-16 a single-factor success in a context the evaluation says is covered contradicts it, naming both sides', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const policy = t.policy('Admins MFA');
    const s = signIn(alice, { appliedConditionalAccessPolicies: [{ id: policy, displayName: 'Admins MFA', result: 'notApplied', conditionsNotSatisfied: 'application' }] });
    const report = t.evaluate({}, withSignIns([s]));
    const a = adminOf(report, alice);
    expect(a.verdict).toBe('protected');
    expect(a.evidence).toMatchObject({ signIns: 1, singleFactor: 1, contradictions: 1, lastSingleFactorAt: s.createdDateTime.replace('.000Z', 'Z') });
    const [f] = findingsOf(report, 'evaluation-contradicted', alice);
    expect(f?.severity).toBe('high');
    expect(f?.message).toContain("the evaluation says 'Admins MFA' enforces MFA for Outlook");
    expect(f?.message).toContain("'Admins MFA' notApplied (conditions not satisfied: application)");
    expect(f?.policyIds).toContain(policy);
  });

  it('R-OBS-16 a single-factor success inside a gap is no contradiction', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.location('HQ', true);
    t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
    const report = t.evaluate({}, withSignIns([signIn(alice, { ipAddress: hqIp })]));
    expect(adminOf(report, alice).evidence?.contradictions).toBe(0);
    expect(findingsOf(report, 'evaluation-contradicted')).toHaveLength(0);
    expect(findingsOf(report, 'admin-single-factor-sign-in', alice)).toHaveLength(1);
  });

  it('R-OBS-16 a multifactor success where MFA is enforced is no contradiction and no finding', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('Admins MFA');
    const report = t.evaluate({}, withSignIns([signIn(alice, { authenticationRequirement: 'multiFactorAuthentication' })]));
    expect(adminOf(report, alice).evidence).toMatchObject({ signIns: 1, singleFactor: 0, contradictions: 0 });
    expect(report.findings.filter((f) => ['evaluation-contradicted', 'admin-single-factor-sign-in'].includes(f.type))).toHaveLength(0);
  });

  it('R-OBS-16 a field the log does not record can hide a contradiction, never invent one (platform unplaced, policy on Windows only)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('Windows MFA', { platforms: { includePlatforms: ['windows'] } });
    const report = t.evaluate({}, withSignIns([signIn(alice, { deviceDetail: null })]));
    expect(adminOf(report, alice).evidence?.contradictions).toBe(0);
  });

  it('R-OBS-16 security defaults covering the state: a single-factor success contradicts (R-SD-1)', () => {
    const t = tenant();
    const alice = activeAdmin(t, 'alice', ROLE.globalAdministrator);
    t.securityDefaults = true;
    const report = t.evaluate({}, withSignIns([signIn(alice)]));
    expect(adminOf(report, alice).evidence?.contradictions).toBe(1);
    expect(findingsOf(report, 'evaluation-contradicted', alice)[0]?.message).toContain('security defaults enforce MFA');
  });
});

describe('contradictions with every way MFA is enforced (R-OBS-16, R-OBS-21)', () => {
  const mfaOrCompliant = { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] };

  it.each([
    ['R-OBS-16 R-GRANT-7 a single-factor success from a non-compliant device contradicts', { operatingSystem: 'Windows 10', isCompliant: false, trustType: '' }, 1],
    ['R-OBS-21 from a compliant device a single factor is what the policy allows: no contradiction', { operatingSystem: 'Windows 10', isCompliant: true, trustType: 'Azure AD joined' }, 0],
    ['R-OBS-21 compliance the log does not record is not placed: no contradiction invented', { operatingSystem: 'Windows 10' }, 0],
  ])('"MFA or compliant device": %s', (_name, deviceDetail, contradictions) => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('MFA or compliant', { grantControls: mfaOrCompliant });
    const report = t.evaluate({}, withSignIns([signIn(alice, { deviceDetail })]));
    expect(adminOf(report, alice).evidence?.contradictions).toBe(contradictions);
    if (contradictions) expect(findingsOf(report, 'evaluation-contradicted', alice)[0]?.message).toContain("'MFA or compliant' enforces MFA");
  });

  it('R-OBS-21 "MFA or hybrid-joined device": a hybrid-joined device (trustType "Hybrid Azure AD joined") needs no MFA, an Entra-joined one does', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('MFA or hybrid', { grantControls: { operator: 'OR', builtInControls: ['mfa', 'domainJoinedDevice'] } });
    const device = (trustType: string) => ({ deviceDetail: { operatingSystem: 'Windows 10', isCompliant: false, trustType } });
    const report = t.evaluate({}, withSignIns([signIn(alice, device('Hybrid Azure AD joined')), signIn(alice, device('Azure AD joined'))]));
    expect(adminOf(report, alice).evidence).toMatchObject({ singleFactor: 2, contradictions: 1 });
  });

  it('R-OBS-16 R-PUMFA-3 per-user MFA covering the context: a single-factor browser success contradicts, naming per-user MFA', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.extra.authenticationRequirements = { [alice]: { perUserMfaState: 'enforced' } };
    const report = t.evaluate({}, withSignIns([signIn(alice)]));
    expect(adminOf(report, alice).evidence?.contradictions).toBe(1);
    expect(findingsOf(report, 'evaluation-contradicted', alice)[0]?.message).toContain('per-user MFA (enforced) enforces MFA');
  });

  it('R-OBS-16 R-PUMFA-2 per-user MFA does not reach legacy clients: an IMAP single-factor success is in the gap, no contradiction', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.extra.authenticationRequirements = { [alice]: { perUserMfaState: 'enforced' } };
    const report = t.evaluate({}, withSignIns([signIn(alice, { clientAppUsed: 'IMAP4' })]));
    expect(adminOf(report, alice).evidence?.contradictions).toBe(0);
    expect(adminOf(report, alice).gaps.some((g) => g.observed?.signIns === 1)).toBe(true);
  });

  it('R-OBS-16 R-SD-2 security defaults without an admin role of theirs cover Azure management for everyone: a single-factor portal success contradicts', () => {
    const t = tenant();
    const alice = activeAdmin(t, 'alice', ROLE.hybridIdentityAdministrator);
    t.securityDefaults = true;
    const portal = signIn(alice, { appId: AZURE_PORTAL, appDisplayName: 'Azure Portal', resourceId: SERVICE_MANAGEMENT, resourceDisplayName: 'Windows Azure Service Management API' });
    const report = t.evaluate({ adminRoles: { mode: 'list', roleIds: [ROLE.hybridIdentityAdministrator] } }, withSignIns([portal, signIn(alice)]));
    expect(adminOf(report, alice).evidence).toMatchObject({ singleFactor: 2, contradictions: 1 });
  });
});

describe('sign-ins observed in gaps (R-OBS-17)', () => {
  it('R-OBS-17 sign-ins inside a gap are counted next to it: "seen N times in D days"', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.location('HQ', true);
    t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
    const signIns = [signIn(alice, { ipAddress: hqIp, createdDateTime: ago(60) }), signIn(alice, { ipAddress: hqIp, createdDateTime: ago(2000), authenticationRequirement: 'multiFactorAuthentication' }), signIn(alice, { createdDateTime: ago(30) })];
    const a = adminOf(t.evaluate({}, withSignIns(signIns)), alice);
    expect(a.gaps).toHaveLength(1);
    expect(a.gaps[0]?.observed).toEqual({ signIns: 2, days: 7, lastAt: ago(60).replace('.000Z', 'Z'), text: 'seen 2 times in 7 days' });
    expect(a.evidence?.signIns).toBe(3);
  });

  it('R-OBS-17 a sign-in older than the window is not counted', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.location('HQ', true);
    t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
    const a = adminOf(t.evaluate({ evidenceDays: 1 }, withSignIns([signIn(alice, { ipAddress: hqIp, createdDateTime: ago(3 * 1440) })])), alice);
    expect(a.gaps[0]?.observed).toBeUndefined();
    expect(a.evidence).toMatchObject({ signIns: 0, windowDays: 1 });
  });

  it('R-OBS-17 gaps shared by admins keep their own counts (gap objects are shared by the engine)', () => {
    const t = tenant();
    const alice = activeAdmin(t, 'alice');
    const bob = activeAdmin(t, 'bob');
    t.location('HQ', true);
    t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
    const report = t.evaluate({}, withSignIns([signIn(alice, { ipAddress: hqIp })]));
    expect(adminOf(report, alice).gaps[0]?.observed?.signIns).toBe(1);
    expect(adminOf(report, bob).gaps[0]?.observed).toBeUndefined();
  });
});

describe('single-factor admin sign-ins (R-OBS-18)', () => {
  it('R-OBS-18 names app, client, address, location, device and the MFA policies that did not apply', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.location('HQ', true);
    const policy = t.policy('Admins MFA', { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
    const s = signIn(alice, { ipAddress: hqIp, appId: AZURE_PORTAL, appDisplayName: 'Azure Portal', resourceId: SERVICE_MANAGEMENT, resourceDisplayName: 'Windows Azure Service Management API', location: { city: 'Seattle', countryOrRegion: 'US' }, appliedConditionalAccessPolicies: [{ id: policy, displayName: 'Admins MFA', result: 'notApplied', conditionsNotSatisfied: 'location' }] });
    const [f] = findingsOf(t.evaluate({}, withSignIns([s])), 'admin-single-factor-sign-in', alice);
    expect(f?.severity).toBe('high');
    expect(f?.message).toContain('1 time in the last 7 days');
    expect(f?.message).toContain('Azure Portal for Windows Azure Service Management API (Browser) from 203.0.113.40 (Seattle, US), Windows 10, unmanaged device');
    expect(f?.message).toContain("'Admins MFA' notApplied (conditions not satisfied: location)");
    expect(f?.fingerprint).toBe(`admin-single-factor-sign-in:${alice}`);
  });

  it('R-OBS-18 excluded (break-glass) accounts keep their own finding; potential admins get none', () => {
    const t = tenant();
    const bg = activeAdmin(t, 'bg', ROLE.globalAdministrator);
    const report = t.evaluate({ excludedAccounts: [bg] }, withSignIns([signIn(bg)]));
    expect(adminOf(report, bg).evidence?.singleFactor).toBe(1);
    expect(findingsOf(report, 'admin-single-factor-sign-in')).toHaveLength(0);
  });

  it('R-OBS-4 a sign-in without Conditional Access results says so', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const report = t.evaluate({}, withSignIns([signIn(alice, { appliedConditionalAccessPolicies: null })]));
    expect(findingsOf(report, 'admin-single-factor-sign-in', alice)[0]?.message).toContain('carries no Conditional Access results');
    expect(report.signInEvidence?.notes.join(' ')).toContain('1 sign-in carried no Conditional Access results');
  });

  it('R-OBS-2 an unknown requirement raises nothing and is said', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const report = t.evaluate({}, withSignIns([signIn(alice, { authenticationRequirement: 'newKind' })]));
    expect(adminOf(report, alice).evidence).toMatchObject({ signIns: 1, singleFactor: 0 });
    expect(findingsOf(report, 'admin-single-factor-sign-in')).toHaveLength(0);
    expect(report.signInEvidence?.notes.join(' ')).toContain('authenticationRequirement=newKind');
  });
});

describe('MFA prompts (R-OBS-9)', () => {
  it('R-OBS-9 prompts blocked for lack of a method and never an MFA success: admin-cannot-complete-mfa, high', () => {
    const t = tenant();
    const alice = activeAdmin(t, 'alice', ROLE.securityAdministrator, { registered: false });
    t.policy('Admins MFA');
    const report = t.evaluate({}, withSignIns([signIn(alice, { createdDateTime: ago(300), status: { errorCode: 50079 } }), signIn(alice, { createdDateTime: ago(200), status: { errorCode: 50072 } })]));
    expect(adminOf(report, alice).evidence).toMatchObject({ prompted: 2, completed: 0, noMethod: 2 });
    const [f] = findingsOf(report, 'admin-cannot-complete-mfa', alice);
    expect(f?.severity).toBe('high');
    expect(f?.message).toContain('prompted for MFA 2 times in the last 7 days and completed it 0 times');
  });

  it('R-OBS-9 with an MFA success in the window it is medium; "prompted N, completed M" counts each outcome', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('Admins MFA');
    const signIns = [
      signIn(alice, { createdDateTime: ago(500), status: { errorCode: 50079 } }),
      signIn(alice, { createdDateTime: ago(400), status: { errorCode: 50074 } }),
      signIn(alice, { createdDateTime: ago(399), authenticationRequirement: 'multiFactorAuthentication' }),
      signIn(alice, { createdDateTime: ago(300), status: { errorCode: 500121 } }),
      signIn(alice, { createdDateTime: ago(100), status: { errorCode: 16000 } }),
    ];
    const report = t.evaluate({}, withSignIns(signIns));
    expect(adminOf(report, alice).evidence).toMatchObject({ prompted: 3, completed: 1, abandoned: 1, noMethod: 1 });
    expect(findingsOf(report, 'admin-cannot-complete-mfa', alice)[0]?.severity).toBe('medium');
  });
});

describe('the role state at the time (R-OBS-7)', () => {
  const unit = (key: string): ActivationUnit => ({ key, name: key, label: `while ${key} is activated`, paths: [], roles: [], groups: [] });
  const state = (key: string, units: ActivationUnit[] = []): AdminState => ({ key, label: units.length ? key : null, units, activePaths: [], targetableRoles: new Set(), untargetablePaths: [], groups: new Set() });
  const roleKey = `role:${ROLE.globalAdministrator}|/`;
  const role = unit(roleKey);
  const member = unit('member:g1');
  const states = [state('standing'), state(roleKey, [role]), state('member:g1', [member]), state(`${roleKey}+member:g1`, [role, member])];
  const act = (kind: 'role' | 'pimGroup', start: string, end: string | null, scope = '/'): ActivationWindow => ({ principalId: 'u', kind, roleDefinitionId: kind === 'role' ? ROLE.globalAdministrator : null, groupId: kind === 'pimGroup' ? 'g1' : null, directoryScopeId: kind === 'role' ? scope : null, startDateTime: start, endDateTime: end });
  const t = Date.parse('2026-11-01T08:00:00Z');
  it.each([
    ['nothing active: standing', [], 'standing'],
    ['a role activation covering the time: its state', [act('role', '2026-11-01T07:00:00Z', '2026-11-01T09:00:00Z')], roleKey],
    ['an activation that ended before: standing', [act('role', '2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z')], 'standing'],
    ['a PIM group activation: the membership unit', [act('pimGroup', '2026-11-01T07:00:00Z', null)], 'member:g1'],
    ['both units active: the combination the evaluation judged (R-ROLESTATE-2)', [act('role', '2026-11-01T07:00:00Z', null), act('pimGroup', '2026-11-01T07:00:00Z', null)], `${roleKey}+member:g1`],
  ])('R-OBS-7 %s', (_name, activations, key) => {
    expect(stateAt(states, activations, t)?.key).toBe(key);
  });

  it('R-OBS-7 an activation of the same role at the tenant scope does not activate its AU-scoped unit', () => {
    const au = unit(`role:${ROLE.globalAdministrator}|/administrativeUnits/au1`);
    const scoped = [state('standing'), state(au.key, [au])];
    expect(stateAt(scoped, [act('role', '2026-11-01T07:00:00Z', null)], t)?.key).toBe('standing');
    expect(stateAt(scoped, [act('role', '2026-11-01T07:00:00Z', null, '/administrativeUnits/au1')], t)?.key).toBe(au.key);
  });

  it('R-OBS-7 a combination the evaluation did not list (it exposes nothing new): no state judged', () => {
    const both = [act('role', '2026-11-01T07:00:00Z', null), act('pimGroup', '2026-11-01T07:00:00Z', null)];
    expect(stateAt(states.slice(0, 3), both, t)).toBeNull();
  });

  it('R-OBS-7 an eligible-only admin with nothing active: no state the evaluation judged', () => {
    expect(stateAt([state(roleKey)], [], t)).toBeNull();
  });

  it('R-OBS-7 end to end: a single-factor sign-in during an activation is judged in the activated state', () => {
    const tb = tenant();
    const bob = tb.user('bob');
    tb.makeEligible(bob, ROLE.globalAdministrator);
    tb.policy('GA MFA', { users: { includeRoles: [ROLE.globalAdministrator] } });
    const during = signIn(bob, { createdDateTime: '2026-11-01T07:30:00Z' });
    const outside = signIn(bob, { createdDateTime: '2026-11-01T06:00:00Z' });
    const activation: ActivationWindow = { principalId: bob, kind: 'role', roleDefinitionId: ROLE.globalAdministrator, groupId: null, directoryScopeId: '/', startDateTime: '2026-11-01T07:00:00Z', endDateTime: '2026-11-01T08:00:00Z' };
    const report = tb.evaluate({}, withSignIns([during, outside], [activation]));
    // Covered while activated: the sign-in during the activation contradicts; the one before is in no judged state.
    expect(adminOf(report, bob).evidence).toMatchObject({ singleFactor: 2, contradictions: 1 });
    expect(findingsOf(report, 'evaluation-contradicted', bob)[0]?.message).toContain("while 'Global Administrator' is activated");
  });
});

describe('the window (R-OBS-19)', () => {
  it('R-OBS-19 when the latest sign-in read failed, the window ends at the last complete read: nothing ages out', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const old = signIn(alice, { createdDateTime: '2026-10-20T08:00:00Z' });
    const fresh = t.evaluate({ now: CAPTURED_AT }, withSignIns([old]));
    expect(findingsOf(fresh, 'admin-single-factor-sign-in', alice)).toHaveLength(0);
    const stale = t.evaluate({ now: CAPTURED_AT }, withSignIns([old], [], 'stale', '2026-10-21T08:00:00Z'));
    expect(findingsOf(stale, 'admin-single-factor-sign-in', alice)).toHaveLength(1);
    expect(stale.signInEvidence?.to).toBe('2026-10-21T08:00:00Z');
    expect(stale.signInEvidence?.notes.join(' ')).toContain('the latest sign-in read failed');
  });

  it('R-OBS-19 sign-ins never read: said, nothing held against the verdicts', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const report = t.evaluate({}, withSignIns([], [], 'unavailable'));
    expect(report.signInEvidence).toMatchObject({ available: false });
    expect(report.signInEvidence?.notes[0]).toContain('sign-ins could not be read');
    expect(adminOf(report, alice).evidence?.signIns).toBe(0);
  });

  it('without sign-in evidence on the snapshot (a fixture evaluated directly) the report carries no evidence fields', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const report = t.evaluate();
    expect(adminOf(report, alice).evidence).toBeUndefined();
    expect(report.rollout).toBeUndefined();
  });
});

describe('the check --json contract with sign-in evidence', () => {
  it('R-CONTRACT-1 every admin carries evidence { signIns, singleFactor, lastSingleFactorAt, contradictions }; the report carries rollout (docs/evaluation.md §12)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const bob = activeAdmin(t, 'bob');
    t.policy('Admins MFA');
    t.policy('Rollout', { state: 'enabledForReportingButNotEnforced' });
    const report = JSON.parse(JSON.stringify(t.evaluate({}, withSignIns([signIn(alice)])))) as Record<string, unknown>;
    for (const a of report.admins as Array<Record<string, unknown>>) {
      expect(a.evidence).toEqual(expect.objectContaining({ signIns: expect.any(Number), singleFactor: expect.any(Number), contradictions: expect.any(Number) }));
      expect(a.evidence).toHaveProperty('lastSingleFactorAt');
    }
    expect((report.admins as Array<Record<string, unknown>>).find((a) => a.id === bob)?.evidence).toMatchObject({ signIns: 0, lastSingleFactorAt: null });
    expect(report.rollout).toEqual([expect.objectContaining({ policyId: expect.any(String), displayName: 'Rollout', verdict: expect.stringMatching(/^(ready|wouldBlock|noEvidence)$/), summary: expect.any(String), blocked: [] })]);
    expect(report.signInEvidence).toMatchObject({ available: true, windowDays: 7, rolloutDays: 14 });
  });
});
