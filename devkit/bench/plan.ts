// The theoretical floor of one collection cycle (docs/performance.md): the fewest Graph requests that read the
// same data — every endpoint paged at its maximum page size, plus the per-group and per-id-chunk calls Graph
// makes unavoidable — and the least time those requests can take under Graph's budgets.
// Computed from the fixture with the dev kit's own pieces (membership, built-in roles, what is current), never
// with the app's: the plan is what the app is measured against.
import { type TenantFixture, fixtureHasPim } from '../fixture/format.js';
import { ADMIN_TEMPLATE_ROLES, BUILT_IN_DIRECTORY_ROLES, BUILT_IN_ROLE_ACTIONS, MICROSOFT_GRAPH_APP_ID, MICROSOFT_GRAPH_APP_ROLES } from '../simulator/builtins.js';
import { membership } from '../simulator/membership.js';
import { isCurrent } from '../simulator/routes.js';
import { THROTTLE_BUDGETS, directoryCost } from '../../src/graph/budgets.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const lower = (id: string): string => id.trim().toLowerCase();

/** Maximum page sizes (entra-facts.md §4/§6; docs/simulator.md where Graph documents none). */
export const PAGE = { instances: 100, roleDefinitions: 100, caPolicies: 100, namedLocations: 100, policyAssignments: 100, transitiveMembers: 999, registration: 1000, signIns: 1000, inFilter: 15, orFilter: 15, recommendations: 100, skus: 100, owners: 999, appRoleAssignments: 999, directoryAudits: 999 } as const;

/**
 * Resource actions that let a role change an MFA exclusion (docs/evaluation.md, R-EXEMPT-2..9), read here from
 * the actions' names with the dev kit's own patterns: its holders are read as controllers.
 */
const CONTROLLING_ACTION = new RegExp(
  [
    String.raw`^microsoft\.directory/groups(\.[a-z.]+)?/(members|owners|dynamicmembershiprule|grouptype)/update$`,
    String.raw`^microsoft\.directory/groups(\.[a-z.]+)?/(allproperties/(update|alltasks)|alltasks)$`,
    String.raw`^microsoft\.directory/groupsassignabletoroles/(allproperties|members|owners)/(update|alltasks)$`,
    String.raw`^microsoft\.directory/users/(basic|jobinfo|contactinfo|extensionproperties|identities|manager|usagelocation|userprincipalname)/update$`,
    String.raw`^microsoft\.directory/users/(allproperties/(update|alltasks)|enable|disable)$`,
    String.raw`^microsoft\.directory/(roleassignments|scopedrolememberships|directoryroles|privilegedidentitymanagement)/`,
    String.raw`^microsoft\.directory/(conditionalaccesspolicies|namedlocations)/(?!.*read$)`,
    String.raw`^microsoft\.directory/devices/(?!create$|delete$|disable$|enable$|.*read$)`,
    String.raw`^microsoft\.directory/administrativeunits/(members/update|allproperties/(update|alltasks))$`,
    String.raw`^microsoft\.directory/serviceprincipals/managepermissiongrantsforall\.microsoft-company-admin$`,
  ].join('|'),
  'i',
);

/** The Microsoft Graph application permissions whose holders are read as controllers. */
const CONTROLLING_PERMISSIONS = new Set(['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All', 'User.ReadWrite.All', 'Device.ReadWrite.All', 'Policy.ReadWrite.ConditionalAccess', 'RoleManagement.ReadWrite.Directory', 'AppRoleAssignment.ReadWrite.All']);

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

  exemptionReads(input, { at, members, current, add, admins: new Set([...admins, ...pimUsers]) });

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

type Adder = (step: string, n: number, cls: 'reports' | 'ca' | 'security' | 'dir' | 'none', unitsEach?: number) => void;

/**
 * The exemption reads (at the end of the policies collector): per group an exclusion of an enabled policy goes
 * through (excluded groups, the groups nested in them, groups holding an excluded role) its details (15 per
 * id filter), owners, PIM-for-Groups owners and administrative units; Microsoft Graph's service principal and its
 * app role assignments, the service principals (and applications) that hold a controlling permission or role;
 * the controllers who are no admins (accounts, and their groups when policies name groups); one audit query.
 */
 
