// The CLI of issue 18, as a user runs it (the compiled bin on the demo tenant): `fix`, `accept`, tables that
// wrap instead of cutting (or --wide), history with names and a principal found by the start of a UPN.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FixProposal } from '../../src/core/remediation.js';
import type { Report } from '../../src/core/report.js';
import { tempDir } from '../helpers/environment.js';

const exec = promisify(execFile);
const CLI = new URL('../../dist/devkit/cli/main.js', import.meta.url).pathname;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 180_000, maxBuffer: 50_000_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let data: string;
let report: Report;

describe.skipIf(!existsSync(CLI))('fix, accept, wrapping and history names (needs `npm run build`)', () => {
  beforeAll(async () => {
    data = path.join(tempDir('amm-cli18-'), 'data');
    const r = await cli(['check', '--json', '--data-dir', data]);
    expect(r.code, r.stderr).toBe(0);
    report = JSON.parse(r.stdout) as Report;
  }, 180_000);

  it('check --json carries every gap with its headline, every reason and its verified fix (the contract, fields added)', () => {
    const gaps = report.admins.filter((a) => a.verdict === 'partial' || a.verdict === 'unprotected').flatMap((a) => a.gaps);
    expect(gaps.length).toBeGreaterThan(10);
    for (const g of gaps) {
      expect(g.headline).toBeTruthy();
      expect(g.reasons?.length).toBeGreaterThan(0);
      expect(g.fix?.proposalId, g.summary).toMatch(/^fix-/);
    }
    expect(report.remediation?.fixed).toBe(report.remediation?.gaps);
    expect(report.numbers?.findings.open).toBe(report.findings.length);
  });

  it('fix --json lists the proposals with their requests; fix --admin shows one admin\'s gaps, reasons and fixes', async () => {
    const json = await cli(['fix', '--json', '--data-dir', data]);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as { proposals: FixProposal[]; gaps: Array<{ admin: string; fix: { proposalId: string } }> };
    const first = out.proposals[0] as FixProposal;
    expect(first.requests[0]?.method).toBe('PATCH');
    expect(first.requests[0]?.path).toMatch(/^\/identity\/conditionalAccess\/policies\//);
    expect(first.verification).toMatchObject({ gapClosed: true, adminsLosingCoverage: 0 });

    const one = await cli(['fix', '--admin', 'carlos.ruiz', '--data-dir', data]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain("No MFA from trusted location 'Contoso HQ'");
    expect(one.stdout).toContain('smallest:');
    expect(one.stdout).toMatch(/PATCH https:\/\/graph\.microsoft\.com\/v1\.0\/identity\/conditionalAccess\/policies\/[0-9a-f-]+/);
    expect(one.stdout).toContain("az rest --method PATCH");
    const none = await cli(['fix', '--admin', 'nobody-at-all', '--data-dir', data]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("fix: --admin: no admin matches 'nobody-at-all'");
  });

  it('accept: a finding is accepted, listed, shown apart by check, and bad input names the field', async () => {
    const finding = report.findings.find((f) => f.type === 'admin-unprotected')?.fingerprint as string;
    const ok = await cli(['accept', finding, '--reason', 'service account, IP-restricted, reviewed quarterly', '--until', '2099-01-01', '--data-dir', data]);
    expect(ok.code).toBe(2);
    expect(ok.stderr).toContain('until: at most 90 days ahead (ACCEPTED_RISK_MAX_DAYS)');
    const until = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const accepted = await cli(['accept', finding, '--reason', 'service account, IP-restricted, reviewed quarterly', '--until', until, '--owner', 'secops', '--data-dir', data]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(`accepted: ${finding} until ${until}`);
    const list = await cli(['accept', '--list', '--data-dir', data, '--wide']);
    expect(list.stdout).toContain(finding);
    expect(list.stdout).toContain('secops');
    const unknown = await cli(['accept', 'admin-unprotected:nobody', '--reason', 'a long enough reason', '--data-dir', data]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("finding: no open finding 'admin-unprotected:nobody'");
    const short = await cli(['accept', finding, '--reason', 'no', '--data-dir', data]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('reason: expected why the risk is accepted');
  });

  it('check wraps to a narrow terminal without cutting anything, and --wide does not wrap', async () => {
    const narrow = await cli(['check', '--data-dir', data], { COLUMNS: '80' });
    expect(narrow.code, narrow.stderr).toBe(0);
    const lines = narrow.stdout.split('\n');
    const table = lines.slice(lines.findIndex((l) => l.startsWith('VERDICT')));
    expect(Math.max(...table.slice(0, 40).map((l) => l.length))).toBeLessThanOrEqual(80);
    // Nothing is cut: no ellipsis in the tables, and every reason of every gap is printed whole.
    expect(narrow.stdout).not.toMatch(/\w…\s/);
    const flat = narrow.stdout.replace(/\s+/g, ' ');
    for (const a of report.admins.filter((x) => x.verdict === 'partial')) for (const g of a.gaps) for (const r of g.reasons ?? []) expect(flat, r).toContain(r.replace(/\s+/g, ' '));
    const wide = await cli(['check', '--wide', '--data-dir', data], { COLUMNS: '80' });
    expect(Math.max(...wide.stdout.split('\n').map((l) => l.length))).toBeGreaterThan(120);
  });

  it('history shows names, finds a principal by the start of its UPN or its display name, and prints CSV', async () => {
    const carlos = report.admins.find((a) => a.userPrincipalName?.startsWith('carlos.ruiz'));
    const byPrefix = await cli(['history', 'admins', '--principal', 'carlos.r', '--json', '--data-dir', data]);
    expect(byPrefix.code, byPrefix.stderr).toBe(0);
    const items = (JSON.parse(byPrefix.stdout) as { items: Array<{ principalId: string; principalName: string }> }).items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.principalId === carlos?.id && i.principalName === carlos?.userPrincipalName)).toBe(true);
    const byName = await cli(['history', 'admins', '--principal', carlos?.displayName ?? '', '--json', '--data-dir', data]);
    expect(byName.code, byName.stderr).toBe(0);
    // Assignments name the principal, the role and the group instead of their ids.
    const text = await cli(['history', 'assignments', '--wide', '--data-dir', data]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/PRINCIPAL\s+ROLE \/ GROUP/);
    expect(text.stdout).toContain('Helpdesk Administrator');
    for (const a of report.admins) if (text.stdout.includes(a.userPrincipalName ?? '~')) expect(text.stdout.includes(`  ${a.id}  `)).toBe(false);
    const ambiguous = await cli(['history', 'admins', '--principal', 'adm-', '--data-dir', data]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/principal: 'adm-' matches \d+ users/);
    const csv = await cli(['history', 'findings', '--csv', '--all', '--data-dir', data]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\r\n')[0]).toBe('time,event,severity,type,title,subjectId,subjectName,message,fingerprint,policyIds');
    expect(csv.stdout.split('\r\n').filter(Boolean).length).toBeGreaterThan(10);
  });
});
