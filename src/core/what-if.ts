// What-if coverage: evaluate the same admins under two versions of the policy set, in one shared context
// space, and say whose coverage shrank. Used to decide whether a policy change weakened anything (alerted)
// or reduced nothing (kept in history only), and by users previewing a change on a fixture.
import { compilePolicies, policyState } from './conditions.js';
import { type AdminUnits, CoverageMemo, activationUnits, guestTypesOf, roleStates, stateCoverage } from './coverage.js';
import type { EvaluationOptions } from './evaluate.js';
import type { ConditionalAccessPolicy } from './graph-types.js';
import { normId } from './ids.js';
import { buildInventory, indexSnapshot } from './inventory.js';
import type { TenantSnapshot } from './snapshot.js';

/** Replaces (or removes, when `version` is null) one policy by id. */
export function withPolicy(policies: readonly ConditionalAccessPolicy[], id: string, version: ConditionalAccessPolicy | null): ConditionalAccessPolicy[] {
  const out = policies.filter((p) => normId(p.id) !== normId(id));
  if (version) out.push(version);
  return out;
}

/**
 * Compares policy sets against one snapshot's admins. The directory work (index, inventory, every admin's
 * role states) is done once; each comparison only compiles its two policy sets.
 */
export class WhatIf {
  private readonly admins: Array<{ id: string; user: { id: string; guestTypes: Set<string> }; units: AdminUnits }>;

  constructor(private readonly snapshot: TenantSnapshot, options: EvaluationOptions) {
    const index = indexSnapshot(snapshot);
    const inventory = buildInventory(snapshot, options.adminRoles, index);
    this.admins = inventory.admins.map((admin) => ({
      id: admin.id,
      user: { id: admin.id, guestTypes: guestTypesOf(admin) },
      units: activationUnits(admin.paths, index.groupsOfUser.get(admin.id) ?? new Set(), index, admin.otherTargetableRoles, { units: admin.extraUnits, pimMemberOf: admin.pimMemberOf }),
    }));
  }

  /**
   * Admins for whom `after` covers strictly less than `before` in some role state and sign-in context.
   * Contexts covered only by the new policy set do not offset a loss elsewhere. The states compared are those
   * either policy set's evaluation visits (standing, single activations, exposing combinations).
   */
  losses(before: readonly ConditionalAccessPolicy[], after: readonly ConditionalAccessPolicy[]): string[] {
    const { snapshot } = this;
    const all = [...before, ...after];
    const sd = snapshot.securityDefaults?.isEnabled === true;
    const oldSet = compilePolicies(before, snapshot.namedLocations, snapshot.authenticationStrengthPolicies, { spacePolicies: all, securityDefaults: sd });
    const newSet = compilePolicies(after, snapshot.namedLocations, snapshot.authenticationStrengthPolicies, { spacePolicies: all, securityDefaults: sd });
    const oldMemo = new CoverageMemo(oldSet);
    const newMemo = new CoverageMemo(newSet);
    const losers: string[] = [];
    for (const { id, user, units } of this.admins) {
      const states = new Map([...roleStates(oldMemo, user, units, sd), ...roleStates(newMemo, user, units, sd)].map((s) => [s.key, s]));
      const lost = [...states.values()].some((state) => {
        const was = stateCoverage(oldMemo, user, state, sd).uncovered;
        const now = stateCoverage(newMemo, user, state, sd).uncovered;
        return newSet.space.uncovered(now, was).length > 0;
      });
      if (lost) losers.push(id);
    }
    return losers;
  }

  /**
   * For one changed policy: who lost coverage because of this change alone. A policy now in a state Graph's
   * enum does not have is not known to cover less (R-STATE-3): no loss is attributed to it.
   */
  lossesFromChange(policyId: string, previousVersion: ConditionalAccessPolicy | null): string[] {
    const current = this.snapshot.conditionalAccessPolicies;
    const now = current.find((p) => normId(p.id) === normId(policyId));
    if (now && policyState(now.state) === 'unknown') return [];
    return this.losses(withPolicy(current, policyId, previousVersion), current);
  }
}

/** For one changed policy: who lost coverage because of this change alone. */
export function lossesFromChange(snapshot: TenantSnapshot, options: EvaluationOptions, policyId: string, previousVersion: ConditionalAccessPolicy | null): string[] {
  return new WhatIf(snapshot, options).lossesFromChange(policyId, previousVersion);
}
