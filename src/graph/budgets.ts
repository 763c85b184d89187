// Graph's documented throttling budgets (entra-facts.md §6), as one table the client paces itself by and
// the simulated tenant enforces, so both and the bench's theoretical floor agree by construction.

export type BudgetClass = 'reports' | 'conditionalAccess' | 'directory' | 'unmetered';

export interface Budget {
  /** Units allowed per window. */
  limit: number;
  windowMs: number;
  /** Whether a 429 from this service carries Retry-After. */
  retryAfter: boolean;
}

export const BUDGETS: Record<Exclude<BudgetClass, 'unmetered'>, Budget> = {
  // Identity and access reports (signIns, directoryAudits, authentication method reports): 5 requests / 10 s.
  reports: { limit: 5, windowMs: 10_000, retryAfter: true },
  // Conditional Access policies and named locations: 1 request / s per tenant, 429 without Retry-After.
  conditionalAccess: { limit: 1, windowMs: 1_000, retryAfter: false },
  // Directory reads: a bucket of resource units per 10 s (smallest tenant size: 3,500).
  directory: { limit: 3_500, windowMs: 10_000, retryAfter: true },
};

/** The budget class of a Graph request path (without the version prefix or query). */
export function budgetClass(path: string): BudgetClass {
  const p = path.toLowerCase();
  if (p.startsWith('/auditlogs/') || p.startsWith('/reports/')) return 'reports';
  if (p.startsWith('/identity/conditionalaccess/')) return 'conditionalAccess';
  if (p.startsWith('/groups/') || p.startsWith('/users') || p.startsWith('/directoryobjects') || p.startsWith('/rolemanagement/directory/roledefinitions') || p.startsWith('/rolemanagement/directory/roleassignments?') || p === '/rolemanagement/directory/roleassignments') {
    return 'directory';
  }
  return 'unmetered';
}

/** Resource units a directory read costs (Learn: throttling-limits, identity and access service). */
export function resourceUnits(path: string, query: URLSearchParams): number {
  const p = path.toLowerCase();
  let cost = 1;
  if (/\/transitivemembers/.test(p)) cost = 5;
  else if (/^\/groups\/[^/]+\/members/.test(p)) cost = 3;
  else if (p.startsWith('/directoryobjects/getbyids')) cost = 5;
  else if (p === '/users' || p.startsWith('/users?')) cost = 2;
  if (query.has('$select')) cost -= 1;
  if (query.has('$expand')) cost += 1;
  const top = Number(query.get('$top'));
  if (Number.isFinite(top) && top > 0 && top < 20) cost -= 1;
  return Math.max(1, cost);
}

/** Splits a Graph URL (absolute or relative) into the path after the version segment and its query. */
export function graphPath(url: string): { path: string; query: URLSearchParams } {
  const parsed = new URL(url, 'http://graph.invalid');
  const path = parsed.pathname.replace(/^\/(v1\.0|beta)(?=\/)/i, '');
  return { path: decodeURIComponent(path), query: parsed.searchParams };
}

/** Sliding-window limiter: waits until `cost` more units fit in the last window. */
export class WindowLimiter {
  private readonly events: Array<{ at: number; cost: number }> = [];
  private used = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  acquire(cost: number): Promise<void> {
    const wanted = Math.min(cost, this.limit);
    const next = this.queue.then(() => this.take(wanted));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async take(cost: number): Promise<void> {
    for (;;) {
      const now = this.clock();
      while (this.events.length > 0 && (this.events[0] as { at: number }).at <= now - this.windowMs) {
        this.used -= (this.events.shift() as { cost: number }).cost;
      }
      if (this.used + cost <= this.limit) {
        this.events.push({ at: now, cost });
        this.used += cost;
        return;
      }
      // Wait until enough of the oldest events have left the window.
      let free = this.limit - this.used;
      let waitUntil = now;
      for (const e of this.events) {
        free += e.cost;
        waitUntil = e.at + this.windowMs;
        if (free >= cost) break;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(waitUntil - now) + 1)));
    }
  }
}
