// What the simulated directory records when its tenant changes (a fixture swapped for another, or an edit): the
// directory audit events Entra writes for each change, available only after the audit log's latency, and the
// change log that `users/delta` and `groups/delta` answer from. The dev kit's own reading of Learn's "Microsoft
// Entra audit log categories and activities" (activity names, categories, services) and of the directoryAudit
// shape (targetResources with modifiedProperties); docs/simulator.md lists what it writes.
import { createHash } from 'node:crypto';
import type { TenantFixture } from '../fixture/format.js';

type Item = Record<string, unknown>;
const normId = (id: unknown): string => String(id ?? '').toLowerCase();

/** A directoryAudit as the simulated tenant serves it, plus when it becomes visible. */
export interface SimulatedAudit extends Item {
  id: string;
  activityDateTime: string;
  activityDisplayName: string;
  category: string;
  loggedByService: string;
  result: 'success';
  /** Not served: when the audit log shows the event (activityDateTime + latency). */
  availableAt: number;
}

/** One change of a directory object, as delta queries report it. */
export interface DeltaEntry {
  seq: number;
  at: number;
  kind: 'user' | 'group';
  id: string;
  removed: boolean;
  /** Properties that changed (users and groups). */
  properties: string[];
  /** Direct members added and removed (groups). */
  membersAdded: string[];
  membersRemoved: string[];
}

/**
 * How late the audit log shows an event. A number: that many seconds for every event. `documented`: Learn's
 * published reporting latency for audit logs, 95 % within 2 minutes and 99 % within 5 minutes, as a log-normal
 * distribution through those two points (median about 13 s), drawn per event from a hash of its id (repeatable).
 */
export type AuditLatency = number | 'documented';

