// The secure score collector (daily, SCHEDULE_SECURE_SCORE): Microsoft's own verdict on admin MFA — the
// latest Secure Score's AdminMFAV2 control and its profile, the Entra recommendation with the admins it
// counts — the tenant's subscribed SKUs, and the admins' legacy per-user MFA states. Each is its own dataset:
// one missing permission or licence costs only that one, and is reported with its reason, never as a 0.
import type { GraphUser } from '../core/graph-types.js';
import { normId } from '../core/ids.js';
import type { ImpactedResource, Recommendation, SecureScore, SecureScoreControlProfile, StoredPerUserMfa, SubscribedSku } from '../core/microsoft-types.js';
import { ADMIN_MFA_CONTROL, ADMIN_MFA_RECOMMENDATION } from '../core/secure-score.js';
import { GraphRequestError, toGraphError } from '../graph/gateway.js';
import { type DatasetSpec, loadValues, syncDataset } from '../storage/state.js';
import { type BatchBody, type CollectorDeps, licenceErrorIsFailure, recordFailure } from './context.js';
import { policySpec } from './policies.js';
import { type RunRecord, type RunScope, beginRun, latestRun } from './runs.js';
import { adminMfaRecommendation, storedPerUser, storedRecommendation, storedSecureScore, storedSkus } from './secure-score-plan.js';
import { PARTITIONS } from './specs.js';

type Sync = <T extends { id: string; displayName?: string | null }>(partition: string, label: string, items: T[]) => Promise<{ added: number; changed: number; removed: number }>;

export async function collectSecureScore(deps: CollectorDeps, trigger = 'timer'): Promise<RunRecord> {
  const run = await beginRun(deps, 'securescore', trigger, 'policies');
  // Every item is kept whole per version in the `policies` history, so any day's verdict can be read back.
  const sync: Sync = async (partition, label, items) => {
    const { added, changed, removed } = await syncDataset(deps.store, policySpec(partition, label) as DatasetSpec<(typeof items)[number]>, items, run.sync);
    return { added, changed, removed };
  };
  await readSecureScore(deps, run, sync);
  await readRecommendation(deps, run, sync);
  await readLicences(deps, run, sync);
  await readPerUserMfa(deps, run, sync);
  return run.finish();
}

/** GET /security/secureScores?$top=1 and the AdminMFAV2 control profile (SecurityEvents.Read.All). */
async function readSecureScore(deps: CollectorDeps, run: RunScope, sync: Sync): Promise<void> {
  try {
    const page = await deps.graph.get<{ value?: SecureScore[] }>('/security/secureScores?$top=1');
    const latest = Array.isArray(page.value) ? page.value[0] : undefined;
    let profile: SecureScoreControlProfile | null = null;
    let problem: string | null = null;
    try {
      profile = await deps.graph.get<SecureScoreControlProfile>(`/security/secureScoreControlProfiles/${ADMIN_MFA_CONTROL}`);
    } catch (e) {
      const err = toGraphError(e, 'secureScoreControlProfiles');
      if (err.status !== 404) throw err;
      problem = `Graph has no ${ADMIN_MFA_CONTROL} control profile (404): the maximum score is taken from the percentage or the default of 10`;
    }
    const item = storedSecureScore(latest, profile, problem);
    run.tracker.ok('secureScore', { items: item.score?.adminMfa ? 1 : 0, ...(await sync(PARTITIONS.secureScore, 'Secure Score', [item])) });
  } catch (e) {
    recordFailure(run.tracker, 'secureScore', e, deps.log);
  }
}

/** beta: the adminMFAV2 recommendation and its impacted admins (DirectoryRecommendations.Read.All). */
async function readRecommendation(deps: CollectorDeps, run: RunScope, sync: Sync): Promise<void> {
  const { graph } = deps;
  try {
    let list: Recommendation[];
    try {
      list = await graph.all<Recommendation>(`/directory/recommendations?$filter=recommendationType eq '${ADMIN_MFA_RECOMMENDATION}'`, 'beta');
    } catch (e) {
      // A beta filter Graph stops accepting: the list is short, read it whole.
      if (toGraphError(e, 'recommendations').status !== 400) throw e;
      list = await graph.all<Recommendation>('/directory/recommendations', 'beta');
    }
    const rec = adminMfaRecommendation(list);
    const impacted = rec ? await graph.all<ImpactedResource>(`/directory/recommendations/${encodeURIComponent(rec.id)}/impactedResources`, 'beta') : [];
    run.tracker.ok('mfaRecommendation', { items: impacted.length, ...(await sync(PARTITIONS.mfaRecommendation, 'recommendation', [storedRecommendation(rec, impacted)])) });
  } catch (e) {
    const err = toGraphError(e, 'recommendations');
    if (err.isLicenseError && !licenceErrorIsFailure(run.previous, 'mfaRecommendation')) run.tracker.notLicensed('mfaRecommendation', err.message);
    else recordFailure(run.tracker, 'mfaRecommendation', err, deps.log);
  }
}

/** GET /subscribedSkus (LicenseAssignment.Read.All). */
async function readLicences(deps: CollectorDeps, run: RunScope, sync: Sync): Promise<void> {
  try {
    const skus = await deps.graph.all<SubscribedSku>('/subscribedSkus?$select=skuId,skuPartNumber,appliesTo,capabilityStatus,servicePlans');
    run.tracker.ok('licences', { items: skus.length, ...(await sync(PARTITIONS.subscribedSkus, 'licences', [storedSkus(skus)])) });
  } catch (e) {
    recordFailure(run.tracker, 'licences', e, deps.log);
  }
}

/**
 * beta: each admin's and potential admin's per-user MFA state (Policy.Read.All), 20 per $batch. Graph has no
 * listing of it, so one request per admin is the fewest; a user deleted since (404) is skipped.
 */
async function readPerUserMfa(deps: CollectorDeps, run: RunScope, sync: Sync): Promise<void> {
  try {
    if (!(await latestRun(deps.store, 'roles'))) throw new GraphRequestError(0, 'NotReady', 'the roles collector has not run yet, so the admins are not known', 'perUserMfa');
    const users = await loadValues<GraphUser>(deps.store, PARTITIONS.user);
    const requests = users.map((u) => ({ id: normId(u.id), url: `/users/${normId(u.id)}/authentication/requirements` }));
    const responses = await deps.graph.batch<BatchBody<never> & { perUserMfaState?: string | null }>(requests, 'beta');
    const records: StoredPerUserMfa[] = [];
    for (const user of users) {
      const r = responses.get(normId(user.id));
      if (r?.status === 404) continue;
      if (!r || r.status >= 400) throw new GraphRequestError(r?.status ?? 0, r?.body?.error?.code ?? 'Error', r?.body?.error?.message ?? 'no response in $batch', `/users/${user.id}/authentication/requirements`);
      records.push(storedPerUser(user, r.body));
    }
    run.tracker.ok('perUserMfa', { items: records.length, ...(await sync(PARTITIONS.perUserMfa, 'per-user MFA', records)) });
    run.counts.perUserMfaOn = records.filter((r) => /^(enabled|enforced)$/i.test(r.perUserMfaState ?? '')).length;
  } catch (e) {
    recordFailure(run.tracker, 'perUserMfa', e, deps.log);
  }
}
