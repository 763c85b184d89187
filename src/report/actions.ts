// The report page's sections for acting on findings (issue 18): the verified fixes with their exact Graph
// requests and a copy button, the accepted risks shown apart, and the downloads. Every string from the tenant
// or from storage is escaped.
import type { AcknowledgementOut } from '../core/acceptance.js';
import type { FixProposal, GraphRequest } from '../core/remediation.js';
import type { Report } from '../core/report.js';
import { who } from '../core/report.js';
import { exportTables } from './export.js';
import { e, formatTime, plural } from './format.js';

/** The request as an administrator sends it, for the page and its copy button. */
export function requestText(r: GraphRequest, graphBaseUrl: string): string {
  const url = `${graphBaseUrl.replace(/\/$/, '')}/v1.0${r.path}`;
  return r.body ? `${r.method} ${url}\nContent-Type: application/json\n\n${JSON.stringify(r.body, null, 2)}` : `${r.method} ${url}`;
}

function otherUsers(p: FixProposal): string {
  const o = p.sideEffects.otherUsers;
  if (o === 'all') return 'every user the policy applies to';
  if (o === null) return 'users besides the admins (group members other than admins are not read, so not counted)';
  return o === 0 ? 'no user besides the admins' : plural(o, 'user besides the admins', 'users besides the admins');
}

function proposalItem(p: FixProposal, report: Report, graphBaseUrl: string): string {
  const names = new Map(report.admins.map((a) => [a.id, who(a)]));
  const admins = [...new Set(p.closes.map((c) => names.get(c.adminId) ?? c.adminId))];
  const covered = p.sideEffects.adminsCoveredCount;
  const requests = p.requests
    .map((r, i) => {
      const id = `req-${p.id}-${i}`;
      return `<div class="request"><div class="req-head"><span class="small muted">Needs ${e(r.permission)}</span><button type="button" class="copy-btn" data-copy="${e(id)}" aria-label="${e(`Copy request ${i + 1} of ${p.title}`)}">Copy</button></div><pre id="${e(id)}"><code>${e(requestText(r, graphBaseUrl))}</code></pre></div>`;
    })
    .join('');
  const closes = admins.length ? `<p class="small">Closes ${plural(p.closes.length, 'gap')} of ${plural(admins.length, 'admin')}: ${e(admins.join(', '))}</p>` : '';
  return `<li id="${e(p.id)}" data-fix="${e(p.id)}">
<h3>${e(p.title)} <span class="ftype">${e(p.id)}</span></h3>
${closes}
<ul class="changes">${p.changes.map((c) => `<li>${e(c)}</li>`).join('')}</ul>
<p class="small"><b>Side effects:</b> ${e(p.sideEffects.description)} Reaches ${e(otherUsers(p))}; puts ${plural(covered, 'admin')} under MFA in more sign-ins${p.sideEffects.adminsCovered.length ? ` (${e(p.sideEffects.adminsCovered.join(', '))}${covered > p.sideEffects.adminsCovered.length ? ', …' : ''})` : ''}.</p>
${p.sideEffects.notes.map((n) => `<p class="small muted">${e(n)}</p>`).join('')}
<p class="small verified">Verified: the tenant re-evaluated with this change — the gap is closed and no admin loses coverage (${p.verification.adminsChecked} admins).</p>
${requests}
</li>`;
}

