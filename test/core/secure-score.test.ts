// Secure Score, explained (docs/secure-score.md): Microsoft's AdminMFAV2 verdict read as it is (R-MSSCORE-*),
// and every difference with ours given one reason from the fixed list (R-RECON-*). Sources: Graph secureScore /
// controlScore / secureScoreControlProfile (v1.0), recommendation and impactedResource (beta); Learn: Microsoft
// Secure Score ("partial credit"); maester issue #174 (break-glass counted as unprotected); Facts §1.
import { describe, expect, it } from 'vitest';
import type { StoredRecommendation, StoredSecureScore } from '../../src/core/microsoft-types.js';
import type { AdminOut, RoleOut } from '../../src/core/report.js';
import { type ReconReason, microsoftVerdict, ourView, reconReason, reconcile, recommendationView } from '../../src/core/secure-score.js';
import { ROLE } from './helpers.js';

const ASOF = '2026-11-24T16:00:00Z';

function stored(adminMfa: Record<string, unknown> | null, profile: Record<string, unknown> | null = { id: 'AdminMFAV2', maxScore: 10 }): StoredSecureScore {
  return { id: 'AdminMFAV2', score: { id: 't_2026-11-25', createdDateTime: '2026-11-25T00:00:00Z', controlNames: 12, adminMfa, sampleControlNames: adminMfa ? [] : ['MFARegistrationV2', 'OneAdmin'] }, profile };
}

const OK = { state: 'ok' as const, asOf: ASOF };

describe("Microsoft's verdict (R-MSSCORE)", () => {
  it.each([
    ['R-MSSCORE-1 a 403 is unavailable with the permission, never a score of 0', undefined, { state: 'unavailable', message: 'Graph answered 403 Authorization_RequestDenied', permission: 'SecurityEvents.Read.All' }, { state: 'unavailable', score: null, reason: /grant the application permission SecurityEvents\.Read\.All/ }],
    ['R-MSSCORE-1 not read yet', undefined, undefined, { state: 'notCollected', score: null, reason: /not been read yet/ }],
    ['R-MSSCORE-2 Graph lists no score (new tenant)', { id: 'AdminMFAV2', score: null, profile: null }, OK, { state: 'missing', score: null, reason: /no Secure Score for this tenant/ }],
    ['R-MSSCORE-2 a score list without AdminMFAV2 names what it has', stored(null), OK, { state: 'missing', score: null, reason: /no AdminMFAV2 control among its 12 controls \(e\.g\. MFARegistrationV2, OneAdmin\)/ }],
    ['R-MSSCORE-3 a score that is not a number is unreadable', stored({ controlName: 'AdminMFAV2', score: 'n/a' }), OK, { state: 'unreadable', score: null, reason: /no usable score/ }],
    ['R-MSSCORE-3 counts from the sentence (curly apostrophe)', stored({ controlName: 'AdminMFAV2', score: 5.22, implementationStatus: 'You have 11 out of 23 users with administrative roles that aren\u2019t registered and protected with MFA.', lastSynced: ASOF }), OK, { state: 'ok', score: 5.22, maxScore: 10, notProtected: 11, total: 23, asOf: ASOF }],
    ['R-MSSCORE-3 counts from count (compliant) and total, as strings', stored({ controlName: 'AdminMFAV2', score: '6', count: '6', total: '10' }), OK, { state: 'ok', score: 6, notProtected: 4, total: 10, asOf: '2026-11-25T00:00:00Z' }],
    ['R-MSSCORE-3 no count at all: only the score compares', stored({ controlName: 'AdminMFAV2', score: 10 }), OK, { state: 'ok', score: 10, notProtected: null, total: null }],
    ['R-MSSCORE-4 maximum from the percentage when the profile is missing', stored({ controlName: 'AdminMFAV2', score: 4, scoreInPercentage: 40 }, null), OK, { state: 'ok', maxScore: 10 }],
    ['R-MSSCORE-4 maximum from the profile (a string, as documented)', stored({ controlName: 'AdminMFAV2', score: 4 }, { id: 'AdminMFAV2', maxScore: '8' }), OK, { state: 'ok', maxScore: 8 }],
  ])('%s', (_name, record, status, expected) => {
    const v = microsoftVerdict(record as StoredSecureScore | undefined, status as never);
    const { reason, ...rest } = expected as Record<string, unknown>;
    expect(v).toMatchObject(rest);
    if (reason) expect(v.reason).toMatch(reason as RegExp);
  });

  it('R-MSSCORE-3 inconsistent counts are dropped and said, never used', () => {
    const v = microsoftVerdict(stored({ controlName: 'AdminMFAV2', score: 1, count: '20', total: '10' }), OK);
    expect(v.notProtected).toBeNull();
    expect(v.notes.join(' ')).toContain('no admin count');
  });

  it('R-MSSCORE-4 a control marked in Secure Score (thirdParty) and a deprecated control are noted', () => {
    const v = microsoftVerdict(stored({ controlName: 'AdminMFAV2', score: 10 }, { id: 'AdminMFAV2', maxScore: 10, deprecated: true, controlStateUpdates: [{ state: 'ThirdParty', updatedDateTime: '2026-01-01T00:00:00Z' }] }), OK);
    expect(v.controlState).toBe('ThirdParty');
    expect(v.notes.join(' ')).toMatch(/marked 'ThirdParty'.*deprecated/);
  });
});

