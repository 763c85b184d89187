// Graph's documented request budgets (entra-facts.md §6), enforced per simulator (= one app in one
// tenant) when throttled mode is on. `timeScale` divides every window: 10 means a 10 s window lasts 1 s
// and a refill rate is 10x faster, so every ratio (and the theoretical floor / timeScale) stays the same.
//
//  class              endpoints                                   budget                                   model
//  reports            signIns, userRegistrationDetails[/{id}]     5 requests per 10 s                      sliding window (log)
//  conditionalAccess  CA policies, named locations (shared)       1 request per 1 s, 429 without Retry-After  sliding window (log)
//  directory          roleDefinitions[Beta], roleAssignments,     token bucket, 3,500 resource units,        token bucket
//                     transitiveMembers, users, groups            refilled continuously at 350 RU/s
//  none               PIM endpoints, policies, $batch envelope    unthrottled
//
// Only admitted requests use budget; a 429 costs nothing. Retry-After (reports, directory) is the wait
// until the request would be admitted, rounded up to whole unscaled seconds, then divided by timeScale.

export const THROTTLE_CLASSES = ['reports', 'conditionalAccess', 'directory', 'none'] as const;
export type ThrottleClass = (typeof THROTTLE_CLASSES)[number];

export const THROTTLE_BUDGETS = {
  reports: { requests: 5, windowMs: 10_000 },
  conditionalAccess: { requests: 1, windowMs: 1_000 },
  directory: { capacity: 3_500, refillPerMs: 3_500 / 10_000 },
} as const;

/**
 * Resource units of a directory read (Learn, throttling-limits, identity and access): base cost
 * (transitiveMembers 5, GET /users 2, others 1); `$select` -1; `$expand` +1; `$top` below 20 -1; at least 1.
 */
export function directoryCost(baseCost: number, hasSelect: boolean, hasExpand: boolean, top?: number): number {
  const smallTop = top !== undefined && Number.isFinite(top) && top > 0 && top < 20;
  return Math.max(1, baseCost - (hasSelect ? 1 : 0) + (hasExpand ? 1 : 0) - (smallTop ? 1 : 0));
}

export type ThrottleDecision = { ok: true } | { ok: false; retryAfterSeconds: number | null };

class SlidingWindow {
  private readonly admitted: number[] = [];
  private head = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Admits the request, or returns the ms until the oldest admitted request leaves the window. */
  take(now: number): number {
    while (this.head < this.admitted.length && (this.admitted[this.head] as number) <= now - this.windowMs) this.head++;
    if (this.head > 1024) {
      this.admitted.splice(0, this.head);
      this.head = 0;
    }
    if (this.admitted.length - this.head < this.limit) {
      this.admitted.push(now);
      return 0;
    }
    return (this.admitted[this.head] as number) + this.windowMs - now;
  }
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly capacity: number,
    private readonly refillPerMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Spends `cost` units, or returns the ms until enough units have been refilled. */
  take(cost: number, now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refillPerMs);
    this.last = now;
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return (cost - this.tokens) / this.refillPerMs;
  }
}

export class Throttle {
  private readonly reports: SlidingWindow;
  private readonly conditionalAccess: SlidingWindow;
  private readonly directory: TokenBucket;

  constructor(
    readonly timeScale: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`throttle.timeScale must be a positive number, got ${timeScale}`);
    this.reports = new SlidingWindow(THROTTLE_BUDGETS.reports.requests, THROTTLE_BUDGETS.reports.windowMs / timeScale);
    this.conditionalAccess = new SlidingWindow(THROTTLE_BUDGETS.conditionalAccess.requests, THROTTLE_BUDGETS.conditionalAccess.windowMs / timeScale);
    this.directory = new TokenBucket(THROTTLE_BUDGETS.directory.capacity, THROTTLE_BUDGETS.directory.refillPerMs * timeScale, clock());
  }

  check(cls: ThrottleClass, cost: number): ThrottleDecision {
    const now = this.clock();
    let waitMs: number;
    switch (cls) {
      case 'none':
        return { ok: true };
      case 'reports':
        waitMs = this.reports.take(now);
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