export function fixesSection(report: Report, graphBaseUrl: string): string {
  const r = report.remediation;
  if (!r) return '';
  const chosen = r.proposals.filter((p) => p.closes.length > 0);
  const alternatives = r.proposals.filter((p) => p.closes.length === 0);
  const body = chosen.length
    ? `<ol class="card fixes">${chosen.map((p) => proposalItem(p, report, graphBaseUrl)).join('\n')}</ol>${alternatives.length ? `<details class="card alternatives"><summary>${plural(alternatives.length, 'alternative')} (each also verified; listed under each admin's gaps)</summary><ol class="fixes">${alternatives.map((p) => proposalItem(p, report, graphBaseUrl)).join('\n')}</ol></details>` : ''}`
    : `<div class="card empty">${r.gaps ? 'No change could be verified for the open gaps.' : 'No gaps: nothing to fix.'}</div>`;
  return `<section id="fixes" aria-labelledby="fixes-h">
<div class="section-head"><h2 id="fixes-h">Fixes<span class="count">${chosen.length}</span></h2><p>${e(`${r.fixed} of ${plural(r.gaps, 'gap')} have a verified fix, the smallest first. ${r.note}`)}</p></div>
${body}
</section>`;
}

function stateLabel(a: AcknowledgementOut): string {
  if (a.state === 'expired') return 'Expired';
  if (a.state === 'changed') return 'Changed';
  return a.open ? 'Accepted' : 'Accepted (resolved)';
}

export function acceptedSection(report: Report): string {
  const items = report.acknowledgements ?? [];
  const rows = items
    .map(
      (a) =>
        `<tr data-ack="${e(a.fingerprint)}"><td data-label="Finding"><b>${e(a.title)}</b><div class="small">${e(a.subjectName ?? a.subjectId)}</div><div class="small faint break">${e(a.fingerprint)}</div></td><td data-label="State" class="tight"><span class="badge ${a.state === 'active' ? 'on' : 'off'}">${e(stateLabel(a))}</span>${a.changes.length ? `<div class="small">New since: ${e(a.changes.join('; '))}</div>` : ''}</td><td data-label="Until" class="tight">${e(formatTime(a.until))}</td><td data-label="Owner">${e(a.owner)}<div class="small muted">${e(`accepted ${formatTime(a.acceptedAt)} by ${a.acceptedBy}`)}</div></td><td data-label="Reason">${e(a.reason)}</td></tr>`,
    )
    .join('');
  const body = items.length
    ? `<div class="card"><div class="table-wrap"><table class="rtable" id="accepted-table"><thead><tr><th scope="col">Finding</th><th scope="col">State</th><th scope="col">Until</th><th scope="col">Owner</th><th scope="col">Reason</th></tr></thead><tbody>${rows}</tbody></table></div></div>`
    : '<div class="card empty">No accepted risks. Accept one with <code>POST /api/acknowledgements</code> or <code>admin-mfa-monitor accept FINDING --reason … --until …</code>.</div>';
  return `<section id="accepted" aria-labelledby="accepted-h">
<div class="section-head"><h2 id="accepted-h">Accepted risks<span class="count">${items.length}</span></h2><p>Findings accepted with a reason, an owner and an expiry: not mailed again and not counted as open until the acceptance expires or the finding changes (a new gap, a new path). Break-glass accounts are a different thing: MONITOR_EXCLUDED_ACCOUNTS.</p></div>
${body}
</section>`;
}

/** The rows of every download, for the page's script (embedded as JSON). */
export function exportData(report: Report): Record<string, { label: string; columns: string[]; rows: unknown[] }> {
  return Object.fromEntries(exportTables(report).map((t) => [t.name, { label: t.label, columns: t.columns, rows: t.rows }]));
}

export function exportSection(report: Report): string {
  const tables = exportTables(report);
  const buttons = tables
    .map((t) => `<li><span class="t">${e(t.label)} <span class="faint">(${t.rows.length})</span></span><button type="button" class="dl-btn" data-export="${e(t.name)}" data-format="csv">CSV</button><button type="button" class="dl-btn" data-export="${e(t.name)}" data-format="json">JSON</button></li>`)
    .join('');
  return `<section id="export" aria-labelledby="export-h">
<div class="section-head"><h2 id="export-h">Export and share</h2><p>Downloads of what this page shows (cells a spreadsheet would run as a formula are prefixed with ' ). The admins filter is part of the address: copy it to share the view. Print for a PDF.</p></div>
<div class="card pad"><ul class="downloads">${buttons}</ul><p class="small muted">History as CSV: <code>GET /api/history/{dataset}?format=csv</code>.</p></div>
</section>`;
}
