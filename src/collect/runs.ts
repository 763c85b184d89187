// Run records: one entity per collection or evaluation run, written once at the end, holding the status of
// every dataset it touched. The latest record of a collector is the source of each dataset's status and of
// the watermarks, so a steady run writes nothing but this record.
import type { SignInReadMode } from './signins-plan.js';
import { randomUUID } from 'node:crypto';
import type { DatasetName, DatasetState, DatasetStatus } from '../core/snapshot.js';
import { decodeJson, encodeJson, newestFirstKey } from '../storage/codec.js';
import { type SyncContext, recordedSince } from '../storage/state.js';
import type { StoredEntity, TableName, TableStore } from '../storage/tables.js';
import type { GraphGateway } from '../graph/gateway.js';
import { changeObjects } from './changefeed-plan.js';

export type CollectorName = 'changefeed' | 'roles' | 'policies' | 'activations' | 'signins' | 'securescore' | 'evaluate';

export interface DatasetRun extends DatasetStatus {
  added?: number;
  changed?: number;
  removed?: number;
  items?: number;
}

export interface RunRecord {
  runId: string;
  collector: CollectorName;
  trigger: string;
  startedAt: string;
  endedAt: string;
  /** succeeded: every dataset ok; partial: some unavailable/failed; failed: nothing usable. */
  status: 'succeeded' | 'partial' | 'failed';
  datasets: Partial<Record<DatasetName, DatasetRun>>;
  writes: number;
  graphRequests: number;
  httpRequests: number;
  error?: string;
  /** Collector-specific cursor (sign-ins, activations, the change feed). */
  watermark?: string;
  /** The change feed's position: audit events handled in the overlap window, delta links (collect/changefeed.ts). */
  feed?: FeedPosition;
  /** How the sign-in collector read its window, and since when it reads so (signins-plan.ts chooseSignInRead). */
  signInRead?: SignInReadMode;
  /** A full collection's stored changes (at most MAX_RECORDED_CHANGES), for the change feed's reconciliation. */
  changes?: RecordedStateChange[];
  /** How many stored changes did not fit in `changes`. */
  changesOmitted?: number;
  /** Free-form counts for the summary line. */
  counts?: Record<string, number>;
}

export const RUN_PARTITION = 'run';

/** Where the change feed stands after a run: kept in its run record, so a steady feed run writes one entity. */
export interface FeedPosition {
  /** Ids of the audit events already handled whose time is inside the overlap window (bounded). */
  seen: Array<{ id: string; at: string }>;
  /** The objects of recent audit events and delta changes, with when the feed first saw them (reconciliation). */
  recent: Array<{ at: string; objects: string[] }>;
  /** Delta links by tracked set (`users`, `groups:<hash of the group ids>`), with when each was first issued and last read. */
  delta: Record<string, { link: string; since: string; readAt?: string }>;
  /** The groups the groups delta tracks (changefeed-plan.ts deltaTrackedGroups), worked out when storage changes. */
  tracked?: string[];
  /** The latest full collections whose changes were checked against the feed (run ids), see changefeed-plan.ts. */
  reconciled: Partial<Record<'roles' | 'policies', string>>;
  /** When the feed started to run (its first run after a full read): full collections before it are not judged. */
  since?: string;
  /** When the next stored role or PIM-for-Groups instance ends (read from storage again then). */
  nextExpiry?: string;
}

/** A change a full collection stored, with the objects it is about (kept in its run record for reconciliation). */
export interface RecordedStateChange {
  dataset: string;
  itemId: string;
  change: 'added' | 'changed' | 'removed';
  objects: string[];
}

/** How many changes a full collection's run record lists for reconciliation (the rest are counted). */
export const MAX_RECORDED_CHANGES = 500;
export type LatestRuns = Partial<Record<CollectorName, RunRecord>>;

/** Every kind of run, in the order they are shown. */
export const RUN_KINDS: readonly CollectorName[] = ['changefeed', 'roles', 'policies', 'activations', 'signins', 'securescore', 'evaluate'];

export function newRunId(): string {
  return randomUUID();
}

export async function saveRun(store: TableStore, run: RunRecord): Promise<void> {
  await store.write('runs', [
    {
      partitionKey: RUN_PARTITION,
      rowKey: `${newestFirstKey(run.startedAt)}|${run.collector}|${run.runId}`,
      collector: run.collector,
      status: run.status,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      trigger: run.trigger,
      writes: run.writes,
      graphRequests: run.graphRequests,
      ...encodeJson(run),
    },
  ]);
}

export function runFromEntity(entity: StoredEntity): RunRecord | undefined {
  return decodeJson<RunRecord>(entity);
}

/**
 * The latest run of each collector (of those wanted). Runs are newest first: scan only the collector column
 * until every wanted collector is found (however long ago its last run was), then read those records.
 */
export async function latestRuns(store: TableStore, wanted: readonly CollectorName[] = RUN_KINDS): Promise<LatestRuns> {
  const keys = new Map<CollectorName, string>();
  for await (const entity of store.partition('runs', RUN_PARTITION, { select: ['RowKey', 'collector'] })) {
    const collector = entity.collector as CollectorName;
    if (wanted.includes(collector) && !keys.has(collector)) keys.set(collector, entity.rowKey ?? '');
    if (wanted.every((w) => keys.has(w))) break;
  }
  const out: LatestRuns = {};
  await Promise.all(
    [...keys].map(async ([collector, rowKey]) => {
      const entity = await store.get('runs', RUN_PARTITION, rowKey);
      const run = entity ? runFromEntity(entity) : undefined;
      if (run) out[collector] = run;
    }),
  );
  return out;
}

