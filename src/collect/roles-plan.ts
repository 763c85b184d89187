// The roles collector's decisions, apart from its reads: who a role instance names, which groups are read
// whole and which only for admins' membership, which roles matter although not monitored, and what may be
// stored (and removed) after reads that may have failed. Pure functions over what was read.
import { isGuid, normId, sameEnum } from '../core/ids.js';
import type { GraphServicePrincipal, GraphUser } from '../core/graph-types.js';

export type Expanded<T> = T & { principal?: ({ '@odata.type'?: string; id: string } & Record<string, unknown>) | null };

/** A role or PIM-group instance without the expanded principal (which is stored apart, as the account). */
export function strip<T extends object>(item: Expanded<T>): T {
  const { principal: _principal, ...rest } = item as Expanded<T> & Record<string, unknown>;
  return rest as T;
}

export function principalKind(p: Expanded<object>['principal']): 'user' | 'group' | 'servicePrincipal' | 'unknown' | 'missing' {
  if (!p) return 'missing';
  const t = (p['@odata.type'] ?? '').toLowerCase();
  if (t.endsWith('.user')) return 'user';
  if (t.endsWith('.group')) return 'group';
  if (t.endsWith('.serviceprincipal')) return 'servicePrincipal';
  return 'unknown';
}

/** The principals role and PIM-group instances name, sorted by kind as they are noted. */
export class Principals {
  readonly users = new Map<string, GraphUser>();
  readonly servicePrincipals = new Map<string, GraphServicePrincipal>();
  readonly roleGroups = new Set<string>();
  readonly unresolved = new Set<string>();

  note(item: Expanded<{ principalId: string }>): void {
    const id = normId(item.principalId);
    switch (principalKind(item.principal)) {
      case 'user':
        this.users.set(id, { id } as GraphUser);
        break;
      case 'group':
        this.roleGroups.add(id);
        break;
      case 'servicePrincipal': {
        const p = item.principal as Record<string, unknown>;
        this.servicePrincipals.set(id, { id, displayName: (p.displayName as string | undefined) ?? null, appId: (p.appId as string | undefined) ?? null });
        break;
      }
      default:
        this.unresolved.add(id);
    }
  }

  /** Groups that are PIM members or owners of a role-holding group: their members inherit, so they are read whole too. */
  pimPrincipalGroups(instances: ReadonlyArray<{ principalId: string }>): string[] {
    return instances.map((i) => normId(i.principalId)).filter((id) => !this.users.has(id) && !this.servicePrincipals.has(id));
  }
}

/** Whether a role definition id is monitored, directly or as a custom copy of a monitored template. */
export function roleMatcher(monitored: ReadonlySet<string>, definitions: ReadonlyArray<{ id: string; templateId?: string | null }>): (roleDefinitionId: string) => boolean {
  const template = new Map(definitions.map((d) => [normId(d.id), normId(d.templateId ?? d.id)]));
  return (roleDefinitionId) => {
    const id = normId(roleDefinitionId);
    return monitored.has(id) || monitored.has(template.get(id) ?? id);
  };
}

/**
 * Roles Conditional Access includes or excludes that are not monitored: their standing holders decide whether
 * a policy applies to an admin (R-USERS-8). Returns the test for a standing instance of such a role.
 */
export function targetingOnly(
  policyRoles: ReadonlySet<string>,
  isMonitored: (roleId: string) => boolean,
): { roles: Set<string>; holds(i: { roleDefinitionId: string; assignmentType?: string | null }): boolean; eligible(i: { roleDefinitionId: string }): boolean } {
  const roles = new Set([...policyRoles].filter((r) => !isMonitored(r)));
  return {
    roles,
    holds: (i) => roles.has(normId(i.roleDefinitionId)) && sameEnum(i.assignmentType ?? 'Assigned', 'Assigned'),
    // Eligible assignments of such roles: activating one is a state of its own (R-USERS-8).
    eligible: (i) => roles.has(normId(i.roleDefinitionId)),
  };
}

/**
 * PIM-for-Groups instances to read for the groups Conditional Access includes or excludes (R-PIMGROUP-5): those
 * not read already as role-holding groups.
 */
export function policyPimGroups(policyGroups: ReadonlySet<string>, alreadyRead: ReadonlySet<string>): string[] {
  return [...policyGroups].filter((g) => isGuid(g) && !alreadyRead.has(g)).sort();
}

/** Groups that are eligible or active members (or owners) in PIM-for-Groups instances: their members inherit. */
export function principalGroups(instances: ReadonlyArray<Expanded<{ principalId: string }>>): string[] {
  return [...new Set(instances.filter((i) => principalKind(i.principal) === 'group').map((i) => normId(i.principalId)))].sort();
}

/**
 * The groups read for admins' membership only: named by Conditional Access or holding a targeting-only role,
 * minus those already read whole. Groups in MONITOR_EXCLUDED_ACCOUNTS are read whole (every member's sign-ins
 * are watched, admin or not) unless they are admins' own groups already.
 */
