// A small builder for tenant fixtures. Every test goes through the same door as real input:
// builder -> plain Graph-shaped JSON -> parseTenantFixture -> snapshotFromFixture -> evaluate.
import { expect } from 'vitest';
import { ROLE } from '../../src/core/catalog.js';
import { snapshotFromFixture } from '../../devkit/bench/snapshot.js';
import { DEFAULT_EVALUATION_OPTIONS, type EvaluationOptions, evaluate } from '../../src/core/evaluate.js';
import { type TenantFixture, parseTenantFixture } from '../../devkit/fixture/format.js';
import type { AdminOut, Finding, Report } from '../../src/core/report.js';
import type { TenantSnapshot } from '../../src/core/snapshot.js';

export { ROLE };

export const TENANT_ID = '11111111-2222-3333-4444-555555555555';
export const CAPTURED_AT = '2026-11-01T08:00:00Z';

type Json = Record<string, unknown>;

/** Deterministic GUIDs per kind, so ids in failures are readable: user 3 = a0000000-…-000000000003. */
const PREFIX = { user: 'a0000000', group: 'b0000000', sp: 'c0000000', policy: 'd0000000', location: 'e0000000', strength: 'f0000000', role: 'f1000000', instance: 'f2000000' } as const;
function guid(kind: keyof typeof PREFIX, n: number): string {
  return `${PREFIX[kind]}-0000-0000-0000-${n.toString(16).padStart(12, '0')}`;
}

export interface UserOptions {
  userType?: 'Member' | 'Guest';
  upn?: string;
  /** MFA registration (userRegistrationDetails.isMfaRegistered); default true; null = no row for the user. */
  registered?: boolean | null;
}

export interface AssignmentOptions {
  scope?: string;
  /** ISO end date; omitted = permanent. */
  end?: string | null;
  memberType?: 'Direct' | 'Group';
}

/** The parts of a CA policy a test sets; anything omitted gets the "all users, all apps, require MFA" default. */
export interface PolicySpec {
  id?: string;
  state?: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
  users?: Json;
  applications?: Json;
  clientAppTypes?: string[];
  platforms?: Json;
  locations?: Json;
  devices?: Json;
  signInRiskLevels?: string[];
  userRiskLevels?: string[];
  insiderRiskLevels?: string;
  authenticationFlows?: Json;
  /** null = session controls only. */
  grantControls?: Json | null;
}

export const MFA: Json = { operator: 'OR', builtInControls: ['mfa'] };
export const BLOCK: Json = { operator: 'OR', builtInControls: ['block'] };

export class TenantBuilder {
  private counters: Record<keyof typeof PREFIX, number> = { user: 0, group: 0, sp: 0, policy: 0, location: 0, strength: 0, role: 0, instance: 0 };
  readonly users: Json[] = [];
  readonly groups: Array<Json & { members: string[] }> = [];
  readonly servicePrincipals: Json[] = [];
  readonly roleDefinitions: Json[] = [];
  readonly active: Json[] = [];
  readonly eligible: Json[] = [];
  readonly pimGroupAssignments: Json[] = [];
  readonly pimGroupEligibilities: Json[] = [];
  readonly roleManagementPolicyAssignments: Json[] = [];
  readonly policies: Json[] = [];
  readonly namedLocations: Json[] = [];
  readonly strengths: Json[] = [];
  readonly registration: Json[] = [];
  securityDefaults: boolean | undefined;
  /** Extra raw fixture keys (e.g. roleAssignments for a tenant without PIM). */
  readonly extra: Json = {};
  private pim = true;

  private next(kind: keyof typeof PREFIX): string {
    return guid(kind, ++this.counters[kind]);
  }

  user(name: string, options: UserOptions = {}): string {
    const id = this.next('user');
    const upn = options.upn ?? `${name}@contoso.test`;
    this.users.push({ id, userPrincipalName: upn, displayName: name, userType: options.userType ?? 'Member', accountEnabled: true });
    const registered = options.registered === undefined ? true : options.registered;
    if (registered !== null) {
      this.registration.push({ id, userPrincipalName: upn, isMfaRegistered: registered, methodsRegistered: registered ? ['microsoftAuthenticatorPush'] : [] });
    }
    return id;
  }

