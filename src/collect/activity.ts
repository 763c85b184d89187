// The activity collectors: PIM activations and interrupted / break-glass sign-ins. Both are append-only
// event logs, idempotent by the event's id: the row key is derived from the event (time + id), ids already
// stored are skipped, and the watermark (kept in the run record) only moves after the events are stored.
import { isGuid, normId, sameEnum } from '../core/ids.js';
import type {
  GraphUser,
  PrivilegedAccessGroupAssignmentScheduleInstance,
  RoleAssignmentScheduleInstance,
  SignIn,
} from '../core/graph-types.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import { GraphRequestError } from '../graph/gateway.js';
import { encodeJson, escapeKey, newestFirstKey } from '../storage/codec.js';
import { loadState, loadValues } from '../storage/state.js';
import type { Entity } from '../storage/tables.js';
import { type CollectorDeps, batchEach, licenceErrorIsFailure, recordFailure, storedPimGroups } from './context.js';
import { type RunRecord, beginRun } from './runs.js';
import { PARTITIONS } from './specs.js';

export interface ActivationEvent {
  id: string;
  kind: 'role' | 'pimGroup';
  principalId: string;
  roleDefinitionId: string | null;
  groupId: string | null;
  directoryScopeId: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
  observedAt: string;
}

function eventRowKey(time: string | null | undefined, id: string, fallback: string): string {
  const t = time && !Number.isNaN(Date.parse(time)) ? time : fallback;
  return `${newestFirstKey(t)}|${escapeKey(id)}`;
}

function indexCopies(base: Entity, keys: Array<string | null | undefined>): Entity[] {
  return keys.filter((k): k is string => !!k).map((partitionKey) => ({ ...base, partitionKey }));
}

/** PIM activations: activated role assignment instances and activated PIM-for-Groups memberships. */
export async function collectActivations(deps: CollectorDeps, trigger = 'timer'): Promise<RunRecord> {
  const { graph, store, log } = deps;
  const run = await beginRun(deps, 'activations', trigger);
  const { startedAt, tracker, counts, previous } = run;
  Object.assign(counts, { new: 0, active: 0 });
  let watermark = previous?.watermark;
  try {
    const events: ActivationEvent[] = [];
    const roles = await graph.all<RoleAssignmentScheduleInstance>("/roleManagement/directory/roleAssignmentScheduleInstances?$filter=assignmentType eq 'Activated'").catch((e: unknown) => {
      if (e instanceof GraphRequestError && e.isLicenseError && !licenceErrorIsFailure(previous, 'activations')) return [] as RoleAssignmentScheduleInstance[];
      throw e;
    });
    for (const i of roles) {
      events.push({ id: normId(i.id), kind: 'role', principalId: normId(i.principalId), roleDefinitionId: normId(i.roleDefinitionId), groupId: null, directoryScopeId: i.directoryScopeId ?? '/', startDateTime: i.startDateTime ?? null, endDateTime: i.endDateTime ?? null, observedAt: startedAt });
    }
    // PIM groups known to hold roles (from the roles collector's state).
    const groups = await storedPimGroups(store);
    if (groups.size > 0) {
      const requests = [...groups].map((g) => ({ id: g, url: `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${g}' and assignmentType eq 'activated'` }));
      for await (const [, items] of batchEach<PrivilegedAccessGroupAssignmentScheduleInstance>(graph, requests)) {
        for (const i of items) {
          if (!sameEnum(i.assignmentType, 'activated')) continue;
          events.push({ id: normId(i.id), kind: 'pimGroup', principalId: normId(i.principalId), roleDefinitionId: null, groupId: normId(i.groupId), directoryScopeId: null, startDateTime: i.startDateTime ?? null, endDateTime: i.endDateTime ?? null, observedAt: startedAt });
        }
      }
    }
    counts.active = events.length;
    const stored = await loadState<ActivationEvent>(store, PARTITIONS.activation);
    const fresh = events.filter((e) => !stored.has(e.id));
    const history: Entity[] = [];
    for (const e of fresh) {
      const base: Entity = {
        partitionKey: 'all',
        rowKey: eventRowKey(e.startDateTime, e.id, startedAt),
        itemId: e.id,
        kind: e.kind,
        principalId: e.principalId,
        roleId: e.roleDefinitionId ?? '',
        groupId: e.groupId ?? '',
        startDateTime: e.startDateTime ?? '',
        endDateTime: e.endDateTime ?? '',
        ...encodeJson(e),
      };
      history.push(base, ...indexCopies(base, [`p|${e.principalId}`, e.roleDefinitionId ? `r|${e.roleDefinitionId}` : null, e.groupId ? `g|${e.groupId}` : null]));
    }
    // Events first (idempotent by row key), then the set of currently active activations.
    await store.write('activations', history);
    const current = new Set(events.map((e) => e.id));
    await store.write(
      'state',
      fresh.map((e) => ({ partitionKey: PARTITIONS.activation, rowKey: escapeKey(e.id), h: e.id, ...encodeJson(e) })),
      [...stored.keys()].filter((id) => !current.has(id)).map((id) => ({ partitionKey: PARTITIONS.activation, rowKey: escapeKey(id) })),
    );
    counts.new = fresh.length;
    for (const e of events) if (e.startDateTime && (!watermark || e.startDateTime > watermark)) watermark = e.startDateTime;
    tracker.ok('activations', { items: events.length, added: fresh.length });
  } catch (e) {
    recordFailure(tracker, 'activations', e, log);
  }
  return run.finish(watermark ? { watermark } : {});
}

