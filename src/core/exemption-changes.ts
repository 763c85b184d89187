// exemption-used (R-EXEMPT-13): an admin joined an MFA exclusion — added to an exclusion group or a group nested
// in one, matched a dynamic exclusion rule, given a role a policy excludes, or a role they hold added to a
// policy's excludeRoles — told once, with who did it and when from the directory audit log where it was read.
// Pure: the shell passes the audit events, the history of the change window and the current report.
import type { StoredAuditEvent } from './exemption-types.js';
import { auditRoleOf } from './exemption-audit.js';
import { makeFinding } from './finding-types.js';
import { listPhrase, normId, shortListPhrase } from './ids.js';
import type { AdminOut, Finding, Report } from './report.js';
import { who } from './report.js';

export interface ExemptionChangeInputs {
  report: Report;
  /** Audit events read (kept for 30 days); only those since `auditSince` are considered. */
  audits: readonly StoredAuditEvent[];
  auditSince: string;
  /** The audit log was read by the latest collection: history alone is used when it was not. */
  auditReadable: boolean;
  assignmentChanges: ReadonlyArray<{ dataset: string; itemId: string; change: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; observedAt: string }>;
  policyChanges: ReadonlyArray<{ dataset: string; itemId: string; change: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; observedAt: string }>;
}

interface GroupExclusion {
  groupId: string;
  groupName: string;
  topName: string;
  dynamic: boolean;
  rule: string | null;
  policies: string[];
  policyIds: string[];
}

/** Every group an exclusion goes through (the excluded group and the groups nested in it). */
function exclusionGroups(report: Report): Map<string, GroupExclusion> {
  const out = new Map<string, GroupExclusion>();
  for (const x of report.exemptions?.exclusions ?? []) {
    if (x.kind !== 'group' || !x.group) continue;
    const policies = x.policies.map((p) => `'${p.displayName}'`);
    const policyIds = x.policies.map((p) => p.id);
    out.set(normId(x.targetId), { groupId: normId(x.targetId), groupName: x.targetName, topName: x.targetName, dynamic: x.group.dynamic, rule: x.group.rule, policies, policyIds });
    for (const n of x.group.nestedGroups) if (!out.has(n.id)) out.set(n.id, { groupId: n.id, groupName: n.name, topName: x.targetName, dynamic: n.dynamic, rule: n.rule, policies, policyIds });
  }
  return out;
}

function actor(e: StoredAuditEvent): string {
  return e.initiatedBy.userPrincipalName ?? e.initiatedBy.appDisplayName ?? e.initiatedBy.userId ?? e.initiatedBy.appId ?? 'an unnamed actor';
}

/** The latest user update of the admin in the day before (the attribute change behind a dynamic match). */
function attributeChange(audits: readonly StoredAuditEvent[], adminId: string, before: string): string | null {
  const from = new Date(Date.parse(before) - 86_400_000).toISOString();
  const update = audits
    .filter((e) => /^update user/i.test(e.activity) && e.time <= before && e.time >= from && e.targets.some((t) => t.id === adminId))
    .sort((a, b) => b.time.localeCompare(a.time))[0];
  if (!update) return null;
  const changed = update.targets.flatMap((t) => t.modified).filter((m) => m.name && !/^included updated properties$/i.test(m.name));
  const what = changed.map((m) => `${m.name}: ${m.oldValue ?? '(empty)'} → ${m.newValue ?? '(empty)'}`).slice(0, 3).join('; ');
  return `${actor(update)} updated the account at ${update.time}${what ? ` (${what})` : ''}`;
}

function fromAudits(inputs: ExemptionChangeInputs, groups: Map<string, GroupExclusion>, admins: Map<string, AdminOut>, excludedRoles: Map<string, string[]>): Finding[] {
  const out: Finding[] = [];
  for (const e of inputs.audits) {
    if (e.time < inputs.auditSince) continue;
    const user = e.targets.find((t) => (t.type ?? '').toLowerCase() === 'user' && admins.has(t.id));
    const admin = user ? admins.get(user.id) : undefined;
    if (!admin) continue;
    if (/^add member to group/i.test(e.activity)) {
      const g = e.targets.map((t) => groups.get(t.id)).find((x) => !!x);
      if (!g) continue;
      const via = g.topName !== g.groupName ? ` (nested in '${g.topName}')` : '';
      const behind = g.dynamic ? attributeChange(inputs.audits, admin.id, e.time) : null;
      const cause = g.dynamic ? `matched the rule of dynamic group '${g.groupName}'${via} (${g.rule ?? 'rule unknown'}) and was added at ${e.time}${behind ? `; the change behind it: ${behind}` : ''}` : `was added to group '${g.groupName}'${via} by ${actor(e)} at ${e.time}`;
      out.push(makeFinding('exemption-used', 'high', admin.id, `${who(admin)} ${cause}: they are now excluded from ${shortListPhrase(g.policies)}.`, `exemption-used:${e.id}`, { subjectName: who(admin), policyIds: g.policyIds }));
    } else if (/^add (eligible )?member to role/i.test(e.activity)) {
      const role = auditRoleOf(e);
      const policies = role ? excludedRoles.get(role) : undefined;
      if (!role || !policies) continue;
      out.push(makeFinding('exemption-used', 'high', admin.id, `${who(admin)} was given role ${e.targets.find((t) => (t.type ?? '').toLowerCase() === 'role')?.displayName ?? role} by ${actor(e)} at ${e.time}, which ${shortListPhrase(policies)} exclude${policies.length > 1 ? '' : 's'}: they are now exempt from MFA there.`, `exemption-used:${e.id}`, { subjectName: who(admin) }));
    }
  }
  return out;
}

