// Directory ids are GUIDs that Graph returns in lower case; settings and fixtures written by people may not.

export function normId(id: string): string {
  return id.trim().toLowerCase();
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value.trim());
}

export type ScopeKind = 'tenant' | 'administrativeUnit' | 'object';

export function scopeKind(directoryScopeId: string | null | undefined): ScopeKind {
  const scope = directoryScopeId ?? '/';
  if (scope === '/' || scope === '') return 'tenant';
  if (scope.toLowerCase().startsWith('/administrativeunits/')) return 'administrativeUnit';
  return 'object';
}

/** Case-insensitive enum comparison: Graph documents lower-case values and returns PascalCase ones. */
export function sameEnum(a: string | null | undefined, b: string): boolean {
  return (a ?? '').toLowerCase() === b.toLowerCase();
}

/** Splits a Graph flag-enum string ("a,b") into its values. */
export function flags(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v && v !== 'none' && v !== 'unknownFutureValue');
}

export function quote(name: string | null | undefined, fallback: string): string {
  return `'${name && name.trim() ? name : fallback}'`;
}

/** "a", "a and b", "a, b and c". */
export function listPhrase(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** The first `max` items as a phrase and the rest counted ("'A', 'B', 'C' and 12 more"): messages stay short. */
export function shortListPhrase(items: readonly string[], max = 3): string {
  return items.length <= max ? listPhrase(items) : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
