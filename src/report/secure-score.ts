// The report's "Secure Score, explained" section and the licence banner: Microsoft's AdminMFAV2 number next
// to ours, every admin on which they disagree with its reason, and every way MFA is or could be enforced in
// the tenant. Everything from the tenant is escaped.
import type { EnforcementOut } from '../core/enforcement.js';
import type { Report } from '../core/report.js';
import { RECON_REASONS, type ReconRow, type SecureScoreOut } from '../core/secure-score.js';
import { e, formatTime } from './format.js';

const WARN_ICON = `<svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M1 21h22L12 2 1 21Zm12-3h-2v-2h2v2Zm0-4h-2v-4h2v4Z"/></svg>`;

/** R-LIC-4: one clear statement when the tenant cannot use Conditional Access. */
export function licenceBanner(report: Report): string {
  const banner = report.enforcement?.banner;
  if (!banner) return '';
  return `<div class="banner warn" role="status" id="licence-banner">${WARN_ICON}<div><h2>No Conditional Access in this tenant</h2><ul><li>${e(banner)}</li></ul></div></div>`;
}

function points(n: number): string {
  return `${n > 0 ? '+' : ''}${n.toFixed(2)}`;
}

function microsoftCell(s: SecureScoreOut): string {
  const m = s.microsoft;
  if (m.state !== 'ok' || m.score === null) return `<div class="v num">—</div><div class="l">Microsoft's score: ${e(m.state === 'notCollected' ? 'not read yet' : 'unavailable')}</div><p class="note">${e(m.reason ?? '')}</p>`;
  const count = m.notProtected !== null && m.total !== null ? `${m.notProtected} of ${m.total} admins not registered and protected` : 'no admin count given';
  return `<div class="v num">${e(m.score)}<small> / ${e(m.maxScore)}</small></div><div class="l">Microsoft (AdminMFAV2), ${e(count)}</div><p class="note">${e(m.implementationStatus ?? '')}${m.asOf ? ` Computed ${e(formatTime(m.asOf))}.` : ''}</p>`;
}

function rowHtml(r: ReconRow): string {
  const who = r.userPrincipalName ?? r.displayName ?? r.adminId;
  const ms = r.microsoft === 'flagged' ? '<span class="no">not protected</span>' : '<span class="yes">protected</span>';
  const ours = r.ours === 'protected' ? '<span class="yes">protected</span>' : r.ours === 'excluded' ? '<span class="badge excluded">excluded by design</span>' : r.ours === 'unknown' ? '<span class="badge unknown">unknown</span>' : `<span class="badge ${e(r.verdict)}">${e(r.verdict === 'protected' ? 'not registered' : r.verdict)}</span>`;
  return `<tr data-recon="${e(r.reason)}"><td data-label="Admin"><b class="break">${e(who)}</b>${r.basis === 'predicted' ? '<div class="small faint">predicted</div>' : ''}</td><td data-label="Microsoft" class="tight">${ms}</td><td data-label="Ours" class="tight">${ours}</td><td data-label="Why"><b>${e(RECON_REASONS[r.reason].title)}</b> <span class="faint">${e(r.rule)}</span><div class="small">${e(r.sentence)}</div></td><td data-label="Points" class="tight num">${e(points(r.points))}</td></tr>`;
}

