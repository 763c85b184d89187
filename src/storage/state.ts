// Current state plus change history. Each dataset keeps one state entity per item (hash + data) in the
// `state` table; a sync compares freshly read items with it and writes only what changed: the state entity
// and one history entity per change (plus index entities so history reads by principal / role / group / item
// are range scans). Unchanged data costs reads, never writes.
import { contentHash, decodeJson, encodeJson, escapeKey, newestFirstKey, unescapeKey } from './codec.js';
import type { Entity, StoredEntity, TableName, TableStore } from './tables.js';

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface IndexKeys {
  principalId?: string | null;
  roleId?: string | null;
  groupId?: string | null;
}

export interface DatasetSpec<T> {
  /** State partition, e.g. `activeInstance`. */
  partition: string;
  id(item: T): string;
  /** History table for changes; none = state only (e.g. users, whose changes are not history). */
  historyTable?: TableName;
  /** Keys of the index partitions the history entity is copied to. */
  index?(item: T): IndexKeys;
  /** Also keep every version under `v|{partition}|{id}` (policies: read any old version whole). */
  versions?: boolean;
  /** One line describing the change, for history listings and alerts. */
  describe?(change: ChangeKind, before: T | undefined, after: T | undefined): string;
}

export interface SyncContext {
  runId: string;
  /** All history entities of a run share this time, so a crashed run's entities can be found again. */
  runStartedAt: string;
  /** History changes already written by an interrupted run, by `${partition}|${id}|${afterHash}`. */
  alreadyRecorded?: ReadonlyMap<string, RecordedChange>;
}

/** Where an interrupted run recorded a change: its index copies are rewritten under the same key. */
export interface RecordedChange {
  rowKey: string;
  observedAt: string;
  runId: string;
}

export interface SyncResult {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  writes: number;
}

interface StoredItem<T> {
  hash: string;
  value: T;
  entity: StoredEntity;
}

export async function loadState<T>(store: TableStore, partition: string): Promise<Map<string, StoredItem<T>>> {
  const items = new Map<string, StoredItem<T>>();
  for await (const entity of store.partition('state', partition)) {
    const value = decodeJson<T>(entity);
    if (value === undefined) continue;
    items.set(unescapeKey(entity.rowKey ?? ""), { hash: String(entity.h ?? ''), value, entity });
  }
  return items;
}

export async function loadValues<T>(store: TableStore, partition: string): Promise<T[]> {
  return [...(await loadState<T>(store, partition)).values()].map((i) => i.value);
}

export function recordKey(partition: string, id: string, afterHash: string): string {
  return `${partition}|${id}|${afterHash}`;
}

function historyRowKey(ctx: SyncContext, partition: string, id: string): string {
  return `${newestFirstKey(ctx.runStartedAt)}|${escapeKey(partition)}|${escapeKey(id)}`;
}

function indexPartitions(keys: IndexKeys): string[] {
  const out: string[] = [];
  if (keys.principalId) out.push(`p|${escapeKey(keys.principalId.toLowerCase())}`);
  if (keys.roleId) out.push(`r|${escapeKey(keys.roleId.toLowerCase())}`);
  if (keys.groupId) out.push(`g|${escapeKey(keys.groupId.toLowerCase())}`);
  return out;
}

/**
 * Brings the state partition to `items` and records each difference. Order: history first (its primary
 * entity before its index copies), then state, so a crash can only leave a change recorded, never lost;
 * `ctx.alreadyRecorded` (history an interrupted earlier run wrote) keeps it from being recorded twice and
 * completes its index copies under the same key. `keepUnseen` is for an incomplete read: what was
 * read is stored, nothing is removed.
 */
