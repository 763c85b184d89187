// The sign-in collector: every sign-in of the admins, potential admins and excluded accounts since the
// watermark (interactive and non-interactive, successful or not), the tenant's interrupted sign-ins, and —
// while a policy is report-only — the tenant's sign-ins it would have failed or interrupted. Each sign-in is
// stored once (row key = its time and id; ids already stored in the window are skipped), then the daily
// digests of the users it touched are rebuilt from what is stored, and what is past SIGNIN_RETENTION_DAYS is
// deleted. The watermark (in the run record) moves only after a complete read. docs/storage.md, "Sign-ins".
import type { ConditionalAccessPolicy, GraphUser, SignIn } from '../core/graph-types.js';
import { normId } from '../core/ids.js';
import { type ObservedSignIn, observeSignIn } from '../core/observed.js';
import { type SignInDigest, buildDigest } from '../core/signin-digest.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import { THROTTLE_BUDGETS } from '../graph/budgets.js';
import { contentHash, decodeJson, encodeJson, escapeKey, newestFirstKey } from '../storage/codec.js';
import { loadState, loadValues } from '../storage/state.js';
import type { Entity, TableStore } from '../storage/tables.js';
import { type CollectorDeps, type SharedAccounts, recordFailure } from './context.js';
import { type RunRecord, beginRun } from './runs.js';
import { PARTITIONS } from './specs.js';
import {
  PREFER_UNKNOWN_ENUMS,
  type QueryInput,
  RETENTION_DELETES_PER_RUN,
  type SignInKind,
  type SignInQuery,
  chooseSignInRead,
  excludedAccounts,
  kindOf,
  readSignIn,
  retainedFromDay,
  signInIndex,
  signInQueries,
  tenantWideKind,
  tenantWideQuery,
  touchedDigests,
} from './signins-plan.js';

export interface StoredSignIn {
  id: string;
  kind: SignInKind;
  signIn: SignIn;
}

/**
 * Sign-in queries in progress at once: two reports windows' worth, so the budget stays used while some of them
 * store a page (each holds at most one page of 1,000 sign-ins in memory).
 */
const QUERIES_AT_ONCE = 2 * THROTTLE_BUDGETS.reports.requests;

/** State partition of the per-user daily digests (row key `<day>|<user id>`). */
export const DIGEST_PARTITION = 'signInDigest';

interface ReadState {
  /** Ids stored before this run from the start of the earliest day this run can touch. */
  known: Set<string>;
  /** Digest keys (`<day>|<user>`) that stored sign-ins from before this run belong to: rebuilt from storage. */
  prior: Set<string>;
  seen: Set<string>;
  touched: Set<string>;
  /** The other touched keys' sign-ins, all read in this run: their digests are built without reading them back. */
  fresh: Map<string, ObservedSignIn[]>;
  /** The sign-in error codes read as interrupted (SIGNIN_INTERRUPT_CODES). */
  interruptCodes: ReadonlySet<number>;
  admins: ReadonlySet<string>;
  excluded: ReadonlySet<string>;
  counts: Record<string, number>;
  watermark: string | undefined;
}

