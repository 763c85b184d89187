// The report page's stylesheet (inlined with the CSP nonce: no external resources, no style attributes).
export const REPORT_CSS = `
:root {
  --bg: #f4f5f7;
  --card: #ffffff;
  --border: #e4e7ec;
  --border-strong: #d0d5dd;
  --text: #101828;
  --text-2: #344054;
  --muted: #475467;
  --faint: #667085;
  --accent: #1d4ed8;
  --ink: #0c1425;
  --ok-fg: #067647; --ok-bg: #ecfdf3; --ok-bd: #abefc6;
  --warn-fg: #93370d; --warn-bg: #fffaeb; --warn-bd: #fedf89;
  --bad-fg: #b42318; --bad-bg: #fef3f2; --bad-bd: #fecdca;
  --unk-fg: #5925dc; --unk-bg: #f4f3ff; --unk-bd: #d9d6fe;
  --off-fg: #344054; --off-bg: #f2f4f7; --off-bd: #d0d5dd;
  --radius: 10px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.06);
  --font: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "Noto Sans", sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; scroll-behavior: smooth; scroll-padding-top: 64px; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.5 var(--font); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid #84adff; outline-offset: 2px; border-radius: 4px; }
h1, h2, h3 { margin: 0; line-height: 1.25; }
h2 { font-size: 20px; font-weight: 650; letter-spacing: -0.01em; }
h3 { font-size: 15px; font-weight: 650; }
p { margin: 0; }
ul, ol { margin: 0; padding: 0; }
code, .mono { font-family: var(--mono); font-size: 12px; }
.wrap { max-width: 1360px; margin: 0 auto; padding: 0 32px; }
.muted { color: var(--muted); }
.faint { color: var(--faint); }
.small { font-size: 12.5px; }
.nowrap { white-space: nowrap; }
.num { font-variant-numeric: tabular-nums; }
.break { overflow-wrap: anywhere; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip { position: absolute; left: -9999px; top: 8px; background: #fff; padding: 8px 12px; z-index: 10; }
.skip:focus { left: 8px; }

/* Masthead */
.masthead { background: var(--ink); color: #fff; padding: 26px 0 22px; }
.brand { display: flex; align-items: center; gap: 8px; font-size: 12px; font-weight: 600; letter-spacing: 0.12em; text-transform: uppercase; color: #98a2b3; }
.brand svg { flex: none; }
.masthead h1 { font-size: 28px; font-weight: 700; margin-top: 8px; letter-spacing: -0.015em; overflow-wrap: anywhere; }
.tenant-id { display: block; margin-top: 4px; font: 12.5px var(--mono); color: #98a2b3; overflow-wrap: anywhere; }
.meta { display: flex; flex-wrap: wrap; gap: 10px 36px; margin: 18px 0 0; }
.meta div { min-width: 0; }
.meta dt { font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.08em; color: #98a2b3; }
.meta dd { margin: 2px 0 0; font-size: 14px; color: #f2f4f7; }
.meta dd .muted { color: #98a2b3; }
.freshness { margin-top: 18px; display: flex; align-items: flex-start; gap: 8px; font-size: 13.5px; color: #d0d5dd; }
.freshness .dot { width: 9px; height: 9px; border-radius: 50%; margin-top: 6px; flex: none; background: #32d583; }
.freshness.warn .dot { background: #fdb022; }
.freshness.bad .dot { background: #f97066; }

/* Section navigation */
.toc { position: sticky; top: 0; z-index: 5; background: rgba(255, 255, 255, 0.96); border-bottom: 1px solid var(--border); }
.toc .wrap { display: flex; gap: 4px; overflow-x: auto; scrollbar-width: none; }
.toc a { flex: none; padding: 12px 10px; color: var(--text-2); font-weight: 550; font-size: 13.5px; border-bottom: 2px solid transparent; }
.toc a:hover { color: var(--text); border-bottom-color: var(--border-strong); text-decoration: none; }
.toc .n { display: inline-block; min-width: 20px; margin-left: 4px; padding: 0 6px; border-radius: 10px; font-size: 11.5px; line-height: 18px; text-align: center; background: var(--off-bg); color: var(--muted); }
.toc .n.bad { background: var(--bad-bg); color: var(--bad-fg); }

main.wrap { padding-top: 24px; padding-bottom: 48px; }
section { margin-top: 36px; }
section:first-child { margin-top: 0; }
.section-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 6px 16px; margin-bottom: 14px; }
.section-head p { color: var(--muted); font-size: 13.5px; }
.count { display: inline-block; margin-left: 6px; padding: 0 8px; border-radius: 10px; font-size: 12.5px; line-height: 20px; vertical-align: 2px; background: var(--off-bg); color: var(--muted); font-weight: 600; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
.pad { padding: 18px 20px; }
.sub-head { margin: 26px 0 12px; }
.note { color: var(--muted); font-size: 13px; }
.empty { padding: 18px 20px; color: var(--muted); }

/* Banners */
.banner { display: flex; gap: 12px; padding: 14px 18px; border-radius: var(--radius); border: 1px solid; margin-bottom: 20px; }
.banner.warn { background: var(--warn-bg); border-color: var(--warn-bd); color: var(--warn-fg); }
.banner.bad { background: var(--bad-bg); border-color: var(--bad-bd); color: var(--bad-fg); }
.banner h2 { font-size: 15px; }
.banner ul { margin-top: 6px; padding-left: 18px; }
.banner li { margin-top: 3px; color: var(--text-2); }
.banner svg { flex: none; margin-top: 2px; }

/* Summary */
.headline { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 16px 32px; align-items: center; padding: 22px 24px; }
.headline .lead { font-size: 21px; line-height: 1.35; font-weight: 600; letter-spacing: -0.01em; }
.headline .lead .bad { color: var(--bad-fg); }
.headline .lead .warn { color: #b54708; }
.headline .lead .ok { color: var(--ok-fg); }
.headline .sub { margin-top: 6px; color: var(--muted); }
.score { text-align: right; }
.score .v { font-size: 34px; font-weight: 700; line-height: 1; }
.score .v small { font-size: 16px; color: var(--faint); font-weight: 600; }
.score .l { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; margin-top: 6px; }
.stackbar { grid-column: 1 / -1; }
.stackbar svg { display: block; width: 100%; height: 14px; border-radius: 7px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin-top: 10px; font-size: 13px; color: var(--text-2); }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.sw-protected { background: #12b76a; } .sw-partial { background: #f79009; } .sw-unprotected { background: #d92d20; } .sw-unknown { background: #7a5af8; } .sw-excluded { background: #98a2b3; }
.swatch { width: 10px; height: 10px; border-radius: 3px; display: inline-block; flex: none; }
.kpis { display: grid; grid-template-columns: repeat(7, minmax(0, 1fr)); gap: 12px; margin-top: 14px; }
.kpi { position: relative; padding: 14px 16px 14px 18px; overflow: hidden; }
.kpi::before { content: ""; position: absolute; left: 0; top: 0; bottom: 0; width: 4px; background: var(--border-strong); }
.kpi.protected::before { background: #12b76a; }
.kpi.partial::before { background: #f79009; }
.kpi.unprotected::before { background: #d92d20; }
.kpi.unknown::before { background: #7a5af8; }
.kpi.excluded::before { background: #98a2b3; }
.kpi.registered::before { background: #2e90fa; }
.kpi .label { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
.kpi .value { font-size: 30px; font-weight: 700; line-height: 1.15; margin-top: 4px; font-variant-numeric: tabular-nums; }
.kpi .value small { font-size: 15px; color: var(--faint); font-weight: 600; }
.kpi.unprotected.hot { background: var(--bad-bg); border-color: var(--bad-bd); }
.kpi.unprotected.hot .value { color: var(--bad-fg); }
.kpi .hint { font-size: 12px; color: var(--faint); margin-top: 2px; }
.summary-row { display: grid; grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); gap: 12px; margin-top: 12px; }
.summary-row h3 { margin-bottom: 8px; }
.notes { padding-left: 18px; color: var(--text-2); font-size: 13px; }
.notes li { margin-top: 3px; overflow-wrap: anywhere; }
.sevcounts { display: flex; gap: 10px; flex-wrap: wrap; }
.sevcount { display: flex; align-items: baseline; gap: 8px; padding: 8px 14px; border-radius: 8px; background: var(--off-bg); }
.sevcount b { font-size: 22px; font-variant-numeric: tabular-nums; }
.sevcount.high { background: var(--bad-bg); color: var(--bad-fg); }
.sevcount.medium { background: var(--warn-bg); color: var(--warn-fg); }
.toptypes { margin-top: 10px; list-style: none; font-size: 13px; }
.toptypes li { display: flex; gap: 8px; align-items: baseline; padding: 3px 0; }
.toptypes li .t { flex: 1; min-width: 0; }
.stats-h { margin-top: 16px; padding-top: 12px; border-top: 1px solid var(--border); }
.stats { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 8px; margin: 0; }
.stats div { padding: 8px 10px; border-radius: 8px; background: #f9fafb; border: 1px solid var(--border); }
.stats dt { font-size: 11.5px; color: var(--muted); line-height: 1.3; }
.stats dd { margin: 2px 0 0; font-size: 20px; font-weight: 700; }
.events-note { margin-top: 12px; padding-top: 10px; border-top: 1px solid var(--border); }

/* Badges */
.badge { display: inline-flex; align-items: center; gap: 6px; padding: 1px 9px; border-radius: 999px; border: 1px solid; font-size: 12px; font-weight: 600; line-height: 20px; white-space: nowrap; }
.badge::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.badge.protected, .badge.ok, .badge.succeeded, .badge.sent, .badge.on { color: var(--ok-fg); background: var(--ok-bg); border-color: var(--ok-bd); }
.badge.partial, .badge.stale, .badge.pending, .badge.report-only, .badge.running { color: var(--warn-fg); background: var(--warn-bg); border-color: var(--warn-bd); }
.badge.unprotected, .badge.failed, .badge.unavailable, .badge.removed { color: var(--bad-fg); background: var(--bad-bg); border-color: var(--bad-bd); }
.badge.unknown { color: var(--unk-fg); background: var(--unk-bg); border-color: var(--unk-bd); }
.badge.excluded, .badge.never, .badge.off, .badge.notLicensed, .badge.neutral { color: var(--off-fg); background: var(--off-bg); border-color: var(--off-bd); }
.badge.added, .badge.opened { color: #175cd3; background: #eff8ff; border-color: #b2ddff; }
.badge.resolved { color: var(--ok-fg); background: var(--ok-bg); border-color: var(--ok-bd); }
.badge.event, .badge.changed { color: #3538cd; background: #eef4ff; border-color: #c7d7fe; }
.badge.plain::before { display: none; }
.sev { display: inline-block; min-width: 62px; padding: 1px 8px; border-radius: 4px; font-size: 11px; font-weight: 700; letter-spacing: 0.06em; text-transform: uppercase; text-align: center; line-height: 19px; }
.sev.high { background: #b42318; color: #fff; }
.sev.medium { background: #f5b83d; color: #1f1300; }
.sev.low { background: #5b6b7f; color: #fff; }
.tag { display: inline-block; max-width: 100%; padding: 0 6px; border-radius: 4px; font-size: 11.5px; line-height: 18px; background: var(--off-bg); color: var(--text-2); border: 1px solid var(--border); overflow-wrap: anywhere; }
.tag.eligible { background: #eef4ff; color: #3538cd; border-color: #c7d7fe; }
.tag.permanent { background: var(--warn-bg); color: var(--warn-fg); border-color: var(--warn-bd); }
.tag.scope { background: #fdf2fa; color: #c11574; border-color: #fcceee; }
.tag.active-now { background: var(--ok-bg); color: var(--ok-fg); border-color: var(--ok-bd); }
.yes { color: var(--ok-fg); font-weight: 600; }
.no { color: var(--bad-fg); font-weight: 600; }

/* Needs attention */
.attention { list-style: none; }
.attention > li { display: grid; grid-template-columns: 118px minmax(200px, 300px) minmax(0, 1fr); gap: 6px 20px; padding: 14px 20px; border-top: 1px solid var(--border); }
.attention > li:first-child { border-top: 0; }
.attention > li.unprotected { background: linear-gradient(90deg, var(--bad-bg), #fff 60%); }
.who b { display: block; font-weight: 650; overflow-wrap: break-word; }
.who .upn { display: block; color: var(--muted); font-size: 12.5px; overflow-wrap: anywhere; }
.who .roles { margin-top: 4px; font-size: 12.5px; color: var(--text-2); }
.gap-text { color: var(--text); }
.gap-text .why { margin-top: 4px; color: var(--muted); font-size: 13px; }
.gap-text .more-link { display: inline-block; margin-top: 4px; font-size: 12.5px; }
.attention > li .wide { grid-column: 2 / -1; }
.group-n { margin-top: 6px; padding-left: 2px; }
.people { list-style: none; display: flex; flex-wrap: wrap; gap: 6px; margin-top: 10px; }
.people li { display: inline-flex; align-items: center; gap: 4px; padding: 2px 10px; border: 1px solid var(--border); border-radius: 999px; background: #fff; font-size: 13px; }
.people a { color: var(--text); font-weight: 550; }
.people a:hover { color: var(--accent); }
.all-good { display: flex; gap: 12px; align-items: center; padding: 18px 20px; color: var(--ok-fg); font-weight: 600; }

/* Charts */
.grid-2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
.chart-card { margin: 0; padding: 18px 20px 14px; }
.chart-card figcaption p { color: var(--muted); font-size: 13px; margin-top: 2px; }
.chart-box { position: relative; height: 260px; margin-top: 12px; }
.chart-box canvas { display: block; }
.chart-fallback { display: flex; align-items: center; justify-content: center; min-height: 200px; margin-top: 12px; padding: 20px; border: 1px dashed var(--border-strong); border-radius: 8px; color: var(--muted); text-align: center; }

/* Tables */
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 10px 14px; text-align: left; vertical-align: top; border-top: 1px solid var(--border); }
thead th { border-top: 0; background: #f9fafb; color: var(--muted); font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; white-space: nowrap; }
thead th:first-child { border-top-left-radius: var(--radius); }
thead th:last-child { border-top-right-radius: var(--radius); }
tbody tr:hover { background: #fcfcfd; }
tbody tr:target { background: #eff8ff; box-shadow: inset 3px 0 0 var(--accent); }
td.tight, th.tight { width: 1%; white-space: nowrap; }
table.admins { table-layout: fixed; }
col.c-verdict { width: 128px; }
col.c-admin { width: 250px; }
col.c-roles { width: 270px; }
col.c-policies { width: 230px; }
td.who { min-width: 180px; }
.who .mfa { margin-top: 6px; font-size: 12.5px; }
.rolelist { list-style: none; }
.rolelist li + li { margin-top: 6px; }
.rolelist .rn { font-weight: 550; }
.rolelist .tags { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 2px; }
.gaplist { list-style: none; }
.gaplist > li + li { margin-top: 10px; padding-top: 10px; border-top: 1px dashed var(--border); }
.reasons { margin-top: 4px; padding-left: 16px; color: var(--muted); font-size: 12.5px; }
.reasons li { margin-top: 2px; }
details > summary { cursor: pointer; color: var(--accent); font-size: 12.5px; margin-top: 3px; }
details > summary::marker { color: var(--faint); }
details.msg > summary { color: inherit; font-size: inherit; margin-top: 0; list-style: none; display: block; }
details.msg > summary::-webkit-details-marker { display: none; }
details.msg .expand { color: var(--accent); font-weight: 600; white-space: nowrap; }
details.msg[open] > summary .short { display: none; }
details.msg:not([open]) > .full { display: none; }
.policylist { list-style: none; font-size: 13px; }
.policylist li + li { margin-top: 3px; }
.policylist .lbl { display: block; font-size: 11.5px; color: var(--faint); text-transform: uppercase; letter-spacing: 0.04em; margin-top: 6px; }
.policylist .lbl:first-child { margin-top: 0; }
.diff { list-style: none; margin-top: 4px; }
.diff li { font-family: var(--mono); font-size: 12px; color: var(--text-2); overflow-wrap: anywhere; }
.diff li b { color: var(--text); font-weight: 600; }
.excl { font-size: 12.5px; color: var(--muted); margin-bottom: 6px; }
.covbar { display: flex; align-items: center; gap: 10px; min-width: 150px; }
.covbar svg { width: 90px; height: 8px; flex: none; border-radius: 4px; }
.row-off td { color: var(--faint); }
.more-btn { display: block; width: 100%; padding: 10px; border: 0; border-top: 1px solid var(--border); background: #f9fafb; color: var(--accent); font: 600 13px var(--font); cursor: pointer; border-radius: 0 0 var(--radius) var(--radius); }
.more-btn:hover { background: #f2f4f7; }

/* Filter */
.filter { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 14px; padding: 14px 16px; border-bottom: 1px solid var(--border); }
.filter input { width: 300px; max-width: 100%; padding: 8px 12px; border: 1px solid var(--border-strong); border-radius: 8px; font: inherit; color: var(--text); background: #fff; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; }
.chip { display: inline-flex; align-items: center; gap: 6px; padding: 5px 12px; border: 1px solid var(--border-strong); border-radius: 999px; background: #fff; color: var(--text-2); font: 600 13px var(--font); cursor: pointer; }
.chip .c { font-variant-numeric: tabular-nums; color: var(--faint); font-weight: 600; }
.chip .swatch { width: 8px; height: 8px; border-radius: 50%; }
.chip[aria-pressed="true"] { background: var(--ink); border-color: var(--ink); color: #fff; }
.chip[aria-pressed="true"] .c { color: #d0d5dd; }
.filter .status { margin-left: auto; color: var(--muted); font-size: 13px; }

/* Two-column sections */
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; align-items: start; }

/* Findings */
.fgroups { list-style: none; }
.fgroups > li { display: grid; grid-template-columns: 76px minmax(0, 1fr); gap: 4px 14px; padding: 14px 20px; border-top: 1px solid var(--border); }
.fgroups > li:first-child { border-top: 0; }
.fgroups h3 { font-size: 14.5px; }
.fgroups h3 .count { vertical-align: 1px; }
.fitems { list-style: none; margin-top: 6px; }
.fitems li { margin-top: 5px; font-size: 13px; color: var(--text-2); }
.fitems li b { color: var(--text); font-weight: 600; }
.ftype { font: 11.5px var(--mono); color: var(--faint); margin-left: 6px; }
.fgroups .fix { margin: 2px 0 6px; font-size: 13px; color: var(--muted, #475467); }
.fgroups .fix .ftype { margin-left: 0; }

footer { padding: 24px 0 40px; color: var(--faint); font-size: 12.5px; border-top: 1px solid var(--border); }
footer .wrap { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 8px 24px; }

/* Fixes, accepted risks, downloads (issue 18) */
.fixes { list-style: none; }
.fixes > li { padding: 16px 18px; border-bottom: 1px solid var(--border); }
.fixes > li:last-child { border-bottom: 0; }
.fixes h3 { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 10px; }
.fixes .changes { margin: 8px 0 8px 18px; }
.fixes .changes li { margin: 2px 0; overflow-wrap: anywhere; }
.fixes p { margin: 6px 0; }
.fixes .verified { color: var(--ok-fg); }
.request { margin-top: 10px; border: 1px solid var(--border); border-radius: 8px; background: #f9fafb; }
.req-head { display: flex; align-items: center; justify-content: space-between; gap: 10px; padding: 6px 10px; border-bottom: 1px solid var(--border); }
.request pre { margin: 0; padding: 10px 12px; overflow-x: auto; font: 12px/1.45 var(--mono); white-space: pre; }
.copy-btn, .dl-btn { padding: 4px 12px; border: 1px solid var(--border-strong); border-radius: 6px; background: #fff; color: var(--text-2); font: 600 12.5px var(--font); cursor: pointer; }
.copy-btn[data-copied] { color: var(--ok-fg); border-color: var(--ok-bd); }
.alternatives { margin-top: 12px; }
.alternatives > summary { padding: 12px 18px; cursor: pointer; font-weight: 600; }
.fix-line { margin-top: 4px; }
.downloads { list-style: none; display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 10px 18px; margin-bottom: 10px; }
.downloads li { display: flex; align-items: center; gap: 8px; }
.downloads .t { flex: 1; font-weight: 600; }
.findings-filter { margin: 0 0 10px; }
.fid { margin-top: 2px; }

@media (max-width: 1180px) {
  .kpis { grid-template-columns: repeat(4, minmax(0, 1fr)); }
  .attention > li { grid-template-columns: 118px minmax(0, 1fr); }
  .attention > li .gap-text { grid-column: 2; }
  col.c-policies { width: 200px; }
  col.c-roles { width: 230px; }
}
@media (max-width: 900px) {
  .grid-2, .split, .summary-row { grid-template-columns: minmax(0, 1fr); }
  .kpis { grid-template-columns: repeat(3, minmax(0, 1fr)); }
}
@media (max-width: 720px) {
  .wrap { padding: 0 16px; }
  .masthead { padding: 20px 0 18px; }
  .masthead h1 { font-size: 23px; }
  .meta { gap: 10px 22px; }
  .headline { grid-template-columns: minmax(0, 1fr); padding: 18px; }
  .headline .lead { font-size: 18px; }
  .score { text-align: left; }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 10px; }
  .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .kpi .value { font-size: 26px; }
  .attention > li { grid-template-columns: minmax(0, 1fr); padding: 14px 16px; }
  .attention > li .gap-text, .attention > li .wide { grid-column: auto; }
  table.admins { table-layout: auto; }
  .fgroups > li { grid-template-columns: minmax(0, 1fr); padding: 14px 16px; }
  .filter input { width: 100%; }
  .filter .status { margin-left: 0; }
  .chart-box { height: 230px; }
  /* Tables become cards: one block per row, each cell labelled by its column. */
  table.rtable thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.rtable, table.rtable tbody, table.rtable tr, table.rtable td, table.rtable th { display: block; width: 100%; }
  table.rtable tr { padding: 12px 16px; border-top: 1px solid var(--border); }
  table.rtable tbody tr:first-child { border-top: 0; }
  table.rtable td, table.rtable th { position: relative; min-height: 26px; padding: 4px 0 4px 108px; border: 0; min-width: 0; }
  table.rtable td::before, table.rtable th::before { content: attr(data-label); position: absolute; left: 0; top: 6px; width: 98px; color: var(--faint); font-size: 11px; font-weight: 600; line-height: 1.3; text-transform: uppercase; letter-spacing: 0.04em; }
  table.rtable td.tight, table.rtable th.tight { width: 100%; white-space: normal; }
}
@media print {
  @page { margin: 14mm; }
  body { background: #fff; font-size: 11.5px; }
  .toc, .filter, .more-btn, .skip, .copy-btn, .dl-btn, .chips, #export { display: none !important; }
  .request pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
  .fixes > li, .request, #accepted-table tr { break-inside: avoid; }
  .fgroups > li[hidden] { display: grid !important; }
  details > summary { list-style: none; }
  .masthead { background: #fff; color: var(--text); padding: 0 0 12px; border-bottom: 2px solid var(--text); }
  .masthead h1, .meta dd { color: var(--text); }
  .freshness { color: var(--text-2); }
  .wrap { max-width: none; padding: 0; }
  .card { box-shadow: none; break-inside: auto; }
  section { break-inside: auto; margin-top: 22px; }
  h2, h3 { break-after: avoid; }
  tr, .attention > li, .fgroups > li, .kpi, .chart-card { break-inside: avoid; }
  .kpis { grid-template-columns: repeat(4, minmax(0, 1fr)); }
  .grid-2, .summary-row, .split { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .table-wrap { overflow: visible; }
  tbody tr[hidden] { display: table-row !important; }
  a { color: inherit; }
  .badge, .sev, .tag, .kpi::before, .swatch, .stackbar svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
