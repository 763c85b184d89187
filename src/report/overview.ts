// The overview page over every tenant (GET /api/overview): one row per tenant, sortable by its column links
// (server-side: no script), every value escaped. The MSP digest mails the same table.
import escapeHtml from 'escape-html';
import { type OverviewRow, type OverviewSort, overviewTotals } from '../core/overview.js';

function sparkline(points: readonly number[]): string {
  if (points.length < 2) return '';
  const max = Math.max(1, ...points);
  const w = 80;
  const h = 18;
  const xy = points.map((p, i) => `${((i / (points.length - 1)) * w).toFixed(1)},${(h - (p / max) * h).toFixed(1)}`).join(' ');
  return `<svg width="${w}" height="${h}" role="img" aria-label="not fully protected admins over the latest evaluations: ${escapeHtml(points.join(', '))}"><polyline fill="none" stroke="currentColor" points="${xy}"/></svg>`;
}

function verdictCell(r: OverviewRow): string {
  if (!r.verdicts) return '<td colspan="3">never evaluated</td>';
  const v = r.verdicts;
  return `<td>${v.admins}</td><td class="${v.unprotected ? 'bad' : ''}">${v.unprotected}</td><td>${v.partial}</td>`;
}

export interface OverviewPageOptions {
  nonce: string;
  sort: OverviewSort;
  order: 'asc' | 'desc';
  now: string;
}

export function renderOverviewTable(rows: readonly OverviewRow[], link?: (sort: OverviewSort) => string): string {
  const head = (label: string, sort?: OverviewSort) => `<th>${sort && link ? `<a href="${escapeHtml(link(sort))}">${escapeHtml(label)}</a>` : escapeHtml(label)}</th>`;
  const body = rows
    .map((r) => {
      const worst = r.worst.map((f) => `<li><b>${escapeHtml(f.severity)}</b> ${escapeHtml(f.title)}: ${escapeHtml(f.subjectName)}</li>`).join('');
      const name = link ? `<a href="${escapeHtml(`report${r.own ? '' : `?tenant=${encodeURIComponent(r.tenantId)}`}`)}">${escapeHtml(r.displayName)}</a>` : escapeHtml(r.displayName);
      return `<tr><td>${name}${r.own ? ' <small>(own)</small>' : ''}${r.enabled ? '' : ' <small>(disabled)</small>'}<br><small>${escapeHtml(r.tenantId)}</small></td>${verdictCell(r)}<td>${r.openFindings.high} / ${r.openFindings.medium} / ${r.openFindings.low}</td><td><ul>${worst}</ul></td><td class="${r.stale ? 'bad' : ''}">${escapeHtml(r.dataAsOf ?? 'never')}${r.stale ? ' (stale)' : ''}</td><td>${sparkline(r.trend)}</td></tr>`;
    })
    .join('\n');
  return `<table><thead><tr>${head('Tenant', 'name')}${head('Admins')}${head('Unprotected', 'unprotected')}${head('Partial')}${head('Open findings (high / medium / low)', 'findings')}${head('Worst')}${head('Data as of', 'freshness')}${head('Trend')}</tr></thead>\n<tbody>${body}</tbody></table>`;
}

export function renderOverviewPage(rows: readonly OverviewRow[], options: OverviewPageOptions): string {
  const t = overviewTotals(rows);
  const link = (sort: OverviewSort) => `?sort=${sort}&order=${sort === options.sort && options.order === 'desc' ? 'asc' : 'desc'}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Admin MFA monitor: every tenant</title>
<style nonce="${escapeHtml(options.nonce)}">body{font:14px system-ui,sans-serif;margin:1rem}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}ul{margin:0;padding-left:1rem}.bad{color:#b00020;font-weight:600}</style></head>
<body><h1>Every tenant</h1><p>${t.tenants} tenants, ${t.admins} admins: ${t.unprotected} unprotected, ${t.partial} partly protected; ${t.high} open high findings; ${t.stale} tenants with stale data. As of ${escapeHtml(options.now)}.</p>
${renderOverviewTable(rows, link)}</body></html>`;
}