export async function collectSignIns(deps: CollectorDeps, trigger = 'timer'): Promise<RunRecord> {
  const { store, settings, log } = deps;
  const run = await beginRun(deps, 'signins', trigger);
  const { startedAt, tracker, counts, previous } = run;
  Object.assign(counts, { read: 0, new: 0, breakGlass: 0, admin: 0, reportOnly: 0, malformed: 0, digests: 0, expired: 0 });
  let watermark = previous?.watermark;
  let signInRead = previous?.signInRead;
  try {
    // In a full cycle: the accounts the roles collector shares as soon as it knows them, and this cycle's policies.
    const [shared] = deps.pipeline ? await Promise.all([deps.pipeline.accounts(), deps.pipeline.wait('policiesStored')]) : [undefined];
    const from = watermark
      ? new Date(Date.parse(watermark) - settings.signInOverlapMinutes * 60_000)
      : new Date(Date.parse(startedAt) - settings.signInInitialLookbackHours * 3_600_000);
    const since = from.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const accounts = await monitoredAccounts(deps, shared);
    const { known, prior } = await storedBefore(store, from, settings.signInCompletionMinutes);
    const state: ReadState = { known, prior, seen: new Set(), touched: new Set(), fresh: new Map(), interruptCodes: new Set(settings.interruptCodes), admins: new Set(accounts.admins), excluded: new Set(accounts.excluded), counts, watermark };
    const input = { since, admins: accounts.admins, excluded: accounts.excluded, interruptCodes: settings.interruptCodes, reportOnlyPolicies: await hasReportOnlyPolicy(store), nonInteractive: settings.signInNonInteractive };
    const queries = signInQueries(input);
    const choice = chooseSignInRead({ firstRun: !previous?.watermark, previous: previous?.signInRead, now: startedAt, accountQueries: queries.length });
    const wholeWindow = choice.tenantWide && (await readTenantWide(deps, input, choice.maxPages, state, startedAt));
    if (choice.tenantWide) signInRead = { mode: wholeWindow ? 'tenant' : 'accounts', decidedAt: startedAt };
    // Each query pages on its own, a bounded number at once: the gateway paces them on the reports budget, and a
    // page is stored before its query reads the next, so no more pages wait in memory for storage than that (all
    // queries at once each held a page while storage was slower than Graph: 600 MiB at 100k users). All of them
    // settle before the run does (a failed one fails the run), so nothing is written after the run record.
    if (!wholeWindow) await eachSettled(queries, QUERIES_AT_ONCE, (q) => readQuery(deps, q, state, startedAt));
    watermark = state.watermark;
    counts.digests = await rebuildDigests(deps, state, startedAt);
    counts.expired = await applyRetention(deps, startedAt);
    if ((counts.malformed ?? 0) > 0) log.warn(`signIns: ${counts.malformed} sign-in(s) Graph returned without an id or time were skipped`);
    tracker.ok('signIns', { items: counts.read ?? 0, added: counts.new ?? 0 });
  } catch (e) {
    // The watermark is not advanced: the next run reads the same window again (and rebuilds the digests it touches).
    watermark = previous?.watermark;
    recordFailure(tracker, 'signIns', e, log);
  }
  return run.finish({ ...(watermark ? { watermark } : {}), ...(signInRead ? { signInRead } : {}) });
}

/**
 * Admins and potential admins (the roles collector's accounts: shared in a cycle, else stored; and the latest
 * evaluation's admins), and excluded accounts.
 */
async function monitoredAccounts(deps: CollectorDeps, shared: SharedAccounts | undefined): Promise<{ admins: string[]; excluded: string[] }> {
  const users = shared?.users ?? (await loadValues<GraphUser>(deps.store, PARTITIONS.user));
  const verdicts = await loadState<{ id: string }>(deps.store, PARTITIONS.adminVerdict);
  const admins = new Set([...users.map((u) => normId(u.id)), ...[...verdicts.keys()].map(normId)]);
  const groups = new Map((await loadValues<SnapshotGroup>(deps.store, PARTITIONS.group)).map((g) => [g.id, g]));
  for (const g of shared?.groups ?? []) groups.set(g.id, g);
  const excluded = excludedAccounts(deps.settings.excludedAccounts, users, groups);
  return { admins: [...admins].filter((a) => !excluded.includes(a)).sort(), excluded };
}

async function hasReportOnlyPolicy(store: TableStore): Promise<boolean> {
  return (await loadValues<ConditionalAccessPolicy>(store, PARTITIONS.caPolicy)).some((p) => p.state === 'enabledForReportingButNotEnforced');
}

/**
 * Sign-ins stored since the start of the earliest day this run can touch (the day of `from` less the completion
 * window): their ids (re-reading the overlap never stores a sign-in twice) and the digests they belong to.
 */
async function storedBefore(store: TableStore, from: Date, completionMinutes: number): Promise<{ known: Set<string>; prior: Set<string> }> {
  const known = new Set<string>();
  const prior = new Set<string>();
  const firstDay = Date.parse(`${new Date(from.getTime() - completionMinutes * 60_000).toISOString().slice(0, 10)}T00:00:00Z`);
  for await (const e of store.partition('signins', 'all', { toRow: `${newestFirstKey(firstDay)}~`, select: ['itemId', 'userId', 'createdDateTime'] })) {
    known.add(String(e.itemId));
    if (e.userId) for (const key of touchedDigests(String(e.userId), String(e.createdDateTime), completionMinutes)) prior.add(key);
  }
  return { known, prior };
}

