// The report's "Exemptions" section: every exclusion of an enforcing policy, the admins it takes out now, who
// controls it (and how), and each controller's own verdict; plus who can edit the policies themselves. Each
// admin's row in "All admins" links to the exclusions that reach them. Everything from the tenant is escaped.
import { type ControlPath, type ControllerOut, type ExclusionOut, type ExemptionsOut, exemptionsByAdmin } from '../core/exemption-types.js';
import type { AdminOut, Report } from '../core/report.js';
import { VERDICT_LABEL, e, plural } from './format.js';

const KIND_LABEL: Record<ExclusionOut['kind'], string> = {
  user: 'User',
  group: 'Group',
  role: 'Role',
  guests: 'Guest kind',
  location: 'Location',
  platform: 'Platform',
  deviceFilter: 'Device filter',
  application: 'Application',
};

export function exclusionAnchor(key: string): string {
  return `exemption-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function controllerBadge(c: ControllerOut | undefined): string {
  if (!c) return '<span class="badge unknown">unknown</span>';
  switch (c.verdict) {
    case 'secretCredential':
      return '<span class="badge unprotected" title="whoever holds the secret acts as the app">client secret</span>';
    case 'noSecret':
      return '<span class="badge protected">no secret</span>';
    case 'notApplicable':
      return '<span class="badge neutral">n/a</span>';
    default:
      return `<span class="badge ${e(c.verdict)}">${e(VERDICT_LABEL[c.verdict])}</span>`;
  }
}

function pathText(p: ControlPath): string {
  return `${p.detail}${p.grantedBy ? ` — ${p.grantedBy}` : ''}${p.steps === 'twoSteps' ? ' (in two steps)' : ''}`;
}

function controllerRows(list: ExemptionsOut['policyEditors'], byId: Map<string, ControllerOut>): string {
  return list
    .map(({ id, paths }) => {
      const c = byId.get(id);
      const note = c?.note ? `<div class="small muted">${e(c.note)}</div>` : '';
      return `<tr data-controller="${e(id)}"><td data-label="Controller"><b class="break">${e(c?.name ?? id)}</b>${c?.isAdmin ? ' <span class="tag">admin</span>' : ''}</td><td data-label="Protected" class="tight">${controllerBadge(c)}${note}</td><td data-label="How"><ul class="reasons break">${paths.map((p) => `<li>${e(pathText(p))}</li>`).join('')}</ul></td></tr>`;
    })
    .join('');
}

function groupFacts(x: ExclusionOut): string {
  const g = x.group;
  if (!g) return '';
  const facts = [
    g.roleAssignable === null ? 'role-assignable: unknown' : g.roleAssignable ? 'role-assignable' : 'not role-assignable',
    !g.unitsKnown ? 'administrative units: unknown' : g.restrictedUnits.length ? 'in a restricted-management administrative unit' : 'in no restricted-management administrative unit',
    g.dynamic ? `dynamic: ${g.rule ?? '(rule unknown)'}` : 'assigned membership',
  ];
  const nested = g.nestedGroups.length ? `<li>Nested groups: ${g.nestedGroups.map((n) => `${e(n.name)}${n.dynamic ? ` (dynamic: ${e(n.rule ?? '?')})` : ''}`).join(', ')}</li>` : '';
  const attrs = g.ruleAttributes.length ? `<li>Its rule reads ${e(g.ruleAttributes.join(', '))}</li>` : g.ruleError ? `<li class="no">Its rule could not be parsed: ${e(g.ruleError)}</li>` : '';
  return `<ul class="notes break">${facts.map((f) => `<li>${e(f)}</li>`).join('')}${attrs}${nested}</ul>`;
}

function exclusionCard(x: ExclusionOut, byId: Map<string, ControllerOut>, admins: Map<string, AdminOut>): string {
  const members = x.memberAdminIds.map((id) => admins.get(id)?.userPrincipalName ?? id);
  const unprotected = x.controllers.filter((c) => ['partial', 'unprotected', 'excluded', 'secretCredential'].includes(byId.get(c.id)?.verdict ?? '')).length;
  const table = x.controllers.length
    ? `<div class="table-wrap"><table class="rtable"><thead><tr><th scope="col">Controller</th><th scope="col">Protected</th><th scope="col">How it can exempt an admin</th></tr></thead><tbody>${controllerRows(x.controllers, byId)}</tbody></table></div>`
    : `<p class="note">Only the policy editors below can change it.</p>`;
  const unknowns = x.unknowns.length ? `<ul class="notes break">${x.unknowns.map((u) => `<li class="no">${e(u)}</li>`).join('')}</ul>` : '';
  return `<div class="card pad" id="${exclusionAnchor(x.key)}" data-exclusion="${e(x.key)}">
<h3>${e(KIND_LABEL[x.kind])}: ${e(x.targetName)} <span class="count">${plural(x.controllers.length, 'controller')}</span>${unprotected ? ` <span class="badge unprotected">${unprotected} not protected</span>` : ''}</h3>
<p class="note">Excluded by ${e(x.policies.map((p) => `'${p.displayName}'`).join(', '))}. ${members.length ? `Takes ${e(plural(members.length, 'admin'))} out now: ${e(members.join(', '))}.` : 'Takes no admin out now.'} It could take out ${e(plural(x.reachableAdmins, 'admin'))} the policies include.</p>
${groupFacts(x)}${table}${unknowns}</div>`;
}

export function exemptionsSection(report: Report): string {
  const x = report.exemptions;
  if (!x) return '';
  const byId = new Map(x.controllers.map((c) => [c.id, c]));
  const admins = new Map(report.admins.map((a) => [a.id, a]));
  const cards = x.exclusions.map((ex) => exclusionCard(ex, byId, admins)).join('\n');
  const editors = x.policyEditors.length
    ? `<div class="card pad"><h3>Who can edit the policies themselves (and so add any exclusion)</h3><div class="table-wrap"><table class="rtable" id="policy-editors"><thead><tr><th scope="col">Controller</th><th scope="col">Protected</th><th scope="col">How</th></tr></thead><tbody>${controllerRows(x.policyEditors, byId)}</tbody></table></div></div>`
    : '';
  const unknowns = x.unknowns.length ? `<div class="card pad"><h3>What could not be determined</h3><ul class="notes break">${x.unknowns.map((u) => `<li>${e(u)}</li>`).join('')}</ul></div>` : '';
  return `<section id="exemptions" aria-labelledby="exemptions-h">
<div class="section-head"><h2 id="exemptions-h">Exemptions<span class="count">${x.exclusions.length}</span></h2><p>Who can switch MFA off for an admin: every exclusion of an enforcing policy, who controls it, and whether they are protected themselves (docs/evaluation.md, section 14).</p></div>
${cards || '<div class="card empty">No enforcing policy has exclusions.</div>'}
${editors}
${unknowns}
</section>`;
}

const BY_ADMIN = new WeakMap<object, ReturnType<typeof exemptionsByAdmin>>();

/** The exemption lookups of a report, made once per report (each admin's row asks). */
function byAdmin(report: Report): ReturnType<typeof exemptionsByAdmin> {
  const key = report.exemptions ?? report;
  let map = BY_ADMIN.get(key);
  if (!map) BY_ADMIN.set(key, (map = exemptionsByAdmin(report.exemptions)));
  return map;
}

/** The exclusions that reach an admin, as links for their row in "All admins" (current ones first). */
export function adminExemptionLinks(report: Report, adminId: string): string {
  const mine = byAdmin(report).get(adminId);
  if (!mine || mine.reachedBy.length === 0) return '';
  const names = new Map((report.exemptions?.exclusions ?? []).map((x) => [x.key, `${KIND_LABEL[x.kind]} ${x.targetName}`]));
  const now = new Set(mine.excludedNow);
  const sorted = [...mine.reachedBy].sort((a, b) => Number(now.has(b)) - Number(now.has(a)));
  return `<span class="lbl">Exemptions that reach them</span>${sorted.map((key) => `<li><a href="#${exclusionAnchor(key)}">${e(names.get(key) ?? key)}</a>${now.has(key) ? ' <span class="tag permanent">excluded now</span>' : ''}</li>`).join('')}`;
}