export function watchedGroups(input: { policyGroups: ReadonlySet<string>; targetingGroups: ReadonlySet<string>; excludedAccounts: readonly string[]; wholeGroups: ReadonlySet<string>; adminIds: ReadonlySet<string> }): { forAdmins: string[]; whole: string[] } {
  const watched = new Set([...input.targetingGroups, ...input.policyGroups]);
  const whole = input.excludedAccounts.filter((e) => isGuid(e) && !input.adminIds.has(normId(e)) && !input.wholeGroups.has(normId(e))).map(normId);
  for (const g of [...input.wholeGroups, ...whole]) watched.delete(g);
  return { forAdmins: [...watched], whole };
}

/** How long a licence error on PIM endpoints that answered before is taken for a transient failure. */
export const PIM_LICENCE_GRACE_HOURS = 24;

/**
 * PIM endpoints answered with a licence error. In a tenant that never had PIM that means no Entra ID P2: read
 * plain role assignments. In one whose PIM answered before, it is a failure (Graph's licence check fails
 * transiently, or the P2 licence lapsed): keep every stored assignment and say so, until the error has lasted
 * PIM_LICENCE_GRACE_HOURS — then it is taken as the licence change it is.
 */
export function onPimLicenceError(previous: { counts?: Record<string, number> } | undefined, nowMs: number): { use: 'plainAssignments' } | { use: 'previousState'; since: number } {
  const counts = previous?.counts ?? {};
  if (counts.pimAvailable !== 1 && counts.pimLicenceErrorSince === undefined) return { use: 'plainAssignments' };
  const since = counts.pimLicenceErrorSince ?? nowMs;
  return nowMs - since < PIM_LICENCE_GRACE_HOURS * 3_600_000 ? { use: 'previousState', since } : { use: 'plainAssignments' };
}

/** How the roles collector's reads went, as far as storing goes. */
export interface RoleReadOutcome {
  /** PIM endpoints answered (false: the tenant has no PIM licence; plain role assignments were read). */
  pimAvailable: boolean;
  /**
   * The previous run read the other way (PIM instances vs plain assignments): the datasets of the new way are
   * stored as a baseline, without history, so the switch is not a wave of "added" assignments.
   */
  modeSwitched: boolean;
  /** Every role assignment was read (false: the targeting-only ones of a tenant without PIM failed). */
  assignmentsComplete: boolean;
  /** PIM for Groups instances: read, not licensed, or failed. */
  pimGroups: 'ok' | 'notLicensed' | 'failed';
  /** Transitive members of role-holding and watched groups (and their names) were read. */
  groupsOk: boolean;
  /** Registration details were read. */
  registrationOk: boolean;
}

export type RolePartition = 'activeInstance' | 'eligibleInstance' | 'roleAssignment' | 'pimGroupAssignment' | 'pimGroupEligibility' | 'group' | 'user' | 'servicePrincipal' | 'unresolved' | 'registration';

/**
 * One dataset to sync: `keepUnseen` stores what was read and removes nothing (the read may have missed items);
 * `baseline` stores it without recording history (a change of how it is read, not of the tenant).
 */
export interface SyncStep {
  partition: RolePartition;
  keepUnseen: boolean;
  baseline?: boolean;
}

/**
 * What to store after a roles run. Only datasets read completely are synced; failed ones keep their state.
 * When the PIM-group or group reads failed, the account, group and registration lists are incomplete: what was
 * read is stored and nothing is removed (an admin held through a group that could not be read is still an
 * admin), and unresolved ids are not replaced (a missing read is not a deleted object).
 */
export function roleStoragePlan(o: RoleReadOutcome): SyncStep[] {
  const complete = o.groupsOk && o.pimGroups !== 'failed';
  // After a switch, the datasets the new way reads start as a baseline.
  const newWay = (pim: boolean) => (o.modeSwitched && o.pimAvailable === pim ? { baseline: true } : {});
  const steps: SyncStep[] = [
    { partition: 'activeInstance', keepUnseen: false, ...newWay(true) },
    { partition: 'eligibleInstance', keepUnseen: false, ...newWay(true) },
  ];
  if (o.assignmentsComplete) steps.push({ partition: 'roleAssignment', keepUnseen: false, ...newWay(false) });
  if (o.pimGroups === 'ok' || !o.pimAvailable) steps.push({ partition: 'pimGroupAssignment', keepUnseen: false, ...newWay(true) }, { partition: 'pimGroupEligibility', keepUnseen: false, ...newWay(true) });
  // A group whose names could not be read is not stored over the named one.
  if (o.groupsOk) steps.push({ partition: 'group', keepUnseen: !complete });
  steps.push({ partition: 'user', keepUnseen: !complete }, { partition: 'servicePrincipal', keepUnseen: !complete });
  if (complete) steps.push({ partition: 'unresolved', keepUnseen: false });
  if (o.registrationOk) steps.push({ partition: 'registration', keepUnseen: !complete });
  return steps;
}
