// The report page's parts about the sign-in log: each admin's evidence, the observed count next to a gap, and
// the report-only rollout section (one card per report-only policy). Every string from the tenant is escaped.
import type { AdminOut, GapOut, Report, RolloutAccount, RolloutOut } from '../core/report.js';
import { e, formatTime, plural } from './format.js';

/** "Sign-ins (7 days): 12 · 3 single-factor (last …) · 1 contradicts the evaluation · MFA prompted 4, completed 1". */
export function evidenceHtml(a: AdminOut): string {
  const ev = a.evidence;
  if (!ev) return '';
  const parts: string[] = [`<span class="muted">Sign-ins (${ev.windowDays} days):</span> <b class="num">${ev.signIns}</b>${ev.nonInteractive ? ` <span class="faint">(${ev.nonInteractive} non-interactive)</span>` : ''}`];
  if (ev.singleFactor > 0) parts.push(`<span class="no">${plural(ev.singleFactor, 'single-factor sign-in')}</span>${ev.lastSingleFactorAt ? ` <span class="faint">(last ${e(formatTime(ev.lastSingleFactorAt))})</span>` : ''}`);
  if (ev.contradictions > 0) parts.push(`<span class="no"><b>${ev.contradictions}</b> contradict${ev.contradictions === 1 ? 's' : ''} the evaluation</span>`);
  if (ev.prompted > 0) parts.push(`prompted ${ev.prompted} time${ev.prompted === 1 ? '' : 's'}, completed ${ev.completed}${ev.noMethod ? ` <span class="no">(${ev.noMethod} blocked: no method)</span>` : ''}`);
  return `<div class="evidence" data-evidence="${ev.signIns}">${parts.join(' · ')}</div>`;
}

/** "seen 14 times in 7 days" next to a gap's headline. */
export function observedHtml(g: GapOut): string {
  return g.observed ? ` <span class="tag seen" title="${e(`last ${formatTime(g.observed.lastAt)}`)}">${e(g.observed.text)}</span>` : '';
}

const VERDICT: Record<RolloutOut['verdict'], { cls: string; label: string }> = {
  ready: { cls: 'protected', label: 'Ready to enable' },
  wouldBlock: { cls: 'unprotected', label: 'Would block accounts' },
  noEvidence: { cls: 'neutral', label: 'No evidence yet' },
};

const KIND_LABEL: Record<RolloutAccount['kinds'][number], string> = { admin: 'admin', excluded: 'excluded', service: 'service pattern', unregistered: 'no MFA method' };

function accountList(title: string, accounts: readonly RolloutAccount[], limit = 8): string {
  if (!accounts.length) return '';
  const items = accounts
    .slice(0, limit)
    .map((a) => `<li><b class="break">${e(a.userPrincipalName ?? a.id)}</b> ${a.kinds.map((k) => `<span class="tag">${e(KIND_LABEL[k])}</span>`).join('')}<div class="small muted">${e(a.reason)}</div></li>`)
    .join('');
  return `<h4>${e(title)} <span class="count">${accounts.length}</span></h4><ul class="accounts">${items}${accounts.length > limit ? `<li class="faint">and ${accounts.length - limit} more (see check --json)</li>` : ''}</ul>`;
}

function rolloutCard(r: RolloutOut): string {
  const v = VERDICT[r.verdict];
  const counts = `<dl class="stats"><div><dt>Would satisfy</dt><dd class="num">${r.signIns.success}</dd></div><div><dt>Would ask for MFA</dt><dd class="num">${r.signIns.interrupted}</dd></div><div><dt>Would fail</dt><dd class="num">${r.signIns.failure}</dd></div><div><dt>Not applied</dt><dd class="num">${r.signIns.notApplied}</dd></div><div><dt>Users asked / failed</dt><dd class="num">${r.users.interrupted} / ${r.users.failure}</dd></div></dl>`;
  const notes = r.notes.length ? `<ul class="notes">${r.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '';
  return `<article class="card pad rollout" data-policy="${e(r.policyId)}" data-verdict="${e(r.verdict)}">
<h3 class="break">${e(r.displayName)} <span class="badge ${v.cls}">${e(v.label)}</span></h3>
<p class="lead-sm">${e(r.summary.charAt(0).toUpperCase() + r.summary.slice(1))}.</p>
${counts}
${accountList('Would block', r.blocked)}
${accountList('Admins it reaches', r.admins)}
${accountList('Excluded or service accounts it reaches', r.excludedOrService)}
${accountList('Users without an MFA method it reaches', r.unregistered)}
${notes}
</article>`;
}

/** One card per report-only policy: what its results in the sign-in log say it would do if turned on. */
export function rolloutSection(report: Report): string {
  const rollout = report.rollout ?? [];
  const ev = report.signInEvidence;
  const days = ev?.rolloutDays ?? rollout[0]?.windowDays ?? 0;
  const notes = ev?.notes.length ? `<div class="card pad"><h3>About the sign-in evidence</h3><ul class="notes">${ev.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul></div>` : '';
  const body = rollout.length ? `<div class="rollouts">${rollout.map(rolloutCard).join('\n')}</div>` : '<div class="card empty">No Conditional Access policy is in report-only mode.</div>';
  return `<section id="rollout" aria-labelledby="rollout-h">
<div class="section-head"><h2 id="rollout-h">Report-only rollout<span class="count">${rollout.length}</span></h2><p>What each report-only policy would have done in the last ${plural(days, 'day')} of sign-ins, had it been on: ready to enable when it would have blocked nobody.</p></div>
${body}
${notes}
</section>`;
}

export const EVIDENCE_CSS = `
.evidence { margin-top: 4px; font-size: 12.5px; color: var(--text-2); }
.tag.seen { color: var(--bad-fg); background: var(--bad-bg); border-color: var(--bad-bd); }
.rollouts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr)); gap: 16px; }
.rollout { min-width: 0; }
.seen-line { margin-top: 2px; }
.rollout h3 { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.rollout h4 { margin: 14px 0 6px; font-size: 13px; font-weight: 650; }
.rollout .lead-sm { margin: 6px 0 10px; color: var(--text-2); }
.rollout ul.accounts { list-style: none; display: grid; gap: 6px; }
.rollout ul.accounts .tag { margin-left: 4px; }
`;
