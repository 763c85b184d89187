// The secure score collector's decisions, apart from its I/O: what of Graph's answers is kept (only what
// changes the verdict, so a steady day writes nothing), which recommendation is the admin-MFA one, and when
// a full cycle reads Microsoft's daily data again.
import { normId } from '../core/ids.js';
import type {
  ImpactedResource,
  Recommendation,
  SecureScore,
  SecureScoreControlProfile,
  StoredPerUserMfa,
  StoredRecommendation,
  StoredSecureScore,
  StoredSubscribedSkus,
  SubscribedSku,
} from '../core/microsoft-types.js';
import { ADMIN_MFA_CONTROL, ADMIN_MFA_RECOMMENDATION } from '../core/secure-score.js';
import type { RunRecord } from './runs.js';

/** Microsoft computes Secure Score and recommendations once a day: a cycle reads them again after this long. */
export const DAILY_REFRESH_HOURS = 20;

/** A full cycle (check, start-up) reads the daily datasets when they were never read or are a day old. */
export function dailyDue(previous: RunRecord | undefined, now: Date): boolean {
  if (!previous) return true;
  return now.getTime() - Date.parse(previous.startedAt) >= DAILY_REFRESH_HOURS * 3_600_000;
}

/** The AdminMFAV2 entry of the latest score, and enough about the others to say so when it is missing. */
export function storedSecureScore(latest: SecureScore | undefined, profile: SecureScoreControlProfile | null, profileProblem: string | null): StoredSecureScore {
  const controls = Array.isArray(latest?.controlScores) ? latest.controlScores : [];
  const adminMfa = controls.find((c) => (c.controlName ?? '').toLowerCase() === ADMIN_MFA_CONTROL.toLowerCase()) ?? null;
  const trimmedProfile = profile
    ? {
        id: profile.id ?? null,
        controlName: profile.controlName ?? null,
        title: profile.title ?? null,
        maxScore: profile.maxScore ?? null,
        deprecated: profile.deprecated ?? null,
        lastModifiedDateTime: profile.lastModifiedDateTime ?? null,
        controlStateUpdates: (profile.controlStateUpdates ?? []).map((u) => ({ state: u.state ?? null, updatedDateTime: u.updatedDateTime ?? null, comment: u.comment ?? null })),
      }
    : null;
  return {
    id: ADMIN_MFA_CONTROL,
    displayName: 'Secure Score: Require MFA for administrative roles',
    score: latest
      ? {
          id: latest.id ?? null,
          createdDateTime: latest.createdDateTime ?? null,
          controlNames: controls.length,
          // The description is long HTML that says nothing about the tenant: not kept.
          adminMfa: adminMfa ? { ...adminMfa, description: undefined } : null,
          sampleControlNames: adminMfa ? [] : controls.map((c) => c.controlName ?? '').filter(Boolean).slice(0, 6),
        }
      : null,
    profile: trimmedProfile,
    profileProblem,
  };
}

/** The admin-MFA recommendation among those listed (the newest checked one if Graph lists several). */
export function adminMfaRecommendation(list: readonly Recommendation[]): Recommendation | null {
  const matching = list.filter((r) => (r.recommendationType ?? '').toLowerCase() === ADMIN_MFA_RECOMMENDATION.toLowerCase() || /\.AdminMFAV2$/i.test(r.id));
  return matching.sort((a, b) => (b.lastCheckedDateTime ?? '').localeCompare(a.lastCheckedDateTime ?? ''))[0] ?? null;
}

export function storedRecommendation(rec: Recommendation | null, impacted: readonly ImpactedResource[]): StoredRecommendation {
  return {
    id: ADMIN_MFA_RECOMMENDATION,
    displayName: 'Entra recommendation: Require multifactor authentication for administrative roles',
    recommendation: rec
      ? {
          id: rec.id,
          recommendationType: rec.recommendationType ?? null,
          displayName: rec.displayName ?? null,
          status: rec.status ?? null,
          category: rec.category ?? null,
          priority: rec.priority ?? null,
          currentScore: rec.currentScore ?? null,
          maxScore: rec.maxScore ?? null,
          insights: rec.insights ?? null,
          impactType: rec.impactType ?? null,
          lastCheckedDateTime: rec.lastCheckedDateTime ?? null,
          lastModifiedDateTime: rec.lastModifiedDateTime ?? null,
          postponeUntilDateTime: rec.postponeUntilDateTime ?? null,
        }
      : null,
    impactedResources: impacted
      .map((r) => ({
        id: r.id,
        subjectId: r.subjectId ?? null,
        resourceType: r.resourceType ?? null,
        displayName: r.displayName ?? null,
        status: r.status ?? null,
        addedDateTime: r.addedDateTime ?? null,
        lastModifiedDateTime: r.lastModifiedDateTime ?? null,
        postponeUntilDateTime: r.postponeUntilDateTime ?? null,
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/** The SKUs with what decides the licence only (unit counts change with every assignment: not kept). */
export function storedSkus(skus: readonly SubscribedSku[]): StoredSubscribedSkus {
  return {
    id: 'subscribedSkus',
    displayName: 'Subscribed SKUs',
    skus: skus
      .map((s) => ({
        skuId: s.skuId ?? null,
        skuPartNumber: s.skuPartNumber ?? null,
        appliesTo: s.appliesTo ?? null,
        capabilityStatus: s.capabilityStatus ?? null,
        servicePlans: (s.servicePlans ?? [])
          .map((p) => ({ servicePlanId: p.servicePlanId ?? null, servicePlanName: p.servicePlanName ?? null, provisioningStatus: p.provisioningStatus ?? null }))
          .sort((a, b) => (a.servicePlanId ?? '').localeCompare(b.servicePlanId ?? '')),
      }))
      .sort((a, b) => (a.skuId ?? '').localeCompare(b.skuId ?? '')),
  };
}

export function storedPerUser(user: { id: string; userPrincipalName?: string | null }, body: { perUserMfaState?: string | null } | undefined): StoredPerUserMfa {
  return { id: normId(user.id), displayName: user.userPrincipalName ?? null, perUserMfaState: body?.perUserMfaState ?? null };
}
