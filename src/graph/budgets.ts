// Graph's documented throttling budgets (entra-facts.md §6), as one table the client paces itself by and
// the simulated tenant enforces, so both and the bench's theoretical floor agree by construction. Which
// endpoint draws on which budget is endpoints.ts.
import { endpointFor } from './endpoints.js';

export type BudgetClass = 'reports' | 'conditionalAccess' | 'security' | 'directory' | 'unmetered';
/** The budgets counted as requests in a sliding window. */
export type WindowClass = 'reports' | 'conditionalAccess' | 'security';
export const WINDOW_CLASSES: readonly WindowClass[] = ['reports', 'conditionalAccess', 'security'];

/**
 * Graph's budgets per app and tenant. Reports and Conditional Access are request counts in a sliding window;
 * directory reads draw resource units from a token bucket refilled continuously (smallest tenant size: 3,500
 * units per 10 s). The simulated tenant enforces exactly these and the gateway paces itself by them.
 */
export const THROTTLE_BUDGETS = {
  // Identity and access reports (signIns, directoryAudits, authentication method reports): 5 requests / 10 s.
  reports: { requests: 5, windowMs: 10_000 },
  // Conditional Access policies and named locations: 1 request / s per tenant, 429 without Retry-After.
  conditionalAccess: { requests: 1, windowMs: 1_000 },
  // Secure Score and its control profiles (Security API): 150 requests / minute per app and tenant.
  security: { requests: 150, windowMs: 60_000 },
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

/** At most `limit` admissions in any window of `windowMs`. */
export class SlidingWindow {
  private readonly admitted: number[] = [];
  private head = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Admits the request (0), or returns the ms until the oldest admitted request leaves the window. */
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

/** A bucket of `capacity` units, refilled continuously at `refillPerMs`. */
export class TokenBucket {
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

  /** Spends `cost` units (0), or returns the ms until enough units have been refilled. */
  take(cost: number, now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refillPerMs);
    this.last = now;
    const wanted = Math.min(cost, this.capacity);
    if (this.tokens >= wanted) {
      this.tokens -= wanted;
      return 0;
    }
    return (wanted - this.tokens) / this.refillPerMs;
  }
}

/**
 * The gateway's side of the budgets: waits until a request would be admitted, so Graph never has to say 429.
 * A request counts in its window from the moment it was *answered*, the latest moment the service can have
 * received it: requests reach the service later than they were admitted, by varying latencies, and counting
 * from admission would let the next window's first request arrive while an earlier one still counts there.
 */
export class Pacer {
  private readonly windows: Record<WindowClass, { limit: number; windowMs: number; admitted: Array<{ at: number }> }>;
  private readonly directory: TokenBucket;
  /** One queue per budget: a request waiting for its window must not hold up requests of another budget. */
  private readonly queues = new Map<BudgetClass, Promise<void>>();

  constructor(
    timeScale: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    const window = (cls: WindowClass) => ({ limit: THROTTLE_BUDGETS[cls].requests, windowMs: THROTTLE_BUDGETS[cls].windowMs / timeScale, admitted: [] });
    this.windows = { reports: window('reports'), conditionalAccess: window('conditionalAccess'), security: window('security') };
    // 2 % below the service's bucket: a margin for arrival order differing from admission order.
    this.directory = new TokenBucket(THROTTLE_BUDGETS.directory.capacity * 0.98, THROTTLE_BUDGETS.directory.refillPerMs * 0.98 * timeScale, clock());
  }

  /** Resolves, when the request may go, with a callback to call once it has been answered. */
  pace(cls: BudgetClass, cost: number): Promise<() => void> {
    const done = () => undefined;
    if (cls === 'unmetered') return Promise.resolve(done);
    const next = (this.queues.get(cls) ?? Promise.resolve()).then(async (): Promise<() => void> => {
      for (;;) {
        const now = this.clock();
        if (cls === 'directory') {
          const wait = this.directory.take(cost, now);
          if (wait <= 0) return done;
          await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait) + 1));
          continue;
        }
        const w = this.windows[cls];
        // An entry still in flight (at = Infinity) counts until answered.
        w.admitted = w.admitted.filter((e) => e.at > now - w.windowMs);
        if (w.admitted.length < w.limit) {
          const entry = { at: Number.POSITIVE_INFINITY };
          w.admitted.push(entry);
          return () => {
            entry.at = this.clock();
          };
        }
        const oldest = Math.min(...w.admitted.map((e) => e.at));
        const wait = Number.isFinite(oldest) ? oldest + w.windowMs - now : 5;
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(wait) + 1)));
      }
    });
    this.queues.set(
      cls,
      next.then(
        () => undefined,
        () => undefined,
      ),
    );
    return next;
  }
}

/** Resource units a directory read costs (see directoryCost). */
export function resourceUnits(path: string, query: URLSearchParams): number {
  const base = endpointFor(path)?.baseCost ?? 1;
  const top = query.get('$top');
  return directoryCost(base, query.has('$select'), query.has('$expand'), top === null ? undefined : Number(top));
}

/** Splits a Graph URL (absolute or relative) into the path after the version segment and its query. */
export function graphPath(url: string): { path: string; query: URLSearchParams } {
  const parsed = new URL(url, 'http://graph.invalid');
  const path = parsed.pathname.replace(/^\/(v1\.0|beta)(?=\/)/i, '');
  return { path: decodeURIComponent(path), query: parsed.searchParams };
}