  group(name: string, members: string[] = [], options: { roleAssignable?: boolean } = {}): string {
    const id = this.next('group');
    this.groups.push({ id, displayName: name, isAssignableToRole: options.roleAssignable ?? false, securityEnabled: true, members });
    return id;
  }

  addMember(groupId: string, memberId: string): void {
    const group = this.groups.find((g) => g.id === groupId);
    if (!group) throw new Error(`no group ${groupId}`);
    group.members.push(memberId);
  }

  servicePrincipal(name: string): string {
    const id = this.next('sp');
    this.servicePrincipals.push({ id, displayName: name, appId: this.next('sp'), servicePrincipalType: 'Application', accountEnabled: true });
    return id;
  }

  customRole(name: string): string {
    const id = this.next('role');
    this.roleDefinitions.push({ id, displayName: name, templateId: id, isBuiltIn: false, isEnabled: true });
    return id;
  }

  /** Active (Assigned) role assignment instance. */
  assign(principalId: string, roleId: string, options: AssignmentOptions = {}): this {
    this.active.push({
      id: this.next('instance'),
      principalId,
      roleDefinitionId: roleId,
      directoryScopeId: options.scope ?? '/',
      assignmentType: 'Assigned',
      memberType: options.memberType ?? 'Direct',
      startDateTime: '2026-01-01T00:00:00Z',
      endDateTime: options.end ?? null,
    });
    return this;
  }

  makeEligible(principalId: string, roleId: string, options: AssignmentOptions = {}): this {
    this.eligible.push({
      id: this.next('instance'),
      principalId,
      roleDefinitionId: roleId,
      directoryScopeId: options.scope ?? '/',
      memberType: options.memberType ?? 'Direct',
      startDateTime: '2026-01-01T00:00:00Z',
      endDateTime: options.end ?? '2027-01-01T00:00:00Z',
    });
    return this;
  }

  /** A PIM activation of an eligible assignment (an `Activated` assignment instance). */
  activate(principalId: string, roleId: string, options: AssignmentOptions = {}): this {
    this.active.push({
      id: this.next('instance'),
      principalId,
      roleDefinitionId: roleId,
      directoryScopeId: options.scope ?? '/',
      assignmentType: 'Activated',
      memberType: options.memberType ?? 'Direct',
      startDateTime: '2026-11-01T07:00:00Z',
      endDateTime: options.end ?? '2026-11-01T15:00:00Z',
    });
    return this;
  }

