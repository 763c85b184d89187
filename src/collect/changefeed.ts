// The change feed (SCHEDULE_CHANGEFEED, every 2 minutes): reads the directory audit log since its watermark
// (with an overlap for late events, handled events skipped by id) and the delta queries of users and of the
// watched groups, turns each change into a targeted read (targeted.ts) and says which admins the reads
// affected, for the cycle runner to evaluate (app/cycle.ts). It also judges the latest full collections: a
// change they found that the feed should have applied is recorded as missed. Decisions: changefeed-plan.ts;
// docs/storage.md, "The change feed".
import { createHash } from 'node:crypto';
import type { FeedNote } from '../core/changes.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import type { ConditionalAccessPolicy, GraphUser, PrivilegedAccessGroupAssignmentScheduleInstance, PrivilegedAccessGroupEligibilityScheduleInstance, RoleAssignmentScheduleInstance, RoleEligibilityScheduleInstance } from '../core/graph-types.js';
import { normId } from '../core/ids.js';
import { GraphRequestError, toGraphError } from '../graph/gateway.js';
import { type DatasetSpec, loadValues, recordedSince, syncDataset } from '../storage/state.js';
import { type AuditEvent, auditEvent, auditPages } from './audit.js';
import {
  type DeltaChange,
  type FeedAction,
  type FeedContext,
  type ReconciledChange,
  type Scope,
  actionKey,
  activityKind,
  dedupeActions,
  deltaActions,
  deltaTrackedGroups,
  USERS_DELTA_MINUTES,
  eventActions,
  eventObjects,
  expiredPrincipals,
  feedStart,
  mergeScopes,
  missedChanges,
  newEvents,
  objectsSeenAfter,
  reconcilable,
  trimRecent,
} from './changefeed-plan.js';
import { type CollectorDeps, USER_SELECT, recordFailure } from './context.js';
import { type FeedPosition, type RunRecord, type RunScope, beginRun, latestRuns } from './runs.js';
import { PARTITIONS } from './specs.js';
import { type FullCollection, type StoredView, applyAction, loadView, storeAccount } from './targeted.js';

export interface FeedOutcome {
  run: RunRecord;
  /** The admins the feed's reads affected (null: nothing changed). */
  scope: Scope | null;
  /** The feed could not continue: a full collection reads everything (why). */
  fullRead?: string;
  /** What only a full collection settles: which, and why. */
  full?: FullCollection[];
}

const EMPTY: FeedPosition = { seen: [], recent: [], delta: {}, reconciled: {} };
/** Delta links per tracked set of groups: Graph filters delta by at most 50 ids. */
const GROUPS_PER_DELTA = 50;
/** How long the feed's notes about itself are kept (their findings are told once each). */
const NOTE_DAYS = 7;

class DeltaExpired extends Error {}

/** Graph's answer to an expired or unknown delta link: 410 Gone (delta-query-overview), or 400 with these codes (the 2020 announcement). */
function isExpired(e: unknown): boolean {
  const err = e instanceof GraphRequestError ? e : toGraphError(e, 'delta');
  return err.status === 410 || (err.status === 400 && /^(syncStateNotFound|syncStateInvalid|resyncRequired)$/i.test(err.code));
}

interface DeltaRead {
  changes: DeltaChange[];
  users: GraphUser[];
  link: string;
}

/**
 * A delta link as stored: the path and query after the version segment, so a link survives a change of host
 * (GRAPH_BASE_URL, a national cloud's) and is sent to the configured Graph only.
 */
export function relativeLink(link: string): string {
  const m = /^https?:\/\/[^/]+\/(?:v1\.0|beta)(\/.*)$/i.exec(link);
  return m ? (m[1] as string) : link;
}