function rowOf(s: SignIn, observed: ObservedSignIn, kind: SignInKind, startedAt: string): Entity[] {
  const id = normId(s.id);
  const t = Date.parse(s.createdDateTime);
  const index = signInIndex(s);
  const base: Entity = {
    partitionKey: 'all',
    rowKey: `${newestFirstKey(Number.isNaN(t) ? startedAt : t)}|${escapeKey(id)}`,
    itemId: id,
    kind,
    createdDateTime: s.createdDateTime,
    userId: normId(s.userId ?? ''),
    userPrincipalName: (s.userPrincipalName ?? '').toLowerCase(),
    errorCode: s.status?.errorCode ?? 0,
    appDisplayName: s.appDisplayName ?? '',
    requirement: observed.requirement,
    result: observed.outcome,
    interactive: observed.context.interactive,
    idx: index.join(','),
    ...encodeJson({ id, kind, signIn: s } satisfies StoredSignIn),
  };
  return [base, ...index.map((partitionKey) => ({ ...base, partitionKey }))];
}

async function readQuery(deps: CollectorDeps, query: SignInQuery, state: ReadState, startedAt: string): Promise<void> {
  for await (const page of deps.graph.pages<unknown>(query.url, 'beta', PREFER_UNKNOWN_ENUMS)) {
    await storePage(deps, page, state, startedAt, (s) => kindOf(s, query.kind, state.excluded, state.admins));
  }
}

/**
 * The tenant's whole window in at most `maxPages` pages, keeping what the per-account queries would have read
 * (tenantWideKind). True when the window was read to its end; false when it held more pages (what was stored
 * stays; the caller reads per account, and the ids already seen are skipped).
 */
async function readTenantWide(deps: CollectorDeps, input: QueryInput, maxPages: number, state: ReadState, startedAt: string): Promise<boolean> {
  const keep = (s: SignIn) => tenantWideKind(s, { excluded: state.excluded, admins: state.admins, interruptCodes: state.interruptCodes, reportOnlyPolicies: input.reportOnlyPolicies });
  let next: string | undefined = tenantWideQuery(input);
  for (let pages = 0; next; pages++) {
    if (pages === maxPages) return false;
    const page: { value?: unknown[]; '@odata.nextLink'?: string } = await deps.graph.get(next, 'beta', PREFER_UNKNOWN_ENUMS);
    await storePage(deps, page.value ?? [], state, startedAt, keep);
    next = page['@odata.nextLink'];
  }
  return true;
}

/** Stores a page's new sign-ins as `kindFor` files them (undefined: not kept), and notes the digests they touch. */
async function storePage(deps: CollectorDeps, page: readonly unknown[], state: ReadState, startedAt: string, kindFor: (s: SignIn) => SignInKind | undefined): Promise<void> {
  const rows: Entity[] = [];
  for (const raw of page) {
    state.counts.read = (state.counts.read ?? 0) + 1;
    const s = readSignIn(raw);
    if (!s) {
      state.counts.malformed = (state.counts.malformed ?? 0) + 1;
      continue;
    }
    if (!state.watermark || s.createdDateTime > state.watermark) state.watermark = s.createdDateTime;
    const kind = kindFor(s);
    if (!kind) continue;
    const keys = s.userId ? touchedDigests(normId(s.userId), s.createdDateTime, deps.settings.signInCompletionMinutes) : [];
    for (const key of keys) state.touched.add(key);
    const id = normId(s.id);
    if (state.seen.has(id) || state.known.has(id)) continue;
    state.seen.add(id);
    const observed = observeSignIn(s, state.interruptCodes);
    for (const key of keys) if (!state.prior.has(key)) (state.fresh.get(key) ?? state.fresh.set(key, []).get(key))?.push(observed);
    rows.push(...rowOf(s, observed, kind, startedAt));
    state.counts.new = (state.counts.new ?? 0) + 1;
    state.counts[kind] = (state.counts[kind] ?? 0) + 1;
  }
  // Stored page by page: memory stays flat however many sign-ins the window holds.
  await deps.store.write('signins', rows);
}

/**
 * Runs `fn` over `items`, `limit` at a time. After a failure no new item starts; the first failure is thrown
 * once every started item has settled, so nothing is still writing when the caller goes on.
 */
