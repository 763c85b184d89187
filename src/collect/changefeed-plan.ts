// The change feed's decisions, apart from its reads (docs/storage.md, "The change feed"): what each directory
// audit activity means for the monitor, which targeted read an event or a delta change asks for, where the next
// audit read starts, whether the feed can go on at all, which admins a change can affect, and which changes a
// full collection found that the feed should have applied. Pure functions over what was read and stored.
import { normId } from '../core/ids.js';
import type { AuditEvent } from './audit.js';
import type { FeedPosition } from './runs.js';

/**
 * What an audit activity is about. Names from Learn's "Microsoft Entra audit log categories and activities"
 * (Core Directory, Conditional Access, Authentication Methods, PIM), matched case-insensitively: the log
 * writes some in other cases than the reference ("Update conditional access policy").
 */
export type ActivityKind =
  | 'roleMembership'
  | 'activation'
  | 'roleDefinition'
  | 'pimSetting'
  | 'groupMembership'
  | 'group'
  | 'caPolicy'
  | 'namedLocation'
  | 'securityDefaults'
  | 'authStrength'
  | 'registration'
  | 'user'
  | 'userRemoved'
  | 'perUserMfa'
  /** Known, and no state changed (a request, a cancellation, a new object nothing names yet). */
  | 'noChange';

/** Ordered: the first match wins. Requests, cancellations and denials change nothing until they complete. */
const ACTIVITIES: ReadonlyArray<readonly [RegExp, ActivityKind]> = [
  [/\b(requested|canceled|cancelled|denied|approval requested)\b|^(cancel|process|remove) request|^process role (removal|update) request|^cancel request for/i, 'noChange'],
  [/\(pim activation( expired)?\)$|\(pim deactivate\)$|^pim activation request expired$/i, 'activation'],
  [/^update role setting in pim$|^pim policy removed$/i, 'pimSetting'],
  [/^(add|update|delete) role definition$|^add role from template$|^role definition created$|^update role$/i, 'roleDefinition'],
  [
    /^(add|remove|restore) (eligible |scoped )?member (to|from) role\b|^(add|remove) (eligible)?roleassignment (to|from) roledefinition$|^(add|remove) role assignment (to|from) role definition$|^(remove|restore) permanent (direct|eligible) role assignment$|^update (eligible )?member in pim approved by admin/i,
    'roleMembership',
  ],
  [/^(add|remove) (member|owner) (to|from) group$/i, 'groupMembership'],
  [/^(update|delete|hard delete|restore) group$/i, 'group'],
  [/^(add|update|delete) conditional access policy$/i, 'caPolicy'],
  [/^(add|update|delete) named location$/i, 'namedLocation'],
  [/^update security defaults$/i, 'securityDefaults'],
  [/^authentication strength (policy|combination configuration) (create|update|delete)$/i, 'authStrength'],
  [
    /^(user|admin) (registered|deleted|updated) security info$|^user registered all required security info$|^user changed default security info$|^(add|delete) (fido2 security key|fido2 security key\(s\)|windows hello for business credential|passwordless phone sign-in credential|platform credential)$|^(add|remove) users strong authentication phone app detail$/i,
    'registration',
  ],
  [/^(enable|disable) strong authentication$/i, 'perUserMfa'],
  [/^(delete|hard delete|restore) user$/i, 'userRemoved'],
  [/^(update user|disable account|enable account)$/i, 'user'],
  [/^(add user|add group)$/i, 'noChange'],
];

export function activityKind(activity: string): ActivityKind | 'unknown' {
  const name = activity.trim();
  return ACTIVITIES.find(([re]) => re.test(name))?.[1] ?? 'unknown';
}

/** A targeted read the feed makes (collect/changefeed.ts), deduplicated by `actionKey`. */
export type FeedAction =
  | { kind: 'principalRoles'; principalId: string }
  | { kind: 'roleDefinitions' }
  | { kind: 'pimSettings' }
  | { kind: 'activations' }
  | { kind: 'groupMembers'; groupId: string }
  | { kind: 'pimGroup'; groupId: string }
  | { kind: 'caPolicy'; policyId: string }
  | { kind: 'namedLocation'; locationId: string }
  | { kind: 'securityDefaults' }
  | { kind: 'authStrengths' }
  | { kind: 'registration'; userId: string }
  | { kind: 'account'; userId: string }
  | { kind: 'perUserMfa'; userId: string };