function routesHtml(enforcement: EnforcementOut): string {
  const { licences, routes, managedPolicies, mandatoryMfa } = enforcement;
  const avail = (a: boolean | null) => (a === null ? '<span class="badge unknown">unknown</span>' : a ? '<span class="yes">yes</span>' : '<span class="no">no</span>');
  const rows = routes.map((r) => `<tr><td data-label="Route"><b>${e(r.name)}</b></td><td data-label="Needs">${e(r.requires)}</td><td data-label="Available" class="tight">${avail(r.available)}</td><td data-label="In this tenant">${e(r.state)}</td></tr>`).join('');
  const managed = managedPolicies.length
    ? `<ul class="notes">${managedPolicies.map((p) => `<li><b>${e(p.displayName)}</b>: ${e(p.note)}</li>`).join('')}</ul>`
    : '<p class="note">No Microsoft-managed Conditional Access policy in the tenant.</p>';
  const tier = licences.tier === 'unknown' ? 'unknown' : licences.tier === 'free' ? 'Entra ID Free' : `Entra ID ${licences.tier.toUpperCase()}`;
  return `<div class="card pad"><h3>How MFA can be enforced here <span class="faint">(${e(tier)})</span></h3>
<p class="note">${e([...licences.evidence, licences.note ?? ''].filter(Boolean).join('; '))}.</p>
<div class="table-wrap"><table class="rtable" id="routes-table"><thead><tr><th scope="col">Route</th><th scope="col">Needs</th><th scope="col">Available</th><th scope="col">In this tenant</th></tr></thead><tbody>${rows}</tbody></table></div>
<h3 class="sub-head">Microsoft-managed policies</h3>${managed}
<h3 class="sub-head">Azure mandatory MFA</h3><p class="note">${e(mandatoryMfa.note)}</p><ul class="notes">${mandatoryMfa.phases.map((p) => `<li>${e(p)}</li>`).join('')}</ul></div>`;
}

export function secureScoreSection(report: Report): string {
  const s = report.secureScore;
  if (!s || !report.enforcement) return '';
  const d = s.difference;
  const rows = s.rows.map(rowHtml).join('\n');
  const basis = s.basis === 'observed' ? "admin by admin, from the Entra recommendation's list of impacted admins" : s.basis === 'predicted' ? "predicted from Microsoft's known counting (Microsoft's per-admin list is not available)" : 'not possible: Microsoft\u2019s score could not be read';
  let summary = '';
  if (d.points !== null && s.microsoft.score !== null) {
    const gap = Math.abs(d.points);
    const direction = d.points < 0 ? 'above' : d.points > 0 ? 'below' : 'equal to';
    const rest = d.unexplainedPoints ? `; ${Math.abs(d.unexplainedPoints).toFixed(2)} points are not explained by any admin below` : gap > 0 ? ': the admins below account for every point' : '';
    summary = `<p class="note">Microsoft's ${e(s.microsoft.score)} is ${gap > 0 ? `${e(gap.toFixed(2))} points ` : ''}${direction} our ${e(s.ours.score)}${e(rest)}. Each admin is worth ${e((s.ours.maxScore / Math.max(1, s.microsoft.total ?? s.ours.total)).toFixed(2))} points: + where Microsoft counts the admin worse than we do, − where it counts the admin better.</p>`;
  }
  const table = s.rows.length
    ? `<div class="table-wrap"><table class="rtable" id="secure-score-table"><thead><tr><th scope="col">Admin</th><th scope="col">Microsoft</th><th scope="col">Ours</th><th scope="col">Why they differ</th><th scope="col">Points</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="note">${s.basis === 'none' ? '' : 'Microsoft and our evaluation agree on every admin.'}</p>`;
  const notes = s.notes.length ? `<ul class="notes">${s.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '';
  return `<section id="secure-score" aria-labelledby="secure-score-h">
<div class="section-head"><h2 id="secure-score-h">Secure Score, explained</h2><p>Microsoft's "Require MFA for administrative roles" next to ours, compared ${e(basis)}.</p></div>
<div class="split">
<div class="card pad"><div class="score" data-kpi="microsoft-score">${microsoftCell(s)}</div></div>
<div class="card pad"><div class="score" data-kpi="our-score"><div class="v num">${e(s.ours.score)}<small> / ${e(s.ours.maxScore)}</small></div><div class="l">Ours: ${e(s.ours.notProtected)} of ${e(s.ours.total)} admins with a real gap</div><p class="note">Break-glass and service accounts listed in MONITOR_EXCLUDED_ACCOUNTS are excluded by design, not gaps. By Microsoft's documented rule (${e(s.shouldShow.formula)}) our facts give ${e(s.shouldShow.score)}.</p></div></div>
</div>
<div class="card pad">${summary}${table}${notes}<p class="small faint">Reasons and their order: docs/secure-score.md.</p></div>
${routesHtml(report.enforcement)}
</section>`;
}