/** Without a readable audit log: the membership changes the history recorded (who did it is not known). */
function fromHistory(inputs: ExemptionChangeInputs, groups: Map<string, GroupExclusion>, admins: Map<string, AdminOut>): Finding[] {
  const out: Finding[] = [];
  for (const c of inputs.assignmentChanges) {
    // A group seen for the first time (a new deployment, a newly watched group) is no change of membership.
    if (c.dataset !== 'group' || c.change !== 'changed') continue;
    const g = groups.get(normId(c.itemId));
    if (!g) continue;
    const before = new Set(((c.before?.memberUserIds as string[] | undefined) ?? []).map(normId));
    for (const id of ((c.after?.memberUserIds as string[] | undefined) ?? []).map(normId)) {
      const admin = admins.get(id);
      if (!admin || before.has(id)) continue;
      const how = g.dynamic ? `matched the rule of dynamic group '${g.groupName}'` : `was added to group '${g.groupName}'${g.topName !== g.groupName ? ` (nested in '${g.topName}')` : ''}`;
      out.push(makeFinding('exemption-used', 'high', id, `${who(admin)} ${how} (seen at ${c.observedAt}; the directory audit log could not be read, so who did it is not known): they are now excluded from ${shortListPhrase(g.policies)}.`, `exemption-used:${id}:${g.groupId}:${c.observedAt}`, { subjectName: who(admin), policyIds: g.policyIds }));
    }
  }
  return out;
}

/** A role added to a policy's excludeRoles that an admin holds standing: every such admin is exempt now. */
function fromPolicies(inputs: ExemptionChangeInputs, admins: readonly AdminOut[]): Finding[] {
  const out: Finding[] = [];
  for (const c of inputs.policyChanges) {
    // A new policy never covered its excluded roles' holders: only an exclusion added to an existing one exempts.
    if (c.dataset !== 'caPolicy' || c.change !== 'changed' || !c.before || !c.after || c.after.state !== 'enabled') continue;
    const roles = (p: Record<string, unknown> | null): Set<string> => new Set((((p?.conditions as { users?: { excludeRoles?: string[] } } | undefined)?.users?.excludeRoles) ?? []).map(normId));
    const was = roles(c.before);
    const added = [...roles(c.after)].filter((r) => !was.has(r));
    if (added.length === 0) continue;
    const name = String(c.after.displayName ?? c.itemId);
    for (const a of admins) {
      const held = a.roles.filter((r) => r.assignment === 'active' && added.includes(normId(r.roleTemplateId)));
      if (held.length === 0) continue;
      out.push(makeFinding('exemption-used', 'high', a.id, `${who(a)} holds ${listPhrase([...new Set(held.map((r) => `'${r.roleName}'`))])}, which policy '${name}' started to exclude (seen at ${c.observedAt}; the audit log names who edited the policy): they are now exempt from MFA there.`, `exemption-used:${a.id}:policy:${normId(c.itemId)}:${c.observedAt}`, { subjectName: who(a), policyIds: [c.itemId] }));
    }
  }
  return out;
}

export function exemptionUsedFindings(inputs: ExemptionChangeInputs): Finding[] {
  const groups = exclusionGroups(inputs.report);
  const admins = new Map(inputs.report.admins.map((a) => [a.id, a]));
  const excludedRoles = new Map<string, string[]>();
  for (const x of inputs.report.exemptions?.exclusions ?? []) if (x.kind === 'role') excludedRoles.set(normId(x.targetId), x.policies.map((p) => `'${p.displayName}'`));
  return [...(inputs.auditReadable ? fromAudits(inputs, groups, admins, excludedRoles) : fromHistory(inputs, groups, admins)), ...fromPolicies(inputs, inputs.report.admins)];
}
