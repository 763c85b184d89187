// Legacy per-user MFA as the third way MFA is enforced (R-PUMFA-*, docs/evaluation.md; Learn:
// howto-mfa-userstates — states, which sign-ins each affects, trusted IPs; Graph: strongAuthenticationRequirements).
import { describe, expect, it } from 'vitest';
import { perUserState } from '../../src/core/per-user-mfa.js';
import { MFA, ROLE, type TenantBuilder, activeAdmin, adminOf, findingsOf, gapText, tenant } from './helpers.js';

function perUser(t: TenantBuilder, states: Record<string, string>): void {
  t.extra.authenticationRequirements = Object.fromEntries(Object.entries(states).map(([id, s]) => [id, { perUserMfaState: s }]));
}

describe('per-user MFA (R-PUMFA)', () => {
  it.each([
    ['enforced', 'enforced'],
    ['Enabled', 'enabled'],
    ['disabled', 'disabled'],
    ['unknownFutureValue', 'unknown'],
    [null, 'unknown'],
  ])('R-PUMFA-1 reads %s as %s (Graph: perUserMfaState; anything else is not coverage)', (value, expected) => {
    expect(perUserState(value)).toBe(expected);
  });

  it('R-PUMFA-3 an admin no policy covers, with per-user MFA enforced, is partial, not unprotected; the finding recommends Conditional Access (Learn: howto-mfa-userstates)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    perUser(t, { [alice]: 'enforced' });
    const report = t.evaluate();
    const a = adminOf(report, alice);
    expect(a.verdict).toBe('partial');
    expect(a.perUserMfa).toEqual({ state: 'enforced', closesGaps: true, note: expect.stringContaining('covers sign-ins nothing else covers') });
    expect(a.enforcedBy).toEqual(['perUserMfa']);
    expect(findingsOf(report, 'admin-unprotected')).toEqual([]);
    const f = findingsOf(report, 'admin-per-user-mfa-only', alice)[0];
    expect(f?.severity).toBe('medium');
    expect(f?.message).toContain('Microsoft recommends Conditional Access instead');
  });

  it('R-PUMFA-2 what per-user MFA leaves open: legacy clients (app passwords when enforced) and the MFA trusted IPs (Learn: howto-mfa-userstates, "Legacy authentication affected")', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    perUser(t, { [alice]: 'enforced' });
    const text = gapText(adminOf(t.evaluate(), alice));
    expect(text).toContain('per-user MFA is enforced, but legacy clients sign in with app passwords, which skip MFA, where the tenant allows them');
    expect(text).toContain('skipped from the MFA trusted IPs of the legacy MFA service settings');
  });

  it('R-PUMFA-2 enabled (not yet registered): legacy clients sign in with the password alone until the admin registers', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    perUser(t, { [alice]: 'enabled' });
    expect(gapText(adminOf(t.evaluate(), alice))).toContain('legacy clients still sign in with the password alone until the admin registers');
  });

  it('R-PUMFA-3 per-user MFA adds to Conditional Access: a policy blocking legacy clients plus per-user MFA leaves only the MFA trusted IPs', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('Block legacy', { clientAppTypes: ['exchangeActiveSync', 'other'], grantControls: { operator: 'OR', builtInControls: ['block'] } });
    perUser(t, { [alice]: 'enforced' });
    const a = adminOf(t.evaluate(), alice);
    expect(a.verdict).toBe('partial');
    expect(a.gaps).toHaveLength(1);
    expect(a.gaps[0]?.contexts).toContain('from the legacy MFA trusted IPs');
    expect(a.enforcedBy).toEqual(['conditionalAccess', 'perUserMfa']);
  });

  it('R-PUMFA-3 per-user MFA on an admin Conditional Access already covers closes nothing and raises nothing', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('Admins MFA', { users: { includeRoles: [ROLE.securityAdministrator] }, grantControls: MFA });
    perUser(t, { [alice]: 'enforced' });
    const report = t.evaluate();
    expect(adminOf(report, alice).verdict).toBe('protected');
    expect(adminOf(report, alice).perUserMfa?.closesGaps).toBe(false);
    expect(findingsOf(report, 'admin-per-user-mfa-only')).toEqual([]);
  });

  it('R-PUMFA-1 disabled or an unrecognised value is no coverage: the admin stays unprotected', () => {
    for (const state of ['disabled', 'unknownFutureValue']) {
      const t = tenant();
      const alice = activeAdmin(t);
      perUser(t, { [alice]: state });
      expect(adminOf(t.evaluate(), alice).verdict).toBe('unprotected');
    }
  });

  it('R-PUMFA-5 per-user MFA states that could not be read are not counted, and the admin record says so (D-3: a gap that may not be there, never the reverse)', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    perUser(t, { [alice]: 'enforced' });
    const report = t.evaluate({}, (s) => {
      s.perUserMfa = [];
      s.dataSources.perUserMfa = { state: 'unavailable', message: 'Graph answered 403', permission: 'Policy.Read.All' };
    });
    const a = adminOf(report, alice);
    expect(a.verdict).toBe('unprotected');
    expect(a.perUserMfa?.state).toBe('unknown');
    expect(a.perUserMfa?.note).toContain('could not be read');
    const f = findingsOf(report, 'data-unavailable', 'perUserMfa')[0];
    expect(f?.severity).toBe('medium');
    expect(f?.message).toContain('Per-user MFA is not counted as coverage');
  });
});
