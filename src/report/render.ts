// The HTML report page (GET /api/report): one self-contained document — inline CSS and scripts carrying the
// CSP nonce, Chart.js inlined, no external resources, no inline event handlers, no style attributes. It is
// laid out in the order a security lead reads it: the tenant and how fresh the data is, the numbers, who
// needs attention and why, trends, then the detail (every admin, findings, policies, changes, health).
// Every string that comes from the tenant or from storage is escaped; chart data is JSON made safe for <script>.
import type { FindingsDay, PolicyChangeRow, ReportPageModel, TrendPoint } from '../app/report-page.js';
import { severityCounts } from '../core/digest.js';
import { findingDoc, findingTitle, findingType, type FindingType } from '../core/finding-types.js';
import { listPhrase } from '../core/ids.js';
import type { AdminOut, Finding, GapOut, Report, RoleOut, Severity, Verdict } from '../core/report.js';
import { SEVERITY_ORDER, VERDICT_ORDER } from '../core/report.js';
import type { DatasetName, DatasetStatus } from '../core/snapshot.js';
import { acceptedSection, exportData, exportSection, fixesSection } from './actions.js';
import { REPORT_JS } from './client.js';
import { toCsv } from './csv.js';
import { isAccepted } from '../core/acceptance.js';
import { reportNumbers } from '../core/numbers.js';
import {
  CHANGE_KIND_LABEL,
  COLLECTOR_LABEL,
  DATASET_LABEL,
  DATASET_STATE_LABEL,
  POLICY_STATE_LABEL,
  SEVERITY_COLOR,
  SEVERITY_LABEL,
  VERDICT_COLOR,
  VERDICT_HELP,
  VERDICT_LABEL,
  ago,
  capitalize,
  changeKindCount,
  e,
  formatTime,
  gapWords,
  jsonForScript,
  percent,
  plural,
  roleVia,
  scriptText,
  shortDateTime,
  shortDay,
  timeHtml,
  truncate,
} from './format.js';
import { REPORT_CSS } from './styles.js';
import { adminExemptionLinks, exemptionsSection } from './exemptions.js';
import { EVIDENCE_CSS, evidenceHtml, observedHtml, rolloutSection } from './render-evidence.js';
import { licenceBanner, secureScoreSection } from './secure-score.js';

export interface RenderOptions {
  /** CSP nonce for the inline script and style elements. */
  nonce: string;
  /** The Chart.js UMD bundle, inlined so the page works offline. */
  chartJs: string;
}

/** Series order of the verdict chart and bar: good at the bottom, then the problems, then the exempt. */
const VERDICT_SERIES: Verdict[] = ['protected', 'partial', 'unprotected', 'unknown', 'excluded'];
const SEVERITIES: Severity[] = ['high', 'medium', 'low'];

/** Chart data as embedded in the page (#report-data). */
export interface ChartData {
  trend: { labels: string[]; series: Array<{ key: Verdict; label: string; color: string; values: number[] }> } | null;
  findings: { labels: string[]; series: Array<{ key: Severity; label: string; color: string; values: number[] }> } | null;
}

export function chartData(model: Pick<ReportPageModel, 'trend' | 'findingsPerDay'>): ChartData {
  const trend = model.trend.length >= 2 ? model.trend : null;
  const days = model.findingsPerDay.length >= 2 ? model.findingsPerDay : null;
  return {
    trend: trend && {
      labels: trendLabels(trend.map((p) => p.time)),
      series: VERDICT_SERIES.map((key) => ({ key, label: VERDICT_LABEL[key], color: VERDICT_COLOR[key], values: trend.map((p) => p[key]) })),
    },
    findings: days && {
      labels: days.map((d) => shortDay(d.day)),
      series: SEVERITIES.map((key) => ({ key, label: SEVERITY_LABEL[key], color: SEVERITY_COLOR[key], values: days.map((d) => d[key]) })),
    },
  };
}

/** Axis labels: with seconds when the runs are minutes apart (a fresh deployment), else day and time. */
function trendLabels(times: string[]): string[] {
  const ms = times.map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
  const span = ms.length ? Math.max(...ms) - Math.min(...ms) : 0;
  if (ms.length === times.length && span < 3_600_000) return times.map((t) => new Date(t).toISOString().slice(11, 19));
  return times.map(shortDateTime);
}

interface Ctx {
  model: ReportPageModel;
  report: Report;
  now: string;
  policyName: (id: string) => string;
}

