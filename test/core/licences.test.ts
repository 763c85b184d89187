// Licences decide which ways of enforcing MFA a tenant can use (R-LIC-*), Microsoft-managed policies and
// mandatory MFA are shown as what they are (R-MANAGED-*, R-MANDATORY-1), and findings advise only what the
// licence allows. Sources: Learn "Product names and service plan identifiers for licensing" (AAD_PREMIUM
// 41781fb2-…, AAD_PREMIUM_P2 eec0eb4f-…), Graph subscribedSku (capabilityStatus, provisioningStatus), Learn
// managed-policies (names, 45 days, 28 days' notice), Learn concept-mandatory-multifactor-authentication.
import { describe, expect, it } from 'vitest';
import { MANDATORY_MFA, adviseForLicence, isMicrosoftManaged, managedPolicies } from '../../src/core/enforcement.js';
import { makeFinding } from '../../src/core/finding-types.js';
import type { ConditionalAccessPolicy } from '../../src/core/graph-types.js';
import { ENTRA_PLANS, licences, skuTiers } from '../../src/core/licences.js';
import type { SubscribedSku } from '../../src/core/microsoft-types.js';
import { MFA, ROLE, activeAdmin, findingsOf, tenant } from './helpers.js';

const P1 = { servicePlanId: ENTRA_PLANS.p1.id, servicePlanName: 'AAD_PREMIUM', provisioningStatus: 'Success' };
const P2 = { servicePlanId: ENTRA_PLANS.p2.id, servicePlanName: 'AAD_PREMIUM_P2', provisioningStatus: 'Success' };
const sku = (name: string, status: string, plans: SubscribedSku['servicePlans']): SubscribedSku => ({ skuId: name, skuPartNumber: name, capabilityStatus: status, servicePlans: plans });
const ok = { state: 'ok' as const };
const none = { policies: [] as ConditionalAccessPolicy[], pimAvailable: false, pimNotLicensed: false };

describe('licences (R-LIC)', () => {
  it.each([
    ['R-LIC-1 P1 plan in an enabled SKU', [sku('EMS', 'Enabled', [P1])], { p1: ['EMS'], p2: [] }],
    ['R-LIC-1 P2 includes P1', [sku('SPE_E5', 'Enabled', [P1, P2])], { p1: ['SPE_E5'], p2: ['SPE_E5'] }],
    ['R-LIC-1 a SKU in its grace period (Warning) still counts', [sku('EMS', 'Warning', [P1])], { p1: ['EMS'], p2: [] }],
    ['R-LIC-1 a suspended or locked-out SKU does not', [sku('EMS', 'Suspended', [P1]), sku('E5', 'LockedOut', [P2])], { p1: [], p2: [] }],
    ['R-LIC-1 a disabled plan does not', [sku('SPE_E5', 'Enabled', [{ ...P2, provisioningStatus: 'Disabled' }])], { p1: [], p2: [] }],
    ['R-LIC-1 plans are matched by id or by name', [sku('X', 'Enabled', [{ servicePlanName: 'aad_premium_p2' }])], { p1: ['X'], p2: ['X'] }],
  ])('%s', (_name, skus, expected) => {
    expect(skuTiers(skus)).toEqual(expected);
  });

  it('R-LIC-1 no SKU at all is Entra ID Free; SKUs without a known plan are said plainly', () => {
    expect(licences({ ...none, skus: { id: 's', skus: [] }, skuStatus: ok })).toMatchObject({ tier: 'free', p1: false, p2: false, note: null });
    const odd = licences({ ...none, skus: { id: 's', skus: [sku('POWER_BI_STANDARD', 'Enabled', [{ servicePlanName: 'BI_AZURE_P0' }])] }, skuStatus: ok });
    expect(odd).toMatchObject({ tier: 'free', p1: false });
    expect(odd.note).toContain('none of the 1 subscribed SKU (POWER_BI_STANDARD) carries an enabled Entra ID P1 or P2 plan');
  });

  it('R-LIC-2 enabled Conditional Access policies prove P1 where the SKUs show none (trials, other plan names)', () => {
    const l = licences({ ...none, policies: [{ id: 'p', displayName: 'x', state: 'enabled', conditions: {} } as ConditionalAccessPolicy], skus: { id: 's', skus: [] }, skuStatus: ok });
    expect(l).toMatchObject({ tier: 'p1', p1: true });
    expect(l.evidence.join(' ')).toContain('needs Entra ID P1');
  });

  it('R-LIC-2 readable PIM proves P2; a PIM licence error disproves it', () => {
    expect(licences({ ...none, pimAvailable: true, skus: undefined, skuStatus: undefined })).toMatchObject({ tier: 'p2', p1: true, p2: true });
    expect(licences({ ...none, pimNotLicensed: true, skus: undefined, skuStatus: undefined })).toMatchObject({ p2: false });
  });

  it('R-LIC-3 unreadable SKUs: unknown, with the permission to grant', () => {
    const l = licences({ ...none, skus: undefined, skuStatus: { state: 'unavailable', permission: 'LicenseAssignment.Read.All' } });
    expect(l.tier).toBe('unknown');
    expect(l.note).toContain('grant LicenseAssignment.Read.All');
  });

  it('R-LIC-4 without P1: a banner instead of a wall of "unprotected", and the advice is security defaults', () => {
    const t = tenant();
    const alice = t.user('alice');
    // No PIM (which would prove P2), no Conditional Access policy, no SKU.
    t.withoutPim([{ principalId: alice, roleDefinitionId: ROLE.securityAdministrator }]);
    t.extra.subscribedSkus = [];
    const report = t.evaluate();
    expect(report.enforcement?.licences.tier).toBe('free');
    expect(report.enforcement?.banner).toContain('no Microsoft Entra ID P1');
    expect(report.enforcement?.banner).toContain('Turn on security defaults');
    expect(report.enforcement?.routes.find((r) => r.id === 'conditionalAccess')?.available).toBe(false);
    expect(findingsOf(report, 'admin-unprotected', alice)[0]?.message).toContain('turn on security defaults');
  });

  it('R-LIC-4 with P1 nothing changes: no banner, the advice is the catalog\u2019s', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    t.policy('Pilot', { state: 'enabledForReportingButNotEnforced', grantControls: MFA });
    const report = t.evaluate();
    expect(report.enforcement?.banner).toBeNull();
    expect(findingsOf(report, 'admin-unprotected', alice)[0]?.message).not.toContain('security defaults');
  });

  it('R-LIC-4 advice keeps the finding\u2019s identity (fingerprint)', () => {
    const f = makeFinding('admin-unprotected', 'high', 'u', 'u has no MFA', 'admin-unprotected:u');
    const [advised] = adviseForLicence([f], { tier: 'free', p1: false, p2: false, premiumSkus: [], evidence: [], note: null }, false);
    expect(advised?.fingerprint).toBe(f.fingerprint);
    expect(advised?.message).not.toBe(f.message);
  });
});

