// The exemption reads' decisions, apart from their I/O: which groups an exclusion goes through, which roles can
// change one (so the roles collector keeps their assignments), which audit events are about an exclusion, and
// how Graph's answers are stored (only what decides, so a steady run writes nothing). Pure.
import type { ConditionalAccessPolicy, UnifiedRoleDefinition } from '../core/graph-types.js';
import { policyTargets } from '../core/conditions.js';
import { auditRoleOf } from '../core/exemption-audit.js';
import type { StoredAuditEvent, StoredPrincipalRef } from '../core/exemption-types.js';
import { isGuid, normId, sameEnum } from '../core/ids.js';
import { APP_PERMISSION_ABILITIES, roleAbilities } from '../core/role-abilities.js';
import type { SnapshotGroup } from '../core/snapshot.js';

/** Roles whose resource actions can change an exclusion (or that hold actions the monitor cannot classify). */
export function controllerRoleIds(definitions: readonly UnifiedRoleDefinition[]): Set<string> {
  const out = new Set<string>();
  for (const d of definitions) {
    const a = roleAbilities(d.rolePermissions);
    if (a && (a.grants.length > 0 || a.unknown.length > 0)) {
      out.add(normId(d.id));
      if (d.templateId) out.add(normId(d.templateId));
    }
  }
  return out;
}

/** A holder of a role that can change an exclusion but makes no one an admin, with what its instance said it is. */
export interface ControllerPrincipal {
  id: string;
  kind: 'user' | 'group' | 'servicePrincipal' | 'unknown' | 'missing';
  displayName: string | null;
}