export function actionKey(a: FeedAction): string {
  switch (a.kind) {
    case 'principalRoles':
      return `${a.kind}:${a.principalId}`;
    case 'groupMembers':
    case 'pimGroup':
      return `${a.kind}:${a.groupId}`;
    case 'caPolicy':
      return `${a.kind}:${a.policyId}`;
    case 'namedLocation':
      return `${a.kind}:${a.locationId}`;
    case 'registration':
    case 'account':
    case 'perUserMfa':
      return `${a.kind}:${a.userId}`;
    default:
      return a.kind;
  }
}

/** What the feed knows from storage when it plans: who the admins are and which groups it watches. */
export interface FeedContext {
  /** Admins and potential admins (the stored accounts). */
  admins: ReadonlySet<string>;
  /** Stored groups (role-holding groups, groups Conditional Access names) with the groups nested in them. */
  groups: ReadonlyMap<string, { memberGroupIds: readonly string[]; memberUserIds: readonly string[] }>;
  /** Groups with stored PIM-for-Groups instances. */
  pimGroups: ReadonlySet<string>;
}

const PRINCIPAL_TYPES = new Set(['user', 'group', 'serviceprincipal']);
const typeOf = (t: AuditEvent['targets'][number]): string => (t.type ?? '').toLowerCase();
const unquote = (v: string | null): string => (v ?? '').replace(/^"|"$/g, '').trim();

/** The group an "Add member to group" event adds to: Group.ObjectID when the log names it, else the last Group target. */
function parentGroup(e: AuditEvent): string | undefined {
  for (const t of e.targets) for (const m of t.modified) if (/^group\.objectid$/i.test(m.name)) return normId(unquote(m.newValue) || unquote(m.oldValue));
  return [...e.targets].reverse().find((t) => typeOf(t) === 'group' && t.id)?.id;
}

/** Stored groups that hold `groupId` (itself included): their transitive members change when it does. */
export function groupsHolding(groupId: string, ctx: FeedContext): string[] {
  const id = normId(groupId);
  const out: string[] = [];
  for (const [g, info] of ctx.groups) if (g === id || info.memberGroupIds.includes(id)) out.push(g);
  return out.sort();
}

/** Stored groups the user is a (kept) member of. */
function groupsOfUser(userId: string, ctx: FeedContext): string[] {
  return [...ctx.groups].filter(([, g]) => g.memberUserIds.includes(userId)).map(([id]) => id).sort();
}

export type EventOutcome = { kind: 'applied'; actions: FeedAction[] } | { kind: 'irrelevant' } | { kind: 'noChange' } | { kind: 'failed' } | { kind: 'unknown' };

/** The targeted reads one audit event asks for, given what the monitor watches. */
 