/** One delta round from a link (or, first, `$deltatoken=latest`: a link from now on, without the data). */
async function deltaRound(deps: CollectorDeps, start: string): Promise<DeltaRead> {
  const out: DeltaRead = { changes: [], users: [], link: '' };
  let next: string | undefined = start;
  while (next) {
    let page: { value?: Array<Record<string, unknown>>; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
    try {
      page = await deps.graph.get(next);
    } catch (e) {
      if (isExpired(e)) throw new DeltaExpired((e as Error).message);
      throw e;
    }
    for (const item of page.value ?? []) {
      const id = normId(String(item.id ?? ''));
      const removed = item['@removed'] !== undefined;
      if (start.startsWith('/users/') || /\/users\/delta/i.test(start)) {
        out.changes.push({ kind: 'user', id, removed });
        if (!removed) out.users.push({ ...(item as unknown as GraphUser), id });
      } else out.changes.push({ kind: 'group', id, removed, membersChanged: Array.isArray(item['members@delta']) && (item['members@delta'] as unknown[]).length > 0 });
    }
    next = page['@odata.nextLink'];
    if (!next) out.link = relativeLink(page['@odata.deltaLink'] ?? '');
  }
  if (!out.link) throw new GraphRequestError(0, 'NoDeltaLink', 'a delta round ended without an @odata.deltaLink', start);
  return out;
}

/** The watched groups in sets of at most 50, each keyed by a hash of its ids (a new set starts a new link). */
function groupSets(groupIds: readonly string[]): Map<string, string[]> {
  const sorted = [...new Set(groupIds)].sort();
  const out = new Map<string, string[]>();
  for (let i = 0; i < sorted.length; i += GROUPS_PER_DELTA) {
    const ids = sorted.slice(i, i + GROUPS_PER_DELTA);
    out.set(`groups:${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16)}`, ids);
  }
  return out;
}

interface DeltaResult {
  changes: DeltaChange[];
  users: GraphUser[];
  links: FeedPosition['delta'];
  expired: string[];
}

/**
 * Every delta the feed tracks: the groups policies exclude (every run), and users (admins' accounts, every
 * USERS_DELTA_MINUTES: their changes are audited too, the delta is the safety net).
 */
async function readDeltas(deps: CollectorDeps, position: FeedPosition, groupIds: readonly string[], now: string): Promise<DeltaResult> {
  const wanted = new Map<string, string>([['users', `/users/delta?$select=${USER_SELECT}`]]);
  for (const [key, ids] of groupSets(groupIds)) wanted.set(key, `/groups/delta?$select=id,members&$filter=${ids.map((g) => `id eq '${g}'`).join(' or ')}`);
  const result: DeltaResult = { changes: [], users: [], links: {}, expired: [] };
  for (const [key, first] of wanted) {
    const known = position.delta[key];
    if (key === 'users' && known?.readAt && Date.parse(now) - Date.parse(known.readAt) < USERS_DELTA_MINUTES * 60_000) {
      result.links[key] = known;
      continue;
    }
    try {
      const round = await deltaRound(deps, known?.link ?? `${first}&$deltatoken=latest`);
      result.changes.push(...round.changes);
      result.users.push(...round.users);
      result.links[key] = { link: round.link, since: known?.since ?? now, readAt: now };
    } catch (e) {
      if (!(e instanceof DeltaExpired)) throw e;
      // What changed since the link is unknown: a full read settles it; the feed goes on from a new link.
      result.expired.push(key);
      result.links[key] = { link: (await deltaRound(deps, `${first}&$deltatoken=latest`)).link, since: now, readAt: now };
    }
  }
  return result;
}

async function readAudit(deps: CollectorDeps, since: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for await (const page of auditPages(deps.graph, since)) events.push(...page.map(auditEvent));
  return events;
}

/** The feed's notes about itself, kept as state (the evaluation turns them into findings, each told once). */
const noteSpec: DatasetSpec<FeedNote> = { partition: PARTITIONS.feedNote, id: (n) => n.id };

export async function loadFeedNotes(deps: Pick<CollectorDeps, 'store'>): Promise<FeedNote[]> {
  return loadValues<FeedNote>(deps.store, PARTITIONS.feedNote);
}

async function storeNotes(deps: CollectorDeps, run: RunScope, notes: FeedNote[]): Promise<void> {
  const keepFrom = new Date(Date.parse(run.startedAt) - NOTE_DAYS * 86_400_000).toISOString();
  const stored = await loadFeedNotes(deps);
  const kept = stored.filter((n) => n.at >= keepFrom);
  // Nothing new and nothing old enough to drop: no write.
  if (notes.length === 0 && kept.length === stored.length) return;
  await syncDataset(deps.store, noteSpec, [...kept, ...notes], run.sync);
}

export function resyncNote(at: string, subject: string, detail: string): FeedNote {
  return { id: `${subject}:${at}`, kind: 'resync', at, subject, detail };
}

/** The feed's context for planning, from the stored view. */
function contextOf(view: StoredView): FeedContext {
  return { admins: new Set(view.admins.keys()), groups: view.groups, pimGroups: new Set(view.pimPrincipals.keys()) };
}

 
export async function collectChangeFeed(deps: CollectorDeps, trigger = 'timer'): Promise<FeedOutcome> {
  const run = await beginRun(deps, 'changefeed', trigger);
  const { startedAt, counts } = run;
  const nowMs = Date.parse(startedAt);
  const overlap = deps.settings.changefeedOverlapMinutes;
  const previous = run.previous?.feed ?? EMPTY;
  const full = await latestRuns(deps.store, ['roles', 'policies']);
  const start = feedStart({ watermark: run.previous?.watermark, fullStarts: [full.roles?.startedAt, full.policies?.startedAt], now: nowMs, overlapMinutes: overlap });
  if (start.kind === 'fullRead') {
    // A full collection follows (app/cycle.ts); the feed goes on from here, with new delta links.
    if (start.reason === 'beyondRetention') await storeNotes(deps, run, [resyncNote(startedAt, 'auditLog', `the change feed ${start.detail}`)]);
    return { run: await run.finish({ watermark: startedAt, feed: { ...EMPTY, since: startedAt } }), scope: null, fullRead: start.detail };
  }

  // A full collection that finished since the last feed run may have stored a read older than what the feed
  // applied meanwhile: the events since its start are applied again (targeted reads are idempotent).
  const replayFrom = [full.roles, full.policies].filter((r) => r && run.previous && r.endedAt > run.previous.startedAt).map((r) => new Date(Date.parse((r as RunRecord).startedAt) - overlap * 60_000).toISOString()).sort()[0];
  const since = replayFrom && replayFrom < start.since ? replayFrom : start.since;
  let events: AuditEvent[];
  try {
    events = await readAudit(deps, since);
    run.tracker.ok('directoryAudits', { items: events.length });
  } catch (e) {
    recordFailure(run.tracker, 'directoryAudits', e, deps.log);
    return { run: await run.finish({ ...(run.previous?.watermark ? { watermark: run.previous.watermark } : {}), feed: previous }), scope: null };
  }
  const nextSince = new Date(nowMs - overlap * 60_000).toISOString();
  const { fresh, seen } = newEvents(events, replayFrom ? previous.seen.filter((s) => s.at < replayFrom) : previous.seen, Date.parse(nextSince));
  counts.auditEvents = events.length;
  counts.newEvents = fresh.length;

  // The groups the delta tracks, worked out again only when storage may have changed (an idle run reads none).
  const tracked = previous.tracked && !replayFrom ? previous.tracked : await trackedGroups(deps);
  let deltas: DeltaResult;
  try {
    deltas = await readDeltas(deps, previous, tracked, startedAt);
  } catch (e) {
    recordFailure(run.tracker, 'groupMembers', e, deps.log);
    return { run: await run.finish({ ...(run.previous?.watermark ? { watermark: run.previous.watermark } : {}), feed: previous }), scope: null };
  }
  counts.deltaChanges = deltas.changes.length;

  const pimAvailable = (full.roles?.counts?.pimAvailable ?? 1) === 1;
  // Instances that end by the clock: read from storage only when the earliest end is due, or storage changed.
  const recheck = !previous.nextExpiry || previous.nextExpiry <= startedAt || replayFrom !== undefined;
  const expiry = recheck && run.previous ? await expiringPrincipals(deps, run.previous.startedAt, startedAt) : { principals: [], next: previous.nextExpiry };
  const expiring = expiry.principals;
  const { judge, skip } = reconcilable([full.roles, full.policies], previous, startedAt, overlap);
  const notes: FeedNote[] = deltas.expired.map((key) => resyncNote(startedAt, key.startsWith('groups') ? 'groups' : 'users', `Graph refused the ${key.startsWith('groups') ? 'groups' : 'users'} delta link as expired (410): what changed since it was issued is read by a full collection`));
  const outcome: FeedOutcome = { run: undefined as unknown as RunRecord, scope: null, ...(deltas.expired.length > 0 ? { fullRead: 'a delta link expired' } : {}) };
  const recent = [...previous.recent];
  let retry = false;
  let view: StoredView | undefined;
  if (fresh.length > 0 || deltas.changes.length > 0 || expiring.length > 0) {
    view = await loadView(deps, pimAvailable);
    // Crash safety for the history the reads write, as every collector has (storage/state.ts).
    run.sync.alreadyRecorded = new Map([...(await recordedSince(deps.store, 'assignments', run.previous?.startedAt ?? startedAt)), ...(await recordedSince(deps.store, 'policies', run.previous?.startedAt ?? startedAt))]);
    const applied = await applyChanges(deps, run, view, { fresh, deltas, expiring, recent }, trigger);
    retry = applied.retry;
    outcome.scope = applied.scope;
    if (applied.full.length > 0) outcome.full = applied.full;
  }
  for (const r of judge) {
    const missed = missedChanges(reconciledChanges(r), objectsSeenAfter(recent, r.startedAt));
    for (const m of missed) notes.push({ id: `${r.runId}:${m.dataset}:${m.itemId}`, kind: 'missed', at: startedAt, subject: `${m.dataset}:${m.itemId}`, detail: `the ${r.collector} collection of ${r.startedAt} stored ${m.summary}` });
    if ((r.changesOmitted ?? 0) > 0) notes.push({ id: `${r.runId}:omitted`, kind: 'missed', at: startedAt, subject: `${r.collector}:more`, detail: `the ${r.collector} collection of ${r.startedAt} stored ${r.changesOmitted} more changes than its run record lists; they were not judged` });
    counts.missed = (counts.missed ?? 0) + missed.length;
  }
  await storeNotes(deps, run, notes);

  // After changes to role instances the earliest end is read again next run.
  const nextExpiry = view ? undefined : expiry.next;
  // A transient failure holds the position: the same window and delta links are read again next run.
  const reconciled = { ...previous.reconciled, ...Object.fromEntries([...judge, ...skip].map((r) => [r.collector, r.runId])) };
  const keepFrom = [nextSince, ...[full.roles, full.policies].filter((r) => r && reconciled[r.collector as 'roles' | 'policies'] !== r.runId).map((r) => (r as RunRecord).startedAt)].sort()[0] as string;
  const position: FeedPosition = retry
    ? { ...previous, reconciled }
    : { seen, recent: trimRecent(recent, keepFrom), delta: deltas.links, reconciled, since: previous.since ?? startedAt, ...(nextExpiry ? { nextExpiry } : {}), ...(view ? {} : { tracked }) };
  const watermark = retry ? run.previous?.watermark : startedAt;
  outcome.run = await run.finish({ ...(watermark ? { watermark } : {}), feed: position });
  return outcome;
}

/** The groups the groups delta tracks, from the stored policies and groups. */
async function trackedGroups(deps: CollectorDeps): Promise<string[]> {
  const [policies, groups] = await Promise.all([loadValues<ConditionalAccessPolicy>(deps.store, PARTITIONS.caPolicy), loadValues<SnapshotGroup>(deps.store, PARTITIONS.group)]);
  return deltaTrackedGroups(policies, new Map(groups.map((g) => [g.id, g])));
}

/**
 * Principals with a stored role instance that ended since the previous feed run (PIM ends it without an edit),
 * and when the next stored instance ends.
 */
async function expiringPrincipals(deps: CollectorDeps, previousStart: string, now: string): Promise<{ principals: string[]; next?: string }> {
  const [active, eligible, pimA, pimE] = await Promise.all([
    loadValues<RoleAssignmentScheduleInstance>(deps.store, PARTITIONS.activeInstance),
    loadValues<RoleEligibilityScheduleInstance>(deps.store, PARTITIONS.eligibleInstance),
    loadValues<PrivilegedAccessGroupAssignmentScheduleInstance>(deps.store, PARTITIONS.pimGroupAssignment),
    loadValues<PrivilegedAccessGroupEligibilityScheduleInstance>(deps.store, PARTITIONS.pimGroupEligibility),
  ]);
  const all = [...active, ...eligible, ...pimA, ...pimE];
  const next = all.map((i) => i.endDateTime ?? '').filter((e) => e > now).sort()[0];
  // None ends: the far future, so an idle run does not look again until storage changes.
  return { principals: expiredPrincipals(all, previousStart, now), next: next ? new Date(Date.parse(next)).toISOString() : '9999-12-31T23:59:59.999Z' };
}

interface Changes {
  fresh: AuditEvent[];
  deltas: DeltaResult;
  expiring: string[];
  recent: FeedPosition['recent'];
}

/** Plans and applies the targeted reads of the new events, delta changes and expiries; the scope they affect. */
async function applyChanges(deps: CollectorDeps, run: RunScope, view: StoredView, changes: Changes, trigger: string): Promise<{ scope: Scope | null; retry: boolean; full: FullCollection[] }> {
  const { counts, startedAt } = run;
  const ctx = contextOf(view);
  const actions: FeedAction[] = [];
  const unknown = new Map<string, number>();
  const key = (kind: string) => `events${kind[0]?.toUpperCase()}${kind.slice(1)}`;
  for (const k of ['applied', 'irrelevant', 'noChange', 'failed', 'unknown'] as const) counts[key(k)] = 0;
  for (const e of changes.fresh) {
    const outcome = eventActions(e, ctx);
    counts[key(outcome.kind)] = (counts[key(outcome.kind)] ?? 0) + 1;
    if (outcome.kind === 'applied') actions.push(...outcome.actions);
    if (outcome.kind === 'unknown') unknown.set(e.activity, (unknown.get(e.activity) ?? 0) + 1);
    if (activityKind(e.activity) !== 'unknown') changes.recent.push({ at: startedAt, objects: eventObjects(e) });
  }
  if (unknown.size > 0) deps.log.info(`change feed: ${[...unknown].map(([a, n]) => `${n}× '${a}'`).slice(0, 10).join(', ')} not acted on (unknown activities)`);
  for (const c of changes.deltas.changes) {
    actions.push(...deltaActions(c, ctx));
    changes.recent.push({ at: startedAt, objects: [c.id] });
  }
  for (const p of changes.expiring) actions.push({ kind: 'principalRoles', principalId: p });
  const scopes: Scope[] = [];
  // Accounts as the users delta carries them: no read.
  for (const u of changes.deltas.users) scopes.push((await storeAccount(deps, run, view, u)).scope);
  let retry = false;
  const full: FullCollection[] = [];
  const done = new Set<string>();
  let queue = dedupeActions(actions);
  counts.actions = 0;
  while (queue.length > 0) {
    const next: FeedAction[] = [];
    for (const action of queue) {
      if (done.has(actionKey(action))) continue;
      done.add(actionKey(action));
      counts.actions++;
      const r = await applyAction(deps, run, view, action, trigger);
      scopes.push(r.scope);
      retry ||= r.retry === true;
      if (r.full && !full.some((f) => f.collector === r.full?.collector)) full.push(r.full);
      next.push(...(r.next ?? []));
    }
    queue = dedupeActions(next);
  }
  const scope = mergeScopes(scopes);
  const empty = !scope.all && scope.admins.size === 0;
  return { scope: empty ? null : scope, retry, full };
}

/** A full collection's listed changes, in the datasets the feed keeps current, with a line for the finding. */
function reconciledChanges(r: RunRecord): ReconciledChange[] {
  return (r.changes ?? []).filter((c) => FEED_DATASETS.has(c.dataset)).map((c) => ({ dataset: c.dataset, itemId: c.itemId, objects: c.objects, summary: `${c.dataset} ${c.itemId} ${c.change}` }));
}

/** The state the feed keeps current between full collections (what a full collection may find it missed). */
const FEED_DATASETS: ReadonlySet<string> = new Set([
  PARTITIONS.activeInstance,
  PARTITIONS.eligibleInstance,
  PARTITIONS.roleAssignment,
  PARTITIONS.pimGroupAssignment,
  PARTITIONS.pimGroupEligibility,
  PARTITIONS.group,
  PARTITIONS.user,
  PARTITIONS.registration,
  PARTITIONS.caPolicy,
  PARTITIONS.namedLocation,
  PARTITIONS.authStrength,
  PARTITIONS.securityDefaults,
  PARTITIONS.pimSetting,
]);
