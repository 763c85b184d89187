// The state findings of the exemption analysis (R-EXEMPT-10..12): controllers who are not protected themselves,
// dynamic exclusion groups whose rule reads attributes someone below Global Administrator can write (and admins
// who match one now), and exclusion groups anyone with group rights can change. Pure.
import type { Analysis, GroupFacts } from './exemptions.js';
import { type ControllerOut, type ExclusionOut, type ExemptionsOut } from './exemption-types.js';
import { makeFinding } from './finding-types.js';
import { parseRule } from './dynamic-rule.js';
import { listPhrase, normId, shortListPhrase } from './ids.js';
import type { AdminOut, Finding } from './report.js';
import { who } from './report.js';

const UNPROTECTED = new Set(['partial', 'unprotected', 'excluded', 'secretCredential']);

function verdictWords(c: ControllerOut): string {
  switch (c.verdict) {
    case 'secretCredential':
      return `a service principal with a client secret (${c.note ?? ''})`;
    case 'excluded':
      return `itself ${c.note ?? 'excluded from MFA'}`;
    case 'unprotected':
      return `not protected by MFA in any sign-in context${c.note ? `: ${c.note}` : ''}`;
    default:
      return `only partly protected by MFA${c.note ? `: ${c.note}` : ''}`;
  }
}

/** R-EXEMPT-10: a principal that can exempt an admin is not protected itself (or is an app with a secret). */
function controllerFindings(out: ExemptionsOut, adminCount: number): Finding[] {
  const findings: Finding[] = [];
  const anyAdmin = adminCount > 0;
  // Each unprotected controller's paths, gathered in one pass over the exclusions.
  const unprotected = new Set(out.controllers.filter((c) => UNPROTECTED.has(c.verdict)).map((c) => c.id));
  // The first few ways each controller can exempt an admin (for the message), and how many there are.
  const reachBy = new Map<string, { via: string[]; more: number; exclusions: string[] }>();
  const byKey = new Map(out.exclusions.map((x) => [x.key, x]));
  for (const x of out.exclusions) {
    if (x.reachableAdmins === 0) continue;
    const policies = shortListPhrase(x.policies.map((q) => `'${q.displayName}'`), 2);
    for (const k of x.controllers) {
      if (!unprotected.has(k.id)) continue;
      let entry = reachBy.get(k.id);
      if (!entry) reachBy.set(k.id, (entry = { via: [], more: 0, exclusions: [] }));
      for (const p of k.paths) {
        if (entry.via.length < 3) entry.via.push(`${p.detail} (${policies})`);
        else entry.more++;
      }
      entry.exclusions.push(x.key);
    }
  }
  // At least as many admins as the largest exclusion it controls reaches (an exact union is not worth its cost).
  const countFor = (keys: string[]): number => Math.max(0, ...keys.map((k) => byKey.get(k)?.reachableAdmins ?? 0));
  const editors = new Map(out.policyEditors.map((k) => [k.id, k.paths]));
  for (const c of out.controllers) {
    if (!unprotected.has(c.id)) continue;
    const reach = reachBy.get(c.id);
    const editor = anyAdmin ? (editors.get(c.id) ?? []).map((p) => p.detail) : [];
    const how = [...new Set([...(reach?.via ?? []), ...editor])];
    if (how.length === 0) continue;
    const more = (reach?.more ?? 0) + Math.max(0, how.length - 3);
    const count = editor.length ? adminCount : countFor(reach?.exclusions ?? []);
    findings.push(
      makeFinding(
        'exemption-controller-unprotected',
        'high',
        c.id,
        `${c.name} can exempt ${editor.length ? '' : 'at least '}${count} admin${count === 1 ? '' : 's'} from MFA — ${how.slice(0, 3).join('; ')}${more > 0 ? `; and ${more} more` : ''} — and is ${verdictWords(c)}.`,
        `exemption-controller-unprotected:${c.id}`,
        { subjectName: c.name },
      ),
    );
  }
  return findings;
}

/** Each group an exclusion reaching an admin goes through (the excluded group, then those nested in it), once. */
function* exclusionGroups(analysis: Analysis, out: ExemptionsOut): Generator<{ x: ExclusionOut; g: GroupFacts }> {
  const seen = new Set<string>();
  for (const x of out.exclusions) {
    if (x.kind !== 'group' || x.reachableAdmins === 0) continue;
    for (const gid of [x.targetId, ...(x.group?.nestedGroupIds ?? [])]) {
      const g = analysis.groupFacts(gid);
      if (seen.has(g.id)) continue;
      seen.add(g.id);
      yield { x, g };
    }
  }
}