const ADMINS = new Set(['u1', 'u2']);
function rec(status: string | null, impacted: Array<{ id: string; status?: string; resourceType?: string }>): StoredRecommendation {
  return { id: 'adminMFAV2', recommendation: { id: 't_Microsoft.Identity.IAM.Insights.AdminMFAV2', recommendationType: 'adminMFAV2', status, lastCheckedDateTime: ASOF }, impactedResources: impacted.map((i) => ({ ...i, subjectId: i.id })) };
}

describe("Microsoft's per-admin list (R-MSSCORE-5/6)", () => {
  it.each([
    ['unavailable (403)', undefined, { state: 'unavailable', permission: 'DirectoryRecommendations.Read.All', message: '403' }, 'unavailable', null],
    ['no licence', undefined, { state: 'notLicensed', message: 'licence' }, 'unavailable', null],
    ['no recommendation of that type', { id: 'adminMFAV2', recommendation: null, impactedResources: [] }, OK, 'none', null],
    ['a state someone set (dismissed) is not Microsoft\u2019s current view', rec('dismissed', [{ id: 'u1' }]), OK, 'unexpected', null],
    ['an unknown state', rec('unknownFutureValue', [{ id: 'u1' }]), OK, 'unexpected', null],
    ['completedBySystem: Microsoft flags no one', rec('completedBySystem', [{ id: 'u1', status: 'completedBySystem' }]), OK, 'ok', []],
    ['active: active and postponed admins are flagged; completed ones and non-users are not', rec('active', [{ id: 'U1' }, { id: 'u2', status: 'postponed' }, { id: 'u3', status: 'completedBySystem' }, { id: 'app', resourceType: 'application' }]), OK, 'ok', ['u1', 'u2']],
  ])('%s', (_name, record, status, state, flagged) => {
    const v = recommendationView(record as StoredRecommendation | undefined, status as never, ADMINS);
    expect(v.state).toBe(state);
    expect(v.flagged === null ? null : [...v.flagged].sort()).toEqual(flagged);
  });

  it('impacted accounts that are none of our admins are kept apart (and named in the notes)', () => {
    const v = recommendationView(rec('active', [{ id: 'u1' }, { id: 'stranger' }]), OK, ADMINS);
    expect(v.unknownImpacted.map((r) => r.id)).toEqual(['stranger']);
  });
});

function role(over: Partial<RoleOut> = {}): RoleOut {
  return { roleTemplateId: ROLE.securityAdministrator, roleName: 'Security Administrator', roleDefinitionId: ROLE.securityAdministrator, roleKind: 'builtIn', assignment: 'active', permanent: false, activatedNow: false, startDateTime: '2025-01-01T00:00:00Z', endDateTime: null, via: { kind: 'direct' }, directoryScopeId: '/', scope: 'tenant', ...over };
}

function admin(over: Partial<AdminOut> = {}): AdminOut {
  return { id: 'u1', userPrincipalName: 'u1@contoso.example', displayName: 'U1', accountEnabled: true, userType: 'Member', verdict: 'protected', mfaRegistered: true, methodsRegistered: [], roles: [role()], gaps: [], coveringPolicyIds: ['p1'], wouldCoverIfEnabled: [], enforcedBy: ['conditionalAccess'], ...over };
}

const POLICY = { id: 'p1', displayName: 'Admins MFA', state: 'enabled', conditions: {}, modifiedDateTime: '2026-01-01T00:00:00Z' };
const ctx = (policies = [POLICY], sd = false) => ({ asOf: ASOF, policies: new Map(policies.map((p) => [p.id, p as never])), securityDefaultsEnabled: sd });
const GAP = [{ summary: 'no MFA when signing in from trusted location \u0027HQ\u0027 (…)', contexts: "from trusted location 'HQ'", policyIds: ['p1'], state: null }];

