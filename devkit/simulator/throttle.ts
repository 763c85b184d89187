// Graph's documented request budgets (entra-facts.md §6), enforced per simulator (= one app in one
// tenant) when throttled mode is on. `timeScale` divides every window: 10 means a 10 s window lasts 1 s
// and a refill rate is 10x faster, so every ratio (and the theoretical floor / timeScale) stays the same.
//
//  class              endpoints                                   budget                                   model
//  reports            signIns, userRegistrationDetails[/{id}],    5 requests per 10 s                      sliding window (log)
//                     directory recommendations (+ impacted)
//  conditionalAccess  CA policies, named locations (shared)       1 request per 1 s, 429 without Retry-After  sliding window (log)
//  security           secureScores, secureScoreControlProfiles    150 requests per 60 s                    sliding window (log)
//  directory          roleDefinitions[Beta], roleAssignments,     token bucket, 3,500 resource units,        token bucket
//                     transitiveMembers, users, groups            refilled continuously at 350 RU/s
//  unmetered          PIM endpoints, policies, $batch envelope    unthrottled
//
// Only admitted requests use budget; a 429 costs nothing. Retry-After (reports, directory) is the wait
// until the request would be admitted, rounded up to whole unscaled seconds, then divided by timeScale.

import { type BudgetClass, SlidingWindow, THROTTLE_BUDGETS, TokenBucket, directoryCost } from '../../src/graph/budgets.js';

export const THROTTLE_CLASSES: readonly BudgetClass[] = ['reports', 'conditionalAccess', 'security', 'directory', 'unmetered'];
export type ThrottleClass = BudgetClass;

// The budgets, their cost rule and the window/bucket models are shared with the gateway's pacer.
export { THROTTLE_BUDGETS, directoryCost };

export type ThrottleDecision = { ok: true } | { ok: false; retryAfterSeconds: number | null };

export class Throttle {
  private readonly reports: SlidingWindow;
  private readonly conditionalAccess: SlidingWindow;
  private readonly security: SlidingWindow;
  private readonly directory: TokenBucket;

  constructor(
    readonly timeScale: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`throttle.timeScale must be a positive number, got ${timeScale}`);
    this.reports = new SlidingWindow(THROTTLE_BUDGETS.reports.requests, THROTTLE_BUDGETS.reports.windowMs / timeScale);
    this.conditionalAccess = new SlidingWindow(THROTTLE_BUDGETS.conditionalAccess.requests, THROTTLE_BUDGETS.conditionalAccess.windowMs / timeScale);
    this.security = new SlidingWindow(THROTTLE_BUDGETS.security.requests, THROTTLE_BUDGETS.security.windowMs / timeScale);
    this.directory = new TokenBucket(THROTTLE_BUDGETS.directory.capacity, THROTTLE_BUDGETS.directory.refillPerMs * timeScale, clock());
  }

  check(cls: ThrottleClass, cost: number): ThrottleDecision {
    const now = this.clock();
    let waitMs: number;
    switch (cls) {
      case 'unmetered':
        return { ok: true };
      case 'reports':
        waitMs = this.reports.take(now);
        break;
      case 'security':
        waitMs = this.security.take(now);
        break;
      case 'conditionalAccess':
        waitMs = this.conditionalAccess.take(now);
        return waitMs === 0 ? { ok: true } : { ok: false, retryAfterSeconds: null };
      case 'directory':
        waitMs = this.directory.take(cost, now);
        break;
    }
    if (waitMs === 0) return { ok: true };
    return { ok: false, retryAfterSeconds: this.retryAfter(waitMs) };
  }

  /** Whole unscaled seconds (as Graph sends), scaled down by timeScale. */
  private retryAfter(waitMs: number): number {
    const unscaledSeconds = Math.max(1, Math.ceil((waitMs * this.timeScale) / 1000 - 1e-9));
    return unscaledSeconds / this.timeScale;
  }
}
