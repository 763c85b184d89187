// Names for the ids history holds (issue 18: "history shows names, not raw GUIDs"): users, groups, roles and
// Conditional Access policies as the monitor last stored them, read once per query and only when needed.
import { builtInRole } from '../core/catalog.js';
import type { ConditionalAccessPolicy, GraphUser, UnifiedRoleDefinition } from '../core/graph-types.js';
import { normId } from '../core/ids.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import { PARTITIONS } from '../collect/specs.js';
import { loadValues } from '../storage/state.js';
import type { TableStore } from '../storage/tables.js';

export interface NameIndex {
  principal(id: unknown): string | null;
  role(id: unknown): string | null;
  group(id: unknown): string | null;
  policy(id: unknown): string | null;
}

export async function nameIndex(store: TableStore): Promise<NameIndex> {
  const [users, groups, roles, policies] = await Promise.all([
    loadValues<GraphUser>(store, PARTITIONS.user),
    loadValues<SnapshotGroup>(store, PARTITIONS.group),
    loadValues<UnifiedRoleDefinition>(store, PARTITIONS.roleDefinition),
    loadValues<ConditionalAccessPolicy>(store, PARTITIONS.caPolicy),
  ]);
  const byId = <T>(items: T[], id: (t: T) => string | null | undefined, name: (t: T) => string | null | undefined) => {
    const map = new Map<string, string>();
    for (const item of items) {
      const key = id(item);
      const value = name(item);
      if (key && value) map.set(normId(key), value);
    }
    return map;
  };
  const userNames = byId(users, (u) => u.id, (u) => u.userPrincipalName ?? u.displayName);
  const groupNames = byId(groups, (g) => g.id, (g) => g.displayName);
  const roleNames = byId(roles, (r) => r.id, (r) => r.displayName);
  for (const r of roles) if (r.templateId) roleNames.set(normId(r.templateId), r.displayName);
  const policyNames = byId(policies, (p) => p.id, (p) => p.displayName);
  const look = (map: Map<string, string>, fallback?: (id: string) => string | undefined) => (id: unknown) => {
    if (typeof id !== 'string' || !id) return null;
    return map.get(normId(id)) ?? fallback?.(normId(id)) ?? null;
  };
  return {
    principal: look(userNames, (id) => groupNames.get(id)),
    role: look(roleNames, (id) => builtInRole(id)?.displayName),
    group: look(groupNames),
    policy: look(policyNames),
  };
}

/** Adds `principalName`, `roleName`, `groupName` next to the ids a history item carries (ids stay). */
export function withNames(item: Record<string, unknown>, names: NameIndex): Record<string, unknown> {
  const out = { ...item };
  const principal = item.principalId ?? item.userId;
  if (principal && out.principalName === undefined) out.principalName = names.principal(principal);
  const role = item.roleId ?? item.roleDefinitionId;
  if (role && out.roleName === undefined) out.roleName = names.role(role);
  if (item.groupId && out.groupName === undefined) out.groupName = names.group(item.groupId);
  return out;
}