export function eventActions(e: AuditEvent, ctx: FeedContext): EventOutcome {
  const kind = activityKind(e.activity);
  if (kind === 'unknown') return { kind: 'unknown' };
  if (kind === 'noChange') return { kind: 'noChange' };
  // A failed operation changed nothing (Learn: directoryAudit.result).
  if (e.result && e.result.toLowerCase() !== 'success') return { kind: 'failed' };
  const principals = e.targets.filter((t) => PRINCIPAL_TYPES.has(typeOf(t)) && t.id);
  const users = e.targets.filter((t) => typeOf(t) === 'user' && t.id).map((t) => t.id);
  const actions: FeedAction[] = [];
  switch (kind) {
    case 'roleMembership':
    case 'activation': {
      // PIM for Groups logs under GroupManagement with the group as a target: its members and owners changed.
      const pimGroups = (e.category ?? '').toLowerCase() === 'groupmanagement' ? e.targets.filter((t) => typeOf(t) === 'group' && t.id).map((t) => t.id) : [];
      if (pimGroups.length > 0) {
        for (const g of pimGroups) if (ctx.pimGroups.has(g) || groupsHolding(g, ctx).length > 0) actions.push({ kind: 'pimGroup', groupId: g });
      } else {
        for (const p of principals) actions.push({ kind: 'principalRoles', principalId: p.id });
      }
      if (kind === 'activation') actions.push({ kind: 'activations' });
      break;
    }
    case 'roleDefinition':
      actions.push({ kind: 'roleDefinitions' });
      break;
    case 'pimSetting':
      actions.push({ kind: 'pimSettings' });
      break;
    case 'groupMembership':
    case 'group': {
      const group = kind === 'group' ? e.targets.find((t) => typeOf(t) === 'group' && t.id)?.id : parentGroup(e);
      if (group) {
        for (const g of groupsHolding(group, ctx)) actions.push({ kind: 'groupMembers', groupId: g });
        if (ctx.pimGroups.has(group)) actions.push({ kind: 'pimGroup', groupId: group });
      }
      break;
    }
    case 'caPolicy':
      for (const t of e.targets) if (t.id) actions.push({ kind: 'caPolicy', policyId: t.id });
      break;
    case 'namedLocation':
      for (const t of e.targets) if (t.id) actions.push({ kind: 'namedLocation', locationId: t.id });
      break;
    case 'securityDefaults':
      actions.push({ kind: 'securityDefaults' });
      break;
    case 'authStrength':
      actions.push({ kind: 'authStrengths' });
      break;
    case 'registration':
      for (const u of users) if (ctx.admins.has(u)) actions.push({ kind: 'registration', userId: u });
      break;
    case 'perUserMfa':
      for (const u of users) if (ctx.admins.has(u)) actions.push({ kind: 'perUserMfa', userId: u });
      break;
    case 'user':
      for (const u of users) if (ctx.admins.has(u)) actions.push({ kind: 'account', userId: u });
      break;
    case 'userRemoved':
      // A deleted (or restored) user loses (or gets back) role assignments and group memberships.
      for (const u of users) {
        actions.push({ kind: 'principalRoles', principalId: u });
        if (ctx.admins.has(u)) actions.push({ kind: 'account', userId: u });
        for (const g of groupsOfUser(u, ctx)) actions.push({ kind: 'groupMembers', groupId: g });
      }
      break;
  }
  return actions.length > 0 ? { kind: 'applied', actions } : { kind: 'irrelevant' };
}

/** A change a delta query returned. */
export type DeltaChange = { kind: 'user'; id: string; removed: boolean } | { kind: 'group'; id: string; removed: boolean; membersChanged: boolean };

/** The targeted reads a delta change asks for (a user's own properties come with the change: no read). */
export function deltaActions(change: DeltaChange, ctx: FeedContext): FeedAction[] {
  const id = normId(change.id);
  if (change.kind === 'user') {
    if (!change.removed) return [];
    return [{ kind: 'principalRoles', principalId: id }, ...groupsOfUser(id, ctx).map((g): FeedAction => ({ kind: 'groupMembers', groupId: g }))];
  }
  const out: FeedAction[] = groupsHolding(id, ctx).map((g) => ({ kind: 'groupMembers', groupId: g }));
  if (ctx.pimGroups.has(id)) out.push({ kind: 'pimGroup', groupId: id });
  if (change.removed) out.push({ kind: 'principalRoles', principalId: id });
  return out;
}

/**
 * The groups the groups delta tracks: those policies exclude (the way out of a policy that matters most, and one
 * the audit log reports only after its latency), with the groups nested in them (delta reports direct members).
 * Every other watched group's changes come from the audit log.
 */
export function deltaTrackedGroups(policies: ReadonlyArray<{ state?: string | null; conditions?: { users?: { excludeGroups?: readonly string[] | null } | null } | null }>, groups: ReadonlyMap<string, { memberGroupIds: readonly string[] }>): string[] {
  const out = new Set<string>();
  for (const p of policies) {
    if ((p.state ?? '').toLowerCase() === 'disabled') continue;
    for (const g of p.conditions?.users?.excludeGroups ?? []) {
      const id = normId(g);
      out.add(id);
      for (const nested of groups.get(id)?.memberGroupIds ?? []) out.add(normId(nested));
    }
  }
  return [...out].sort();
}

/** Minutes between two reads of the users delta: account changes are audited; the delta is their safety net. */
export const USERS_DELTA_MINUTES = 10;