/** R-EXEMPT-11: dynamic exclusion groups whose rule reads attributes writable below Global Administrator; admins matching one now. */
function dynamicFindings(analysis: Analysis, out: ExemptionsOut, admins: ReadonlyMap<string, AdminOut>): Finding[] {
  const findings: Finding[] = [];
  for (const { x, g } of exclusionGroups(analysis, out)) {
    if (!g.dynamic) continue;
    const parsed = parseRule(g.stored?.membershipRule);
    const policies = x.policies.map((p) => p.id);
    const where = `excluded by ${shortListPhrase(x.policies.map((p) => `'${p.displayName}'`))}${g.id === normId(x.targetId) ? '' : ` (nested in '${x.targetName}')`}`;
    const writers = analysis.writersBelowGlobalAdmin(parsed);
    if (!parsed.ok) {
      findings.push(makeFinding('exemption-dynamic-rule', 'medium', g.id, `Dynamic group '${g.name}', ${where}, has a membership rule the monitor cannot parse (${parsed.error}): who can make an admin match it is unknown.`, `exemption-dynamic-rule:${g.id}`, { subjectName: g.name, policyIds: policies }));
    } else if (writers.length > 0) {
      const attrs = parsed.attributes.filter((a) => a.object === 'user').map((a) => `user.${a.property}`);
      findings.push(makeFinding('exemption-dynamic-rule', 'medium', g.id, `Dynamic group '${g.name}', ${where}, decides membership by ${listPhrase(attrs)}, which ${listPhrase(writers.slice(0, 4))}${writers.length > 4 ? ` and ${writers.length - 4} more` : ''} can write: changing an admin's attribute exempts them from MFA.`, `exemption-dynamic-rule:${g.id}`, { subjectName: g.name, policyIds: policies }));
    }
    // Its members as the roles collector watched them, or (nested, unwatched) the admins the exemption read found.
    const inGroup = new Set([...(analysis.input.index.groups.get(g.id)?.memberUserIds ?? []), ...(g.stored?.adminMemberIds ?? [])].map(normId));
    for (const adminId of x.memberAdminIds) {
      const admin = admins.get(adminId);
      if (!admin || !inGroup.has(adminId)) continue;
      findings.push(makeFinding('exemption-dynamic-rule', 'high', adminId, `${who(admin)} matches the rule of dynamic group '${g.name}' (${g.stored?.membershipRule ?? 'rule unknown'}) and is therefore ${where}.`, `exemption-dynamic-rule:${g.id}:${adminId}`, { subjectName: who(admin), policyIds: policies }));
    }
  }
  return findings;
}

/** R-EXEMPT-12: an exclusion group neither role-assignable nor in a restricted-management administrative unit. */
function groupFindings(analysis: Analysis, out: ExemptionsOut): Finding[] {
  const findings: Finding[] = [];
  for (const { x, g } of exclusionGroups(analysis, out)) {
    // Unknown facts are not a finding either way (they are listed as unknown in the view).
    if (g.roleAssignable !== false || !g.unitsKnown || g.restrictedUnits.length > 0) continue;
    const n = x.reachableAdmins;
    findings.push(
      makeFinding(
        'exemption-group-unprotected',
        'medium',
        g.id,
        `Group '${g.name}' can take ${n} admin${n === 1 ? '' : 's'} out of ${shortListPhrase(x.policies.map((p) => `'${p.displayName}'`))}${g.id === normId(x.targetId) ? '' : ` (nested in '${x.targetName}')`}${g.id === normId(x.targetId) && x.memberAdminIds.length ? ` (${x.memberAdminIds.length} now)` : ''}, and is neither role-assignable nor in a restricted-management administrative unit: ${x.controllers.length} principal${x.controllers.length === 1 ? '' : 's'} with group${g.dynamic ? ' or user-attribute' : ''} rights can change it (see the Exemptions view).`,
        `exemption-group-unprotected:${g.id}`,
        { subjectName: g.name, policyIds: x.policies.map((p) => p.id) },
      ),
    );
  }
  return findings;
}

export function exemptionFindings(analysis: Analysis, out: ExemptionsOut, admins: readonly AdminOut[]): Finding[] {
  const byId = new Map(admins.map((a) => [a.id, a]));
  return [...controllerFindings(out, admins.length), ...dynamicFindings(analysis, out, byId), ...groupFindings(analysis, out)];
}
