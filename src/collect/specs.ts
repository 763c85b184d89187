// The datasets the collectors keep in the `state` table, and how their changes are recorded.
import { builtInRole } from '../core/catalog.js';
import { normId } from '../core/ids.js';
import type { SnapshotGroup } from '../core/snapshot.js';
import type { ChangeKind, DatasetSpec } from '../storage/state.js';


/** State partitions (see docs/storage.md). */
export const PARTITIONS = {
  roleDefinition: 'roleDefinition',
  activeInstance: 'activeInstance',
  eligibleInstance: 'eligibleInstance',
  roleAssignment: 'roleAssignment',
  pimGroupAssignment: 'pimGroupAssignment',
  pimGroupEligibility: 'pimGroupEligibility',
  group: 'group',
  user: 'user',
  servicePrincipal: 'servicePrincipal',
  unresolved: 'unresolved',
  registration: 'registration',
  caPolicy: 'caPolicy',
  namedLocation: 'namedLocation',
  authStrength: 'authStrength',
  securityDefaults: 'securityDefaults',
  pimSetting: 'pimSetting',
  activation: 'activation',
  adminVerdict: 'adminVerdict',
  rolloutVerdict: 'rolloutVerdict',
  tenant: 'tenant',
  secureScore: 'secureScore',
  mfaRecommendation: 'mfaRecommendation',
  subscribedSkus: 'subscribedSkus',
  perUserMfa: 'perUserMfa',
  // Who can change the exclusions (collect/exemptions.ts).
  exemptionGroup: 'exemptionGroup',
  exemptionPimOwner: 'exemptionPimOwner',
  exemptionUnits: 'exemptionUnits',
  appPermission: 'appPermission',
  controller: 'controller',
  controllerGroup: 'controllerGroup',
  controllerPrincipal: 'controllerPrincipal',
  exemptionAudit: 'exemptionAudit',
  /** The change feed's notes about itself (missed changes, restarts), see collect/changefeed.ts. */
  feedNote: 'feedNote',
  /** Queued work of a tenant given up after every delivery failed (app/fanout.ts). */
  deadLetter: 'deadLetter',
} as const;

export function stateOnlySpec<T>(partition: string, id: (item: T) => string): DatasetSpec<T> {
  return { partition, id };
}

interface AssignmentLike {
  id: string;
  principalId: string;
  roleDefinitionId?: string | null;
  groupId?: string | null;
  accessId?: string | null;
  directoryScopeId?: string | null;
  assignmentType?: string | null;
  endDateTime?: string | null;
}

function roleName(id: string | null | undefined): string {
  if (!id) return '';
  return builtInRole(id)?.displayName ?? `role ${id}`;
}

/** Role assignment instances and PIM-for-Groups instances: history in `assignments`, indexed by principal, role and group. */
export function assignmentSpec<T extends AssignmentLike>(partition: string, kind: 'active' | 'eligible'): DatasetSpec<T> {
  return {
    partition,
    id: (i) => normId(i.id),
    historyTable: 'assignments',
    index: (i) => ({ principalId: i.principalId, roleId: i.roleDefinitionId ?? null, groupId: i.groupId ?? null }),
    describe: (change: ChangeKind, before, after) => {
      const i = (after ?? before) as T;
      const what = i.groupId
        ? `${kind === 'eligible' ? 'eligible' : (i.assignmentType ?? 'active').toLowerCase()} ${i.accessId ?? 'member'}ship of PIM group ${i.groupId}`
        : `${kind === 'eligible' ? 'eligible' : (i.assignmentType ?? 'active').toLowerCase()} assignment of '${roleName(i.roleDefinitionId)}'${i.directoryScopeId && i.directoryScopeId !== '/' ? ` at ${i.directoryScopeId}` : ''}`;
      const end = i.endDateTime ? ` until ${i.endDateTime}` : kind === 'active' ? ' (permanent)' : '';
      return `${change}: ${what} for principal ${i.principalId}${change === 'removed' ? '' : end}`;
    },
  };
}

/** Group membership (role-holding groups fully, watched groups for admins only): history in `assignments`, by group. */
export function groupSpec(): DatasetSpec<SnapshotGroup> {
  return {
    partition: PARTITIONS.group,
    id: (g) => g.id,
    historyTable: 'assignments',
    index: (g) => ({ groupId: g.id }),
    describe: (change, before, after) => {
      const g = (after ?? before) as SnapshotGroup;
      const name = g.displayName ? `'${g.displayName}'` : g.id;
      if (change !== 'changed' || !before || !after) return `${change}: group ${name}`;
      const was = new Set(before.memberUserIds);
      const now = new Set(after.memberUserIds);
      const added = after.memberUserIds.filter((u) => !was.has(u));
      const removed = before.memberUserIds.filter((u) => !now.has(u));
      const parts = [];
      if (added.length) parts.push(`members added: ${added.join(', ')}`);
      if (removed.length) parts.push(`members removed: ${removed.join(', ')}`);
      return `changed: group ${name}${parts.length ? ` (${parts.join('; ')})` : ''}`;
    },
  };
}