export async function latestRun(store: TableStore, collector: CollectorName): Promise<RunRecord | undefined> {
  return (await latestRuns(store, [collector]))[collector];
}

/** Tracks dataset outcomes during a run and carries `asOf` forward from the previous run when a read fails. */
export class DatasetTracker {
  readonly datasets: Partial<Record<DatasetName, DatasetRun>> = {};
  constructor(
    private readonly previous: RunRecord | undefined,
    private readonly now: string,
  ) {}

  ok(name: DatasetName, counts: Omit<DatasetRun, 'state'> = {}): void {
    this.datasets[name] = { ...counts, state: 'ok', asOf: this.now };
  }

  notLicensed(name: DatasetName, message: string): void {
    this.datasets[name] = { state: 'notLicensed', asOf: this.now, message };
  }

  /** 403: the state is kept but must not be trusted; names the permission to grant. */
  unavailable(name: DatasetName, message: string, permission?: string): void {
    this.datasets[name] = { state: 'unavailable', asOf: this.previousAsOf(name), message, permission: permission ?? null };
  }

  /** A transient failure: the previous state stays and is used, marked stale (or unavailable if there is none). */
  failed(name: DatasetName, message: string): void {
    const asOf = this.previousAsOf(name);
    const state: DatasetState = asOf ? 'stale' : 'unavailable';
    this.datasets[name] = { state, asOf, message };
  }

  private previousAsOf(name: DatasetName): string | null {
    const previous = this.previous?.datasets[name];
    return previous?.asOf ?? null;
  }

  status(): RunRecord['status'] {
    const states = Object.values(this.datasets).map((d) => d?.state);
    if (states.length > 0 && states.every((s) => s === 'unavailable' || s === 'stale')) return 'failed';
    return states.some((s) => s === 'unavailable' || s === 'stale') ? 'partial' : 'succeeded';
  }
}

const EPOCH = '1970-01-01T00:00:00.000Z';

/** The bookkeeping every run shares: ids, the previous run, dataset tracking, counters, the final record. */
export interface RunScope {
  runId: string;
  startedAt: string;
  previous: RunRecord | undefined;
  tracker: DatasetTracker;
  counts: Record<string, number>;
  /** For runs that record history: what an interrupted earlier run already wrote. */
  sync: SyncContext;
  /** Writes the run record (last, so everything it describes is stored) and returns it. */
  finish(extra?: { status?: RunRecord['status']; error?: string; watermark?: string; feed?: FeedPosition; signInRead?: SignInReadMode }): Promise<RunRecord>;
}

export async function beginRun(
  deps: { store: TableStore; graph: GraphGateway; now: () => Date },
  collector: CollectorName,
  trigger: string,
  historyTable?: TableName,
): Promise<RunScope> {
  const { store, graph } = deps;
  const startedAt = deps.now().toISOString();
  const runId = newRunId();
  const before = { writes: store.writes, ...graph.requestCounts() };
  const previous = await latestRun(store, collector);
  const tracker = new DatasetTracker(previous, startedAt);
  const counts: Record<string, number> = {};
  // Full collections list what they stored, so the change feed can tell what it missed (changefeed-plan.ts).
  const changes: RecordedStateChange[] = [];
  let changesOmitted = 0;
  const sync: SyncContext = {
    runId,
    runStartedAt: startedAt,
    ...(historyTable ? { alreadyRecorded: await recordedSince(store, historyTable, previous?.startedAt ?? EPOCH) } : {}),
    ...(collector === 'roles' || collector === 'policies'
      ? {
          onChange: (dataset: string, itemId: string, change: RecordedStateChange['change'], before: unknown, after: unknown) => {
            if (changes.length < MAX_RECORDED_CHANGES) changes.push({ dataset, itemId, change, objects: changeObjects(itemId, before, after) });
            else changesOmitted++;
          },
        }
      : {}),
  };
  return {
    runId,
    startedAt,
    previous,
    tracker,
    counts,
    sync,
    async finish(extra = {}) {
      const run: RunRecord = {
        runId,
        collector,
        trigger,
        startedAt,
        endedAt: deps.now().toISOString(),
        status: extra.status ?? tracker.status(),
        datasets: tracker.datasets,
        writes: store.writes - before.writes + 1,
        graphRequests: graph.requestCounts().graphRequests - before.graphRequests,
        httpRequests: graph.requestCounts().httpRequests - before.httpRequests,
        counts,
        ...(extra.error ? { error: extra.error } : {}),
        ...(extra.watermark ? { watermark: extra.watermark } : {}),
        ...(extra.feed ? { feed: extra.feed } : {}),
        ...(extra.signInRead ? { signInRead: extra.signInRead } : {}),
        ...(changes.length > 0 ? { changes } : {}),
        ...(changesOmitted > 0 ? { changesOmitted } : {}),
      };
      await saveRun(store, run);
      return run;
    },
  };
}