function exemptionReads(input: PlanInput, ctx: { at: number; members: ReturnType<typeof membership>; current: <T extends { startDateTime?: string | null; endDateTime?: string | null }>(items: T[] | undefined) => T[]; add: Adder; admins: Set<string> }): void {
  const { fixture } = input;
  const { members, current, add } = ctx;
  const isGroup = (id: string): boolean => members.kindOf(lower(id)) === 'group';
  const enabled = (fixture.conditionalAccessPolicies ?? []).filter((p) => p.state.toLowerCase() === 'enabled');
  const groups = new Set<string>();
  const excludedRoles = new Set<string>();
  for (const p of enabled) {
    for (const g of p.conditions.users?.excludeGroups ?? []) {
      if (!isGroup(g)) continue;
      groups.add(lower(g));
      for (const nested of members.transitive(lower(g)).group) groups.add(nested);
    }
    for (const r of p.conditions.users?.excludeRoles ?? []) excludedRoles.add(lower(r));
  }
  const holdings = [...current(fixture.roleAssignmentScheduleInstances), ...current(fixture.roleEligibilityScheduleInstances)].filter((i) => (i.memberType ?? 'Direct').toLowerCase() === 'direct');
  for (const h of holdings) if (excludedRoles.has(lower(h.roleDefinitionId)) && isGroup(h.principalId)) groups.add(lower(h.principalId));
  const n = groups.size;
  add('exemption groups by id', Math.ceil(n / PAGE.inFilter), 'dir', directoryCost(1, true, false));
  add('exemption group owners', n, 'dir', directoryCost(1, true, false, PAGE.owners));
  // PIM owners: the roles collector reads PIM for Groups on every group a policy names (R-PIMGROUP-5); only the
  // others (nested groups, groups holding an excluded role) are read again.
  const policyNamed = new Set<string>();
  for (const p of fixture.conditionalAccessPolicies ?? []) for (const g of [...(p.conditions.users?.includeGroups ?? []), ...(p.conditions.users?.excludeGroups ?? [])]) policyNamed.add(lower(g));
  if (fixtureHasPim(fixture)) add('exemption PIM owners', 2 * [...groups].filter((g) => !policyNamed.has(g)).length, 'none');
  add('exemption administrative units', n, 'dir', directoryCost(1, true, false));
  // A dynamic group nested in an exclusion (no policy names it, so the roles collector does not watch it): its members.
  for (const g of fixture.groups ?? []) {
    if (!groups.has(lower(g.id)) || policyNamed.has(lower(g.id)) || !(g.groupTypes ?? []).some((t) => t.toLowerCase() === 'dynamicmembership')) continue;
    const m = members.transitive(lower(g.id));
    add('exemption dynamic group members', pages(m.user.length + m.group.length + m.servicePrincipal.length, PAGE.transitiveMembers), 'dir', directoryCost(5, true, false));
  }

  // Roles that control exclusions: built-in ones by their served actions, custom ones by their own.
  const controlling = new Set<string>();
  for (const [id, actions] of Object.entries(BUILT_IN_ROLE_ACTIONS)) if (actions.some((a) => CONTROLLING_ACTION.test(a))) controlling.add(id);
  for (const d of fixture.roleDefinitions ?? []) if ((d.rolePermissions ?? []).some((p) => !p.condition && (p.allowedResourceActions ?? []).some((a) => CONTROLLING_ACTION.test(a)))) controlling.add(lower(d.id));
  const controllerHoldings = holdings.filter((h) => controlling.has(lower(h.roleDefinitionId)));
  const graphSp = (fixture.servicePrincipals ?? []).find((sp) => (sp.appId ?? '').toLowerCase() === MICROSOFT_GRAPH_APP_ID);
  const graphRoles = new Map((graphSp?.appRoles ?? MICROSOFT_GRAPH_APP_ROLES).map((r) => [lower(r.id), r.value ?? '']));
  const toGraph = (fixture.appRoleAssignments ?? []).filter((a) => !graphSp || lower(a.resourceId) === lower(graphSp.id));
  add('Microsoft Graph service principal', 1, 'dir', directoryCost(1, true, false));
  add('app role assignments', pages(toGraph.length, PAGE.appRoleAssignments), 'dir', directoryCost(1, false, false, PAGE.appRoleAssignments));
  const apps = new Set(toGraph.filter((a) => CONTROLLING_PERMISSIONS.has(graphRoles.get(lower(a.appRoleId)) ?? '')).map((a) => lower(a.principalId)));
  for (const h of controllerHoldings) if (members.kindOf(lower(h.principalId)) === 'servicePrincipal') apps.add(lower(h.principalId));
  const appIds = new Set((fixture.servicePrincipals ?? []).filter((sp) => apps.has(lower(sp.id)) && sp.appId).map((sp) => lower(sp.appId as string)));
  add('service principals by id', Math.ceil(apps.size / PAGE.inFilter), 'dir', directoryCost(1, true, false));
  add('applications by appId', Math.ceil(appIds.size / PAGE.inFilter), 'dir', directoryCost(1, true, false));

  // Controllers who are no admins: owners (direct and PIM), holders of controlling roles (through groups too).
  const fixtureGroups = new Map((fixture.groups ?? []).map((g) => [lower(g.id), g]));
  const candidates = new Set<string>();
  for (const g of groups) for (const o of fixtureGroups.get(g)?.owners ?? []) if (members.kindOf(lower(o)) === 'user') candidates.add(lower(o));
  for (const i of [...current(fixture.privilegedAccessGroupAssignmentScheduleInstances), ...current(fixture.privilegedAccessGroupEligibilityScheduleInstances)]) {
    if (groups.has(lower(i.groupId)) && i.accessId.toLowerCase() === 'owner' && members.kindOf(lower(i.principalId)) === 'user') candidates.add(lower(i.principalId));
  }
  const roleGroups = new Set<string>();
  for (const h of controllerHoldings) {
    const id = lower(h.principalId);
    if (isGroup(id)) roleGroups.add(id);
    else if (members.kindOf(id) === 'user') candidates.add(id);
  }
  // Groups holding a monitored role are read whole by the roles collector; the others here.
  const monitored = new Set(ADMIN_TEMPLATE_ROLES);
  const wholeAlready = new Set(holdings.filter((h) => monitored.has(lower(h.roleDefinitionId)) && isGroup(h.principalId)).map((h) => lower(h.principalId)));
  for (const g of roleGroups) {
    const m = members.transitive(g);
    for (const u of m.user) candidates.add(u);
    if (!wholeAlready.has(g)) add('transitiveMembers (controller groups)', pages(m.user.length + m.group.length + m.servicePrincipal.length, PAGE.transitiveMembers), 'dir', directoryCost(5, true, false));
  }
  const controllers = [...candidates].filter((u) => !ctx.admins.has(u));
  add('controllers by id', Math.ceil(controllers.length / PAGE.inFilter), 'dir', directoryCost(2, true, false));
  if (policyNamed.size > 0) add("controllers' groups", controllers.length, 'dir', directoryCost(5, true, false, PAGE.transitiveMembers));

  // The audit log: every "Add member to …" event since the initial look-back, in one listing.
  const since = ctx.at - (input.signInLookbackHours ?? 24) * 3_600_000;
  const added = (fixture.directoryAudits ?? []).filter((a) => a.activityDisplayName.toLowerCase().startsWith('add member to') && Date.parse(a.activityDateTime) >= since && Date.parse(a.activityDateTime) <= ctx.at).length;
  // For a member the directory added to a dynamic exclusion group: the user update behind it (at most 5 a run).
  const dynamic = new Set((fixture.groups ?? []).filter((g) => groups.has(lower(g.id)) && (g.groupTypes ?? []).some((t) => t.toLowerCase() === 'dynamicmembership')).map((g) => lower(g.id)));
  const matches = (fixture.directoryAudits ?? []).filter((a) => a.activityDisplayName.toLowerCase().startsWith('add member to group') && Date.parse(a.activityDateTime) >= since && Date.parse(a.activityDateTime) <= ctx.at && (a.targetResources ?? []).some((t) => dynamic.has(lower(t.id ?? '')))).length;
  add('directoryAudits', pages(added, PAGE.directoryAudits) + Math.min(5, matches), 'reports');
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

/** The simulator's round-trip time (median of 20 small reads after 5 warm-ups): the `floorMs` chain's unit. */
export async function roundTrip(url: string, token: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    const r = await fetch(`${url}/v1.0/policies/identitySecurityDefaultsEnforcementPolicy`, { headers: { authorization: `Bearer ${token}` } });
    await r.text();
    if (i >= 5) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}