export async function syncDataset<T>(store: TableStore, spec: DatasetSpec<T>, items: Iterable<T>, ctx: SyncContext, options: { keepUnseen?: boolean } = {}): Promise<SyncResult> {
  const now = ctx.runStartedAt;
  const stored = await loadState<T>(store, spec.partition);
  const result: SyncResult = { added: 0, changed: 0, removed: 0, unchanged: 0, writes: 0 };
  const stateUpserts: Entity[] = [];
  const stateDeletes: Array<{ partitionKey: string; rowKey: string }> = [];
  const history: Entity[] = [];
  const seen = new Set<string>();

  const record = (change: ChangeKind, id: string, before: T | undefined, after: T | undefined, beforeHash: string | null, afterHash: string | null): void => {
    if (!spec.historyTable) return;
    // Recorded by an interrupted run: the primary entity is there (it is written first); its index copies may
    // not be, so they are written again under the same key (an idempotent upsert), and nothing twice.
    const recorded = ctx.alreadyRecorded?.get(recordKey(spec.partition, id, afterHash ?? 'removed'));
    const subject = (after ?? before) as T;
    const rowKey = recorded?.rowKey ?? historyRowKey(ctx, spec.partition, id);
    const base: Entity = {
      partitionKey: 'all',
      rowKey,
      dataset: spec.partition,
      itemId: id,
      change,
      observedAt: recorded?.observedAt ?? ctx.runStartedAt,
      runId: recorded?.runId ?? ctx.runId,
      beforeHash: beforeHash ?? '',
      afterHash: afterHash ?? 'removed',
      summary: spec.describe?.(change, before, after) ?? `${spec.partition} ${id} ${change}`,
      ...(spec.index ? flattenIndex(spec.index(subject)) : {}),
      ...encodeJson(before ?? null, 'b'),
      ...encodeJson(after ?? null, 'a'),
    };
    if (!recorded) history.push(base);
    const partitions = spec.index ? indexPartitions(spec.index(subject)) : [];
    if (spec.versions) partitions.push(`v|${escapeKey(spec.partition)}|${escapeKey(id)}`);
    for (const partitionKey of partitions) history.push({ ...base, partitionKey });
  };

  for (const item of items) {
    const id = spec.id(item);
    if (seen.has(id)) continue;
    seen.add(id);
    const hash = contentHash(item);
    const previous = stored.get(id);
    if (previous && previous.hash === hash) {
      result.unchanged++;
      continue;
    }
    stateUpserts.push({
      partitionKey: spec.partition,
      rowKey: escapeKey(id),
      h: hash,
      updatedAt: now,
      firstSeenAt: (previous?.entity.firstSeenAt as string | undefined) ?? now,
      ...encodeJson(item),
    });
    if (previous) {
      result.changed++;
      record('changed', id, previous.value, item, previous.hash, hash);
    } else {
      result.added++;
      record('added', id, undefined, item, null, hash);
    }
  }
  for (const [id, previous] of stored) {
    if (seen.has(id) || options.keepUnseen) continue;
    result.removed++;
    stateDeletes.push({ partitionKey: spec.partition, rowKey: previous.entity.rowKey ?? escapeKey(id) });
    record('removed', id, previous.value, undefined, previous.hash, null);
  }
  if (spec.historyTable && history.length > 0) result.writes += await store.write(spec.historyTable, history);
  result.writes += await store.write('state', stateUpserts, stateDeletes);
  return result;
}

function flattenIndex(keys: IndexKeys): Record<string, string> {
  const out: Record<string, string> = {};
  if (keys.principalId) out.principalId = keys.principalId.toLowerCase();
  if (keys.roleId) out.roleId = keys.roleId.toLowerCase();
  if (keys.groupId) out.groupId = keys.groupId.toLowerCase();
  return out;
}

/**
 * History entities (primary partition) written at or after `since`: what an interrupted run may already have
 * recorded. Used to build `SyncContext.alreadyRecorded`.
 */
export async function recordedSince(store: TableStore, table: TableName, since: string): Promise<Map<string, RecordedChange>> {
  const out = new Map<string, RecordedChange>();
  for await (const e of store.partition(table, 'all', { toRow: `${newestFirstKey(since)}~`, select: ['RowKey', 'dataset', 'itemId', 'afterHash', 'observedAt', 'runId'] })) {
    out.set(recordKey(String(e.dataset), String(e.itemId), String(e.afterHash)), { rowKey: e.rowKey ?? '', observedAt: String(e.observedAt), runId: String(e.runId) });
  }
  return out;
}