  pimGroupMember(groupId: string, principalId: string, how: 'eligible' | 'active' | 'activated', accessId: 'member' | 'owner' = 'member'): this {
    if (how === 'eligible') {
      this.pimGroupEligibilities.push({ id: this.next('instance'), groupId, principalId, accessId, memberType: 'direct', startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2027-01-01T00:00:00Z' });
    } else {
      this.pimGroupAssignments.push({
        id: this.next('instance'),
        groupId,
        principalId,
        accessId,
        assignmentType: how === 'activated' ? 'activated' : 'assigned',
        memberType: 'direct',
        startDateTime: '2026-01-01T00:00:00Z',
        endDateTime: how === 'activated' ? '2026-11-01T15:00:00Z' : null,
      });
    }
    return this;
  }

  /** PIM role setting for a directory role (scope '/') or a PIM group's member activation. */
  pimSetting(subject: { roleId: string } | { groupId: string }, enabledRules: string[], authenticationContext?: string): this {
    const isGroup = 'groupId' in subject;
    const rules: Json[] = [
      { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules },
    ];
    if (authenticationContext) {
      rules.push({ '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule', id: 'AuthenticationContext_EndUser_Assignment', isEnabled: true, claimValue: authenticationContext });
    }
    const policyId = `policy-${this.roleManagementPolicyAssignments.length + 1}`;
    this.roleManagementPolicyAssignments.push(
      isGroup
        ? { id: `${policyId}-a`, policyId, scopeId: subject.groupId, scopeType: 'Group', roleDefinitionId: 'member', policy: { id: policyId, rules } }
        : { id: `${policyId}-a`, policyId, scopeId: '/', scopeType: 'DirectoryRole', roleDefinitionId: subject.roleId, policy: { id: policyId, rules } },
    );
    return this;
  }

  location(name: string, trusted: boolean): string {
    const id = this.next('location');
    this.namedLocations.push({ '@odata.type': '#microsoft.graph.ipNamedLocation', id, displayName: name, isTrusted: trusted, ipRanges: [{ cidrAddress: '203.0.113.0/24' }] });
    return id;
  }

  strength(name: string, allowedCombinations: string[], requirementsSatisfied: 'mfa' | 'none' = 'mfa'): string {
    const id = this.next('strength');
    this.strengths.push({ id, displayName: name, policyType: 'custom', requirementsSatisfied, allowedCombinations });
    return id;
  }

  policy(name: string, spec: PolicySpec = {}): string {
    const id = spec.id ?? this.next('policy');
    const conditions: Json = {
      users: spec.users ?? { includeUsers: ['All'] },
      applications: spec.applications ?? { includeApplications: ['All'] },
      clientAppTypes: spec.clientAppTypes ?? ['all'],
    };
    for (const key of ['platforms', 'locations', 'devices', 'signInRiskLevels', 'userRiskLevels', 'insiderRiskLevels', 'authenticationFlows'] as const) {
      if (spec[key] !== undefined) conditions[key] = spec[key];
    }
    this.policies.push({
      id,
      displayName: name,
      state: spec.state ?? 'enabled',
      conditions,
      grantControls: spec.grantControls === undefined ? MFA : spec.grantControls,
    });
    return id;
  }

  /** A tenant without PIM: role assignments come from /roleManagement/directory/roleAssignments. */
  withoutPim(assignments: Array<{ principalId: string; roleDefinitionId: string; directoryScopeId?: string }>): this {
    this.pim = false;
    this.extra.roleAssignments = assignments.map((a, i) => ({ id: `ra-${i}`, directoryScopeId: '/', ...a }));
    return this;
  }

  fixture(): TenantFixture {
    const raw: Json = {
      version: 1,
      tenantId: TENANT_ID,
      displayName: 'Contoso (test)',
      users: this.users,
      groups: this.groups,
      servicePrincipals: this.servicePrincipals,
      roleDefinitions: this.roleDefinitions,
      conditionalAccessPolicies: this.policies,
      namedLocations: this.namedLocations,
      authenticationStrengthPolicies: this.strengths,
      userRegistrationDetails: this.registration,
      ...this.extra,
    };
    if (this.securityDefaults !== undefined) raw.securityDefaults = { isEnabled: this.securityDefaults };
    if (this.pim) {
      raw.roleAssignmentScheduleInstances = this.active;
      raw.roleEligibilityScheduleInstances = this.eligible;
      raw.privilegedAccessGroupAssignmentScheduleInstances = this.pimGroupAssignments;
      raw.privilegedAccessGroupEligibilityScheduleInstances = this.pimGroupEligibilities;
      raw.roleManagementPolicyAssignments = this.roleManagementPolicyAssignments;
    }
    // Round-trip through JSON so the fixture is exactly what a file would hold.
    return parseTenantFixture(JSON.parse(JSON.stringify(raw)), 'test fixture');
  }

  snapshot(): TenantSnapshot {
    return snapshotFromFixture(this.fixture(), CAPTURED_AT);
  }

  evaluate(options: Partial<EvaluationOptions> = {}, mutate?: (snapshot: TenantSnapshot) => void): Report {
    const snapshot = this.snapshot();
    mutate?.(snapshot);
    return evaluate(snapshot, { ...DEFAULT_EVALUATION_OPTIONS, ...options });
  }
}

export function tenant(): TenantBuilder {
  return new TenantBuilder();
}

export function adminOf(report: Report, id: string): AdminOut {
  const admin = report.admins.find((a) => a.id === id);
  if (!admin) throw new Error(`admin ${id} not in report (admins: ${report.admins.map((a) => a.userPrincipalName).join(', ')})`);
  return admin;
}

export function findingsOf(report: Report, type: string, subjectId?: string): Finding[] {
  return report.findings.filter((f) => f.type === type && (subjectId === undefined || f.subjectId === subjectId));
}

export function gapText(admin: AdminOut): string {
  return admin.gaps.map((g) => g.summary).join('\n');
}

/** One row of a table-driven test: build a tenant, evaluate, assert on the admin under test. */
export interface Case {
  /** `R-… what (Source: page)`: the rule id and the document that states the rule. */
  name: string;
  /** Builds the tenant; returns the id of the admin under test. */
  build: (t: TenantBuilder) => string;
  options?: Partial<EvaluationOptions>;
  mutate?: (snapshot: TenantSnapshot) => void;
  verdict?: AdminOut['verdict'];
  /** Fragments every one of which must appear in the admin's gap sentences. */
  gaps?: string[];
  /** Fragments that must not appear in any gap sentence. */
  notInGaps?: string[];
  /** Number of gaps expected (0 = fully covered). */
  gapCount?: number;
  /** Finding types expected with the admin as subject. */
  findings?: string[];
  /** Finding types that must not exist for the admin. */
  noFindings?: string[];
  /** Finding types expected anywhere in the report. */
  reportFindings?: string[];
  /** Extra assertions. */
  check?: (report: Report, admin: AdminOut) => void;
}

export interface CaseResult {
  report: Report;
  admin: AdminOut;
}

export function runCase(c: Case): CaseResult {
  const t = tenant();
  const id = c.build(t);
  const report = t.evaluate(c.options, c.mutate);
  const admin = adminOf(report, id);
  const gaps = gapText(admin);
  if (c.verdict) expect(admin.verdict, `verdict; gaps:\n${gaps}`).toBe(c.verdict);
  for (const fragment of c.gaps ?? []) expect(gaps, 'gap sentences').toContain(fragment);
  for (const fragment of c.notInGaps ?? []) expect(gaps, 'gap sentences').not.toContain(fragment);
  if (c.gapCount !== undefined) expect(admin.gaps.length, `gap count; gaps:\n${gaps}`).toBe(c.gapCount);
  const types = report.findings.filter((f) => f.subjectId === id).map((f) => f.type);
  for (const type of c.findings ?? []) expect(types, 'findings for the admin').toContain(type);
  for (const type of c.noFindings ?? []) expect(types, 'findings for the admin').not.toContain(type);
  const all = report.findings.map((f) => f.type);
  for (const type of c.reportFindings ?? []) expect(all, 'findings in the report').toContain(type);
  c.check?.(report, admin);
  return { report, admin };
}

/** A user holding `role` actively and permanently (the usual admin under test). */
export function activeAdmin(t: TenantBuilder, name = 'alice', role: string = ROLE.securityAdministrator, options: UserOptions = {}): string {
  const id = t.user(name, options);
  t.assign(id, role);
  return id;
}

/**
 * R-ROLESTATE-2's smallest case: a Helpdesk Administrator eligible for Global and Privileged Role Administrator,
 * under two all-users MFA policies that each exclude one of those roles: only both activated leave MFA out.
 */
export function exposedOnlyWhenBothActive(t: TenantBuilder): string {
  const id = activeAdmin(t, 'alice', ROLE.helpdeskAdministrator);
  t.makeEligible(id, ROLE.globalAdministrator);
  t.makeEligible(id, ROLE.privilegedRoleAdministrator);
  t.policy('MFA except GA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.globalAdministrator] } });
  t.policy('MFA except PRA', { users: { includeUsers: ['All'], excludeRoles: [ROLE.privilegedRoleAdministrator] } });
  return id;
}
