// Edits of the simulated tenant (POST /_simulator/edits, GraphSimulator.edit, the bench's churn scenarios): each
// returns a new fixture that shares every object it does not change, so the change tracker (changes.ts) sees
// exactly what changed and writes the audit events and delta entries for it.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { TenantFixture } from '../fixture/format.js';
import { fixtureHasPim } from '../fixture/format.js';

const id = z.string().min(1);
const patch = z.record(z.string(), z.unknown());

export const tenantEditSchema = z.discriminatedUnion('op', [
  /** A role assignment: PIM active (permanent) or eligible in a PIM tenant, a plain assignment otherwise. */
  z.object({ op: z.literal('addRoleAssignment'), principalId: id, roleDefinitionId: id, eligible: z.boolean().optional(), directoryScopeId: z.string().optional() }),
  z.object({ op: z.literal('removeRoleAssignment'), principalId: id, roleDefinitionId: id }),
  z.object({ op: z.literal('addGroupMember'), groupId: id, memberId: id }),
  z.object({ op: z.literal('removeGroupMember'), groupId: id, memberId: id }),
  /** A Conditional Access policy's top-level properties replaced (e.g. `{ "state": "enabledForReportingButNotEnforced" }`). */
  z.object({ op: z.literal('updatePolicy'), policyId: id, set: patch }),
  /** Every authentication method of a user removed: not registered for MFA any more. */
  z.object({ op: z.literal('removeAuthMethods'), userId: id }),
  z.object({ op: z.literal('updateUser'), userId: id, set: patch }),
  z.object({ op: z.literal('deleteUser'), userId: id }),
]);
export type TenantEdit = z.infer<typeof tenantEditSchema>;

export function parseEdits(text: string): TenantEdit[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('edits: expected a JSON array of edits');
  }
  const parsed = z.array(tenantEditSchema).safeParse(value);
  if (!parsed.success) throw new Error(`edits: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function mustFind<T extends { id: string }>(list: readonly T[] | undefined, wanted: string, what: string): T {
  const found = (list ?? []).find((x) => same(x.id, wanted));
  if (!found) throw new Error(`edits: no ${what} ${wanted} in the tenant`);
  return found;
}

function replaceIn<T extends { id: string }>(list: readonly T[] | undefined, wanted: string, next: T | null): T[] {
  return (list ?? []).flatMap((x) => (same(x.id, wanted) ? (next ? [next] : []) : [x]));
}

function applyOne(f: TenantFixture, e: TenantEdit, at: Date): TenantFixture {
  switch (e.op) {
    case 'addRoleAssignment': {
      if (!fixtureHasPim(f)) {
        return { ...f, roleAssignments: [...(f.roleAssignments ?? []), { id: randomUUID(), principalId: e.principalId, roleDefinitionId: e.roleDefinitionId, directoryScopeId: e.directoryScopeId ?? '/' }] };
      }
      const instance = { id: randomUUID(), principalId: e.principalId, roleDefinitionId: e.roleDefinitionId, directoryScopeId: e.directoryScopeId ?? '/', memberType: 'Direct', startDateTime: null, endDateTime: null };
      return e.eligible
        ? { ...f, roleEligibilityScheduleInstances: [...(f.roleEligibilityScheduleInstances ?? []), instance] }
        : { ...f, roleAssignmentScheduleInstances: [...(f.roleAssignmentScheduleInstances ?? []), { ...instance, assignmentType: 'Assigned' }] };
    }
    case 'removeRoleAssignment': {
      const keep = <T extends { principalId: string; roleDefinitionId: string }>(list: T[] | undefined): T[] | undefined => list?.filter((i) => !(same(i.principalId, e.principalId) && same(i.roleDefinitionId, e.roleDefinitionId)));
      return { ...f, roleAssignments: keep(f.roleAssignments), roleAssignmentScheduleInstances: keep(f.roleAssignmentScheduleInstances), roleEligibilityScheduleInstances: keep(f.roleEligibilityScheduleInstances) };
    }
    case 'addGroupMember':
    case 'removeGroupMember': {
      const group = mustFind(f.groups, e.groupId, 'group');
      const members = (group.members ?? []).filter((m) => !same(m, e.memberId));
      if (e.op === 'addGroupMember') members.push(e.memberId);
      return { ...f, groups: replaceIn(f.groups, e.groupId, { ...group, members }) };
    }
    case 'updatePolicy': {
      const policy = mustFind(f.conditionalAccessPolicies, e.policyId, 'Conditional Access policy');
      return { ...f, conditionalAccessPolicies: replaceIn(f.conditionalAccessPolicies, e.policyId, { ...policy, ...e.set, id: policy.id, modifiedDateTime: at.toISOString() } as typeof policy) };
    }
    case 'removeAuthMethods': {
      const detail = mustFind(f.userRegistrationDetails, e.userId, 'registration details for user');
      const next = { ...detail, isMfaRegistered: false, isMfaCapable: false, isPasswordlessCapable: false, methodsRegistered: [], defaultMfaMethod: 'none' };
      return { ...f, userRegistrationDetails: replaceIn(f.userRegistrationDetails, e.userId, next as typeof detail) };
    }
    case 'updateUser': {
      const user = mustFind(f.users, e.userId, 'user');
      return { ...f, users: replaceIn(f.users, e.userId, { ...user, ...e.set, id: user.id } as typeof user) };
    }
    case 'deleteUser': {
      mustFind(f.users, e.userId, 'user');
      const gone = <T extends { principalId: string }>(list: T[] | undefined): T[] | undefined => list?.filter((i) => !same(i.principalId, e.userId));
      return {
        ...f,
        users: replaceIn(f.users, e.userId, null),
        groups: f.groups?.map((g) => ((g.members ?? []).some((m) => same(m, e.userId)) ? { ...g, members: (g.members ?? []).filter((m) => !same(m, e.userId)) } : g)),
        roleAssignments: gone(f.roleAssignments),
        roleAssignmentScheduleInstances: gone(f.roleAssignmentScheduleInstances),
        roleEligibilityScheduleInstances: gone(f.roleEligibilityScheduleInstances),
        userRegistrationDetails: f.userRegistrationDetails?.filter((r) => !same(r.id, e.userId)),
      };
    }
  }
}

/** The tenant after the edits, in order; an edit naming something the tenant does not have is an error. */
export function applyEdits(fixture: TenantFixture, edits: readonly TenantEdit[], at: Date = new Date()): TenantFixture {
  return edits.reduce((f, e) => applyOne(f, e, at), fixture);
}
