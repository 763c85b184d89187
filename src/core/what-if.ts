// What-if coverage: evaluate the same admins under two versions of the policy set, in one shared context
// space, and say whose coverage shrank. Used to decide whether a policy change weakened anything (alerted)
// or reduced nothing (kept in history only), and by users previewing a change on a fixture.
import { uncovered } from './boxes.js';
import { compilePolicies } from './conditions.js';
import { CoverageMemo, adminStates, guestTypesOf, stateCoverage } from './coverage.js';
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
 * Admins for whom `after` covers strictly less than `before` in some role state and
 * sign-in context. Contexts covered only by the new policy set do not offset a loss elsewhere.
 */
export function coverageLosses(snapshot: TenantSnapshot, options: EvaluationOptions, before: readonly ConditionalAccessPolicy[], after: readonly ConditionalAccessPolicy[]): string[] {
  const index = indexSnapshot(snapshot);
  const inventory = buildInventory(snapshot, options.adminRoles, index);
  const all = [...before, ...after];
  const oldSet = compilePolicies(before, snapshot.namedLocations, snapshot.authenticationStrengthPolicies, all);
  const newSet = compilePolicies(after, snapshot.namedLocations, snapshot.authenticationStrengthPolicies, all);
  const oldMemo = new CoverageMemo(oldSet);
  const newMemo = new CoverageMemo(newSet);
  const sd = snapshot.securityDefaults?.isEnabled === true;
  const losers: string[] = [];
  for (const admin of inventory.admins) {
    const user = { id: admin.id, guestTypes: guestTypesOf(admin) };
    const states = adminStates(admin.paths, index.groupsOfUser.get(admin.id) ?? new Set(), index, admin.otherTargetableRoles);
    const lost = states.some((state) => {
      const was = stateCoverage(oldSet, oldMemo, user, state, sd).uncovered;
      const now = stateCoverage(newSet, newMemo, user, state, sd).uncovered;
      return uncovered(now, was).length > 0;
    });
    if (lost) losers.push(admin.id);
  }
  return losers;
}

/** For one changed policy: who lost coverage because of this change alone. */
export function lossesFromChange(snapshot: TenantSnapshot, options: EvaluationOptions, policyId: string, previousVersion: ConditionalAccessPolicy | null): string[] {
  const current = snapshot.conditionalAccessPolicies;
  const previous = withPolicy(current, policyId, previousVersion);
  return coverageLosses(snapshot, options, previous, current);
}