describe('reconciliation reasons, admin by admin (R-RECON)', () => {
  const cases: Array<[string, AdminOut, 'flagged' | 'notFlagged', ReconReason | null, ReturnType<typeof ctx>?]> = [
    ['R-RECON-0 both say protected: no row', admin(), 'notFlagged', null],
    ['R-RECON-0 both say not protected: no row', admin({ verdict: 'partial', gaps: GAP as never }), 'flagged', null],
    ['R-RECON-0 an excluded account Microsoft does not flag: no row', admin({ verdict: 'excluded' }), 'notFlagged', null],
    ['R-RECON-0 an unknown verdict Microsoft flags cannot be told apart: no row', admin({ verdict: 'unknown' }), 'flagged', null],
    ['R-RECON-1 holds the role only through PIM for Groups (Facts §1: Secure Score miscounts them)', admin({ roles: [role({ assignment: 'eligible', via: { kind: 'pimGroup', groupId: 'g1', groupName: 'PIM-Exchange' } })] }), 'flagged', 'pimGroupOnly'],
    ['R-RECON-2 eligible only', admin({ roles: [role({ assignment: 'eligible' })] }), 'flagged', 'eligibleOnly'],
    ['R-RECON-3 excluded break-glass account (Global Administrator standing; maester #174)', admin({ verdict: 'excluded', roles: [role({ roleTemplateId: ROLE.globalAdministrator, permanent: true })] }), 'flagged', 'breakGlass'],
    ['R-RECON-4 excluded account without Global Administrator: a service account', admin({ verdict: 'excluded', roles: [role({ roleTemplateId: ROLE.exchangeAdministrator })] }), 'flagged', 'serviceAccount'],
    ['R-RECON-5 protected by security defaults, flagged by Microsoft', admin({ enforcedBy: ['securityDefaults'], coveringPolicyIds: [] }), 'flagged', 'perUserOrSecurityDefaults'],
    ['R-RECON-5 per-user MFA counted as protection by Microsoft, a gap for us', admin({ verdict: 'partial', gaps: GAP as never, perUserMfa: { state: 'enforced', closesGaps: true, note: null } }), 'notFlagged', 'perUserOrSecurityDefaults'],
    ['R-RECON-6 covered only by a report-only policy', admin({ verdict: 'unprotected', coveringPolicyIds: [], gaps: GAP as never, wouldCoverIfEnabled: [{ policyId: 'p2', displayName: 'Admins MFA (pilot)', state: 'enabledForReportingButNotEnforced' }] }), 'notFlagged', 'reportOnlyOnly'],
    ['R-RECON-7 protected in our model, flagged by Microsoft, no known reason: investigate', admin(), 'flagged', 'investigate'],
    ['R-RECON-8 a covering policy changed after Microsoft computed', admin(), 'flagged', 'staleMicrosoftData', ctx([{ ...POLICY, modifiedDateTime: '2026-11-25T06:00:00Z' }])],
    ['R-RECON-8 a role assigned after Microsoft computed (a new admin Microsoft does not know yet)', admin({ verdict: 'partial', gaps: GAP as never, roles: [role({ startDateTime: '2026-11-25T08:00:00Z' })] }), 'notFlagged', 'staleMicrosoftData'],
    ['R-RECON-9 a gap Secure Score does not see', admin({ verdict: 'partial', gaps: GAP as never }), 'notFlagged', 'gapMicrosoftMisses'],
    ['R-RECON-9 protected but not registered, not flagged by Microsoft', admin({ mfaRegistered: false }), 'notFlagged', 'gapMicrosoftMisses'],
    ['R-RECON-10 our verdict is unknown', admin({ verdict: 'unknown' }), 'notFlagged', 'ourVerdictUnknown'],
  ];
  it.each(cases)('%s', (_name, a, microsoft, expected, c) => {
    expect(reconReason(a, microsoft, c ?? ctx())?.reason ?? null).toBe(expected);
  });

  it('R-RECON-1 before R-RECON-8: a known miscount outlasts a refresh, so it is named even when a policy changed since', () => {
    const a = admin({ roles: [role({ via: { kind: 'pimGroup', groupId: 'g1' } })] });
    expect(reconReason(a, 'flagged', ctx([{ ...POLICY, modifiedDateTime: '2026-11-25T06:00:00Z' }]))?.reason).toBe('pimGroupOnly');
  });

  it('R-RECON-0 our view on Microsoft\u2019s question: protected and registered, excluded, unknown, else a gap', () => {
    expect([admin(), admin({ mfaRegistered: null }), admin({ verdict: 'excluded' }), admin({ verdict: 'unknown' }), admin({ verdict: 'partial' })].map(ourView)).toEqual(['protected', 'gap', 'excluded', 'unknown', 'gap']);
  });
});

