// The sign-in collector's decisions, apart from I/O: which queries read the window with the fewest requests,
// what each stored sign-in is filed as, which index partitions it is copied to, and which daily digests a
// run's sign-ins touch. docs/storage.md ("Sign-ins") says why each is so.
import { isGuid, normId } from '../core/ids.js';
import { type GraphUser, type SignIn, signInSchema } from '../core/graph-types.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import { APPLIED_RESULTS, isInteractive } from '../core/observed.js';
import { dayOf } from '../core/signin-digest.js';
import { escapeKey } from '../storage/codec.js';

/**
 * Accounts per `userId eq … or …` filter. Graph documents no limit for sign-ins; 15 is the limit it documents
 * for OR clauses and `in` lists on directory objects, and keeps the URL well under 2,000 characters.
 */
export const ACCOUNTS_PER_FILTER = 15;
/** Report-only results (reportOnly*) are evolvable enum members: Graph returns them only with this header. */
export const PREFER_UNKNOWN_ENUMS: Readonly<Record<string, string>> = { Prefer: 'include-unknown-enum-members' };
/** Both kinds of user sign-ins, read in one beta query (non-interactive ones need the beta filter). */
export const USER_EVENT_TYPES = "signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')";
/** Sign-ins a report-only policy would have failed or interrupted. */
export const REPORT_ONLY_HITS = "appliedConditionalAccessPolicies/any(p: p/result eq 'reportOnlyFailure' or p/result eq 'reportOnlyInterrupted')";

/**
 * admin: an admin's or potential admin's sign-in; breakGlass: an excluded account's; reportOnly: another user's
 * sign-in a report-only policy would have failed or interrupted; interrupted: another user's interrupted sign-in.
 */
export type SignInKind = 'admin' | 'breakGlass' | 'reportOnly' | 'interrupted';

export interface SignInQuery {
  kind: SignInKind;
  url: string;
}

export interface QueryInput {
  /** Start of the window, ISO without milliseconds. */
  since: string;
  /** Admins and potential admins (object ids). */
  admins: readonly string[];
  /** Excluded accounts: object ids, or UPNs whose id is not known. */
  excluded: readonly string[];
  interruptCodes: readonly number[];
  /** Some Conditional Access policy is report-only: read the tenant's sign-ins it would have hit. */
  reportOnlyPolicies: boolean;
  nonInteractive: boolean;
}

const quote = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/**
 * The window's queries (beta, sent with PREFER_UNKNOWN_ENUMS): every sign-in of the monitored accounts,
 * ACCOUNTS_PER_FILTER accounts per request, interactive and (when enabled) non-interactive; the tenant's
 * interrupted sign-ins (interactive: what the portal shows as Interrupted); and, when a policy is report-only,
 * the tenant's sign-ins it would have failed or interrupted.
 */
export function signInQueries(input: QueryInput): SignInQuery[] {
  const base = `/auditLogs/signIns?$top=1000&$filter=createdDateTime ge ${input.since}`;
  const types = input.nonInteractive ? ` and ${USER_EVENT_TYPES}` : '';
  const queries: SignInQuery[] = [];
  const accounts = [...new Set([...input.admins.map(normId), ...input.excluded.map((e) => (e.includes('@') ? e.toLowerCase() : normId(e)))])].sort();
  for (let i = 0; i < accounts.length; i += ACCOUNTS_PER_FILTER) {
    const who = accounts.slice(i, i + ACCOUNTS_PER_FILTER).map((a) => (a.includes('@') ? `userPrincipalName eq ${quote(a)}` : `userId eq ${quote(a)}`));
    queries.push({ kind: 'admin', url: `${base} and (${who.join(' or ')})${types}` });
  }
  const codes = input.interruptCodes.map((c) => `status/errorCode eq ${c}`).join(' or ');
  queries.push({ kind: 'interrupted', url: `${base} and (${codes})` });
  if (input.reportOnlyPolicies) queries.push({ kind: 'reportOnly', url: `${base} and ${REPORT_ONLY_HITS}${types}` });
  return queries;
}

/** How a run reads its window: per account (signInQueries), or the tenant's whole window (tenantWideQuery). */
export interface SignInReadMode {
  mode: 'tenant' | 'accounts';
  /** When the collector last chose this mode. */
  decidedAt: string;
}

/** After a tenant-wide read proved dearer than the per-account queries, it is tried again after this long. */
export const TENANT_WIDE_RETRY_MS = 24 * 3_600_000;

/**
 * Whether a run reads the tenant's whole window instead of the per-account queries, and in how many pages at
 * most (docs/storage.md, "Sign-ins"). The per-account queries cost one request per ACCOUNTS_PER_FILTER accounts
 * however quiet the tenant is; the tenant's window costs one per 1,000 sign-ins however many accounts are
 * monitored. A steady run's window is minutes long, so for a tenant with many admins the whole window is
 * usually far cheaper. It is tried only when it can be cheaper (fewer pages than the per-account queries'
 * requests) and given exactly that many pages: when the window holds more, the run goes on per account (what it
 * stored stays) and reads per account for TENANT_WIDE_RETRY_MS. Never on a first run: its window is the initial
 * look-back, and the reports budget sets the first run's floor.
 */
