// Issue 18 in headless Chromium (local host, demo tenant): the report's CSV and JSON downloads, filters that
// live in the address (shareable, the back button undoes them), the copy button of a proposed fix, the print
// stylesheet, and the alert digest on a 390 px phone screen (at most 600 px wide anywhere).
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Logger, silentLogger } from '../../src/app/logger.js';
import type { Report } from '../../src/core/report.js';
import { toCsv } from '../../src/report/csv.js';
import { exportTables } from '../../src/report/export.js';
import { demoFixturePath } from '../../devkit/fixture/load.js';
import { type Host, runStartupCycle, startHost } from '../../devkit/host/host.js';
import { tempDir } from '../helpers/environment.js';
import { type ChromiumSession, describeWithChromium, launchChromium } from './chromium.js';

const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/', import.meta.url)) : mkdtempSync(path.join(tmpdir(), 'amm-shots-'));

describeWithChromium('report sharing and the phone-sized digest in headless Chromium (local host, demo tenant)', () => {
  let host: Host;
  let dataDir: string;
  let session: ChromiumSession;
  let reportUrl: string;
  let report: Report;
  const hostErrors: string[] = [];
  const log: Logger = { ...silentLogger, error: (m) => hostErrors.push(m) };

  beforeAll(async () => {
    dataDir = tempDir('amm-e2e18-');
    host = await startHost({ env: { CHECK_MIN_INTERVAL_SECONDS: '0' }, tenantFile: demoFixturePath(), dataDir, serve: true, port: 0, log });
    expect(await runStartupCycle(host)).toBe(true);
    reportUrl = `${host.url}/api/report?code=${encodeURIComponent(host.functionKey)}`;
    const checked = await host.invokeHttp('check', { method: 'POST', url: 'http://127.0.0.1/api/check?wait=230' });
    report = JSON.parse(checked.body) as Report;
    session = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await host?.stop();
  });

  async function open(width: number, extra = ''): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await session.newContext({ viewport: { width, height: 900 }, acceptDownloads: true, locale: 'en-GB', timezoneId: 'UTC' });
    const problems: string[] = [];
    await context.route('**/*', async (route) => {
      const u = new URL(route.request().url());
      if (u.protocol === 'blob:' || u.protocol === 'data:' || u.hostname === '127.0.0.1') await route.continue();
      else {
        problems.push(`request left 127.0.0.1: ${u.href}`);
        await route.abort('blockedbyclient');
      }
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    const response = await page.goto(`${reportUrl}${extra}`, { waitUntil: 'load' });
    expect(response?.status(), hostErrors.join('\n')).toBe(200);
    return { context, page, problems };
  }

  it('downloads admins, gaps and findings as CSV and JSON: the same rows, formula cells neutralised', async () => {
    const { context, page, problems } = await open(1280);
    const tables = exportTables((await (async () => report)()));
    for (const t of tables) {
      const [csv] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-export="${t.name}"][data-format="csv"]`).click()]);
      expect(csv.suggestedFilename()).toMatch(new RegExp(`^admin-mfa-${t.name}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
      const text = readFileSync((await csv.path()) as string, 'utf8');
      // A byte-order mark for spreadsheets, then the header and one line per row (cells may hold line breaks).
      expect(text.charCodeAt(0)).toBe(0xfeff);
      expect(text.slice(1).split('\r\n')[0]).toBe(t.columns.join(','));
      const [json] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-export="${t.name}"][data-format="json"]`).click()]);
      const rows = JSON.parse(readFileSync((await json.path()) as string, 'utf8')) as unknown[];
      expect(rows, t.name).toHaveLength(t.rows.length);
      // The page ran the server's toCsv on the rows it embedded.
      expect(text.slice(1)).toBe(toCsv(t.columns, rows as Array<Record<string, unknown>>));
    }
    expect(problems).toEqual([]);
    await context.close();
  });

  it('keeps the filters in the address: shareable, and the back button undoes them', async () => {
    const { context, page, problems } = await open(1280);
    const visible = () => page.locator('#admins-table tbody tr:visible').count();
    const s = report.summary;
    await page.locator('[data-verdict-chip="partial"]').click();
    await expect.poll(visible).toBe(s.partial);
    expect(new URL(page.url()).searchParams.get('verdict')).toBe('partial');
    await page.locator('#admin-filter').fill('carlos');
    await page.locator('#admin-filter').press('Enter');
    await page.locator('#admin-filter').blur();
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('carlos');
    await expect.poll(visible).toBe(1);
    await page.locator('[data-severity-chip="high"]').click();
    expect(new URL(page.url()).searchParams.get('severity')).toBe('high');
    expect(await page.locator('#findings .fgroups > li:visible').count()).toBe(new Set(report.findings.filter((f) => f.severity === 'high' && !f.acknowledgement).map((f) => f.type)).size);
    // Back: the severity filter goes, then the text, then the verdict.
    await page.goBack();
    await expect.poll(() => page.locator('[data-severity-chip="all"]').getAttribute('aria-pressed')).toBe('true');
    await page.goBack();
    await expect.poll(() => page.locator('#admin-filter').inputValue()).toBe('');
    await expect.poll(visible).toBe(s.partial);
    await page.goBack();
    await expect.poll(visible).toBe(s.admins);
    expect(await page.locator('[data-verdict-chip="all"]').getAttribute('aria-pressed')).toBe('true');
    // A shared address opens with the same view.
    const shared = await context.newPage();
    await shared.goto(`${reportUrl}&verdict=unprotected&severity=medium`, { waitUntil: 'load' });
    await expect.poll(() => shared.locator('#admins-table tbody tr:visible').count()).toBe(s.unprotected);
    expect(await shared.locator('[data-verdict-chip="unprotected"]').getAttribute('aria-pressed')).toBe('true');
    expect(await shared.locator('[data-severity-chip="medium"]').getAttribute('aria-pressed')).toBe('true');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('copies a proposed fix\'s exact request', async () => {
    const { context, page, problems } = await open(1280);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url });
    const first = report.remediation?.proposals.find((p) => p.closes.length > 0);
    expect(first).toBeDefined();
    const button = page.locator(`[data-copy="req-${first?.id}-0"]`);
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Copied');
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toBe(await page.locator(`#req-${first?.id}-0`).textContent());
    expect(copied).toMatch(/^PATCH https:\/\/graph\.microsoft\.com\/v1\.0\/identity\/conditionalAccess\/policies\//);
    expect(JSON.parse(copied.slice(copied.indexOf('\n\n') + 2))).toEqual(first?.requests[0]?.body);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('prints cleanly: no navigation, filters, buttons or downloads; every admin row shown', async () => {
    const { context, page, problems } = await open(1280, '&verdict=protected');
    await page.emulateMedia({ media: 'print' });
    for (const selector of ['.toc', '#export', '.filter', '.copy-btn']) expect(await page.locator(selector).first().isVisible(), selector).toBe(false);
    expect(await page.locator('#admins-table tbody tr:visible').count()).toBe(report.summary.admins);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the digest fits a 390 px phone, is at most 600 px wide on a wide screen, and links nowhere local', async () => {
    const mailDir = path.join(dataDir, 'mail');
    const file = readdirSync(mailDir)
      .filter((f) => f.endsWith('.html'))
      .map((f) => path.join(mailDir, f))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0] as string;
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/href="https?:\/\/(127\.0\.0\.1|localhost)/);
    for (const [width, shot] of [
      [390, 'alert-digest-390.png'],
      [1024, null],
    ] as const) {
      const mail = await session.newContext({ viewport: { width, height: 844 }, deviceScaleFactor: 1, javaScriptEnabled: false });
      const problems: string[] = [];
      await mail.route('**/*', async (route) => {
        problems.push(`the digest loaded ${route.request().url()}`);
        await route.abort('blockedbyclient');
      });
      const page = await mail.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `width ${width}`).toBeLessThanOrEqual(width);
      const widest = await page.evaluate<number>('Math.max(...Array.from(document.querySelectorAll("table")).map((t) => t.getBoundingClientRect().width))');
      // The outer table is the page background (100%); everything in it is the mail, at most 600 px.
      if (width === 390) expect(widest).toBeLessThanOrEqual(390);
      const inner = await page.evaluate<number>('Math.max(...Array.from(document.querySelectorAll("table table")).map((t) => t.getBoundingClientRect().width))');
      expect(inner).toBeLessThanOrEqual(600);
      // Readable text on the phone: nothing smaller than 11 px.
      const smallest = await page.evaluate<number>('Math.min(...Array.from(document.querySelectorAll("td, div, span, a")).filter((e) => e.textContent.trim()).map((e) => parseFloat(getComputedStyle(e).fontSize)))');
      expect(smallest).toBeGreaterThanOrEqual(11);
      if (shot) await page.screenshot({ path: path.join(SHOTS, shot), fullPage: true });
      expect(problems).toEqual([]);
      await mail.close();
    }
  });
});