describe('reconciliation of the counts (R-RECON-11, Learn: Microsoft Secure Score partial credit)', () => {
  const microsoft = (notProtected: number, total: number) => microsoftVerdict(stored({ controlName: 'AdminMFAV2', score: Math.round((1000 * (total - notProtected)) / total) / 100, implementationStatus: `You have ${notProtected} out of ${total} users with administrative roles that aren't registered and protected with MFA.`, lastSynced: ASOF }), OK);
  const base = { policies: [POLICY as never], securityDefaultsEnabled: false, shouldShow: 0, now: '2026-11-25T10:00:00Z' };
  const admins = [
    admin({ id: 'a' }),
    admin({ id: 'b', roles: [role({ via: { kind: 'pimGroup', groupId: 'g' } })] }),
    admin({ id: 'c', verdict: 'excluded', roles: [role({ roleTemplateId: ROLE.globalAdministrator })] }),
    admin({ id: 'd', verdict: 'partial', gaps: GAP as never }),
  ];

  it('observed: every admin Microsoft and we disagree on is a row, and the rows add up to the difference in points', () => {
    const out = reconcile({ ...base, admins, microsoft: microsoft(2, 4), recommendation: recommendationView(rec('active', [{ id: 'b' }, { id: 'c' }]), OK, new Set(['a', 'b', 'c', 'd'])) });
    expect(out.basis).toBe('observed');
    expect(out.rows.map((r) => [r.adminId, r.reason, r.points])).toEqual([
      ['c', 'breakGlass', 2.5],
      ['b', 'pimGroupOnly', 2.5],
      ['d', 'gapMicrosoftMisses', -2.5],
    ]);
    // Microsoft 5/10; ours: 1 real gap of 4 = 7.5; the rows explain +2.5 exactly.
    expect(out.ours).toEqual({ notProtected: 1, total: 4, score: 7.5, maxScore: 10 });
    expect(out.difference).toEqual({ points: 2.5, explainedPoints: 2.5, unexplainedPoints: 0, unexplainedAdmins: 0 });
  });

  it('predicted: without the per-admin list, rows come from Microsoft\u2019s known counting and an unexplained count is said', () => {
    const out = reconcile({ ...base, admins, microsoft: microsoft(3, 4), recommendation: recommendationView(undefined, { state: 'unavailable', message: '403', permission: 'DirectoryRecommendations.Read.All' }, new Set()) });
    expect(out.basis).toBe('predicted');
    expect(out.rows.map((r) => [r.adminId, r.reason, r.basis])).toEqual([
      ['c', 'breakGlass', 'predicted'],
      ['b', 'pimGroupOnly', 'predicted'],
    ]);
    // Predicted: d (gap) + b + c = 3 — Microsoft's 3: nothing unexplained.
    expect(out.difference.unexplainedAdmins).toBe(0);
    const more = reconcile({ ...base, admins, microsoft: microsoft(4, 4), recommendation: recommendationView(undefined, undefined, new Set()) });
    expect(more.difference.unexplainedAdmins).toBe(1);
    expect(more.notes.join(' ')).toContain("1 admin of Microsoft's count more than the reasons above explain");
  });

  it('Microsoft unreadable: no rows, no difference, and never a score of 0', () => {
    const out = reconcile({ ...base, admins, microsoft: microsoftVerdict(undefined, { state: 'unavailable', message: '403', permission: 'SecurityEvents.Read.All' }), recommendation: recommendationView(undefined, undefined, new Set()) });
    expect(out.basis).toBe('none');
    expect(out.rows).toEqual([]);
    expect(out.microsoft.score).toBeNull();
    expect(out.difference.points).toBeNull();
  });

  it('different totals are said: Microsoft does not publish which roles it counts', () => {
    const out = reconcile({ ...base, admins, microsoft: microsoft(2, 9), recommendation: recommendationView(undefined, undefined, new Set()) });
    expect(out.notes.join(' ')).toContain('Microsoft counts 9 admins, we count 4');
  });
});