/** Actions deduplicated, in a stable order (reads of a kind go out together). */
export function dedupeActions(actions: Iterable<FeedAction>): FeedAction[] {
  const byKey = new Map<string, FeedAction>();
  for (const a of actions) if (!byKey.has(actionKey(a))) byKey.set(actionKey(a), a);
  return [...byKey.values()].sort((a, b) => actionKey(a).localeCompare(actionKey(b)));
}

/** How long Entra keeps directory audit events at the least (Entra ID Free; P1/P2 keep 30 days). */
export const AUDIT_RETENTION_DAYS = 7;
/** How many handled event ids a run record keeps at most (the overlap window's). */
export const MAX_SEEN_IDS = 5_000;

export type FeedStart =
  /** Read the audit log from `since`; events already in `seen` are skipped. */
  | { kind: 'continue'; since: string }
  /** The feed cannot continue where it stands: a full collection first, then the feed starts after it. */
  | { kind: 'fullRead'; reason: 'noFullCollection' | 'beyondRetention'; detail: string };

/**
 * Where this run's audit read starts. After a feed run: its watermark (the time it read at) less the overlap for
 * late events. The first feed run starts where the older of the latest full role and policy collections started
 * (everything since then may not be in storage yet). A watermark older than the audit log's retention cannot be
 * continued: what fell out of the log is unknown, so a full collection reads it instead.
 */
export function feedStart(input: { watermark?: string; fullStarts: ReadonlyArray<string | undefined>; now: number; overlapMinutes: number }): FeedStart {
  const overlapMs = input.overlapMinutes * 60_000;
  const retentionMs = AUDIT_RETENTION_DAYS * 86_400_000;
  if (input.watermark) {
    const w = Date.parse(input.watermark);
    if (input.now - w > retentionMs) return { kind: 'fullRead', reason: 'beyondRetention', detail: `its last read was at ${input.watermark}, more than ${AUDIT_RETENTION_DAYS} days ago (the audit log keeps ${AUDIT_RETENTION_DAYS} days in a tenant without Entra ID P1)` };
    return { kind: 'continue', since: new Date(w - overlapMs).toISOString() };
  }
  if (input.fullStarts.some((s) => !s)) return { kind: 'fullRead', reason: 'noFullCollection', detail: 'no full collection has run yet' };
  const oldest = Math.min(...input.fullStarts.map((s) => Date.parse(s as string)));
  if (input.now - oldest > retentionMs) return { kind: 'fullRead', reason: 'beyondRetention', detail: `the latest full collection started more than ${AUDIT_RETENTION_DAYS} days ago` };
  return { kind: 'continue', since: new Date(oldest - overlapMs).toISOString() };
}

/**
 * The events this run handles (not handled before, by id) and the ids the next run must skip: those whose time
 * is still inside the next run's overlap window, newest kept when there are more than MAX_SEEN_IDS.
 */
export function newEvents(events: readonly AuditEvent[], seen: FeedPosition['seen'], nextSince: number): { fresh: AuditEvent[]; seen: FeedPosition['seen'] } {
  const known = new Set(seen.map((s) => s.id));
  const fresh: AuditEvent[] = [];
  const byId = new Map<string, string>();
  for (const s of seen) byId.set(s.id, s.at);
  for (const e of events) {
    if (!known.has(e.id) && !byId.has(e.id)) fresh.push(e);
    byId.set(e.id, e.time);
  }
  const kept = [...byId].filter(([, at]) => Date.parse(at) >= nextSince).map(([id, at]) => ({ id, at }));
  kept.sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id));
  return { fresh, seen: kept.slice(0, MAX_SEEN_IDS) };
}

/** What a targeted read changed: the admins it can affect, or every admin (a policy-like change). */
export type Scope = { all: true } | { all: false; admins: Set<string> };

export function mergeScopes(scopes: Iterable<Scope>): Scope {
  const admins = new Set<string>();
  for (const s of scopes) {
    if (s.all) return { all: true };
    for (const a of s.admins) admins.add(a);
  }
  return { all: false, admins };
}

/** A change a full collection recorded (history), reduced to the objects it is about. */
export interface ReconciledChange {
  dataset: string;
  itemId: string;
  /** Ids the change is about: the item, its principal, its group, the members that came or went. */
  objects: string[];
  summary: string;
}

