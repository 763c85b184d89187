// End to end: the local host with the bundled demo tenant runs two full cycles, then headless Chromium opens
// GET /api/report and checks what a reader sees — numbers, the unprotected admins and their gaps, live
// charts, the admins filter — with no console errors, no CSP violations and no request leaving 127.0.0.1.
// It saves docs/report.png (1440 px) and docs/alert-digest.png (the mail the first cycle wrote, 720 px).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Logger, silentLogger } from '../../src/app/logger.js';
import { type ReportPageModel, buildReportModel } from '../../src/app/report-page.js';
import { demoFixturePath } from '../../devkit/fixture/load.js';
import type { AdminOut } from '../../src/core/report.js';
import { type Host, runStartupCycle, startHost } from '../../devkit/host/host.js';
import { gapWords } from '../../src/report/format.js';
import { tempDir } from '../helpers/environment.js';
import { type ChromiumSession, describeWithChromium, launchChromium } from './chromium.js';

// Screenshots go to docs/ only when asked (UPDATE_SCREENSHOTS=1): a test run must not rewrite tracked files.
const DOCS = process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/', import.meta.url)) : mkdtempSync(path.join(tmpdir(), 'amm-shots-'));

interface Watch {
  problems: string[];
  requests: string[];
}

/** A context that refuses (and records) every request that does not go to 127.0.0.1, and records CSP violations. */
async function guardedContext(session: ChromiumSession, width: number, height: number): Promise<{ context: BrowserContext; watch: Watch }> {
  const context = await session.newContext({ viewport: { width, height }, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-GB', timezoneId: 'UTC' });
  const watch: Watch = { problems: [], requests: [] };
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    watch.requests.push(url);
    const u = new URL(url);
    if (u.protocol === 'data:' || u.protocol === 'about:' || u.hostname === '127.0.0.1') await route.continue();
    else {
      watch.problems.push(`request left 127.0.0.1: ${url}`);
      await route.abort('blockedbyclient');
    }
  });
  await context.addInitScript({
    content: `window.__csp = []; document.addEventListener('securitypolicyviolation', function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')); });`,
  });
  return { context, watch };
}

