// One set of numbers (R-NUMBERS-1, issue 18): on the demo tenant the console, the mail's subject and header,
// the report page and the check contract count findings and admins the same way — from reportNumbers and its
// phrases — including after a risk is accepted (accepted findings are not open anywhere).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.js';
import { adminsPhrase, findingsPhrase, reportNumbers } from '../../src/core/numbers.js';
import type { Report } from '../../src/core/report.js';
import { reportText } from '../../devkit/cli/format.js';
import { demoFixturePath } from '../../devkit/fixture/load.js';
import { type Host, runStartupCycle, startHost } from '../../devkit/host/host.js';
import { tempDir } from '../helpers/environment.js';

let host: Host;
let dataDir: string;

async function check(): Promise<Report> {
  const r = await host.invokeHttp('check', { method: 'POST', url: 'http://127.0.0.1/api/check?wait=230' });
  expect(r.status, r.body).toBe(200);
  return JSON.parse(r.body) as Report;
}

function newestMail(): { subject: string; html: string } {
  const dir = path.join(dataDir, 'mail');
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).map((f) => path.join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const eml = readFileSync(files[0] as string, 'utf8');
  // The subject may be folded (RFC 5322) and in encoded words (RFC 2047) that can split a character: unfold,
  // then decode every word to bytes and join the bytes before reading them as UTF-8.
  const raw = /^Subject: ([\s\S]*?)\r?\n(?!\s)/m.exec(eml)?.[1]?.replace(/\r?\n\s+/g, ' ') ?? '';
  const parts: Buffer[] = [];
  let rest = raw;
  for (let m = /=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/i.exec(rest); m; m = /=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/i.exec(rest)) {
    parts.push(Buffer.from(rest.slice(0, m.index), 'utf8'));
    const text = m[2] ?? '';
    parts.push((m[1] ?? 'B').toUpperCase() === 'B' ? Buffer.from(text, 'base64') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1'));
    rest = rest.slice(m.index + m[0].length);
  }
  parts.push(Buffer.from(rest, 'utf8'));
  const subject = Buffer.concat(parts).toString('utf8');
  return { subject, html: readFileSync((files[0] as string).replace(/\.eml$/, '.html'), 'utf8') };
}

beforeAll(async () => {
  dataDir = tempDir('amm-numbers-');
  // Every check runs (no reuse of a result younger than a minute).
  host = await startHost({ env: { CHECK_MIN_INTERVAL_SECONDS: '0' }, tenantFile: demoFixturePath(), dataDir, serve: false, log: silentLogger });
  expect(await runStartupCycle(host)).toBe(true);
}, 240_000);

afterAll(async () => {
  await host?.stop();
});

describe('R-NUMBERS-1 one set of numbers on the demo tenant', () => {
  it('console, mail subject, mail header, report page and check contract agree', async () => {
    const report = await check();
    const numbers = reportNumbers(report);
    expect(report.numbers).toEqual(numbers);
    // The demo has findings below ALERT_MIN_SEVERITY: the mail still counts every open finding.
    expect(numbers.findings.low).toBeGreaterThan(0);
    const findings = findingsPhrase(numbers);
    const admins = adminsPhrase(numbers);

    const console = reportText(report).replace(/\s+/g, ' ');
    expect(console).toContain(`Findings: ${findings}`);
    expect(console).toContain(`Admins: ${admins}`);

    const mail = newestMail();
    expect(mail.subject).toContain(`: ${findings} — `);
    expect(mail.html).toContain(`data-numbers="findings">${findings}`);
    expect(mail.html).toContain(`data-numbers="admins">${admins}`);

    const page = await host.invokeHttp('report', { method: 'GET', url: 'http://127.0.0.1/api/report' });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<span class="count" data-numbers="open">${numbers.findings.open}</span>`);
    expect(page.body).toContain(`<h2 id="findings-h">Open findings<span class="count">${numbers.findings.open}</span>`);
    for (const key of ['admins', 'protected', 'partial', 'unprotected', 'excluded', 'unknown'] as const) expect(page.body).toContain(`data-kpi="${key}"><div class="label">`);
    expect(new RegExp(`data-kpi="admins"><div class="label">[^<]*</div><div class="value">${numbers.admins}<`).test(page.body)).toBe(true);
  });

  it('after a risk is accepted, every output counts it apart', async () => {
    const before = await check();
    const finding = before.findings.find((f) => f.type === 'admin-unprotected');
    const r = await host.invokeHttp('acknowledgements', { method: 'POST', url: 'http://127.0.0.1/api/acknowledgements', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ finding: finding?.fingerprint, reason: 'accepted for the numbers test', owner: 'secops' }) });
    expect(r.status, r.body).toBe(201);
    const after = await check();
    expect(after.numbers?.findings.open).toBe((before.numbers?.findings.open ?? 0) - 1);
    expect(after.numbers?.findings.accepted).toBe(1);
    expect(reportText(after).replace(/\s+/g, ' ')).toContain(`Findings: ${findingsPhrase(reportNumbers(after))}`);
    expect(findingsPhrase(reportNumbers(after))).toMatch(/; 1 accepted$/);
    const page = await host.invokeHttp('report', { method: 'GET', url: 'http://127.0.0.1/api/report' });
    expect(page.body).toContain(`<span class="count" data-numbers="open">${after.numbers?.findings.open}</span>`);
  });
});
