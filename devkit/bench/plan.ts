// The theoretical floor of one collection cycle (docs/performance.md): the fewest Graph requests that read the
// same data — every endpoint paged at its maximum page size, plus the per-group and per-id-chunk calls Graph
// makes unavoidable — and the least time those requests can take under Graph's budgets.
// Computed from the fixture with the dev kit's own pieces (membership, built-in roles, what is current), never
// with the app's: the plan is what the app is measured against.
import type { TenantFixture } from '../fixture/format.js';
import { ADMIN_TEMPLATE_ROLES, BUILT_IN_DIRECTORY_ROLES } from '../simulator/builtins.js';
import { membership } from '../simulator/membership.js';
import { isCurrent } from '../simulator/routes.js';
import { THROTTLE_BUDGETS, directoryCost } from '../../src/graph/budgets.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const lower = (id: string): string => id.trim().toLowerCase();

/** Maximum page sizes (entra-facts.md §4/§6; docs/simulator.md where Graph documents none). */
export const PAGE = { instances: 100, roleDefinitions: 100, caPolicies: 100, namedLocations: 100, policyAssignments: 100, transitiveMembers: 999, registration: 1000, signIns: 1000, inFilter: 15, orFilter: 15, recommendations: 100, skus: 100 } as const;

export interface PlanInput {
  fixture: TenantFixture;
  excludedAccounts: string[];
  /** The sign-in error codes the app is set to read as interrupted (SIGNIN_INTERRUPT_CODES). */
  interruptCodes: readonly number[];
  signInLookbackHours?: number;
  registrationLookupsPerRun?: number;
}

export interface Plan {
  minRequests: number;
  reports: number;
  conditionalAccess: number;
  /** Secure Score requests (Security API budget). */
  security: number;
  directoryUnits: number;
  directoryRequests: number;
  unmetered: number;
  /** The longest chain of requests that must follow one another (nextLink pagination). */
  longestChain: number;
  byStep: Record<string, number>;
}

const pages = (n: number, size: number): number => Math.max(1, Math.ceil(n / size));

