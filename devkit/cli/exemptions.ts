// `admin-mfa-monitor exemptions [--admin UPN]`: who can switch MFA off for an admin, as text or JSON (the same
// data as the check contract's `exemptions`, and the report's "Exemptions" section).
import { type ControllerOut, type ExemptionsOut, exemptionsByAdmin } from '../../src/core/exemption-types.js';
import type { AdminOut, Finding, Report } from '../../src/core/report.js';
import { formatTable } from './format.js';

export interface ExemptionsView {
  admin: AdminOut | null;
  exemptions: ExemptionsOut;
  findings: Finding[];
}

/** The exemption view of a report, narrowed to one admin (by UPN or object id) when asked; null when no such admin. */
export function exemptionsView(report: Report, admin?: string): ExemptionsView | null {
  const all: ExemptionsOut = report.exemptions ?? { exclusions: [], controllers: [], policyEditors: [], reach: [], excludedNow: [], unknowns: [] };
  const findings = report.findings.filter((f) => f.type.startsWith('exemption-'));
  if (!admin) return { admin: null, exemptions: all, findings };
  const wanted = admin.toLowerCase();
  const a = report.admins.find((x) => x.id === wanted || (x.userPrincipalName ?? '').toLowerCase() === wanted);
  if (!a) return null;
  const mine = exemptionsByAdmin(all).get(a.id);
  const keys = new Set(mine?.reachedBy ?? []);
  const exclusions = all.exclusions.filter((x) => keys.has(x.key));
  const ids = new Set([...exclusions.flatMap((x) => x.controllers.map((c) => c.id)), ...all.policyEditors.map((c) => c.id)]);
  return {
    admin: a,
    exemptions: { ...all, exclusions, controllers: all.controllers.filter((c) => ids.has(c.id)), reach: [{ exclusionKeys: [...keys], adminIds: [a.id] }], excludedNow: all.excludedNow.filter((x) => x.adminId === a.id) },
    findings: findings.filter((f) => f.subjectId === a.id || ids.has(f.subjectId) || exclusions.some((x) => x.targetId === f.subjectId || x.group?.nestedGroupIds.includes(f.subjectId))),
  };
}

function verdict(c: ControllerOut | undefined): string {
  if (!c) return 'unknown';
  return c.verdict === 'secretCredential' ? 'CLIENT SECRET' : c.verdict === 'noSecret' ? 'no secret' : c.verdict === 'notApplicable' ? 'n/a' : c.verdict === 'protected' ? 'protected' : c.verdict.toUpperCase();
}

export function exemptionsText(view: ExemptionsView): string {
  const { exemptions: x, admin } = view;
  const byId = new Map(x.controllers.map((c) => [c.id, c]));
  const lines: string[] = [];
  const current = new Set(x.excludedNow.flatMap((a) => a.exclusionKeys));
  lines.push(admin ? `Exemptions that reach ${admin.userPrincipalName ?? admin.id} (${x.exclusions.length}):` : `Exclusions of enforcing policies (${x.exclusions.length}), with who controls them:`);
  for (const e of x.exclusions) {
    lines.push('');
    const now = admin ? (current.has(e.key) ? ' — EXCLUDED NOW' : '') : e.memberAdminIds.length ? ` — takes ${e.memberAdminIds.length} admin(s) out now` : '';
    lines.push(`${e.kind} ${e.targetName}${now}`);
    lines.push(`  excluded by ${e.policies.map((p) => `'${p.displayName}'`).join(', ')}; could take out ${e.reachableAdmins} admin(s)`);
    if (e.group) lines.push(`  ${e.group.roleAssignable ? 'role-assignable' : e.group.roleAssignable === null ? 'role-assignable: unknown' : 'not role-assignable'}; ${e.group.restrictedUnits.length ? 'in a restricted-management AU' : e.group.unitsKnown ? 'in no restricted-management AU' : 'AUs unknown'}${e.group.dynamic ? `; dynamic: ${e.group.rule ?? '?'}` : ''}`);
    if (e.controllers.length) lines.push(formatTable(['  CONTROLLER', 'PROTECTED', 'HOW'], e.controllers.map((c) => [`  ${byId.get(c.id)?.name ?? c.id}`, verdict(byId.get(c.id)), c.paths.map((p) => `${p.detail}${p.grantedBy ? ` (${p.grantedBy})` : ''}`).join('; ')])));
    for (const u of e.unknowns) lines.push(`  unknown: ${u}`);
  }
  if (x.policyEditors.length) {
    lines.push('', 'Who can edit the policies themselves (and so add any exclusion):');
    lines.push(formatTable(['CONTROLLER', 'PROTECTED', 'HOW'], x.policyEditors.map((c) => [byId.get(c.id)?.name ?? c.id, verdict(byId.get(c.id)), c.paths.map((p) => p.detail).join('; ')])));
  }
  if (view.findings.length) {
    lines.push('', `Findings (${view.findings.length}):`);
    for (const f of view.findings) lines.push(`- [${f.severity}] ${f.message}`);
  }
  for (const u of x.unknowns) lines.push(`unknown: ${u}`);
  return lines.join('\n');
}
