// The state findings of the exemption analysis (R-EXEMPT-10..12): controllers who are not protected themselves,
// dynamic exclusion groups whose rule reads attributes someone below Global Administrator can write (and admins
// who match one now), and exclusion groups anyone with group rights can change. Pure.
import type { Analysis } from './exemptions.js';
import { type ControllerOut, type ExemptionsOut } from './exemption-types.js';
import { makeFinding } from './finding-types.js';
import { parseRule } from './dynamic-rule.js';
import { listPhrase, normId } from './ids.js';
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
function controllerFindings(out: ExemptionsOut): Finding[] {
  const findings: Finding[] = [];
  const reaching = out.exclusions.filter((x) => x.reachableAdminIds.length > 0);
  const anyAdmin = out.admins.length > 0;
  for (const c of out.controllers) {
    if (!UNPROTECTED.has(c.verdict)) continue;
    const via = reaching.flatMap((x) => (x.controllers.find((k) => k.id === c.id)?.paths ?? []).map((p) => `${p.detail} (${x.policies.map((q) => `'${q.displayName}'`).join(', ')})`));
    const editor = anyAdmin ? (out.policyEditors.find((k) => k.id === c.id)?.paths ?? []).map((p) => p.detail) : [];
    const how = [...new Set([...via, ...editor])];
    if (how.length === 0) continue;
    const admins = new Set(editor.length ? out.admins.map((a) => a.adminId) : reaching.filter((x) => x.controllers.some((k) => k.id === c.id)).flatMap((x) => x.reachableAdminIds));
    findings.push(
      makeFinding(
        'exemption-controller-unprotected',
        'high',
        c.id,
        `${c.name} can exempt ${admins.size} admin${admins.size === 1 ? '' : 's'} from MFA — ${how.slice(0, 3).join('; ')}${how.length > 3 ? `; and ${how.length - 3} more` : ''} — and is ${verdictWords(c)}.`,
        `exemption-controller-unprotected:${c.id}`,
        { subjectName: c.name },
      ),
    );
  }
  return findings;
}

/** R-EXEMPT-11: dynamic exclusion groups whose rule reads attributes writable below Global Administrator; admins matching one now. */
function dynamicFindings(analysis: Analysis, out: ExemptionsOut, admins: ReadonlyMap<string, AdminOut>): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const x of out.exclusions) {
    if (x.kind !== 'group' || x.reachableAdminIds.length === 0) continue;
    for (const gid of [x.targetId, ...(x.group?.nestedGroupIds ?? [])]) {
      const g = analysis.groupFacts(gid);
      if (!g.dynamic || seen.has(g.id)) continue;
      seen.add(g.id);
      const parsed = parseRule(g.stored?.membershipRule);
      const policies = x.policies.map((p) => p.id);
      const where = `excluded by ${listPhrase(x.policies.map((p) => `'${p.displayName}'`))}${g.id === normId(x.targetId) ? '' : ` (nested in '${x.targetName}')`}`;
      const writers = analysis.writersBelowGlobalAdmin(parsed);
      if (!parsed.ok) {
        findings.push(makeFinding('exemption-dynamic-rule', 'medium', g.id, `Dynamic group '${g.name}', ${where}, has a membership rule the monitor cannot parse (${parsed.error}): who can make an admin match it is unknown.`, `exemption-dynamic-rule:${g.id}`, { subjectName: g.name, policyIds: policies }));
      } else if (writers.length > 0) {
        const attrs = parsed.attributes.filter((a) => a.object === 'user').map((a) => `user.${a.property}`);
        findings.push(makeFinding('exemption-dynamic-rule', 'medium', g.id, `Dynamic group '${g.name}', ${where}, decides membership by ${listPhrase(attrs)}, which ${listPhrase(writers.slice(0, 4))}${writers.length > 4 ? ` and ${writers.length - 4} more` : ''} can write: changing an admin's attribute exempts them from MFA.`, `exemption-dynamic-rule:${g.id}`, { subjectName: g.name, policyIds: policies }));
      }
      for (const adminId of x.memberAdminIds) {
        const admin = admins.get(adminId);
        if (!admin || !(analysis.input.index.groups.get(g.id)?.memberUserIds ?? []).some((m) => normId(m) === adminId)) continue;
        findings.push(makeFinding('exemption-dynamic-rule', 'high', adminId, `${who(admin)} matches the rule of dynamic group '${g.name}' (${g.stored?.membershipRule ?? 'rule unknown'}) and is therefore ${where}.`, `exemption-dynamic-rule:${g.id}:${adminId}`, { subjectName: who(admin), policyIds: policies }));
      }
    }
  }
  return findings;
}

/** R-EXEMPT-12: an exclusion group neither role-assignable nor in a restricted-management administrative unit. */
function groupFindings(analysis: Analysis, out: ExemptionsOut): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const x of out.exclusions) {
    if (x.kind !== 'group' || x.reachableAdminIds.length === 0) continue;
    for (const gid of [x.targetId, ...(x.group?.nestedGroupIds ?? [])]) {
      const g = analysis.groupFacts(gid);
      if (seen.has(g.id)) continue;
      seen.add(g.id);
      // Unknown facts are not a finding either way (they are listed as unknown in the view).
      if (g.roleAssignable !== false || !g.unitsKnown || g.restrictedUnits.length > 0) continue;
      const n = x.reachableAdminIds.length;
      findings.push(
        makeFinding(
          'exemption-group-unprotected',
          'medium',
          g.id,
          `Group '${g.name}' takes ${n} admin${n === 1 ? '' : 's'} out of ${listPhrase(x.policies.map((p) => `'${p.displayName}'`))}${g.id === normId(x.targetId) ? '' : ` (nested in '${x.targetName}')`}, and is neither role-assignable nor in a restricted-management administrative unit: ${x.controllers.length} principal${x.controllers.length === 1 ? '' : 's'} with group${g.dynamic ? ' or user-attribute' : ''} rights can change it (see the Exemptions view).`,
          `exemption-group-unprotected:${g.id}`,
          { subjectName: g.name, policyIds: x.policies.map((p) => p.id) },
        ),
      );
    }
  }
  return findings;
}

export function exemptionFindings(analysis: Analysis, out: ExemptionsOut, admins: readonly AdminOut[]): Finding[] {
  const byId = new Map(admins.map((a) => [a.id, a]));
  return [...controllerFindings(out), ...dynamicFindings(analysis, out, byId), ...groupFindings(analysis, out)];
}