const policy = (displayName: string, state: string, created = '2026-11-01T00:00:00Z'): ConditionalAccessPolicy => ({ id: displayName, displayName, state, createdDateTime: created, conditions: {} }) as ConditionalAccessPolicy;

describe('Microsoft-managed policies and mandatory MFA (R-MANAGED, R-MANDATORY)', () => {
  it('R-MANAGED-1 recognised by their fixed names (they cannot be renamed), whatever the case', () => {
    expect(isMicrosoftManaged(policy('Multifactor authentication for admins accessing Microsoft Admin Portals', 'enabled'))).toBe(true);
    expect(isMicrosoftManaged(policy('block LEGACY authentication', 'enabled'))).toBe(true);
    expect(isMicrosoftManaged(policy('Copy of Block legacy authentication', 'enabled'))).toBe(false);
  });

  it('R-MANAGED-2 report-only: Microsoft turns it on no less than 45 days after introducing it (created + 45 days)', () => {
    const [p] = managedPolicies([policy('Block device code flow', 'enabledForReportingButNotEnforced', '2026-11-02T03:00:00Z')]);
    expect(p?.autoEnableNotBefore).toBe('2026-12-17T03:00:00.000Z');
    expect(p?.note).toContain("28 days' notice");
  });

  it('R-MANAGED-2 enabled, off, or an unknown creation date: no date', () => {
    expect(managedPolicies([policy('Block device code flow', 'enabled'), policy('Block legacy authentication', 'disabled')]).map((p) => p.autoEnableNotBefore)).toEqual([null, null]);
    const [p] = managedPolicies([{ ...policy('Block device code flow', 'enabledForReportingButNotEnforced'), createdDateTime: null }]);
    expect(p?.autoEnableNotBefore).toBeNull();
  });

  it('R-MANAGED-2 a report-only managed policy raises managed-policy-pending (low), an enabled one does not', () => {
    const t = tenant();
    activeAdmin(t);
    t.policy('Multifactor authentication for admins accessing Microsoft Admin Portals', { state: 'enabledForReportingButNotEnforced', applications: { includeApplications: ['MicrosoftAdminPortals'] }, grantControls: MFA });
    t.policy('Block legacy authentication', { clientAppTypes: ['exchangeActiveSync', 'other'], grantControls: { operator: 'OR', builtInControls: ['block'] } });
    const report = t.evaluate();
    const pending = findingsOf(report, 'managed-policy-pending');
    expect(pending.map((f) => [f.subjectName, f.severity])).toEqual([['Multifactor authentication for admins accessing Microsoft Admin Portals', 'low']]);
    expect(report.enforcement?.managedPolicies).toHaveLength(2);
  });

  it('R-MANDATORY-1 mandatory MFA is a route of its own, for the management apps only, never counted as coverage', () => {
    const t = tenant();
    const alice = activeAdmin(t);
    const report = t.evaluate();
    expect(report.admins.find((a) => a.id === alice)?.verdict).toBe('unprotected');
    const route = report.enforcement?.routes.find((r) => r.id === 'mandatoryMfa');
    expect(route?.available).toBe(true);
    expect(MANDATORY_MFA.note).toContain('not counted as coverage');
    expect(MANDATORY_MFA.apps).toContain('Azure portal');
  });
});
