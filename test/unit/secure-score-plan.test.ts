// The secure score collector's decisions: what of Graph's answers is kept (only what decides the verdict, so a
// steady day writes nothing), which recommendation is the admin-MFA one, and when a full cycle reads again.
import { describe, expect, it } from 'vitest';
import { DAILY_REFRESH_HOURS, adminMfaRecommendation, dailyDue, storedSecureScore, storedSkus } from '../../src/collect/secure-score-plan.js';
import type { RunRecord } from '../../src/collect/runs.js';

const run = (startedAt: string) => ({ startedAt }) as RunRecord;

describe('secure score collector plan', () => {
  it('reads the daily datasets in a cycle when never read, or a day old', () => {
    const now = new Date('2026-11-25T10:00:00Z');
    expect(dailyDue(undefined, now)).toBe(true);
    expect(dailyDue(run('2026-11-25T00:00:00Z'), now)).toBe(false);
    expect(dailyDue(run(new Date(now.getTime() - DAILY_REFRESH_HOURS * 3_600_000).toISOString()), now)).toBe(true);
  });

  it('keeps the AdminMFAV2 entry without its description, and a few other control names when it is missing', () => {
    const kept = storedSecureScore({ id: 's', createdDateTime: '2026-11-25T00:00:00Z', controlScores: [{ controlName: 'OneAdmin', score: 1 }, { controlName: 'adminmfav2', score: 5, description: '<p>long html</p>' }] }, { id: 'AdminMFAV2', maxScore: 10 }, null);
    expect(kept.score?.adminMfa).toMatchObject({ controlName: 'adminmfav2', score: 5 });
    expect(kept.score?.adminMfa?.description).toBeUndefined();
    expect(kept.score?.controlNames).toBe(2);
    const missing = storedSecureScore({ id: 's', controlScores: [{ controlName: 'OneAdmin' }, { controlName: 'MFARegistrationV2' }] }, null, 'no profile');
    expect(missing.score?.adminMfa).toBeNull();
    expect(missing.score?.sampleControlNames).toEqual(['OneAdmin', 'MFARegistrationV2']);
    expect(missing.profileProblem).toBe('no profile');
    // A shape change (controlScores not a list) is no crash: no entry.
    expect(storedSecureScore({ id: 's', controlScores: 'oops' as never }, null, null).score?.adminMfa).toBeNull();
    expect(storedSecureScore(undefined, null, null).score).toBeNull();
  });

  it('picks the adminMFAV2 recommendation (by type, or by the id Graph builds), the newest checked one first', () => {
    expect(adminMfaRecommendation([{ id: 'x_Microsoft.Identity.IAM.Insights.TurnOffPerUserMFA', recommendationType: 'turnOffPerUserMFA' }])).toBeNull();
    expect(adminMfaRecommendation([{ id: 't_Microsoft.Identity.IAM.Insights.AdminMFAV2' }])?.id).toBe('t_Microsoft.Identity.IAM.Insights.AdminMFAV2');
    expect(adminMfaRecommendation([{ id: 'a', recommendationType: 'adminMFAV2', lastCheckedDateTime: '2026-01-01T00:00:00Z' }, { id: 'b', recommendationType: 'AdminMFAV2', lastCheckedDateTime: '2026-02-01T00:00:00Z' }])?.id).toBe('b');
  });

  it('keeps the SKUs without their unit counts (which change with every assignment), in a stable order', () => {
    const a = storedSkus([{ skuId: 'b', skuPartNumber: 'B', capabilityStatus: 'Enabled', servicePlans: [{ servicePlanId: '2' }, { servicePlanId: '1' }] }, { skuId: 'a', skuPartNumber: 'A' }]);
    expect(a.skus.map((s) => s.skuId)).toEqual(['a', 'b']);
    expect(a.skus[1]?.servicePlans?.map((p) => p.servicePlanId)).toEqual(['1', '2']);
    expect(JSON.stringify(a)).not.toContain('consumedUnits');
  });
});