function watchPage(page: Page, watch: Watch): void {
  page.on('console', (m) => {
    if (m.type() === 'error' || /content security policy/i.test(m.text())) watch.problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (error) => watch.problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (r) => watch.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__csp || []');
}

describeWithChromium('report page in headless Chromium (local host, demo tenant)', () => {
  let host: Host;
  let dataDir: string;
  let session: ChromiumSession;
  let model: ReportPageModel;
  let reportUrl: string;
  /** Errors the host logged (a failing function answers 500 and logs why): shown when a check fails. */
  const hostErrors: string[] = [];
  const log: Logger = { ...silentLogger, error: (m) => hostErrors.push(m) };

  beforeAll(async () => {
    dataDir = tempDir('amm-e2e-');
    host = await startHost({ env: {}, tenantFile: demoFixturePath(), dataDir, serve: true, port: 0, log });
    expect(await runStartupCycle(host)).toBe(true);
    expect(await runStartupCycle(host)).toBe(true);
    reportUrl = `${host.url}/api/report?code=${encodeURIComponent(host.functionKey)}`;
    // The data the page is rendered from (stored state only, as GET /api/report reads it).
    model = await buildReportModel(host.runtime.store, host.runtime.settings, host.runtime.source.tenant, new Date());
    session = await launchChromium();
    mkdirSync(DOCS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await host?.stop();
  });

  it('shows the summary, the unprotected admins with their gaps, live charts and a working filter', async () => {
    const summary = model.report.summary;
    expect(model.trend.length).toBeGreaterThanOrEqual(2);
    const unprotected = model.report.admins.find((a) => a.verdict === 'unprotected') as AdminOut;
    expect(unprotected, 'the demo tenant has an unprotected admin').toBeDefined();

    const { context, watch } = await guardedContext(session, 1440, 900);
    const page = await context.newPage();
    watchPage(page, watch);
    const response = await page.goto(reportUrl, { waitUntil: 'load' });
    expect(response?.status(), `GET /api/report failed; host log: ${hostErrors.join('\n') || '(nothing)'}`).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'nonce-[^']+'/);
    await page.waitForFunction('document.documentElement.getAttribute("data-charts") === "2"', undefined, { timeout: 20_000 });

    expect(await page.title()).toBe(`Admin MFA report — ${model.report.tenantName}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe(model.report.tenantName);

    // KPI cards: the same numbers as the report's summary.
    for (const key of ['admins', 'protected', 'partial', 'unprotected', 'excluded', 'unknown'] as const) {
      expect(await page.locator(`[data-kpi="${key}"] .value`).textContent(), key).toBe(String(summary[key]));
    }
    expect(await page.locator('[data-kpi="registered"] .value').textContent()).toBe(`${summary.registered} / ${summary.admins}`);
    expect(await page.locator('[data-kpi="score"] .v').textContent()).toBe(`${Math.round(summary.secureScoreEstimate * 100) / 100} / 10`);

    // Needs attention: the unprotected admin, by UPN, with the gap in plain words.
    const item = page.locator(`#attention li[data-admin="${unprotected.id}"]`);
    await expect.poll(() => item.isVisible()).toBe(true);
    expect(await item.textContent()).toContain(unprotected.userPrincipalName);
    const headline = unprotected.gaps[0]?.headline ?? gapWords(unprotected.gaps[0]?.summary ?? '').headline;
    expect(headline).toMatch(/MFA/);
    expect(await item.locator('.gap-text p').first().textContent()).toBe(headline);

    // Charts: Chart.js instances with the run history, and pixels on both canvases.
    const charts = await page.evaluate<{ verdicts: number[]; findings: number[] }>(`(() => {
      const info = (id) => { const c = window.Chart && window.Chart.getChart(id); return c ? [c.data.datasets.length, c.data.labels.length] : []; };
      return { verdicts: info('chart-verdicts'), findings: info('chart-findings') };
    })()`);
    expect(charts.verdicts).toEqual([5, model.trend.length]);
    expect(charts.findings).toEqual([3, model.findingsPerDay.length]);
    for (const id of ['chart-verdicts', 'chart-findings']) {
      const painted = await page.evaluate<number>(`(() => {
        const c = document.getElementById('${id}');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      })()`);
      expect(painted, `${id} has drawn pixels`).toBeGreaterThan(2000);
    }

    // The admins filter: text, then a verdict chip, then back to everything.
    const rows = page.locator('#admins-table tbody tr');
    const visibleRows = () => page.locator('#admins-table tbody tr:visible').count();
    expect(await rows.count()).toBe(summary.admins);
    expect(await visibleRows()).toBe(summary.admins);
    await page.locator('#admin-filter').fill(unprotected.userPrincipalName ?? unprotected.id);
    await expect.poll(visibleRows).toBe(1);
    expect(await page.locator('#filter-status').textContent()).toBe(`Showing 1 of ${summary.admins} admins`);
    expect(await page.locator(`#admins-table tbody tr:visible`).getAttribute('id')).toBe(`admin-${unprotected.id}`);
    await page.locator('#admin-filter').fill('');
    await page.locator('[data-verdict-chip="unprotected"]').click();
    await expect.poll(visibleRows).toBe(summary.unprotected);
    expect(await page.locator('[data-verdict-chip="unprotected"]').getAttribute('aria-pressed')).toBe('true');
    await page.locator('#admin-filter').fill('no-such-admin-anywhere');
    await expect.poll(visibleRows).toBe(0);
    expect(await page.locator('#filter-empty').isVisible()).toBe(true);
    await page.locator('#admin-filter').fill('');
    await page.locator('[data-verdict-chip="all"]').click();
    await expect.poll(visibleRows).toBe(summary.admins);

    // Nothing went wrong, nothing left the machine.
    expect(await cspViolations(page)).toEqual([]);
    expect(watch.problems).toEqual([]);
    expect(watch.requests.every((u) => u.startsWith(`${host.url}/`))).toBe(true);
    expect(hostErrors).toEqual([]);

    // From the top, so the sticky section bar sits where a reader first sees it.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(DOCS, 'report.png'), fullPage: true });
    await context.close();
  });

  it('stays usable at 390 px: no sideways scrolling, tables become cards', async () => {
    const { context, watch } = await guardedContext(session, 390, 844);
    const page = await context.newPage();
    watchPage(page, watch);
    const response = await page.goto(reportUrl, { waitUntil: 'load' });
    expect(response?.status(), `GET /api/report failed; host log: ${hostErrors.join('\n') || '(nothing)'}`).toBe(200);
    await page.waitForFunction('document.documentElement.getAttribute("data-charts") === "2"', undefined, { timeout: 20_000 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // The column headers are only for screen readers; each cell carries its label.
    expect((await page.locator('#admins-table thead').boundingBox())?.height ?? 0).toBeLessThanOrEqual(1);
    const label = await page.evaluate<string>(`getComputedStyle(document.querySelector('#admins-table td'), '::before').content`);
    expect(label).toBe('"Verdict"');
    expect(await cspViolations(page)).toEqual([]);
    expect(watch.problems).toEqual([]);
    await context.close();
  });

  it('renders the alert digest the first cycle mailed', async () => {
    const mailDir = path.join(dataDir, 'mail');
    const digests = readdirSync(mailDir)
      .filter((f) => f.endsWith('.html'))
      .map((f) => path.join(mailDir, f));
    expect(digests.length).toBeGreaterThan(0);
    // The first digest of a new deployment carries every open finding: the biggest file.
    const file = digests.sort((a, b) => statSync(b).size - statSync(a).size)[0] as string;
    const html = readFileSync(file, 'utf8');

    const watch: Watch = { problems: [], requests: [] };
    const mail = await session.newContext({ viewport: { width: 720, height: 900 }, deviceScaleFactor: 1, javaScriptEnabled: false });
    await mail.route('**/*', async (route) => {
      watch.problems.push(`the digest loaded ${route.request().url()}`);
      await route.abort('blockedbyclient');
    });
    const page = await mail.newPage();
    watchPage(page, watch);
    await page.setContent(html, { waitUntil: 'load' });
    expect(await page.title()).toContain(model.report.tenantName ?? model.report.tenantId);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain('Admin without MFA');
    const unprotected = model.report.admins.find((a) => a.verdict === 'unprotected');
    expect(text).toContain(unprotected?.userPrincipalName);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(720);
    expect(watch.problems).toEqual([]);
    await page.screenshot({ path: path.join(DOCS, 'alert-digest.png'), fullPage: true });
    await mail.close();
  });
});