async function eachSettled<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (!failure && next < items.length) {
        try {
          await fn(items[next++] as T);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
}

/**
 * Rebuilds each touched `<day>|<user>` digest from that user's sign-ins of the day (and the following minutes
 * that can complete an interruption): read back from storage where some were stored before this run, else the
 * ones this run read (a first run touches tens of thousands of user-days: reading each back took minutes at
 * 100k users). Writes only digests that changed. Returns how many were written. An interruption nothing
 * completed stays `pending` however old: the evaluation tells pending from abandoned at its own window end
 * (R-OBS-9), so a digest is a function of the stored sign-ins alone and re-reading the overlap as time passes
 * rewrites none.
 */
async function rebuildDigests(deps: CollectorDeps, state: ReadState, startedAt: string): Promise<number> {
  const { store, settings } = deps;
  const completionMs = settings.signInCompletionMinutes * 60_000;
  const upserts: Entity[] = [];
  const digestEntity = (key: string, userId: string, day: string, digest: SignInDigest, h: string): Entity => ({ partitionKey: DIGEST_PARTITION, rowKey: key, h, updatedAt: startedAt, userId, day, ...encodeJson(digest) });
  for (const [key, signIns] of state.fresh) {
    const [day, userId] = key.split('|') as [string, string];
    const digest = buildDigest(userId, day, signIns, settings.signInCompletionMinutes);
    upserts.push(digestEntity(key, userId, day, digest, contentHash(digest)));
  }
  await eachSettled([...state.touched].filter((k) => !state.fresh.has(k)).sort(), 8, async (key) => {
    const [day, userId] = key.split('|') as [string, string];
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const signIns = [];
    for await (const e of store.partition('signins', `p|${userId}`, { fromRow: newestFirstKey(dayStart + 86_400_000 + completionMs), toRow: `${newestFirstKey(dayStart)}~` })) {
      const stored = decodeJson<StoredSignIn>(e);
      if (stored) signIns.push(observeSignIn(stored.signIn, state.interruptCodes));
    }
    if (signIns.length === 0) return;
    const digest = buildDigest(userId, day, signIns, settings.signInCompletionMinutes);
    const h = contentHash(digest);
    const existing = await store.get('state', DIGEST_PARTITION, key);
    if (existing?.h === h) return;
    upserts.push(digestEntity(key, userId, day, digest, h));
  });
  await store.write('state', upserts);
  return upserts.length;
}

/** Deletes sign-ins (with their index copies) and digests older than SIGNIN_RETENTION_DAYS; at most RETENTION_DELETES_PER_RUN sign-ins a run. */
async function applyRetention(deps: CollectorDeps, startedAt: string): Promise<number> {
  const { store, settings } = deps;
  const nowMs = Date.parse(startedAt);
  const cutoff = nowMs - settings.signInRetentionDays * 86_400_000;
  const deletes: Array<{ partitionKey: string; rowKey: string }> = [];
  let expired = 0;
  for await (const e of store.partition('signins', 'all', { fromRow: newestFirstKey(cutoff), select: ['RowKey', 'idx', 'userId', 'userPrincipalName'] })) {
    if (expired >= RETENTION_DELETES_PER_RUN) break;
    const rowKey = e.rowKey ?? '';
    const index = typeof e.idx === 'string' ? e.idx.split(',').filter(Boolean) : [e.userId ? `p|${String(e.userId)}` : '', e.userPrincipalName ? `p|${escapeKey(String(e.userPrincipalName))}` : ''].filter(Boolean);
    for (const partitionKey of ['all', ...index]) deletes.push({ partitionKey, rowKey });
    expired++;
  }
  // Index copies first: an interrupted deletion leaves the primary row, which the next run finds again.
  await store.write('signins', [], deletes.filter((d) => d.partitionKey !== 'all'));
  await store.write('signins', [], deletes.filter((d) => d.partitionKey === 'all'));
  const oldDigests: Array<{ partitionKey: string; rowKey: string }> = [];
  for await (const e of store.partition('state', DIGEST_PARTITION, { toRow: retainedFromDay(nowMs, settings.signInRetentionDays), select: ['RowKey'] })) oldDigests.push({ partitionKey: DIGEST_PARTITION, rowKey: e.rowKey ?? '' });
  await store.write('state', [], oldDigests);
  return expired;
}
