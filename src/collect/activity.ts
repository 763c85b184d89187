// The activation collector: PIM activations as an append-only event log, idempotent by the event's id: the row
// key is derived from the event (time + id), ids already stored are skipped, and the watermark (kept in the run
// record) only moves after the events are stored. Sign-ins are collected in signins.ts.
import { normId, sameEnum } from '../core/ids.js';
import type { PrivilegedAccessGroupAssignmentScheduleInstance, RoleAssignmentScheduleInstance } from '../core/graph-types.js';
import { GraphRequestError } from '../graph/gateway.js';
import { encodeJson, escapeKey, newestFirstKey } from '../storage/codec.js';
import { loadState } from '../storage/state.js';
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