const Z95 = 1.6448536;
const Z99 = 2.3263479;
const SIGMA = Math.log(300 / 120) / (Z99 - Z95);
const MU = Math.log(120) - Z95 * SIGMA;

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const poly = (k: number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/** The latency of one event, in ms. */
export function auditLatencyMs(latency: AuditLatency, eventId: string): number {
  if (latency !== 'documented') return Math.max(0, latency) * 1000;
  const h = createHash('sha256').update(eventId).digest();
  const u = (h.readUInt32BE(0) + 0.5) / 2 ** 32;
  return Math.round(Math.exp(MU + SIGMA * normalQuantile(u)) * 1000);
}

/** Who the simulated changes are made by. */
const ACTOR = { user: { id: '5a5a5a5a-0000-4000-8000-00000000ad01', displayName: 'Simulated Admin', userPrincipalName: 'simulated.admin@simulated.invalid', ipAddress: '198.51.100.10' }, app: null };

interface Target {
  id: string;
  type: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  modifiedProperties?: Array<{ displayName: string; oldValue: string | null; newValue: string | null }>;
}

const byId = <T extends { id: string }>(items: readonly T[] | undefined): Map<string, T> => new Map((items ?? []).map((i) => [normId(i.id), i]));
const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/** Keyed collections of a fixture compared item by item (same object: unchanged, without serialising it). */
function diffById<T extends { id: string }>(before: readonly T[] | undefined, after: readonly T[] | undefined): { added: T[]; removed: T[]; changed: Array<[T, T]> } {
  const out = { added: [] as T[], removed: [] as T[], changed: [] as Array<[T, T]> };
  if (before === after) return out;
  const was = byId(before);
  const now = byId(after);
  for (const [id, item] of now) {
    const old = was.get(id);
    if (!old) out.added.push(item);
    else if (old !== item && JSON.stringify(old) !== JSON.stringify(item)) out.changed.push([old, item]);
  }
  for (const [id, item] of was) if (!now.has(id)) out.removed.push(item);
  return out;
}

function changedKeys(a: Item, b: Item, ignore: readonly string[] = []): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !ignore.includes(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

export interface ChangeTrackerOptions {
  latency?: AuditLatency;
  /** How long a delta link stays valid (Graph: 7 days for directory objects). */
  deltaLifetimeMs?: number;
}

export const DEFAULT_DELTA_LIFETIME_MS = 7 * 86_400_000;

/** The audit log and the delta change log of the simulated tenant; both survive fixture swaps. */
export class ChangeTracker {
  readonly events: SimulatedAudit[] = [];
  readonly log: DeltaEntry[] = [];
  seq = 0;
  latency: AuditLatency;
  deltaLifetimeMs: number;
  private eventCount = 0;

  constructor(options: ChangeTrackerOptions = {}) {
    this.latency = options.latency ?? 0;
    this.deltaLifetimeMs = options.deltaLifetimeMs ?? DEFAULT_DELTA_LIFETIME_MS;
  }

  /** Audit events the log shows at `now`, newest first. */
  visibleEvents(now: number): SimulatedAudit[] {
    return this.events.filter((e) => e.availableAt <= now).sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime) || b.id.localeCompare(a.id));
  }

  private audit(at: Date, activity: string, category: string, service: string, targets: Target[]): void {
    const n = ++this.eventCount;
    const id = `Directory_${createHash('sha256').update(`${n}|${activity}|${targets.map((t) => t.id).join(',')}`).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')}`;
    this.events.push({
      id,
      category,
      correlationId: id.slice(10),
      result: 'success',
      resultReason: '',
      activityDisplayName: activity,
      activityDateTime: at.toISOString(),
      loggedByService: service,
      operationType: /^add|create/i.test(activity) ? 'Add' : /^(remove|delete)/i.test(activity) ? 'Delete' : 'Update',
      initiatedBy: ACTOR,
      targetResources: targets.map((t) => ({ displayName: null, userPrincipalName: null, modifiedProperties: [], ...t })),
      additionalDetails: [],
      availableAt: at.getTime() + auditLatencyMs(this.latency, id),
    });
  }

  private delta(at: Date, entry: Omit<DeltaEntry, 'seq' | 'at'>): void {
    this.log.push({ ...entry, seq: ++this.seq, at: at.getTime() });
  }

  /** Records what changed from `before` to `after` at `at`: audit events and delta entries. */
  record(before: TenantFixture, after: TenantFixture, at: Date): void {
    const users = byId(after.users);
    const oldUsers = byId(before.users);
    const groups = new Map([...byId(before.groups), ...byId(after.groups)]);
    const principal = (id: string): Target => {
      const u = users.get(normId(id)) ?? oldUsers.get(normId(id));
      if (u) return { id: normId(id), type: 'User', displayName: u.displayName ?? null, userPrincipalName: u.userPrincipalName ?? null };
      const g = groups.get(normId(id));
      if (g) return { id: normId(id), type: 'Group', displayName: g.displayName ?? null };
      return { id: normId(id), type: 'ServicePrincipal' };
    };
    const role = (roleDefinitionId: string): Target => ({ id: normId(roleDefinitionId), type: 'Role', modifiedProperties: [{ displayName: 'Role.TemplateId', oldValue: null, newValue: json(normId(roleDefinitionId)) }] });

    // Users: created, deleted, updated (delta: the properties that changed).
    const u = diffById(before.users, after.users);
    for (const x of u.added) {
      this.audit(at, 'Add user', 'UserManagement', 'Core Directory', [principal(x.id)]);
      this.delta(at, { kind: 'user', id: normId(x.id), removed: false, properties: Object.keys(x), membersAdded: [], membersRemoved: [] });
    }
    for (const x of u.removed) {
      this.audit(at, 'Delete user', 'UserManagement', 'Core Directory', [{ id: normId(x.id), type: 'User', userPrincipalName: x.userPrincipalName ?? null }]);
      this.delta(at, { kind: 'user', id: normId(x.id), removed: true, properties: [], membersAdded: [], membersRemoved: [] });
    }
    for (const [old, now] of u.changed) {
      const keys = changedKeys(old, now);
      this.audit(at, 'Update user', 'UserManagement', 'Core Directory', [{ ...principal(now.id), modifiedProperties: keys.map((k) => ({ displayName: k, oldValue: json(old[k]), newValue: json(now[k]) })) }]);
      this.delta(at, { kind: 'user', id: normId(now.id), removed: false, properties: keys, membersAdded: [], membersRemoved: [] });
    }

    // Groups: direct members and owners added and removed, properties, created, deleted.
    const g = diffById(before.groups, after.groups);
    for (const x of g.added) {
      this.audit(at, 'Add group', 'GroupManagement', 'Core Directory', [principal(x.id)]);
      this.delta(at, { kind: 'group', id: normId(x.id), removed: false, properties: Object.keys(x).filter((k) => k !== 'members' && k !== 'owners'), membersAdded: (x.members ?? []).map(normId), membersRemoved: [] });
    }
    for (const x of g.removed) {
      this.audit(at, 'Delete group', 'GroupManagement', 'Core Directory', [{ id: normId(x.id), type: 'Group', displayName: x.displayName ?? null }]);
      this.delta(at, { kind: 'group', id: normId(x.id), removed: true, properties: [], membersAdded: [], membersRemoved: [] });
    }
    for (const [old, now] of g.changed) {
      const gid = normId(now.id);
      const groupTarget: Target = { id: gid, type: 'Group', displayName: now.displayName ?? null, modifiedProperties: [{ displayName: 'Group.ObjectID', oldValue: null, newValue: json(gid) }, { displayName: 'Group.DisplayName', oldValue: null, newValue: json(now.displayName ?? '') }] };
      const was = new Set((old.members ?? []).map(normId));
      const is = new Set((now.members ?? []).map(normId));
      const added = [...is].filter((m) => !was.has(m));
      const removed = [...was].filter((m) => !is.has(m));
      for (const m of added) this.audit(at, 'Add member to group', 'GroupManagement', 'Core Directory', [principal(m), groupTarget]);
      for (const m of removed) this.audit(at, 'Remove member from group', 'GroupManagement', 'Core Directory', [principal(m), groupTarget]);
      const ownersWas = new Set((old.owners as string[] | undefined ?? []).map(normId));
      const ownersIs = new Set((now.owners as string[] | undefined ?? []).map(normId));
      for (const o of ownersIs) if (!ownersWas.has(o)) this.audit(at, 'Add owner to group', 'GroupManagement', 'Core Directory', [principal(o), groupTarget]);
      for (const o of ownersWas) if (!ownersIs.has(o)) this.audit(at, 'Remove owner from group', 'GroupManagement', 'Core Directory', [principal(o), groupTarget]);
      const props = changedKeys(old, now, ['members', 'owners']);
      if (props.length > 0) this.audit(at, 'Update group', 'GroupManagement', 'Core Directory', [{ ...groupTarget, modifiedProperties: props.map((k) => ({ displayName: k, oldValue: json(old[k]), newValue: json(now[k]) })) }]);
      this.delta(at, { kind: 'group', id: gid, removed: false, properties: props, membersAdded: added, membersRemoved: removed });
    }

    // Role assignments: PIM schedule instances (activations, permanent and time-bound), plain assignments.
    const active = diffById(before.roleAssignmentScheduleInstances, after.roleAssignmentScheduleInstances);
    for (const x of active.added) {
      const activated = String(x.assignmentType ?? '').toLowerCase() === 'activated';
      const activity = activated ? 'Add member to role completed (PIM activation)' : `Add member to role in PIM completed (${x.endDateTime ? 'timebound' : 'permanent'})`;
      this.audit(at, activity, 'RoleManagement', 'PIM', [role(x.roleDefinitionId), principal(x.principalId)]);
    }
    for (const x of active.removed) {
      const activated = String(x.assignmentType ?? '').toLowerCase() === 'activated';
      this.audit(at, activated ? 'Remove member from role completed (PIM deactivate)' : `Remove member from role in PIM completed (${x.endDateTime ? 'timebound' : 'permanent'})`, 'RoleManagement', 'PIM', [role(x.roleDefinitionId), principal(x.principalId)]);
    }
    for (const [, now] of active.changed) this.audit(at, 'Update member in PIM approved by admin (extend/renew)', 'RoleManagement', 'PIM', [role(now.roleDefinitionId), principal(now.principalId)]);
    const eligible = diffById(before.roleEligibilityScheduleInstances, after.roleEligibilityScheduleInstances);
    for (const x of eligible.added) this.audit(at, `Add eligible member to role in PIM completed (${x.endDateTime ? 'timebound' : 'permanent'})`, 'RoleManagement', 'PIM', [role(x.roleDefinitionId), principal(x.principalId)]);
    for (const x of eligible.removed) this.audit(at, `Remove eligible member from role in PIM completed (${x.endDateTime ? 'timebound' : 'permanent'})`, 'RoleManagement', 'PIM', [role(x.roleDefinitionId), principal(x.principalId)]);
    for (const [, now] of eligible.changed) this.audit(at, 'Update member in PIM approved by admin (extend/renew)', 'RoleManagement', 'PIM', [role(now.roleDefinitionId), principal(now.principalId)]);
    const plain = diffById(before.roleAssignments, after.roleAssignments);
    for (const x of plain.added) this.audit(at, 'Add member to role', 'RoleManagement', 'Core Directory', [principal(x.principalId), role(x.roleDefinitionId)]);
    for (const x of plain.removed) this.audit(at, 'Remove member from role', 'RoleManagement', 'Core Directory', [principal(x.principalId), role(x.roleDefinitionId)]);

    // PIM for Groups: logged under GroupManagement with the group as a target.
    for (const [key, word] of [['privilegedAccessGroupAssignmentScheduleInstances', 'member'], ['privilegedAccessGroupEligibilityScheduleInstances', 'eligible member']] as const) {
      const d = diffById(before[key], after[key]);
      const target = (x: { groupId: string; principalId: string; accessId?: string | null }): Target[] => [{ ...principal(x.groupId), type: 'Group' }, principal(x.principalId), { id: '', type: 'Other', displayName: x.accessId ?? 'member' }];
      for (const x of d.added) this.audit(at, `Add ${word} to role in PIM completed (${x.endDateTime ? 'timebound' : 'permanent'})`, 'GroupManagement', 'PIM', target(x));
      for (const x of d.removed) this.audit(at, `Remove ${word} from role in PIM completed (${x.endDateTime ? 'timebound' : 'permanent'})`, 'GroupManagement', 'PIM', target(x));
    }

    // Role definitions (custom roles) and PIM settings.
    const defs = diffById(before.roleDefinitions, after.roleDefinitions);
    for (const [list, activity] of [[defs.added, 'Add role definition'], [defs.removed, 'Delete role definition'], [defs.changed.map(([, n]) => n), 'Update role definition']] as const) {
      for (const x of list) this.audit(at, activity, 'RoleManagement', 'Core Directory', [{ id: normId(x.id), type: 'Other', displayName: x.displayName ?? null }]);
    }
    const pim = diffById(before.roleManagementPolicyAssignments, after.roleManagementPolicyAssignments);
    for (const x of [...pim.added, ...pim.changed.map(([, n]) => n)]) this.audit(at, 'Update role setting in PIM', 'RoleManagement', 'PIM', [{ id: normId(x.roleDefinitionId ?? x.id), type: 'Role' }, { id: normId(x.scopeId ?? '/'), type: 'Other' }]);

    // Conditional Access: policies, named locations (the policy JSON before and after), security defaults.
    for (const [key, noun] of [['conditionalAccessPolicies', 'conditional access policy'], ['namedLocations', 'named location']] as const) {
      const d = diffById<{ id: string; displayName?: string | null }>(before[key], after[key]);
      const target = (x: { id: string; displayName?: string | null }, old: unknown, now: unknown): Target[] => [
        { id: normId(x.id), type: 'Policy', displayName: x.displayName ?? null, modifiedProperties: [{ displayName: key === 'namedLocations' ? 'NamedLocation' : 'ConditionalAccessPolicy', oldValue: json(old), newValue: json(now) }] },
      ];
      for (const x of d.added) this.audit(at, `Add ${noun}`, 'Policy', 'Conditional Access', target(x, undefined, x));
      for (const x of d.removed) this.audit(at, `Delete ${noun}`, 'Policy', 'Conditional Access', target(x, x, undefined));
      for (const [old, now] of d.changed) this.audit(at, `Update ${noun}`, 'Policy', 'Conditional Access', target(now, old, now));
    }
    if (JSON.stringify(before.securityDefaults ?? null) !== JSON.stringify(after.securityDefaults ?? null)) {
      this.audit(at, 'Update security defaults', 'Policy', 'Conditional Access', [{ id: '00000000-0000-0000-0000-000000000005', type: 'Policy', displayName: 'Security Defaults', modifiedProperties: [{ displayName: 'IsEnabled', oldValue: json(before.securityDefaults?.isEnabled ?? false), newValue: json(after.securityDefaults?.isEnabled ?? false) }] }]);
    }
    const strengths = diffById(before.authenticationStrengthPolicies, after.authenticationStrengthPolicies);
    for (const [list, verb] of [[strengths.added, 'Create'], [strengths.removed, 'Delete'], [strengths.changed.map(([, n]) => n), 'Update']] as const) {
      for (const x of list) this.audit(at, `Authentication Strength Policy ${verb}`, 'ApplicationManagement', 'Authentication Methods', [{ id: normId(x.id), type: 'Policy', displayName: x.displayName ?? null }]);
    }

    // Authentication methods: a method registered or deleted changes a user's registration details.
    const reg = diffById(before.userRegistrationDetails, after.userRegistrationDetails);
    for (const [old, now] of reg.changed) {
      const was = new Set(old.methodsRegistered ?? []);
      const is = new Set(now.methodsRegistered ?? []);
      const lost = [...was].some((m) => !is.has(m)) || (old.isMfaRegistered === true && now.isMfaRegistered !== true);
      const gained = [...is].some((m) => !was.has(m)) || (old.isMfaRegistered !== true && now.isMfaRegistered === true);
      const who = principal(now.id);
      if (lost) this.audit(at, 'Admin deleted security info', 'UserManagement', 'Authentication Methods', [who]);
      if (gained) this.audit(at, 'User registered security info', 'UserManagement', 'Authentication Methods', [who]);
      if (!lost && !gained) this.audit(at, 'User changed default security info', 'UserManagement', 'Authentication Methods', [who]);
    }
    for (const x of reg.added) if ((x.methodsRegistered ?? []).length > 0) this.audit(at, 'User registered security info', 'UserManagement', 'Authentication Methods', [principal(x.id)]);

    // Per-user MFA (legacy).
    const perUserBefore = before.authenticationRequirements ?? {};
    const perUserAfter = after.authenticationRequirements ?? {};
    if (perUserBefore !== perUserAfter) {
      for (const id of new Set([...Object.keys(perUserBefore), ...Object.keys(perUserAfter)])) {
        const was = (perUserBefore[id]?.perUserMfaState ?? 'disabled').toLowerCase();
        const is = (perUserAfter[id]?.perUserMfaState ?? 'disabled').toLowerCase();
        if (was !== is) this.audit(at, is === 'disabled' ? 'Disable Strong Authentication' : 'Enable Strong Authentication', 'UserManagement', 'Core Directory', [principal(id)]);
      }
    }
  }
}