export function renderReportPage(model: ReportPageModel, options: RenderOptions): string {
  const report = model.report;
  const names = new Map(report.policies.map((p) => [p.id, p.displayName]));
  const ctx: Ctx = { model, report, now: report.generatedAt, policyName: (id) => names.get(id) ?? id };
  const nonce = e(options.nonce);
  const tenant = report.tenantName ?? report.tenantId;
  const attention = needsAttention(report);
  const numbers = report.numbers ?? reportNumbers(report);
  const openFindings = numbers.findings.open;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="referrer" content="no-referrer">
<title>${e(`Admin MFA report — ${tenant}`)}</title>
<style nonce="${nonce}">${REPORT_CSS}${EVIDENCE_CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the report</a>
${masthead(ctx)}
<nav class="toc" aria-label="Report sections"><div class="wrap">
<a href="#summary">Summary</a>
<a href="#attention">Needs attention<span class="n${attention.some((a) => a.verdict === 'unprotected' || a.verdict === 'unknown') ? ' bad' : ''}">${attention.length}</span></a>
${report.remediation ? `<a href="#fixes">Fixes<span class="n">${report.remediation.proposals.filter((p) => p.closes.length > 0).length}</span></a>` : ''}
<a href="#secure-score">Secure Score</a>
<a href="#exemptions">Exemptions<span class="n${report.findings.some((f) => f.type.startsWith('exemption-') && f.severity === 'high') ? ' bad' : ''}">${report.exemptions?.exclusions.length ?? 0}</span></a>
<a href="#trends">Trends</a>
<a href="#admins">All admins<span class="n">${report.admins.length}</span></a>
<a href="#other">Other principals</a>
<a href="#findings">Findings<span class="n${numbers.findings.high ? ' bad' : ''}">${openFindings}</span></a>
<a href="#accepted">Accepted<span class="n">${report.acknowledgements?.length ?? 0}</span></a>
<a href="#policies">Policies<span class="n">${report.policies.length}</span></a>
${report.rollout ? `<a href="#rollout">Rollout<span class="n${report.rollout.some((r) => r.verdict === 'wouldBlock') ? ' bad' : ''}">${report.rollout.length}</span></a>` : ''}
<a href="#changes">Changes<span class="n">${model.policyChanges.length}</span></a>
<a href="#alerts">Alerts</a>
<a href="#health">Health</a>
<a href="#export">Export</a>
</div></nav>
<main id="main" class="wrap">
${problemsBanner(ctx)}
${licenceBanner(report)}
${summarySection(ctx)}
${attentionSection(ctx, attention)}
${fixesSection(report, model.graphBaseUrl)}
${secureScoreSection(report)}
${exemptionsSection(report)}
${trendsSection(ctx)}
${adminsSection(ctx)}
${otherSection(ctx)}
${findingsSection(ctx)}
${acceptedSection(report)}
${policiesSection(ctx)}
${report.rollout ? rolloutSection(report) : ''}
${changesSection(ctx)}
${alertsSection(ctx)}
${healthSection(ctx)}
${exportSection(report)}
</main>
<footer><div class="wrap">
<span>admin-mfa-monitor · evaluated ${e(formatTime(report.generatedAt))} · history of the last ${plural(model.days, 'day')} · times in UTC</span>
<span>The same data as JSON: <code>POST /api/check</code> · history: <code>GET /api/history/{dataset}</code></span>
</div></footer>
<script type="application/json" id="report-data" nonce="${nonce}">${jsonForScript(chartData(model))}</script>
<script type="application/json" id="export-data" nonce="${nonce}">${jsonForScript(exportData(report))}</script>
<script nonce="${nonce}">${scriptText(options.chartJs)}</script>
<script nonce="${nonce}">var toCsv = ${scriptText(toCsv.toString())};</script>
<script nonce="${nonce}">${REPORT_JS}</script>
</body>
</html>
`;
}

// ─── Header ──────────────────────────────────────────────────────────────────────────────────────────

const SHIELD = `<svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3Zm-1 14.2-3.7-3.7 1.4-1.4 2.3 2.3 5.3-5.3 1.4 1.4-6.7 6.7Z"/></svg>`;
const WARN_ICON = `<svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M1 21h22L12 2 1 21Zm12-3h-2v-2h2v2Zm0-4h-2v-4h2v4Z"/></svg>`;

interface DatasetProblem {
  name: DatasetName;
  status: DatasetStatus;
}

function datasetProblems(report: Report): DatasetProblem[] {
  return (Object.entries(report.dataSources) as Array<[DatasetName, DatasetStatus | undefined]>)
    .filter((entry): entry is [DatasetName, DatasetStatus] => !!entry[1] && entry[1].state !== 'ok' && entry[1].state !== 'notLicensed')
    .map(([name, status]) => ({ name, status }));
}

function masthead(ctx: Ctx): string {
  const { report, model } = ctx;
  const problems = datasetProblems(report);
  const failed = model.collectors.filter((c) => c.status === 'failed');
  const sources = Object.values(report.dataSources).filter(Boolean).length;
  const snapshotAge = ago(report.snapshotCapturedAt, report.generatedAt);
  let tone = 'ok';
  let text = `All ${plural(sources, 'data source')} read completely; the snapshot is from ${formatTime(report.snapshotCapturedAt)}${snapshotAge && snapshotAge !== 'just now' ? ` (${snapshotAge})` : ''}.`;
  if (problems.length || failed.length) {
    tone = problems.some((p) => p.status.state === 'unavailable') || failed.length ? 'bad' : 'warn';
    const parts = [
      problems.length ? `${plural(problems.length, 'data source')} not current (${problems.map((p) => `${DATASET_LABEL[p.name] ?? p.name}: ${DATASET_STATE_LABEL[p.status.state]}`).join(', ')})` : '',
      failed.length ? `${plural(failed.length, 'collector')} failing` : '',
    ].filter(Boolean);
    text = `${capitalize(parts.join('; '))}. Verdicts that depend on missing data are “unknown”; see Health below.`;
  }
  const roles = report.monitoredRoles.length;
  const sd = report.securityDefaultsEnabled === null ? 'unknown' : report.securityDefaultsEnabled ? 'on' : 'off';
  return `<header class="masthead"><div class="wrap">
<div class="brand">${SHIELD}<span>Admin MFA report</span></div>
<h1>${e(report.tenantName ?? report.tenantId)}</h1>
<span class="tenant-id">Tenant ${e(report.tenantId)}</span>
<dl class="meta">
<div><dt>Evaluated</dt><dd>${timeHtml(report.generatedAt)}</dd></div>
<div><dt>Data captured</dt><dd>${timeHtml(report.snapshotCapturedAt)}</dd></div>
<div><dt>Monitored roles</dt><dd>${roles}</dd></div>
<div><dt>Security defaults</dt><dd>${e(sd)}</dd></div>
</dl>
<p class="freshness ${tone}" id="freshness"><span class="dot" aria-hidden="true"></span><span>${e(text)}</span></p>
</div></header>`;
}

function problemsBanner(ctx: Ctx): string {
  const problems = datasetProblems(ctx.report);
  const failed = ctx.model.collectors.filter((c) => c.status === 'failed');
  if (!problems.length && !failed.length) return '';
  const bad = problems.some((p) => p.status.state === 'unavailable') || failed.length > 0;
  const items = [
    ...problems.map((p) => {
      const label = DATASET_LABEL[p.name] ?? p.name;
      const asOf = p.status.asOf ? ` — last complete copy ${formatTime(p.status.asOf)}` : '';
      const grant = p.status.permission ? ` Grant the application permission <code>${e(p.status.permission)}</code>.` : '';
      return `<li><b>${e(label)}</b>: ${e(DATASET_STATE_LABEL[p.status.state])}${e(asOf)}${p.status.message ? `. ${e(p.status.message)}` : ''}.${grant}</li>`;
    }),
    ...failed.map((c) => `<li><b>${e(COLLECTOR_LABEL[c.collector] ?? c.collector)}</b> collector failed${c.endedAt ? ` at ${e(formatTime(c.endedAt))}` : ''}${c.error ? `: ${e(c.error)}` : ''}</li>`),
  ];
  return `<div class="banner ${bad ? 'bad' : 'warn'}" role="status" id="data-problems">${WARN_ICON}<div><h2>Some data is missing or out of date</h2><ul>${items.join('')}</ul></div></div>`;
}

// ─── Summary ─────────────────────────────────────────────────────────────────────────────────────────

function verdictBar(report: Report): string {
  const s = report.summary;
  const total = Math.max(1, VERDICT_SERIES.reduce((n, v) => n + s[v], 0));
  let x = 0;
  const rects = VERDICT_SERIES.filter((v) => s[v] > 0)
    .map((v) => {
      const w = (s[v] / total) * 1000;
      const r = `<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="14" fill="${VERDICT_COLOR[v]}"><title>${e(`${VERDICT_LABEL[v]}: ${s[v]}`)}</title></rect>`;
      x += w;
      return r;
    })
    .join('');
  const label = VERDICT_SERIES.map((v) => `${s[v]} ${VERDICT_LABEL[v].toLowerCase()}`).join(', ');
  const legend = VERDICT_SERIES.map((v) => `<span><i class="swatch sw-${v}" aria-hidden="true"></i>${e(VERDICT_LABEL[v])} <b class="num">${s[v]}</b> <span class="faint">${percent(s[v], s.admins)}</span></span>`).join('');
  return `<div class="stackbar"><svg viewBox="0 0 1000 14" preserveAspectRatio="none" role="img" aria-label="${e(`Admins by verdict: ${label}`)}"><rect x="0" y="0" width="1000" height="14" fill="#eaecf0"/>${rects}</svg><div class="legend">${legend}</div></div>`;
}

function kpi(key: string, label: string, value: string, hint: string, cls = key): string {
  return `<div class="card kpi ${cls}" data-kpi="${e(key)}"><div class="label">${e(label)}</div><div class="value">${value}</div><div class="hint">${e(hint)}</div></div>`;
}

function summarySection(ctx: Ctx): string {
  const { report } = ctx;
  const s = report.summary;
  let lead: string;
  if (s.admins === 0) lead = 'No admins hold any of the monitored roles.';
  else {
    const rest = [
      s.unprotected ? `<span class="bad">${s.unprotected} ${s.unprotected === 1 ? 'has' : 'have'} no MFA enforced</span>` : '',
      s.unknown ? `<span class="bad">${s.unknown} could not be evaluated</span>` : '',
      s.partial ? `<span class="warn">${s.partial} ${s.partial === 1 ? 'is' : 'are'} only partly protected</span>` : '',
      s.excluded ? `${s.excluded} ${s.excluded === 1 ? 'is an excluded break-glass account' : 'are excluded break-glass accounts'}` : '',
    ].filter(Boolean);
    lead = `<span class="${s.protected === s.admins - s.excluded ? 'ok' : ''}">${s.protected} of ${plural(s.admins, 'admin')}</span> ${s.protected === 1 ? 'is' : 'are'} fully protected by MFA.${rest.length ? ` ${capitalize(listPhrase(rest))}.` : ''}`;
  }
  const sub = [
    `${plural(report.monitoredRoles.length, 'monitored role')}`,
    `security defaults ${report.securityDefaultsEnabled === null ? 'unknown' : report.securityDefaultsEnabled ? 'on' : 'off'}`,
    `${plural(s.potentialAdmins, 'potential admin')}`,
    `${plural(s.workloadAdmins, 'workload identity', 'workload identities')} with admin roles`,
  ].join(' · ');
  const notRegistered = s.admins - s.registered;
  const kpis = [
    kpi('admins', 'Admins', String(s.admins), `${plural(report.admins.reduce((n, a) => n + a.roles.length, 0), 'role assignment')}`),
    kpi('protected', 'Protected', String(s.protected), `${percent(s.protected, s.admins)} of admins`),
    kpi('partial', 'Partial', String(s.partial), 'MFA only in some situations'),
    kpi('unprotected', 'Unprotected', String(s.unprotected), s.unprotected ? 'no MFA enforced at all' : 'none', s.unprotected ? 'unprotected hot' : 'unprotected'),
    kpi('excluded', 'Excluded', String(s.excluded), 'break-glass / service'),
    kpi('unknown', 'Unknown', String(s.unknown), s.unknown ? 'data missing' : 'all evaluated'),
    kpi('registered', 'MFA registered', `${s.registered}<small> / ${s.admins}</small>`, notRegistered ? `${notRegistered} not registered` : 'every admin', 'registered'),
  ].join('');
  const numbers = report.numbers ?? reportNumbers(report);
  const counts = numbers.findings;
  const byType = groupFindings(report.findings.filter((f) => !isAccepted(f))).slice(0, 4);
  const notes = s.secureScoreNotes.length ? `<ul class="notes">${s.secureScoreNotes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '';
  return `<section id="summary" aria-labelledby="summary-h">
<h2 id="summary-h" class="visually-hidden">Summary</h2>
<div class="card headline">
<div><p class="lead">${lead}</p><p class="sub">${e(sub)}</p></div>
<div class="score" data-kpi="score"><div class="v num">${e(formatScore(s.secureScoreEstimate))}<small> / 10</small></div><div class="l">Secure Score estimate${s.microsoftSecureScore !== null && s.microsoftSecureScore !== undefined ? ` · Microsoft: ${e(formatScore(s.microsoftSecureScore))}` : ''}</div></div>
${verdictBar(report)}
</div>
<div class="kpis">${kpis}</div>
<div class="summary-row">
<div class="card pad"><h3>Secure Score estimate: ${e(formatScore(s.secureScoreEstimate))} / 10</h3><p class="note">“Require MFA for administrative roles”: Microsoft's documented partial-credit rule applied to our count, 10 × admins protected and registered for MFA ÷ all admins (${s.admins}). Microsoft's own number and every difference: <a href="#secure-score">Secure Score, explained</a>.</p>${notes}${assignmentStats(report)}</div>
<div class="card pad"><h3>Open findings <span class="count" data-numbers="open">${counts.open}</span></h3>${counts.accepted ? `<p class="note"><a href="#accepted">${plural(counts.accepted, 'accepted risk')}</a> not counted.</p>` : ''}
<div class="sevcounts">${SEVERITIES.map((sv) => `<div class="sevcount ${sv}"><b>${counts[sv]}</b><span>${SEVERITY_LABEL[sv].toLowerCase()}</span></div>`).join('')}</div>
${byType.length ? `<ul class="toptypes">${byType.map((g) => `<li><span class="sev ${g.severity}">${SEVERITY_LABEL[g.severity]}</span><span class="t">${e(findingTitle(g.type))}</span><b class="num">${g.items.length}</b></li>`).join('')}</ul>` : '<p class="note">Nothing open.</p>'}
${highEvents(ctx)}
</div>
</div>
</section>`;
}

/** How admins hold their roles: standing access is what an attacker wants. */
function assignmentStats(report: Report): string {
  const roles = report.admins.flatMap((a) => a.roles);
  if (!roles.length) return '';
  const stats: Array<[string, number, string]> = [
    ['Permanent active', roles.filter((r) => r.assignment === 'active' && r.permanent).length, 'active with no end date'],
    ['Time-bound active', roles.filter((r) => r.assignment === 'active' && !r.permanent).length, 'active with an end date'],
    ['PIM-eligible', roles.filter((r) => r.assignment === 'eligible').length, 'must be activated'],
    ['Through groups', roles.filter((r) => r.via.kind !== 'direct').length, 'role-assignable or PIM groups'],
    ['Scoped', roles.filter((r) => r.scope !== 'tenant').length, 'administrative unit or object'],
  ];
  return `<h3 class="stats-h">Role assignments of admins <span class="count">${roles.length}</span></h3><dl class="stats">${stats.map(([label, n, hint]) => `<div title="${e(hint)}"><dt>${e(label)}</dt><dd class="num">${n}</dd></div>`).join('')}</dl>`;
}

/** High-severity change events (break-glass sign-ins, weakened policies…) that are not open findings. */
function highEvents(ctx: Ctx): string {
  const open = new Set(ctx.report.findings.map((f) => f.fingerprint));
  const counts = new Map<string, number>();
  for (const f of ctx.model.recentFindings) {
    if (f.severity !== 'high' || f.event === 'resolved' || open.has(f.fingerprint)) continue;
    counts.set(f.type, (counts.get(f.type) ?? 0) + 1);
  }
  if (!counts.size) return '';
  const rows = [...counts].sort((a, b) => b[1] - a[1]).map(([type, n]) => `<li><span class="sev high">${SEVERITY_LABEL.high}</span><span class="t"><a href="#recent-h">${e(findingTitle(type))}</a></span><b class="num">${n}</b></li>`);
  return `<p class="note events-note">High-severity events in the last ${plural(ctx.model.days, 'day')}:</p><ul class="toptypes">${rows.join('')}</ul>`;
}

function formatScore(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '—';
}

// ─── Needs attention ─────────────────────────────────────────────────────────────────────────────────

function sortAdmins(admins: readonly AdminOut[]): AdminOut[] {
  return [...admins].sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || adminName(a).localeCompare(adminName(b)));
}

function needsAttention(report: Report): AdminOut[] {
  return sortAdmins(report.admins.filter((a) => a.verdict === 'unprotected' || a.verdict === 'partial' || a.verdict === 'unknown'));
}

function adminName(a: AdminOut): string {
  return a.displayName ?? a.userPrincipalName ?? a.id;
}

function adminAnchor(a: { id: string }): string {
  return `admin-${a.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function verdictBadge(v: Verdict): string {
  return `<span class="badge ${v}" title="${e(VERDICT_HELP[v])}">${e(VERDICT_LABEL[v])}</span>`;
}

function shortRoles(roles: readonly RoleOut[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of roles) {
    const text = `${r.roleName}${r.assignment === 'eligible' ? ' (eligible)' : ''}`;
    if (!seen.has(text)) out.push(text);
    seen.add(text);
  }
  return out.join(', ');
}

function unknownReason(ctx: Ctx): string {
  const missing = datasetProblems(ctx.report).map((p) => DATASET_LABEL[p.name] ?? p.name);
  return missing.length ? `Could not be evaluated: ${listPhrase(missing)} ${missing.length === 1 ? 'is' : 'are'} missing.` : 'Could not be evaluated: data needed for the verdict is missing.';
}

/** The gap text without its "while 'X' is activated" prefix, so admins with the same gap group together. */
function gapWithoutState(g: GapOut): string {
  if (g.state && g.summary.startsWith(g.state)) return g.summary.slice(g.state.length).replace(/^[:\s]+/, '');
  return g.summary;
}

type AttentionEntry = { kind: 'admin'; admin: AdminOut } | { kind: 'group'; key: string; admins: AdminOut[]; gap: GapOut };

/** Unprotected and unknown admins one by one; partial admins grouped by their first gap (often one root cause). */
function attentionEntries(admins: AdminOut[]): AttentionEntry[] {
  const out: AttentionEntry[] = [];
  const groups = new Map<string, Extract<AttentionEntry, { kind: 'group' }>>();
  for (const a of admins) {
    const gap = a.gaps[0];
    if (a.verdict !== 'partial' || !gap) {
      out.push({ kind: 'admin', admin: a });
      continue;
    }
    const w = gapWords(gapWithoutState(gap));
    const key = [w.headline, ...w.reasons.slice(0, 2)].join('|');
    const group = groups.get(key);
    if (group) group.admins.push(a);
    else {
      const entry = { kind: 'group' as const, key, admins: [a], gap };
      groups.set(key, entry);
      out.push(entry);
    }
  }
  // Singletons read best as admins; bigger groups first among the partial ones.
  const flat = out.map((x): AttentionEntry => (x.kind === 'group' && x.admins.length === 1 ? { kind: 'admin', admin: x.admins[0] as AdminOut } : x));
  const rank = (x: AttentionEntry) => (x.kind === 'admin' ? VERDICT_ORDER[x.admin.verdict] * 1000 : VERDICT_ORDER.partial * 1000 - x.admins.length);
  return flat.map((x, i) => ({ x, i })).sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i).map(({ x }) => x);
}

function reasonsHtml(reasons: string[], limit: number): string {
  const shown = reasons.slice(0, limit);
  return shown.length ? `<ul class="why reasons">${shown.map((r) => `<li>${e(capitalize(r))}</li>`).join('')}</ul>` : '';
}

function adminFlags(a: AdminOut): string {
  return [a.mfaRegistered === false ? '<span class="tag permanent">no MFA method registered</span>' : '', a.accountEnabled === false ? '<span class="tag">disabled</span>' : '', a.userType === 'Guest' ? '<span class="tag">guest</span>' : ''].filter(Boolean).join(' ');
}

function attentionAdmin(a: AdminOut, ctx: Ctx): string {
  const gap = a.gaps[0];
  let body: string;
  if (gap) {
    const w = gapParts(gap);
    const hidden = Math.max(0, w.reasons.length - 2);
    const moreGaps = a.gaps.length - 1;
    const more = [moreGaps ? plural(moreGaps, 'more gap') : '', hidden ? plural(hidden, 'more reason') : ''].filter(Boolean).join(', ');
    body = `<p>${e(w.headline)}</p>${gap.observed ? `<p class="seen-line">${observedHtml(gap)}</p>` : ''}${reasonsHtml(w.reasons, 2)}${fixLine(gap)}<a class="more-link" href="#${adminAnchor(a)}">${more ? `${e(more)} — details` : 'Details'} →</a>`;
  } else body = `<p>${e(a.verdict === 'unknown' ? unknownReason(ctx) : VERDICT_HELP[a.verdict])}</p><a class="more-link" href="#${adminAnchor(a)}">Details →</a>`;
  const flags = adminFlags(a);
  return `<li class="${a.verdict}" data-admin="${e(a.id)}"><div>${verdictBadge(a.verdict)}</div><div class="who"><b>${e(adminName(a))}</b>${a.userPrincipalName && a.userPrincipalName !== adminName(a) ? `<span class="upn">${e(a.userPrincipalName)}</span>` : ''}<div class="roles">${e(shortRoles(a.roles))}</div>${flags ? `<div class="roles">${flags}</div>` : ''}</div><div class="gap-text">${body}</div></li>`;
}

function attentionGroup(admins: AdminOut[], gap: GapOut): string {
  const w = gapWords(gapWithoutState(gap));
  const hidden = Math.max(0, w.reasons.length - 2) + w.more;
  const verdict = admins[0]?.verdict ?? 'partial';
  const people = admins
    .map((a) => {
      const state = a.gaps[0]?.state ? ` ${a.gaps[0].state}` : '';
      const extra = a.gaps.length > 1 ? ` +${a.gaps.length - 1}` : '';
      return `<li data-admin="${e(a.id)}"><a href="#${adminAnchor(a)}" title="${e(`${a.userPrincipalName ?? a.id} — ${shortRoles(a.roles)}${state}`)}">${e(adminName(a))}</a>${extra ? `<span class="faint" title="${e(plural(a.gaps.length - 1, 'more gap'))}">${e(extra)}</span>` : ''}${a.mfaRegistered === false ? ' <span class="tag permanent">not registered</span>' : ''}</li>`;
    })
    .join('');
  const eligible = admins.filter((a) => a.gaps[0]?.state).length;
  const note = eligible ? `<p class="small muted">${eligible === admins.length ? 'For all of them' : `For ${eligible} of them`} the gap applies while an eligible role is activated.</p>` : '';
  return `<li class="${verdict} group"><div>${verdictBadge(verdict)}<div class="small muted group-n">${admins.length} admins</div></div><div class="gap-text wide"><p><span class="muted">Same gap for ${admins.length} admins:</span> ${e(w.headline)}</p>${reasonsHtml(w.reasons, 2)}${hidden ? `<p class="small faint">and ${plural(hidden, 'more reason')} (see each admin)</p>` : ''}${note}<ul class="people">${people}</ul></div></li>`;
}

function attentionSection(ctx: Ctx, admins: AdminOut[]): string {
  const s = ctx.report.summary;
  const parts = [s.unprotected ? `${s.unprotected} unprotected` : '', s.unknown ? `${s.unknown} unknown` : '', s.partial ? `${s.partial} partly protected, grouped by shared gap` : ''].filter(Boolean);
  const head = `<div class="section-head"><h2 id="attention-h">Needs attention<span class="count">${admins.length}</span></h2><p>${e(parts.length ? `${capitalize(parts.join(', '))}; worst first.` : 'Nothing to do.')}</p></div>`;
  if (!admins.length) {
    return `<section id="attention" aria-labelledby="attention-h">${head}<div class="card all-good">${SHIELD}<span>Every admin is protected by MFA in every sign-in situation${s.excluded ? ' (excluded break-glass accounts aside)' : ''}.</span></div></section>`;
  }
  const items = attentionEntries(admins).map((x) => (x.kind === 'admin' ? attentionAdmin(x.admin, ctx) : attentionGroup(x.admins, x.gap)));
  return `<section id="attention" aria-labelledby="attention-h">${head}<ol class="card attention">${items.join('\n')}</ol></section>`;
}

// ─── Trends ──────────────────────────────────────────────────────────────────────────────────────────

function trendSummary(trend: TrendPoint[]): string {
  const first = trend[0];
  const last = trend[trend.length - 1];
  if (!first || !last) return 'No evaluation runs recorded yet.';
  return `${plural(trend.length, 'evaluation run')} from ${formatTime(first.time)} to ${formatTime(last.time)}. Latest: ${VERDICT_SERIES.map((v) => `${last[v]} ${VERDICT_LABEL[v].toLowerCase()}`).join(', ')}.`;
}

function findingsSummary(days: FindingsDay[]): string {
  const total = days.reduce((n, d) => n + d.high + d.medium + d.low, 0);
  const high = days.reduce((n, d) => n + d.high, 0);
  const medium = days.reduce((n, d) => n + d.medium, 0);
  const low = days.reduce((n, d) => n + d.low, 0);
  return `${plural(total, 'finding')} raised over ${plural(days.length, 'day')}: ${high} high, ${medium} medium, ${low} low.`;
}

function trendsSection(ctx: Ctx): string {
  const { model } = ctx;
  const trend = model.trend;
  const days = model.findingsPerDay;
  const trendBody =
    trend.length >= 2
      ? `<div class="chart-box"><canvas id="chart-verdicts" role="img" aria-label="${e(`Admins by verdict over time. ${trendSummary(trend)}`)}">${e(trendSummary(trend))}</canvas></div>`
      : `<div class="chart-fallback" id="trend-fallback"><p>${trend.length === 1 ? `One evaluation run so far (${e(formatTime(trend[0]?.time))}): ${VERDICT_SERIES.map((v) => `${trend[0]?.[v] ?? 0} ${e(VERDICT_LABEL[v].toLowerCase())}`).join(', ')}.` : 'No evaluation runs recorded yet.'}<br>The trend appears after the second evaluation run.</p></div>`;
  const anyFindings = days.some((d) => d.high + d.medium + d.low > 0);
  const findingsBody =
    days.length >= 2
      ? `<div class="chart-box"><canvas id="chart-findings" role="img" aria-label="${e(`Findings raised per day by severity. ${findingsSummary(days)}`)}">${e(findingsSummary(days))}</canvas></div>`
      : `<div class="chart-fallback" id="findings-fallback"><p>${days.length === 1 ? e(findingsSummary(days)) : 'No findings history yet.'}<br>The chart appears once there are two days of history.</p></div>`;
  return `<section id="trends" aria-labelledby="trends-h">
<div class="section-head"><h2 id="trends-h">Trends</h2><p>The last ${plural(model.days, 'day')}, from the run history.</p></div>
<div class="grid-2">
<figure class="card chart-card"><figcaption><h3>Admins by verdict</h3><p>${e(trend.length ? `${plural(trend.length, 'evaluation run')}; stacked` : 'No runs yet')}</p></figcaption>${trendBody}</figure>
<figure class="card chart-card"><figcaption><h3>Findings per day</h3><p>${e(anyFindings ? 'New findings and change events by severity (resolutions not counted)' : `No findings were raised in the last ${plural(model.days, 'day')}`)}</p></figcaption>${findingsBody}</figure>
</div>
</section>`;
}

// ─── All admins ──────────────────────────────────────────────────────────────────────────────────────

const METHOD_LABEL: Record<string, string> = {
  microsoftAuthenticatorPush: 'Authenticator push',
  microsoftAuthenticatorPasswordless: 'Authenticator passwordless',
  softwareOneTimePasscode: 'Software OTP',
  hardwareOneTimePasscode: 'Hardware OTP',
  mobilePhone: 'Mobile phone',
  alternateMobilePhone: 'Alternate phone',
  officePhone: 'Office phone',
  email: 'Email',
  fido2SecurityKey: 'FIDO2 key',
  passKeyDeviceBound: 'Passkey',
  passKeyDeviceBoundAuthenticator: 'Passkey (Authenticator)',
  windowsHelloForBusiness: 'Windows Hello',
  temporaryAccessPass: 'Temporary Access Pass',
  x509CertificateMultiFactor: 'Certificate (MFA)',
  x509CertificateSingleFactor: 'Certificate',
  securityQuestion: 'Security questions',
};

function methodName(m: string): string {
  return METHOD_LABEL[m] ?? capitalize(m.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
}

function roleItem(r: RoleOut): string {
  const tags: string[] = [];
  tags.push(r.assignment === 'eligible' ? '<span class="tag eligible">eligible</span>' : '<span class="tag">active</span>');
  if (r.activatedNow) tags.push('<span class="tag active-now">activated now</span>');
  if (r.permanent) tags.push('<span class="tag permanent">permanent</span>');
  else if (r.endDateTime) tags.push(`<span class="tag" title="${e(r.endDateTime)}">until ${e(formatTime(r.endDateTime).slice(0, 10))}</span>`);
  const via = roleVia(r);
  if (via) tags.push(`<span class="tag">${e(via)}</span>`);
  if (r.scope !== 'tenant') tags.push(`<span class="tag scope" title="${e(r.directoryScopeId)}">${r.scope === 'administrativeUnit' ? 'admin unit scope' : 'object scope'}</span>`);
  if (r.roleKind === 'custom') tags.push('<span class="tag">custom role</span>');
  return `<li><span class="rn">${e(r.roleName)}</span><span class="tags">${tags.join('')}</span></li>`;
}

/** A gap's headline and every reason (R-EXPLAIN-1/2); reports written before them fall back to the sentence. */
export function gapParts(g: GapOut): { headline: string; reasons: string[] } {
  if (g.headline !== undefined && g.reasons !== undefined) return { headline: g.headline, reasons: g.reasons };
  const w = gapWords(g.summary);
  return { headline: w.headline, reasons: w.reasons };
}

function fixLine(g: GapOut): string {
  if (g.fix?.proposalId) return `<p class="small fix-line">Fix: <a href="#${e(g.fix.proposalId)}">${e(g.fix.title ?? g.fix.proposalId)}</a>${g.fix.alternatives.length ? ` <span class="faint">(${plural(g.fix.alternatives.length, 'alternative')}: ${g.fix.alternatives.map((id) => `<a href="#${e(id)}">${e(id)}</a>`).join(', ')})</span>` : ''}</p>`;
  if (g.fix?.reason) return `<p class="small faint fix-line">No fix: ${e(g.fix.reason)}</p>`;
  return '';
}

function gapItem(g: GapOut, ctx: Ctx): string {
  const w = gapParts(g);
  const reasons = w.reasons.map((r) => `<li>${e(capitalize(r))}</li>`);
  const policies = g.policyIds.length ? `<li class="faint">Policies involved: ${e(g.policyIds.map(ctx.policyName).join(', '))}</li>` : '';
  const why = reasons.length || policies ? `<details><summary>Why (${plural(w.reasons.length, 'reason')})</summary><ul class="reasons">${reasons.join('')}${policies}</ul></details>` : '';
  return `<li><span class="gap-headline">${e(w.headline)}</span>${observedHtml(g)}${why}${fixLine(g)}</li>`;
}

function policiesCell(a: AdminOut, ctx: Ctx): string {
  const parts: string[] = [];
  if (a.coveringPolicyIds.length) {
    parts.push(`<span class="lbl">Enforce MFA</span>${a.coveringPolicyIds.map((id) => `<li>${e(ctx.policyName(id))}</li>`).join('')}`);
  } else parts.push('<span class="lbl">Enforce MFA</span><li class="no">None</li>');
  if (a.wouldCoverIfEnabled.length) {
    parts.push(`<span class="lbl">Would cover if turned on</span>${a.wouldCoverIfEnabled.map((p) => `<li>${e(p.displayName)} <span class="tag">${e(POLICY_STATE_LABEL[p.state] ?? p.state)}</span></li>`).join('')}`);
  }
  const exemptions = adminExemptionLinks(ctx.report, a.id);
  if (exemptions) parts.push(exemptions);
  return `<ul class="policylist">${parts.join('')}</ul>`;
}

function searchText(a: AdminOut, ctx: Ctx): string {
  return [
    a.displayName,
    a.userPrincipalName,
    a.id,
    VERDICT_LABEL[a.verdict],
    a.userType,
    ...a.roles.flatMap((r) => [r.roleName, r.assignment, r.via.groupName, r.via.throughGroupName, r.permanent ? 'permanent' : '']),
    ...a.gaps.map((g) => g.summary),
    ...a.coveringPolicyIds.map(ctx.policyName),
    ...a.wouldCoverIfEnabled.map((p) => p.displayName),
    a.excludedBy,
  ]
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .join(' ')
    .toLowerCase();
}

function mfaCell(a: AdminOut): string {
  const state = a.mfaRegistered === null ? '<span class="faint">unknown</span>' : a.mfaRegistered ? '<span class="yes">yes</span>' : '<span class="no">no</span>';
  const methods = a.methodsRegistered?.length ? ` <span class="muted">· ${e(a.methodsRegistered.map(methodName).join(', '))}</span>` : '';
  return `<span class="muted">MFA registered:</span> ${state}${methods}`;
}

function adminRow(a: AdminOut, ctx: Ctx): string {
  const flags = [a.userType === 'Guest' ? '<span class="tag">guest</span>' : '', a.accountEnabled === false ? '<span class="tag">disabled</span>' : ''].filter(Boolean).join(' ');
  const excluded =
    a.verdict === 'excluded'
      ? `<p class="excl">${e(`Excluded from monitoring${a.excludedBy ? ` (listed by ${a.excludedBy})` : ''}.${a.coverageIfNotExcluded ? ` Otherwise it would be ${VERDICT_LABEL[a.coverageIfNotExcluded].toLowerCase()}:` : ''}`)}</p>`
      : '';
  const gaps = a.gaps.length
    ? `${excluded}<ul class="gaplist">${a.gaps.map((g) => gapItem(g, ctx)).join('')}</ul>`
    : a.verdict === 'unknown'
      ? `<span class="muted">${e(unknownReason(ctx))}</span>`
      : `${excluded}<span class="yes">No gaps</span>`;
  return `<tr id="${adminAnchor(a)}" data-verdict="${a.verdict}" data-search="${e(searchText(a, ctx))}">
<td data-label="Verdict">${verdictBadge(a.verdict)}</td>
<td data-label="Admin" class="who"><b>${e(adminName(a))}</b>${a.userPrincipalName && a.userPrincipalName !== adminName(a) ? `<span class="upn">${e(a.userPrincipalName)}</span>` : ''}<div class="mfa">${mfaCell(a)}</div>${evidenceHtml(a)}${flags ? `<div class="roles">${flags}</div>` : ''}</td>
<td data-label="Roles"><ul class="rolelist">${a.roles.map(roleItem).join('')}</ul></td>
<td data-label="Gaps">${gaps}</td>
<td data-label="Policies">${policiesCell(a, ctx)}</td>
</tr>`;
}

function adminsSection(ctx: Ctx): string {
  const { report } = ctx;
  const admins = sortAdmins(report.admins);
  const chips = [
    `<button type="button" class="chip" data-verdict-chip="all" aria-pressed="true">All <span class="c">${admins.length}</span></button>`,
    ...(['unprotected', 'unknown', 'partial', 'excluded', 'protected'] as Verdict[]).map(
      (v) => `<button type="button" class="chip" data-verdict-chip="${v}" aria-pressed="false"><i class="swatch sw-${v}" aria-hidden="true"></i>${e(VERDICT_LABEL[v])} <span class="c">${report.summary[v]}</span></button>`,
    ),
  ].join('');
  const body = admins.length
    ? `<div class="table-wrap"><table class="rtable admins" id="admins-table">
<caption class="visually-hidden">Every admin with verdict, MFA registration, roles, gaps and policies</caption>
<colgroup><col class="c-verdict"><col class="c-admin"><col class="c-roles"><col class="c-gaps"><col class="c-policies"></colgroup>
<thead><tr><th scope="col">Verdict</th><th scope="col">Admin and MFA registration</th><th scope="col">Roles</th><th scope="col">Gaps</th><th scope="col">Policies</th></tr></thead>
<tbody>
${admins.map((a) => adminRow(a, ctx)).join('\n')}
</tbody></table></div>
<p class="empty" id="filter-empty" hidden>No admin matches the filter.</p>`
    : '<p class="empty">No admins hold any of the monitored roles.</p>';
  return `<section id="admins" aria-labelledby="admins-h">
<div class="section-head"><h2 id="admins-h">All admins<span class="count">${admins.length}</span></h2><p>Every path to a monitored role: direct, through groups, PIM-eligible and PIM for Groups.</p></div>
<div class="card">
<div class="filter" role="search" aria-label="Filter admins">
<label class="visually-hidden" for="admin-filter">Filter admins by name, UPN, role, group or policy</label>
<input id="admin-filter" type="search" placeholder="Filter by name, UPN, role, group, policy…" autocomplete="off" spellcheck="false">
<div class="chips" role="group" aria-label="Show verdict">${chips}</div>
<span class="status" id="filter-status" aria-live="polite">${plural(admins.length, 'admin')}</span>
</div>
${body}
</div>
</section>`;
}

// ─── Potential admins, workload admins, unresolved principals ────────────────────────────────────────

function otherSection(ctx: Ctx): string {
  const { report } = ctx;
  const potential = report.potentialAdmins.length
    ? `<table class="rtable"><thead><tr><th scope="col">User</th><th scope="col">Could become admin through</th><th scope="col">As a member</th></tr></thead><tbody>${report.potentialAdmins
        .map((a) => {
          const owns = (a.ownerOf ?? []).map((o) => `<li>Owns ${o.assignment === 'eligible' ? '(eligible) ' : ''}PIM group <b>${e(o.groupName ?? o.groupId)}</b>: ${e(o.roles.join(', '))}</li>`).join('');
          const gap = a.gaps[0] ? `<div class="small muted">${message(gapWords(a.gaps[0].summary).headline, 90)}</div>` : '';
          return `<tr><td data-label="User" class="who"><b>${e(adminName(a))}</b>${a.userPrincipalName && a.userPrincipalName !== adminName(a) ? `<span class="upn">${e(a.userPrincipalName)}</span>` : ''}</td><td data-label="Through"><ul class="policylist">${owns || '<li class="muted">—</li>'}</ul></td><td data-label="As a member">${verdictBadge(a.verdict)}${gap}</td></tr>`;
        })
        .join('')}</tbody></table>`
    : '<p class="empty">No user can make themselves an admin by owning a role-holding group.</p>';
  const workload = report.workloadAdmins.length
    ? `<table class="rtable"><thead><tr><th scope="col">Service principal</th><th scope="col">Roles</th></tr></thead><tbody>${report.workloadAdmins
        .map((w) => `<tr><td data-label="Service principal" class="who"><b>${e(w.displayName ?? w.id)}</b>${w.appId ? `<span class="upn">App ID ${e(w.appId)}</span>` : ''}</td><td data-label="Roles"><ul class="rolelist">${w.roles.map(roleItem).join('')}</ul></td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="empty">No service principal holds a monitored role.</p>';
  const unresolved = report.unresolvedPrincipals.length
    ? `<h3 class="sub-head">Unresolved principals<span class="count">${report.unresolvedPrincipals.length}</span></h3><div class="card"><table class="rtable"><thead><tr><th scope="col">Object</th><th scope="col">Roles</th><th scope="col">Why</th></tr></thead><tbody>${report.unresolvedPrincipals
        .map((u) => `<tr><td data-label="Object"><code class="break">${e(u.id)}</code></td><td data-label="Roles">${e(u.roles.join(', '))}</td><td data-label="Why">${e(u.reason)}</td></tr>`)
        .join('')}</tbody></table></div>`
    : '';
  return `<section id="other" aria-labelledby="other-h">
<div class="section-head"><h2 id="other-h">Potential and workload admins</h2><p>Not counted as admins above, but worth a look.</p></div>
<div class="split">
<div class="card"><div class="pad"><h3>Potential admins<span class="count">${report.potentialAdmins.length}</span></h3><p class="note">Owners of role-holding PIM groups can add themselves and then activate the role.</p></div>${potential}</div>
<div class="card"><div class="pad"><h3>Workload identities with admin roles<span class="count">${report.workloadAdmins.length}</span></h3><p class="note">Service principals cannot do MFA: protect their credentials and limit their roles instead.</p></div>${workload}</div>
</div>
${unresolved}
</section>`;
}

// ─── Findings ────────────────────────────────────────────────────────────────────────────────────────

interface FindingGroup {
  severity: Severity;
  type: FindingType;
  items: Finding[];
}

function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const key = `${f.severity}|${f.type}`;
    const g = groups.get(key) ?? { severity: f.severity, type: f.type, items: [] };
    g.items.push(f);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || b.items.length - a.items.length || a.type.localeCompare(b.type));
}

/** A message that may be long: the first words, expandable to the whole text. */
function message(text: string, max = 180): string {
  if (text.length <= max) return `<span>${e(text)}</span>`;
  return `<details class="msg"><summary><span class="short">${e(truncate(text, max))} <span class="expand">more</span></span><span class="visually-hidden">Show the whole message</span></summary><span class="full">${e(text)}</span></details>`;
}

function fieldChanges(f: Finding): string[] {
  const details = (f as { details?: { fieldChanges?: unknown } }).details;
  return Array.isArray(details?.fieldChanges) ? details.fieldChanges.filter((x): x is string => typeof x === 'string') : [];
}

function diffList(lines: readonly string[]): string {
  if (!lines.length) return '';
  return `<ul class="diff">${lines
    .map((l) => {
      const i = l.indexOf(': ');
      return i > 0 ? `<li><b>${e(l.slice(0, i))}</b>: ${e(l.slice(i + 2))}</li>` : `<li>${e(l)}</li>`;
    })
    .join('')}</ul>`;
}

function findingsSection(ctx: Ctx): string {
  const { report, model } = ctx;
  const open = report.findings.filter((f) => !isAccepted(f));
  const groups = groupFindings(open);
  const list = groups.length
    ? `<ul class="card fgroups">${groups
        .map((g) => {
          const shown = g.items.slice(0, 4);
          const rest = g.items.slice(4);
          const item = (f: Finding) => `<li>${message(f.message)}${diffList(fieldChanges(f))}<div class="small faint break fid">id: ${e(f.fingerprint)}</div></li>`;
          const info = findingType(g.type);
          const fix = info ? `<p class="fix"><b>What to do:</b> ${e(info.remediation)} <span class="faint">(<span class="ftype">${e(findingDoc(g.type))}</span>)</span></p>` : '';
          return `<li data-finding-type="${e(g.type)}" data-severity="${g.severity}"><div><span class="sev ${g.severity}">${SEVERITY_LABEL[g.severity]}</span></div><div><h3>${e(findingTitle(g.type))}<span class="count">${g.items.length}</span><span class="ftype">${e(g.type)}</span></h3>${fix}<ul class="fitems">${shown.map(item).join('')}</ul>${rest.length ? `<details><summary>${rest.length} more</summary><ul class="fitems">${rest.map(item).join('')}</ul></details>` : ''}</div></li>`;
        })
        .join('\n')}</ul>`
    : '<div class="card empty">No open findings.</div>';
  // Newest first; within one run, the most severe first.
  const events = model.recentFindings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => b.f.time.localeCompare(a.f.time) || (SEVERITY_ORDER[a.f.severity] ?? 9) - (SEVERITY_ORDER[b.f.severity] ?? 9) || a.i - b.i)
    .map(({ f }) => f);
  const eventRows = events
    .map((f) => {
      const ev = f.event === 'opened' ? 'opened' : f.event === 'resolved' ? 'resolved' : 'event';
      const evLabel = ev === 'opened' ? 'Opened' : ev === 'resolved' ? 'Resolved' : 'Change';
      return `<tr><td data-label="When" class="tight">${timeHtml(f.time, ctx.now)}</td><td data-label="Event" class="tight"><span class="badge ${ev}">${evLabel}</span></td><td data-label="Severity" class="tight"><span class="sev ${f.severity}">${e(SEVERITY_LABEL[f.severity] ?? f.severity)}</span></td><td data-label="Finding"><b>${e(findingTitle(f.type))}</b><div class="small">${message(f.message, 160)}</div>${diffList(fieldChanges(f))}</td></tr>`;
    })
    .join('\n');
  const recent = events.length
    ? `<div class="card"><div class="table-wrap"><table class="rtable" id="recent-findings"><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Severity</th><th scope="col">Finding</th></tr></thead><tbody data-limit="12" data-more="recent-more">${eventRows}</tbody></table></div><button type="button" class="more-btn" id="recent-more" hidden aria-controls="recent-findings">Show all</button></div>`
    : `<div class="card empty">No finding events in the last ${plural(model.days, 'day')}.</div>`;
  const c = severityCounts(open);
  const accepted = report.findings.length - open.length;
  const chips = ['all', ...SEVERITIES].map((sv) => `<button type="button" class="chip" data-severity-chip="${sv}" aria-pressed="${sv === 'all'}">${sv === 'all' ? 'All' : SEVERITY_LABEL[sv as Severity]} <span class="c">${sv === 'all' ? open.length : c[sv as Severity]}</span></button>`).join('');
  return `<section id="findings" aria-labelledby="findings-h">
<div class="section-head"><h2 id="findings-h">Open findings<span class="count">${open.length}</span></h2><p>${c.high} high · ${c.medium} medium · ${c.low} low — grouped by kind, most severe first.${accepted ? ` ${plural(accepted, 'accepted risk')} apart, <a href="#accepted">below</a>.` : ''}</p></div>
${groups.length ? `<div class="chips findings-filter" role="group" aria-label="Show severity">${chips}</div>` : ''}
${list}
<h3 class="sub-head" id="recent-h">Recent finding events <span class="faint">(last ${plural(model.days, 'day')})</span></h3>
${recent}
</section>`;
}

// ─── Policies ────────────────────────────────────────────────────────────────────────────────────────

const STATE_ORDER: Record<string, number> = { enabled: 0, enabledForReportingButNotEnforced: 1, disabled: 2 };

function policiesSection(ctx: Ctx): string {
  const { report } = ctx;
  const admins = report.summary.admins;
  const policies = [...report.policies].sort((a, b) => (STATE_ORDER[a.state] ?? 3) - (STATE_ORDER[b.state] ?? 3) || a.displayName.localeCompare(b.displayName));
  const rows = policies
    .map((p) => {
      const stateCls = p.state === 'enabled' ? 'on' : p.state === 'disabled' ? 'off' : 'report-only';
      const w = admins ? Math.round((Math.min(p.coversAdmins, admins) / admins) * 90) : 0;
      return `<tr class="${p.state === 'enabled' ? '' : 'row-off'}"><td data-label="Policy"><b class="break">${e(p.displayName)}</b></td><td data-label="State" class="tight"><span class="badge ${stateCls}">${e(POLICY_STATE_LABEL[p.state] ?? p.state)}</span></td><td data-label="Grant">${e(capitalize(p.grant))}</td><td data-label="Enforces MFA" class="tight">${p.enforcesMfa ? '<span class="yes">Yes</span>' : '<span class="no">No</span>'}</td><td data-label="Covers admins" class="tight"><span class="covbar"><svg viewBox="0 0 90 8" preserveAspectRatio="none" aria-hidden="true"><rect width="90" height="8" fill="#eaecf0"/><rect width="${w}" height="8" fill="${p.state === 'enabled' ? '#2e90fa' : '#98a2b3'}"/></svg><span class="num">${p.coversAdmins} of ${admins}</span></span></td></tr>`;
    })
    .join('\n');
  const body = policies.length
    ? `<div class="card"><div class="table-wrap"><table class="rtable" id="policies-table"><thead><tr><th scope="col">Policy</th><th scope="col">State</th><th scope="col">Grant</th><th scope="col">Enforces MFA</th><th scope="col">Covers admins</th></tr></thead><tbody>${rows}</tbody></table></div></div>`
    : '<div class="card empty">No Conditional Access policies.</div>';
  return `<section id="policies" aria-labelledby="policies-h">
<div class="section-head"><h2 id="policies-h">Conditional Access policies<span class="count">${policies.length}</span></h2><p>“Covers” counts admins for whom the policy enforces MFA (or blocks) in at least one situation.${report.securityDefaultsEnabled ? ' Security defaults are on.' : ''}</p></div>
${body}
</section>`;
}

// ─── Changes, alerts, health ─────────────────────────────────────────────────────────────────────────

function changeRow(c: PolicyChangeRow, ctx: Ctx): string {
  const cls = c.change === 'added' ? 'added' : c.change === 'removed' ? 'removed' : 'changed';
  return `<tr><td data-label="When" class="tight">${timeHtml(c.time, ctx.now)}</td><td data-label="Object"><b class="break">${e(c.name)}</b><div class="small faint">${e(CHANGE_KIND_LABEL[c.kind] ?? c.kind)}</div></td><td data-label="Change" class="tight"><span class="badge ${cls}">${e(capitalize(c.change))}</span></td><td data-label="What changed"><div>${e(c.summary)}</div>${diffList(c.diff)}</td></tr>`;
}

/** Objects first seen together (the first collection, or a bulk import) read as one row. */
const BULK_ADDED = 5;

function bulkRow(rows: PolicyChangeRow[], ctx: Ctx): string {
  const first = rows[0] as PolicyChangeRow;
  const kinds = new Map<string, number>();
  for (const r of rows) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
  const what = [...kinds].map(([k, n]) => changeKindCount(k, n)).join(', ');
  return `<tr data-bulk="${rows.length}"><td data-label="When" class="tight">${timeHtml(first.time, ctx.now)}</td><td data-label="Object"><b>${plural(rows.length, 'object')}</b><div class="small faint">${e(what)}</div></td><td data-label="Change" class="tight"><span class="badge added">Added</span></td><td data-label="What changed"><div>First seen together: the first collection, or many objects created at once.</div><details><summary>Show the ${rows.length} objects</summary><ul class="diff">${rows.map((r) => `<li>${e(r.name)} <span class="faint">(${e(CHANGE_KIND_LABEL[r.kind] ?? r.kind)})</span></li>`).join('')}</ul></details></td></tr>`;
}

function changeRows(changes: PolicyChangeRow[], ctx: Ctx): string[] {
  const out: string[] = [];
  for (let i = 0; i < changes.length; ) {
    const c = changes[i] as PolicyChangeRow;
    let j = i;
    while (j < changes.length && changes[j]?.change === 'added' && c.change === 'added' && changes[j]?.time.slice(0, 16) === c.time.slice(0, 16)) j++;
    if (j - i >= BULK_ADDED) {
      out.push(bulkRow(changes.slice(i, j), ctx));
      i = j;
    } else {
      out.push(changeRow(c, ctx));
      i++;
    }
  }
  return out;
}

function changesSection(ctx: Ctx): string {
  const { model } = ctx;
  const body = model.policyChanges.length
    ? `<div class="card"><div class="table-wrap"><table class="rtable" id="changes-table"><thead><tr><th scope="col">When</th><th scope="col">Object</th><th scope="col">Change</th><th scope="col">What changed</th></tr></thead><tbody data-limit="10" data-more="changes-more">${changeRows(model.policyChanges, ctx).join('\n')}</tbody></table></div><button type="button" class="more-btn" id="changes-more" hidden aria-controls="changes-table">Show all</button></div>`
    : `<div class="card empty">No policy changes in the last ${plural(model.days, 'day')}.</div>`;
  return `<section id="changes" aria-labelledby="changes-h">
<div class="section-head"><h2 id="changes-h">Recent policy changes<span class="count">${model.policyChanges.length}</span></h2><p>Conditional Access, named locations, authentication strengths, security defaults and PIM settings, newest first, with field-level diffs.</p></div>
${body}
</section>`;
}

function alertsSection(ctx: Ctx): string {
  const { model } = ctx;
  const body = model.alerts.length
    ? `<div class="card"><div class="table-wrap"><table class="rtable" id="alerts-table"><thead><tr><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Subject</th></tr></thead><tbody>${model.alerts
        .map((a) => `<tr><td data-label="Created" class="tight">${timeHtml(a.createdAt, ctx.now)}</td><td data-label="Status" class="tight"><span class="badge ${statusClass(a.status)}">${e(capitalize(a.status))}</span></td><td data-label="Subject"><span class="break">${e(a.subject)}</span>${a.lastError ? `<div class="small no">${e(a.lastError)}</div>` : ''}</td></tr>`)
        .join('')}</tbody></table></div></div>`
    : `<div class="card empty">No alert digests in the last ${plural(model.days, 'day')}.</div>`;
  return `<section id="alerts" aria-labelledby="alerts-h">
<div class="section-head"><h2 id="alerts-h">Recent alerts<span class="count">${model.alerts.length}</span></h2><p>Alert digests e-mailed to ALERT_RECIPIENTS (one per run with new findings).</p></div>
${body}
</section>`;
}

const STATUS_CLASSES = new Set(['succeeded', 'partial', 'failed', 'never', 'running', 'sent', 'pending']);

/** The badge class for a run or outbox status; anything unexpected is neutral. */
function statusClass(status: string): string {
  return STATUS_CLASSES.has(status) ? status : 'neutral';
}

function healthSection(ctx: Ctx): string {
  const { model, report } = ctx;
  const collectors = model.collectors
    .map((c) => `<tr><td data-label="Collector"><b>${e(COLLECTOR_LABEL[c.collector] ?? c.collector)}</b><div class="small faint">${e(c.collector)}</div></td><td data-label="Status" class="tight"><span class="badge ${statusClass(c.status)}">${e(capitalize(c.status))}</span></td><td data-label="Last run">${c.endedAt ? timeHtml(c.endedAt, ctx.now) : '<span class="muted">never</span>'}${c.error ? `<div class="small no break">${e(c.error)}</div>` : ''}</td></tr>`)
    .join('');
  const datasets = (Object.entries(report.dataSources) as Array<[DatasetName, DatasetStatus | undefined]>)
    .filter((entry): entry is [DatasetName, DatasetStatus] => !!entry[1])
    .map(
      ([name, d]) =>
        `<tr><td data-label="Data"><b>${e(DATASET_LABEL[name] ?? name)}</b></td><td data-label="State" class="tight"><span class="badge ${e(d.state)}">${e(DATASET_STATE_LABEL[d.state] ?? d.state)}</span></td><td data-label="As of">${d.asOf ? `<time datetime="${e(d.asOf)}">${e(formatTime(d.asOf))}</time>` : '<span class="muted">—</span>'}${d.message ? `<div class="small muted">${e(d.message)}</div>` : ''}${d.permission && d.state !== 'ok' ? `<div class="small">Grant <code>${e(d.permission)}</code></div>` : ''}</td></tr>`,
    )
    .join('');
  return `<section id="health" aria-labelledby="health-h">
<div class="section-head"><h2 id="health-h">Monitor health</h2><p>A silent monitor is the worst failure: every collector should have run recently.</p></div>
<div class="split">
<div class="card"><table class="rtable" id="collectors-table"><caption class="visually-hidden">Collectors</caption><thead><tr><th scope="col">Collector</th><th scope="col">Status</th><th scope="col">Last run</th></tr></thead><tbody>${collectors}</tbody></table></div>
<div class="card"><table class="rtable" id="datasets-table"><caption class="visually-hidden">Data sources</caption><thead><tr><th scope="col">Data</th><th scope="col">State</th><th scope="col">As of</th></tr></thead><tbody>${datasets || '<tr><td colspan="3" class="muted">No data sources recorded.</td></tr>'}</tbody></table></div>
</div>
</section>`;
}