export interface StoredSignIn {
  id: string;
  kind: 'interrupted' | 'breakGlass';
  signIn: SignIn;
}

/** Interrupted sign-ins and every sign-in of an excluded (break-glass) account, since the watermark. */
export async function collectSignIns(deps: CollectorDeps, trigger = 'timer'): Promise<RunRecord> {
  const { graph, store, settings, log } = deps;
  const run = await beginRun(deps, 'signins', trigger);
  const { startedAt, tracker, counts, previous } = run;
  const started = new Date(startedAt);
  Object.assign(counts, { read: 0, new: 0, breakGlass: 0 });
  let watermark = previous?.watermark;
  try {
    const from = watermark
      ? new Date(Date.parse(watermark) - settings.signInOverlapMinutes * 60_000)
      : new Date(started.getTime() - settings.signInInitialLookbackHours * 3_600_000);
    const since = from.toISOString().replace(/\.\d{3}Z$/, 'Z');
    // Ids already stored in the window: re-reading the overlap never duplicates.
    const known = new Set<string>();
    for await (const e of store.partition('signins', 'all', { toRow: `${newestFirstKey(from)}~`, select: ['itemId'] })) known.add(String(e.itemId));

    const codes = settings.interruptCodes.map((c) => `status/errorCode eq ${c}`).join(' or ');
    const queries: Array<{ kind: StoredSignIn['kind']; url: string }> = [
      { kind: 'interrupted', url: `/auditLogs/signIns?$filter=createdDateTime ge ${since} and (${codes})&$top=1000` },
    ];
    const breakGlass = await breakGlassAccounts(deps);
    if (breakGlass.length > 0) {
      const who = breakGlass.map((a) => (a.includes('@') ? `userPrincipalName eq '${a.replace(/'/g, "''")}'` : `userId eq '${a}'`)).join(' or ');
      queries.push({ kind: 'breakGlass', url: `/auditLogs/signIns?$filter=createdDateTime ge ${since} and (${who})&$top=1000` });
    }
    // A break-glass account's sign-in is a break-glass sign-in whichever query found it (an interrupted one too).
    const breakGlassSet = new Set(breakGlass);
    const kindOf = (s: SignIn, found: StoredSignIn['kind']): StoredSignIn['kind'] =>
      breakGlassSet.has(normId(s.userId ?? '')) || breakGlassSet.has((s.userPrincipalName ?? '').toLowerCase()) ? 'breakGlass' : found;
    const seen = new Set<string>();
    for (const query of queries) {
      for await (const page of graph.pages<SignIn>(query.url)) {
        const rows: Entity[] = [];
        for (const s of page) {
          counts.read = (counts.read ?? 0) + 1;
          if (!watermark || s.createdDateTime > watermark) watermark = s.createdDateTime;
          const id = normId(s.id);
          if (seen.has(id) || known.has(id)) continue;
          seen.add(id);
          const kind = kindOf(s, query.kind);
          const base: Entity = {
            partitionKey: 'all',
            rowKey: eventRowKey(s.createdDateTime, id, startedAt),
            itemId: id,
            kind,
            createdDateTime: s.createdDateTime,
            userId: normId(s.userId ?? ''),
            userPrincipalName: (s.userPrincipalName ?? '').toLowerCase(),
            errorCode: s.status?.errorCode ?? 0,
            appDisplayName: s.appDisplayName ?? '',
            ...encodeJson({ id, kind, signIn: s } satisfies StoredSignIn),
          };
          rows.push(base, ...indexCopies(base, [s.userId ? `p|${normId(s.userId)}` : null, s.userPrincipalName ? `p|${escapeKey(s.userPrincipalName.toLowerCase())}` : null]));
          counts.new = (counts.new ?? 0) + 1;
          if (kind === 'breakGlass') counts.breakGlass = (counts.breakGlass ?? 0) + 1;
        }
        // Stored page by page: memory stays flat however many sign-ins the window holds.
        await store.write('signins', rows);
      }
    }
    tracker.ok('signIns', { items: counts.read ?? 0, added: counts.new ?? 0 });
  } catch (e) {
    // The watermark is not advanced: the next run reads the same window again.
    watermark = previous?.watermark;
    recordFailure(tracker, 'signIns', e, log);
  }
  return run.finish(watermark ? { watermark } : {});
}

/** Excluded accounts as user ids or UPNs: listed ids/UPNs, and admin members of listed groups. */
async function breakGlassAccounts(deps: CollectorDeps): Promise<string[]> {
  const { store, settings } = deps;
  if (settings.excludedAccounts.length === 0) return [];
  const users = new Map((await loadValues<GraphUser>(store, PARTITIONS.user)).map((u) => [normId(u.id), u]));
  const groups = new Map((await loadValues<SnapshotGroup>(store, PARTITIONS.group)).map((g) => [g.id, g]));
  const out = new Set<string>();
  for (const entry of settings.excludedAccounts) {
    const id = normId(entry);
    if (!isGuid(entry)) out.add(entry.toLowerCase());
    else if (groups.has(id)) for (const m of groups.get(id)?.memberUserIds ?? []) out.add(normId(m));
    else out.add(id);
  }
  // Users listed by UPN whose id is known are queried by id (cheaper filter, same result).
  for (const u of users.values()) {
    const upn = u.userPrincipalName?.toLowerCase();
    if (upn && out.has(upn)) {
      out.delete(upn);
      out.add(normId(u.id));
    }
  }
  return [...out].sort();
}
