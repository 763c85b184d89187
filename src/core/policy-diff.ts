// Field-level diff of two versions of a policy-like JSON object. Arrays of primitives are compared as sets
// (Graph does not promise an order), arrays of objects by position, every field at every depth.

export interface FieldChange {
  /** Dotted path, e.g. `conditions.users.excludeGroups`. */
  path: string;
  before: unknown;
  after: unknown;
  /** For set-like arrays: the members added and removed. */
  added?: unknown[];
  removed?: unknown[];
}

const IGNORED = new Set(['modifiedDateTime', '@odata.context', '@odata.etag']);

function isPrimitiveArray(value: unknown): value is Array<string | number | boolean | null> {
  return Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function empty(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

export function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (empty(before) && empty(after)) return [];
  if ((isPrimitiveArray(before) || empty(before)) && (isPrimitiveArray(after) || empty(after)) && (Array.isArray(before) || Array.isArray(after))) {
    const b = new Set((before as unknown[] | null | undefined) ?? []);
    const a = new Set((after as unknown[] | null | undefined) ?? []);
    const added = [...a].filter((x) => !b.has(x));
    const removed = [...b].filter((x) => !a.has(x));
    return added.length || removed.length ? [{ path, before: before ?? null, after: after ?? null, added, removed }] : [];
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !IGNORED.has(k)).sort();
    return keys.flatMap((k) => diffFields(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    const out: FieldChange[] = [];
    for (let i = 0; i < length; i++) out.push(...diffFields(before[i], after[i], `${path}[${i}]`));
    return out;
  }
  if (isObject(before) || isObject(after)) {
    // An object appeared or disappeared: report its leaves against nothing.
    return diffFields(isObject(before) ? before : {}, isObject(after) ? after : {}, path);
  }
  return JSON.stringify(before ?? null) === JSON.stringify(after ?? null) ? [] : [{ path, before: before ?? null, after: after ?? null }];
}

/** One line per change, e.g. `conditions.users.excludeGroups: +g2 -g1` or `state: enabled → disabled`. */
export function describeFieldChange(change: FieldChange): string {
  if (change.added || change.removed) {
    const parts = [...(change.added ?? []).map((v) => `+${String(v)}`), ...(change.removed ?? []).map((v) => `-${String(v)}`)];
    return `${change.path}: ${parts.join(' ')}`;
  }
  return `${change.path}: ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`;
}