export function chooseSignInRead(input: { firstRun: boolean; previous: SignInReadMode | undefined; now: string; accountQueries: number }): { tenantWide: false } | { tenantWide: true; maxPages: number } {
  const maxPages = input.accountQueries - 1;
  if (input.firstRun || maxPages < 1) return { tenantWide: false };
  if (input.previous?.mode === 'accounts' && Date.parse(input.now) - Date.parse(input.previous.decidedAt) < TENANT_WIDE_RETRY_MS) return { tenantWide: false };
  return { tenantWide: true, maxPages };
}

/** The tenant's whole window: every user sign-in (interactive and, when enabled, non-interactive). */
export function tenantWideQuery(input: Pick<QueryInput, 'since' | 'nonInteractive'>): string {
  return `/auditLogs/signIns?$top=1000&$filter=createdDateTime ge ${input.since}${input.nonInteractive ? ` and ${USER_EVENT_TYPES}` : ''}`;
}

/**
 * What the per-account queries would have filed a sign-in of the tenant's window as, or undefined when none of
 * them would have read it: a monitored account's (kindOf), else a hit of a report-only policy (while one is),
 * else an interactive interruption (the interrupted query reads interactive sign-ins only, R-OBS-3).
 */
export function tenantWideKind(
  s: Pick<SignIn, 'userId' | 'userPrincipalName' | 'appliedConditionalAccessPolicies' | 'status' | 'signInEventTypes' | 'isInteractive'>,
  input: { excluded: ReadonlySet<string>; admins: ReadonlySet<string>; interruptCodes: ReadonlySet<number>; reportOnlyPolicies: boolean },
): SignInKind | undefined {
  const kind = kindOf(s, 'interrupted', input.excluded, input.admins);
  if (kind !== 'interrupted') return kind;
  if (input.reportOnlyPolicies && (s.appliedConditionalAccessPolicies ?? []).some((p) => p.result === 'reportOnlyFailure' || p.result === 'reportOnlyInterrupted')) return 'reportOnly';
  if (isInteractive(s) && input.interruptCodes.has(s.status?.errorCode ?? 0)) return 'interrupted';
  return undefined;
}

/** What a sign-in is filed as: by whose it is first (excluded, then monitored), else by the query that found it. */
export function kindOf(s: Pick<SignIn, 'userId' | 'userPrincipalName'>, found: SignInKind, excluded: ReadonlySet<string>, admins: ReadonlySet<string>): SignInKind {
  const id = normId(s.userId ?? '');
  const upn = (s.userPrincipalName ?? '').toLowerCase();
  if (excluded.has(id) || (upn && excluded.has(upn))) return 'breakGlass';
  if (admins.has(id)) return 'admin';
  return found === 'admin' ? 'admin' : found;
}

/**
 * The index partitions a stored sign-in is copied to: by user id, by UPN, and by every policy that applied to
 * it (result success, failure or reportOnly success/failure/interrupted), so `history signins` reads by
 * principal or by policy with one range scan.
 */
export function signInIndex(s: Pick<SignIn, 'userId' | 'userPrincipalName' | 'appliedConditionalAccessPolicies'>): string[] {
  const out: string[] = [];
  if (s.userId) out.push(`p|${normId(s.userId)}`);
  if (s.userPrincipalName) out.push(`p|${escapeKey(s.userPrincipalName.toLowerCase())}`);
  for (const p of s.appliedConditionalAccessPolicies ?? []) if (p.result && APPLIED_RESULTS.has(p.result)) out.push(`c|${normId(p.id)}`);
  return [...new Set(out)];
}

/**
 * The digests a sign-in touches: its user's day, and the day before when it falls in the first
 * `completionMinutes` of a day (it may complete an interruption of the previous day).
 */
export function touchedDigests(userId: string, at: string, completionMinutes: number): string[] {
  const t = Date.parse(at);
  if (Number.isNaN(t)) return [];
  const days = new Set([dayOf(t), dayOf(t - completionMinutes * 60_000)]);
  return [...days].map((d) => `${d}|${userId}`);
}

/** Only the properties the monitor reads are kept: a stored sign-in is a fraction of Graph's. */
const storedSchema = signInSchema.strip();

/** A sign-in from a Graph page, trimmed to what the monitor reads; undefined when it has no id or no valid time (skipped and counted). */
export function readSignIn(raw: unknown): SignIn | undefined {
  const parsed = storedSchema.safeParse(raw);
  if (!parsed.success || Number.isNaN(Date.parse(parsed.data.createdDateTime))) return undefined;
  return parsed.data;
}

/** The first day a retention of `days` keeps (digests of earlier days are deleted). */
export function retainedFromDay(nowMs: number, days: number): string {
  return dayOf(nowMs - days * 86_400_000);
}

/** Sign-ins deleted per run: retention catches up over a few runs instead of one long one. */
export const RETENTION_DELETES_PER_RUN = 2000;

/** Excluded accounts as user ids or UPNs: listed ids/UPNs, and members of listed groups. */
export function excludedAccounts(entries: readonly string[], users: readonly GraphUser[], groups: ReadonlyMap<string, SnapshotGroup>): string[] {
  const out = new Set<string>();
  for (const entry of entries) {
    const id = normId(entry);
    if (!isGuid(entry)) out.add(entry.toLowerCase());
    else if (groups.has(id)) for (const m of groups.get(id)?.memberUserIds ?? []) out.add(normId(m));
    else out.add(id);
  }
  // Users listed by UPN whose id is known are queried by id (cheaper filter, same result).
  for (const u of users) {
    const upn = u.userPrincipalName?.toLowerCase();
    if (upn && out.has(upn)) {
      out.delete(upn);
      out.add(normId(u.id));
    }
  }
  return [...out].sort();
}