export function minimalPlan(input: PlanInput): Plan {
  const { fixture } = input;
  const byStep: Record<string, number> = {};
  let reports = 0;
  let ca = 0;
  let security = 0;
  let units = 0;
  let directoryRequests = 0;
  let unmetered = 0;
  let chain = 0;
  const add = (step: string, n: number, cls: 'reports' | 'ca' | 'security' | 'dir' | 'none', unitsEach = 1): void => {
    byStep[step] = (byStep[step] ?? 0) + n;
    if (cls === 'reports') reports += n;
    else if (cls === 'security') security += n;
    else if (cls === 'ca') ca += n;
    else if (cls === 'dir') {
      directoryRequests += n;
      units += n * unitsEach;
    } else unmetered += n;
  };
  const at = Date.parse(fixture.referenceTime ?? new Date().toISOString());
  const current = <T extends { startDateTime?: string | null; endDateTime?: string | null }>(items: T[] | undefined): T[] => (items ?? []).filter((i) => isCurrent(i, at));

  // Roles: definitions, active and eligible instances (PIM endpoints are not metered), role-holding groups.
  const definitions = BUILT_IN_DIRECTORY_ROLES.length + (fixture.roleDefinitions?.length ?? 0);
  add('roleDefinitions', pages(definitions, PAGE.roleDefinitions), 'dir', directoryCost(1, true, false));
  const monitored = new Set(ADMIN_TEMPLATE_ROLES);
  const active = current(fixture.roleAssignmentScheduleInstances);
  const eligible = current(fixture.roleEligibilityScheduleInstances);
  add('roleAssignmentScheduleInstances', pages(active.length, PAGE.instances), 'none');
  add('roleEligibilityScheduleInstances', pages(eligible.length, PAGE.instances), 'none');
  chain = Math.max(chain, pages(active.length, PAGE.instances));
  const members = membership(fixture);
  const isGroup = (id: string): boolean => members.kindOf(id) === 'group';
  const roleGroups = new Set<string>();
  const directUsers = new Set<string>();
  for (const i of [...active, ...eligible]) {
    if (!monitored.has(lower(i.roleDefinitionId))) continue;
    const id = lower(i.principalId);
    if (isGroup(id)) roleGroups.add(id);
    else if (members.kindOf(id) === 'user') directUsers.add(id);
  }
  const pimA = current(fixture.privilegedAccessGroupAssignmentScheduleInstances);
  const pimE = current(fixture.privilegedAccessGroupEligibilityScheduleInstances);
  const fullGroups = new Set(roleGroups);
  const pimGroups = new Set<string>();
  const pimUsers = new Set<string>();
  for (const g of roleGroups) {
    const e = pimE.filter((i) => lower(i.groupId) === g);
    const a = pimA.filter((i) => lower(i.groupId) === g);
    add('pimGroupInstances', pages(e.length, PAGE.instances) + pages(a.length, PAGE.instances), 'none');
    if (e.length + a.length > 0) pimGroups.add(g);
    for (const i of [...e, ...a]) {
      const p = lower(i.principalId);
      if (isGroup(p)) fullGroups.add(p);
      else if (members.kindOf(p) === 'user') pimUsers.add(p);
    }
  }
  const groupMemberUsers = new Set<string>();
  for (const g of fullGroups) {
    const m = members.transitive(g);
    for (const u of m.user) groupMemberUsers.add(u);
    const n = m.user.length + m.group.length + m.servicePrincipal.length;
    add('transitiveMembers (role groups)', pages(n, PAGE.transitiveMembers), 'dir', directoryCost(5, true, false));
    chain = Math.max(chain, pages(n, PAGE.transitiveMembers));
  }
  // Groups named by Conditional Access or MONITOR_EXCLUDED_ACCOUNTS: one read each, whatever their size.
  const watched = new Set<string>();
  const policyGroups = new Set<string>();
  const policyRoles = new Set<string>();
  for (const p of fixture.conditionalAccessPolicies ?? []) {
    for (const g of [...(p.conditions.users?.includeGroups ?? []), ...(p.conditions.users?.excludeGroups ?? [])]) policyGroups.add(lower(g));
    for (const r of [...(p.conditions.users?.includeRoles ?? []), ...(p.conditions.users?.excludeRoles ?? [])]) policyRoles.add(lower(r));
  }
  for (const g of policyGroups) watched.add(g);
  for (const e of input.excludedAccounts) if (GUID.test(e.trim())) watched.add(lower(e));
  // Groups holding (active or eligible) a role policies name that is not monitored: admins' membership decides.
  const holders = [...active.filter((i) => (i.assignmentType ?? 'Assigned').toLowerCase() === 'assigned'), ...eligible];
  for (const i of holders) {
    const role = lower(i.roleDefinitionId);
    if (policyRoles.has(role) && !monitored.has(role) && isGroup(lower(i.principalId))) watched.add(lower(i.principalId));
  }
  // PIM for Groups on the groups policies name (the role-holding ones are read above): eligible and active
  // instances, one request of each per group; groups among their principals are watched too.
  for (const g of policyGroups) {
    if (roleGroups.has(g) || !GUID.test(g)) continue;
    const e = pimE.filter((i) => lower(i.groupId) === g);
    const a = pimA.filter((i) => lower(i.groupId) === g);
    add('pimGroupInstances (policy groups)', pages(e.length, PAGE.instances) + pages(a.length, PAGE.instances), 'none');
    if (e.length + a.length > 0) pimGroups.add(g);
    for (const i of [...e, ...a]) if (isGroup(lower(i.principalId))) watched.add(lower(i.principalId));
  }
  let kept = fullGroups.size;
  for (const g of watched) {
    if (fullGroups.has(g) || !isGroup(g)) continue;
    const m = members.transitive(g);
    const n = m.user.length + m.group.length + m.servicePrincipal.length;
    add('transitiveMembers (watched groups)', pages(n, PAGE.transitiveMembers), 'dir', directoryCost(5, true, false));
    chain = Math.max(chain, pages(n, PAGE.transitiveMembers));
    kept++;
  }
  add('groups by id', Math.ceil(kept / PAGE.inFilter), 'dir', directoryCost(1, true, false));
  const lookups = [...directUsers].filter((u) => !groupMemberUsers.has(u)).length;
  add('users by id', Math.ceil(lookups / PAGE.inFilter), 'dir', directoryCost(2, true, false));
  // Registration: one listing of the users Graph flags as admins, and the bounded per-user lookups.
  const admins = new Set([...directUsers, ...groupMemberUsers]);
  const flagged = (fixture.userRegistrationDetails ?? []).filter((r) => r.isAdmin === true);
  add('userRegistrationDetails', pages(flagged.length, PAGE.registration), 'reports');
  const flaggedIds = new Set(flagged.map((r) => lower(r.id)));
  const unflagged = [...admins].filter((a) => !flaggedIds.has(a)).length;
  // Unflagged admins: one lookup each, or (when that is dearer) one full listing, after counting the users.
  const fullListing = pages(fixture.userRegistrationDetails?.length ?? 0, PAGE.registration);
  if (unflagged > (input.registrationLookupsPerRun ?? 20)) add('users $count', 1, 'dir', directoryCost(1, true, false, 1));
  add('userRegistrationDetail lookups', unflagged > (input.registrationLookupsPerRun ?? 20) ? Math.min(unflagged, fullListing) : unflagged, 'reports');

  // Policies.
  add('conditionalAccessPolicies', pages(fixture.conditionalAccessPolicies?.length ?? 0, PAGE.caPolicies), 'ca');
  add('namedLocations', pages(fixture.namedLocations?.length ?? 0, PAGE.namedLocations), 'ca');
  add('authenticationStrengthPolicies', 1, 'none');
  add('securityDefaults', 1, 'none');
  const roleSettings = (fixture.roleManagementPolicyAssignments ?? []).filter((a) => a.scopeType.toLowerCase() !== 'group' && a.scopeId === '/').length;
  add('roleManagementPolicyAssignments', pages(roleSettings, PAGE.policyAssignments) + pimGroups.size, 'none');

  // Activations: activated role instances, and each PIM group's activated memberships.
  add('activations', 1 + pimGroups.size, 'none');

  // The daily reads (a fresh store's first cycle): Secure Score and the AdminMFAV2 profile, the adminMFAV2
  // recommendation and its impacted admins, the subscribed SKUs, and each admin account's per-user MFA state
  // (no listing exists: one request per account, users/{id}/authentication/requirements).
  add('secureScores + control profile', 2, 'security');
  const recommendation = (fixture.directoryRecommendations ?? []).find((r) => (r.recommendationType ?? '').toLowerCase() === 'adminmfav2');
  add('recommendations', 1 + (recommendation ? pages(recommendation.impactedResources?.length ?? 0, PAGE.recommendations) : 0), 'reports');
  add('subscribedSkus', pages(fixture.subscribedSkus?.length ?? 0, PAGE.skus), 'dir', directoryCost(3, true, false));
  const adminAccounts = new Set([...directUsers, ...groupMemberUsers, ...pimUsers].filter((u) => members.kindOf(u) === 'user'));
  add('per-user MFA states', adminAccounts.size, 'dir', directoryCost(1, false, false));

  // Sign-ins in the first run's window (docs/storage.md, "Sign-ins"): every sign-in of the monitored accounts —
  // admins, owners of role-holding PIM groups, members of role-holding groups, excluded accounts — read 15
  // accounts per `or` filter; the tenant's interrupted interactive sign-ins; and, with a report-only policy, the
  // tenant's sign-ins one would have failed or interrupted. Each request is at least one page of up to 1,000.
  const since = at - (input.signInLookbackHours ?? 24) * 3_600_000;
  const breakGlass = new Set<string>();
  for (const e of input.excludedAccounts) {
    const id = lower(e);
    if (isGroup(id)) for (const u of members.transitive(id).user) breakGlass.add(u);
    else breakGlass.add(id);
  }
  const accounts = new Set<string>([...adminAccounts, ...breakGlass]);
  const perAccount = new Map<string, number>();
  const codes = new Set(input.interruptCodes);
  let interrupts = 0;
  let reportOnlyHits = 0;
  const reportOnly = (fixture.conditionalAccessPolicies ?? []).some((p) => p.state === 'enabledForReportingButNotEnforced');
  for (const s of fixture.signIns ?? []) {
    const t = Date.parse(s.createdDateTime);
    if (t < since || t > at) continue;
    const user = lower(s.userId ?? '');
    if (accounts.has(user)) perAccount.set(user, (perAccount.get(user) ?? 0) + 1);
    const interactive = Array.isArray(s.signInEventTypes) ? (s.signInEventTypes as string[]).includes('interactiveUser') : s.isInteractive !== false;
    if (interactive && codes.has(s.status?.errorCode ?? 0)) interrupts++;
    if (reportOnly && (s.appliedConditionalAccessPolicies ?? []).some((p) => p.result === 'reportOnlyFailure' || p.result === 'reportOnlyInterrupted')) reportOnlyHits++;
  }
  const sorted = [...accounts].sort();
  for (let i = 0; i < sorted.length; i += PAGE.orFilter) {
    const n = sorted.slice(i, i + PAGE.orFilter).reduce((sum, a) => sum + (perAccount.get(a) ?? 0), 0);
    add('signIns (monitored accounts)', pages(n, PAGE.signIns), 'reports');
    chain = Math.max(chain, pages(n, PAGE.signIns));
  }
  add('signIns (interrupted)', pages(interrupts, PAGE.signIns), 'reports');
  chain = Math.max(chain, pages(interrupts, PAGE.signIns));
  if (reportOnly) add('signIns (report-only hits)', pages(reportOnlyHits, PAGE.signIns), 'reports');

  return {
    minRequests: reports + ca + security + directoryRequests + unmetered,
    reports,
    conditionalAccess: ca,
    security,
    directoryUnits: units,
    directoryRequests,
    unmetered,
    longestChain: chain,
    byStep,
  };
}

/**
 * The least time a plan's requests can take under the budgets (time-scaled), ms: the slowest budget class,
 * with the requests of every class free to run in parallel, plus the longest unavoidable chain of requests
 * at the measured round-trip time.
 */
export function floorMs(plan: Plan, timeScale: number, roundTripMs: number): { floorMs: number; budgetMs: number; chainMs: number } {
  const reports = Math.max(0, Math.ceil(plan.reports / THROTTLE_BUDGETS.reports.requests) - 1) * THROTTLE_BUDGETS.reports.windowMs;
  const ca = Math.max(0, plan.conditionalAccess - 1) * THROTTLE_BUDGETS.conditionalAccess.windowMs;
  const security = Math.max(0, Math.ceil(plan.security / THROTTLE_BUDGETS.security.requests) - 1) * THROTTLE_BUDGETS.security.windowMs;
  const directory = Math.max(0, plan.directoryUnits - THROTTLE_BUDGETS.directory.capacity) / THROTTLE_BUDGETS.directory.refillPerMs;
  const budgetMs = Math.max(reports, ca, security, directory) / timeScale;
  const chainMs = plan.longestChain * roundTripMs;
  return { floorMs: budgetMs + chainMs, budgetMs, chainMs };
}