/** The holders of non-monitored roles that can change an exclusion (the roles collector keeps them). */
export function controllerPrincipals(
  instances: ReadonlyArray<{ principalId: string; roleDefinitionId: string; principal?: ({ '@odata.type'?: string; id: string } & Record<string, unknown>) | null }>,
  isMonitored: (roleId: string) => boolean,
  controllerRoles: ReadonlySet<string>,
  kindOf: (p: (typeof instances)[number]['principal']) => ControllerPrincipal['kind'],
): ControllerPrincipal[] {
  const out = new Map<string, ControllerPrincipal>();
  for (const i of instances) {
    if (isMonitored(i.roleDefinitionId) || !controllerRoles.has(normId(i.roleDefinitionId))) continue;
    out.set(normId(i.principalId), { id: normId(i.principalId), kind: kindOf(i.principal), displayName: (i.principal?.displayName as string | undefined) ?? null });
  }
  return [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Policies whose exclusions are read: every policy that is on (a report-only one enforces nothing yet). */
export function enabledPolicies(policies: readonly ConditionalAccessPolicy[]): ConditionalAccessPolicy[] {
  return policies.filter((p) => sameEnum(p.state, 'enabled'));
}

/**
 * The groups an exclusion goes through: excluded groups, the groups nested in them (as the roles collector
 * stored them), and the groups that hold a role a policy excludes (their owners can hand the role out).
 */
export function exclusionGroupIds(
  policies: readonly ConditionalAccessPolicy[],
  groups: readonly SnapshotGroup[],
  roleHolders: ReadonlyArray<{ principalId: string; roleDefinitionId: string }>,
): { groupIds: string[]; excludedRoles: Set<string> } {
  const known = new Map(groups.map((g) => [normId(g.id), g]));
  const ids = new Set<string>();
  const excludedRoles = new Set<string>();
  for (const p of enabledPolicies(policies)) {
    const u = p.conditions.users;
    for (const g of u?.excludeGroups ?? []) {
      if (!isGuid(g)) continue;
      ids.add(normId(g));
      for (const nested of known.get(normId(g))?.memberGroupIds ?? []) ids.add(normId(nested));
    }
    for (const r of u?.excludeRoles ?? []) excludedRoles.add(normId(r));
  }
  for (const h of roleHolders) if (excludedRoles.has(normId(h.roleDefinitionId)) && known.has(normId(h.principalId))) ids.add(normId(h.principalId));
  return { groupIds: [...ids].sort(), excludedRoles };
}

/**
 * Where each exclusion group's PIM-for-Groups owners come from: the roles collector reads PIM for Groups on every
 * group a policy names (R-PIMGROUP-5) and stores the instances, so while its last PIM read succeeded those groups
 * are taken from storage; the others (nested groups, groups holding an excluded role) are read.
 */
export function pimOwnerSources(groupIds: readonly string[], policies: readonly ConditionalAccessPolicy[], rolesPimOk: boolean): { fromRoles: Set<string>; toRead: string[] } {
  const named = rolesPimOk ? policyTargets(policies).groups : new Set<string>();
  const fromRoles = new Set(groupIds.filter((g) => named.has(normId(g))));
  return { fromRoles, toRead: groupIds.filter((g) => !fromRoles.has(g)) };
}

/** An owner as Graph's directoryObject names it; no type means an object Graph will not say what it is. */
export function principalRef(o: { '@odata.type'?: string; id: string } & Record<string, unknown>): StoredPrincipalRef {
  const t = (o['@odata.type'] ?? '').toLowerCase();
  const type = t.endsWith('.user') ? 'user' : t.endsWith('.serviceprincipal') ? 'servicePrincipal' : t.endsWith('.group') ? 'group' : 'unknown';
  return { id: normId(o.id), type, displayName: (o.displayName as string | undefined) ?? null, ...(type === 'user' ? { userPrincipalName: (o.userPrincipalName as string | undefined) ?? null } : {}) };
}

/** The Microsoft Graph application permissions that matter here, by app role id (from Graph's own appRoles). */
export function relevantAppRoles(appRoles: ReadonlyArray<{ id?: string | null; value?: string | null }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of appRoles) if (r.id && r.value && APP_PERMISSION_ABILITIES[r.value]) out.set(normId(r.id), r.value);
  return out;
}

/** Graph's directoryAudit, kept with what names who did what to whom. */
export interface GraphDirectoryAudit {
  id: string;
  activityDisplayName?: string | null;
  category?: string | null;
  activityDateTime: string;
  result?: string | null;
  initiatedBy?: { user?: { id?: string | null; userPrincipalName?: string | null } | null; app?: { appId?: string | null; displayName?: string | null } | null } | null;
  targetResources?: Array<{ id?: string | null; type?: string | null; displayName?: string | null; userPrincipalName?: string | null; modifiedProperties?: Array<{ displayName?: string | null; oldValue?: string | null; newValue?: string | null }> | null }> | null;
}

export function storedAudit(a: GraphDirectoryAudit): StoredAuditEvent {
  return {
    id: a.id,
    activity: a.activityDisplayName ?? '',
    category: a.category ?? null,
    time: a.activityDateTime,
    result: a.result ?? null,
    initiatedBy: {
      userId: a.initiatedBy?.user?.id ? normId(a.initiatedBy.user.id) : null,
      userPrincipalName: a.initiatedBy?.user?.userPrincipalName ?? null,
      appId: a.initiatedBy?.app?.appId ?? null,
      appDisplayName: a.initiatedBy?.app?.displayName ?? null,
    },
    targets: (a.targetResources ?? []).map((t) => ({
      id: normId(t.id ?? ''),
      type: t.type ?? null,
      displayName: t.displayName ?? null,
      userPrincipalName: t.userPrincipalName ?? null,
      modified: (t.modifiedProperties ?? []).map((m) => ({ name: m.displayName ?? '', oldValue: m.oldValue ?? null, newValue: m.newValue ?? null })),
    })),
  };
}

/** Whether an audit event adds someone to an exclusion group or gives them an excluded role (R-EXEMPT-13). */
export function auditRelevant(e: StoredAuditEvent, groupIds: ReadonlySet<string>, excludedRoles: ReadonlySet<string>): boolean {
  if (e.result && !sameEnum(e.result, 'success')) return false;
  if (/^add member to group/i.test(e.activity)) return e.targets.some((t) => groupIds.has(t.id));
  if (/^add (eligible )?member to role/i.test(e.activity)) {
    const role = auditRoleOf(e);
    return role !== null && excludedRoles.has(role);
  }
  return /^update user/i.test(e.activity);
}

/** Audit events are kept this long (exemption alerts look back over the change window only). */
export const AUDIT_KEEP_DAYS = 30;

/** The audit window: from the watermark less the overlap, or the initial look-back on the first run. */
export function auditWindowStart(watermark: string | undefined, nowMs: number, overlapMinutes: number, lookbackHours: number): string {
  const from = watermark ? Date.parse(watermark) - overlapMinutes * 60_000 : nowMs - lookbackHours * 3_600_000;
  return new Date(from).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
