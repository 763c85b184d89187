// PIM role settings: what activating an eligible role (or PIM group membership) requires. Read from
// roleManagementPolicyAssignments with the policy's rules expanded (entra-facts.md §4).
import { makeFinding } from './finding-types.js';
import type { RoleManagementPolicyAssignment } from './graph-types.js';
import { normId, sameEnum } from './ids.js';
import type { DirectoryIndex, Inventory } from './inventory.js';
import type { Finding } from './report.js';
import type { TenantSnapshot } from './snapshot.js';

export interface ActivationSettings {
  /** Role template id for directory roles, group id for PIM groups. */
  subjectId: string;
  scopeType: 'DirectoryRole' | 'Group';
  requiresMfa: boolean;
  /** Authentication context required on activation (its claim value), or null. */
  authenticationContext: string | null;
  requiresApproval: boolean;
  requiresJustification: boolean;
  /** ISO 8601 duration, e.g. PT8H. */
  maximumDuration: string | null;
}

export function activationSettings(assignment: RoleManagementPolicyAssignment): ActivationSettings {
  const rules = assignment.policy?.rules ?? [];
  const rule = (id: string) => rules.find((r) => r.id === id);
  const enablement = rule('Enablement_EndUser_Assignment')?.enabledRules ?? [];
  const context = rule('AuthenticationContext_EndUser_Assignment');
  const group = sameEnum(assignment.scopeType, 'Group');
  return {
    subjectId: normId(group ? assignment.scopeId : (assignment.roleDefinitionId ?? assignment.scopeId)),
    scopeType: group ? 'Group' : 'DirectoryRole',
    requiresMfa: enablement.includes('MultiFactorAuthentication'),
    authenticationContext: context?.isEnabled ? (context.claimValue ?? null) : null,
    requiresApproval: rule('Approval_EndUser_Assignment')?.setting?.isApprovalRequired === true,
    requiresJustification: enablement.includes('Justification'),
    maximumDuration: rule('Expiration_EndUser_Assignment')?.maximumDuration ?? null,
  };
}

/** Settings per directory role (template id) at tenant scope and per PIM group (member activation). */
export function settingsIndex(snapshot: TenantSnapshot): Map<string, ActivationSettings> {
  const index = new Map<string, ActivationSettings>();
  for (const a of snapshot.roleManagementPolicyAssignments) {
    const group = sameEnum(a.scopeType, 'Group');
    if (group && !sameEnum(a.roleDefinitionId, 'member')) continue;
    if (!group && a.scopeId !== '/') continue;
    const s = activationSettings(a);
    index.set(`${s.scopeType}:${s.subjectId}`, s);
  }
  return index;
}

/** Parses an ISO 8601 duration (PnDTnHnMnS) to minutes; null when absent or not parseable. */
export function durationMinutes(duration: string | null): number | null {
  if (!duration) return null;
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!m) return null;
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * 1440 + Number(h ?? 0) * 60 + Number(min ?? 0) + Number(s ?? 0) / 60;
}

/** `eligible-activation-without-mfa` for roles and PIM groups with eligible admins (R-PIM-2). */
export function pimSettingFindings(snapshot: TenantSnapshot, inventory: Inventory, index: DirectoryIndex): Finding[] {
  if (!snapshot.pimAvailable || snapshot.dataSources.pimSettings?.state === 'unavailable') return [];
  const settings = settingsIndex(snapshot);
  const findings: Finding[] = [];
  const roles = new Map<string, { name: string; admins: Set<string> }>();
  const groups = new Map<string, { name: string; admins: Set<string> }>();
  for (const admin of inventory.admins) {
    for (const p of admin.paths) {
      if (p.assignment !== 'eligible') continue;
      if (p.activationKey?.startsWith('member:') && p.via.groupId) {
        const g = groups.get(p.via.groupId) ?? { name: p.via.groupName ?? p.via.groupId, admins: new Set<string>() };
        g.admins.add(admin.id);
        groups.set(p.via.groupId, g);
      } else {
        const r = roles.get(p.roleTemplateId) ?? { name: p.roleName, admins: new Set<string>() };
        r.admins.add(admin.id);
        roles.set(p.roleTemplateId, r);
      }
    }
  }
  const check = (key: string, subjectId: string, what: string, admins: number): void => {
    const s = settings.get(key);
    // No setting read for it: nothing to judge (Graph has one per role and per PIM group).
    if (!s || s.requiresMfa || s.authenticationContext) return;
    const why = 'requires neither MFA nor an authentication context';
    findings.push(
      makeFinding('eligible-activation-without-mfa', 'medium', subjectId, `Activating ${what} ${why}; ${admins} eligible admin${admins > 1 ? 's' : ''} can activate it with whatever sign-in they already have.`, `eligible-activation-without-mfa:${subjectId}`, { subjectName: what }),
    );
  };
  for (const [roleId, r] of roles) check(`DirectoryRole:${roleId}`, roleId, `role '${r.name}'`, r.admins.size);
  for (const [groupId, g] of groups) check(`Group:${groupId}`, groupId, `membership of PIM group '${index.groups.get(groupId)?.displayName ?? g.name}'`, g.admins.size);
  return findings;
}
