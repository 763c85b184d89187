// Licences decide which ways of enforcing MFA a tenant can use (R-LIC-*, docs/evaluation.md): Conditional
// Access and sign-in policy details need Microsoft Entra ID P1, PIM and risk conditions P2; security defaults,
// per-user MFA and Azure's mandatory MFA need neither. The subscribed SKUs' service plans say which the tenant
// has; what the tenant evidently uses (enabled Conditional Access policies, readable PIM data) corrects them
// where the SKU list is incomplete (trials, plans under another name).
import type { ConditionalAccessPolicy } from './graph-types.js';
import type { StoredSubscribedSkus, SubscribedSku } from './microsoft-types.js';
import type { DatasetStatus } from './snapshot.js';

/** Service plan ids (Learn: "Product names and service plan identifiers for licensing"). */
export const ENTRA_PLANS = {
  p1: { id: '41781fb2-bc02-4b7c-bd55-b576c07bb09d', name: 'AAD_PREMIUM' },
  p2: { id: 'eec0eb4f-6444-4f95-aba0-50c24d67f998', name: 'AAD_PREMIUM_P2' },
} as const;

/** SKU states in which the tenant can use the plans (Warning = grace period after expiry). */
const USABLE_SKU = new Set(['enabled', 'warning']);
/** Plan provisioning states that do not grant the feature. */
const UNUSABLE_PLAN = new Set(['disabled', 'pendingactivation', 'pendinginput']);

export type Tier = 'free' | 'p1' | 'p2' | 'unknown';

export interface LicencesOut {
  /** The highest Entra ID tier the tenant can use; `unknown` when neither SKUs nor usage tell. */
  tier: Tier;
  p1: boolean | null;
  p2: boolean | null;
  /** The SKUs (part numbers) that carry an Entra ID P1 or P2 plan. */
  premiumSkus: string[];
  /** How the tier was decided, one sentence each. */
  evidence: string[];
  /** Set when the SKU list could not be read or holds no known plan. */
  note: string | null;
}

function norm(value: string | null | undefined): string {
  return (value ?? '').trim().toLowerCase();
}

function planMatches(plan: NonNullable<SubscribedSku['servicePlans']>[number], wanted: { id: string; name: string }): boolean {
  return norm(plan.servicePlanId) === wanted.id || norm(plan.servicePlanName) === wanted.name.toLowerCase();
}

/** R-LIC-1: a plan counts when its SKU is enabled (or in its grace period) and the plan itself is provisioned. */
export function skuTiers(skus: readonly SubscribedSku[]): { p1: string[]; p2: string[] } {
  const out = { p1: [] as string[], p2: [] as string[] };
  for (const sku of skus) {
    if (!USABLE_SKU.has(norm(sku.capabilityStatus))) continue;
    const name = sku.skuPartNumber ?? sku.skuId ?? 'a SKU';
    for (const plan of sku.servicePlans ?? []) {
      if (UNUSABLE_PLAN.has(norm(plan.provisioningStatus))) continue;
      // P2 includes every P1 feature.
      if (planMatches(plan, ENTRA_PLANS.p2)) {
        out.p2.push(name);
        out.p1.push(name);
      } else if (planMatches(plan, ENTRA_PLANS.p1)) out.p1.push(name);
    }
  }
  return { p1: [...new Set(out.p1)], p2: [...new Set(out.p2)] };
}

export interface LicenceInputs {
  skus: StoredSubscribedSkus | null | undefined;
  skuStatus: DatasetStatus | undefined;
  policies: readonly ConditionalAccessPolicy[];
  /** PIM endpoints answered (the roles collector read PIM schedule instances). */
  pimAvailable: boolean;
  /** PIM endpoints refused with a licence error. */
  pimNotLicensed: boolean;
}

/**
 * R-LIC-1..3: the tier from the SKUs, corrected by usage: enabled or report-only Conditional Access policies
 * prove P1 (they cannot be created without it), readable PIM data proves P2, a PIM licence error disproves it.
 */
export function licences(input: LicenceInputs): LicencesOut {
  const evidence: string[] = [];
  let note: string | null = null;
  const skusReadable = input.skus && input.skuStatus?.state !== 'unavailable';
  let p1: boolean | null = null;
  let p2: boolean | null = null;
  let premiumSkus: string[] = [];
  if (skusReadable && input.skus) {
    const found = skuTiers(input.skus.skus);
    premiumSkus = [...new Set([...found.p1, ...found.p2])];
    p1 = found.p1.length > 0;
    p2 = found.p2.length > 0;
    if (found.p2.length) evidence.push(`Entra ID P2 (${ENTRA_PLANS.p2.name}) through ${found.p2.join(', ')}`);
    else if (found.p1.length) evidence.push(`Entra ID P1 (${ENTRA_PLANS.p1.name}) through ${found.p1.join(', ')}`);
    else if (input.skus.skus.length === 0) evidence.push('the tenant has no subscribed SKUs: Microsoft Entra ID Free');
    else {
      note = `none of the ${input.skus.skus.length} subscribed SKU${input.skus.skus.length === 1 ? '' : 's'} (${input.skus.skus.map((s) => s.skuPartNumber ?? s.skuId ?? '?').slice(0, 5).join(', ')}) carries an enabled Entra ID P1 or P2 plan`;
      evidence.push(note);
    }
  } else {
    note = input.skuStatus?.state === 'unavailable' ? `subscribed SKUs could not be read${input.skuStatus.permission ? ` (grant ${input.skuStatus.permission})` : ''}` : 'subscribed SKUs have not been read yet';
  }
  // R-LIC-2: usage proves what the SKUs may not show.
  const caInUse = input.policies.some((p) => p.state === 'enabled' || p.state === 'enabledForReportingButNotEnforced');
  if (caInUse && p1 !== true) {
    evidence.push('Conditional Access policies are enabled or report-only, which needs Entra ID P1');
    p1 = true;
  }
  if (input.pimAvailable && !input.pimNotLicensed && p2 !== true) {
    evidence.push('PIM answered, which needs Entra ID P2 (or Governance)');
    p2 = true;
    p1 = true;
  } else if (input.pimNotLicensed && p2 === null) {
    evidence.push('PIM refused with a licence error: no Entra ID P2');
    p2 = false;
  }
  const tier: Tier = p2 ? 'p2' : p1 ? 'p1' : p1 === false ? 'free' : 'unknown';
  return { tier, p1, p2, premiumSkus, evidence, note };
}