/**
 * The changes a full collection found that the change feed missed. A change is in flight (not missed) when an
 * audit event about one of its objects reached the feed only after the collection started: the feed would have
 * applied it a moment later. Everything else the feed should have applied: its event was there before the
 * collection started, or there never was one.
 */
export function missedChanges(changes: readonly ReconciledChange[], lateEvents: ReadonlySet<string>): ReconciledChange[] {
  return changes.filter((c) => !c.objects.some((o) => lateEvents.has(normId(o))));
}

/** The objects of audit events and delta changes the feed first saw after `after` (ISO). */
export function objectsSeenAfter(recent: FeedPosition['recent'], after: string): Set<string> {
  const out = new Set<string>();
  for (const r of recent) if (r.at > after) for (const o of r.objects) out.add(normId(o));
  return out;
}

/** How many recent-event entries a run record keeps at most. */
export const MAX_RECENT = 5_000;

/** The recent entries still needed: those seen at or after `keepFrom` (ISO), newest first, bounded. */
export function trimRecent(recent: FeedPosition['recent'], keepFrom: string): FeedPosition['recent'] {
  return recent.filter((r) => r.at >= keepFrom).sort((a, b) => b.at.localeCompare(a.at)).slice(0, MAX_RECENT);
}

/** Whether a full collection can be judged yet: the feed must have read the audit log until its start plus the overlap. */
export function canJudge(fullStartedAt: string, feedReadAt: string, overlapMinutes: number): boolean {
  return Date.parse(feedReadAt) >= Date.parse(fullStartedAt) + overlapMinutes * 60_000;
}

/**
 * The objects a stored change is about: the item, the principal and group it names, and for a group the members
 * (users and nested groups) that came or went.
 */
export function changeObjects(itemId: string, before: unknown, after: unknown): string[] {
  const out = new Set([normId(itemId)]);
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  for (const v of [b, a]) for (const k of ['principalId', 'groupId'] as const) if (typeof v[k] === 'string') out.add(normId(v[k]));
  for (const k of ['memberUserIds', 'memberGroupIds', 'memberServicePrincipalIds'] as const) {
    const was = new Set((b[k] as string[] | undefined) ?? []);
    const now = new Set((a[k] as string[] | undefined) ?? []);
    for (const id of now) if (!was.has(id)) out.add(normId(id));
    for (const id of was) if (!now.has(id)) out.add(normId(id));
  }
  return [...out];
}

/**
 * Principals whose stored role or PIM-for-Groups instance ended after `previous` and by `now` (ISO): PIM ends
 * time-bound assignments and activations without an edit, so the feed reads their roles again.
 */
export function expiredPrincipals(instances: ReadonlyArray<{ principalId: string; endDateTime?: string | null }>, previous: string, now: string): string[] {
  const p = Date.parse(previous);
  const n = Date.parse(now);
  const out = new Set<string>();
  for (const i of instances) {
    const end = i.endDateTime ? Date.parse(i.endDateTime) : Number.NaN;
    if (end > p && end <= n) out.add(normId(i.principalId));
  }
  return [...out].sort();
}

/**
 * The full collections to judge now, and those to pass over: each latest full run not judged yet, once the feed
 * has read the audit log until its start plus the overlap; passed over when the feed was not running before it
 * started (the feed cannot have missed what happened before it ran).
 */
export function reconcilable<R extends { runId: string; collector: string; startedAt: string; endedAt: string }>(runs: ReadonlyArray<R | undefined>, position: Pick<FeedPosition, 'reconciled' | 'since'>, now: string, overlapMinutes: number): { judge: R[]; skip: R[] } {
  const judge: R[] = [];
  const skip: R[] = [];
  for (const r of runs) {
    if (!r || (r.collector !== 'roles' && r.collector !== 'policies')) continue;
    if (position.reconciled[r.collector] === r.runId || !canJudge(r.startedAt, now, overlapMinutes) || r.endedAt > now) continue;
    if (position.since && position.since < r.startedAt) judge.push(r);
    else skip.push(r);
  }
  return { judge, skip };
}

/** The objects an event is about (targets and the group Group.ObjectID names). */
export function eventObjects(e: AuditEvent): string[] {
  const out = new Set(e.targets.map((t) => t.id).filter(Boolean));
  const parent = parentGroup(e);
  if (parent) out.add(parent);
  return [...out];
}
