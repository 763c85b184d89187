// The CLI as a user runs it: the compiled bin, a fixture of one's own, a data dir; exit codes and messages.
import { execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/environment.js';
import { T, baseTenant } from '../helpers/tenant.js';

const exec = promisify(execFile);
const CLI = new URL('../../dist/devkit/cli/main.js', import.meta.url).pathname;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 20_000_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let fixture: string;

describe.skipIf(!existsSync(CLI))('admin-mfa-monitor CLI (needs `npm run build`; `npm test` builds first)', () => {
  beforeAll(() => {
    dir = tempDir();
    fixture = path.join(dir, 'other.json');
    writeFileSync(fixture, JSON.stringify(baseTenant({ signIns: 12 })));
  });

  it('run --once runs a full cycle on a fixture of one\'s own and exits 0', async () => {
    const r = await cli(['run', '--once', '--tenant', fixture, '--data-dir', path.join(dir, 'data'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; source: string; report: { tenantId: string; summary: { admins: number } } };
    expect(out.ok).toBe(true);
    expect(out.source).toContain(`simulated tenant 'Contoso Test' from ${fixture}`);
    expect(out.report.summary.admins).toBe(6);
  });

  it.each(['runs', 'assignments', 'policies', 'activations', 'signins', 'admins', 'findings', 'alerts'])('history %s --json lists what was stored', async (dataset) => {
    const r = await cli(['history', dataset, '--json', '--data-dir', path.join(dir, 'data'), '--tenant', fixture, '--all']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { items: unknown[] };
    if (dataset === 'activations' || dataset === 'alerts') expect(Array.isArray(out.items)).toBe(true);
    else expect(out.items.length, dataset).toBeGreaterThan(0);
  });

  it('history prints a readable table and refuses a bad filter with exit code 2', async () => {
    const table = await cli(['history', 'runs', '--data-dir', path.join(dir, 'data'), '--tenant', fixture]);
    expect(table.stdout).toMatch(/STARTED\s+COLLECTOR\s+STATUS/);
    const bad = await cli(['history', 'assignments', '--from', 'last tuesday', '--data-dir', path.join(dir, 'data'), '--tenant', fixture]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('from: expected an ISO 8601 date-time');
  });

  it("score prints Microsoft's number next to ours; on a fixture without Microsoft's data it says why, never 0", async () => {
    const r = await cli(['score', '--json', '--tenant', fixture, '--data-dir', path.join(dir, 'score')]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { secureScore: { microsoft: { state: string; score: number | null; reason: string }; ours: { total: number } }; enforcement: { routes: unknown[] } };
    expect(out.secureScore.microsoft).toMatchObject({ state: 'missing', score: null });
    expect(out.secureScore.microsoft.reason).toContain('no Secure Score for this tenant');
    expect(out.secureScore.ours.total).toBe(6);
    expect(out.enforcement.routes.length).toBeGreaterThan(4);
    const text = await cli(['score', '--tenant', fixture, '--data-dir', path.join(dir, 'score')]);
    expect(text.stdout).toContain('Microsoft: unavailable — Graph returned no Secure Score');
    expect(text.stdout).toMatch(/ROUTE\s+NEEDS\s+AVAILABLE/);
  });

  it('rollout shows each report-only policy\'s readiness; --policy narrows it; a bad or non-report-only id exits 2 naming the report-only ones', async () => {
    const data = path.join(dir, 'rollout');
    const r = await cli(['rollout', '--json', '--tenant', fixture, '--data-dir', data]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { signInEvidence: { available: boolean } | null; rollout: Array<{ policyId: string; verdict: string; summary: string }> };
    expect(out.signInEvidence?.available).toBe(true);
    expect(out.rollout.map((p) => p.policyId)).toEqual([T.policyAll]);
    expect(['ready', 'wouldBlock', 'noEvidence']).toContain(out.rollout[0]?.verdict);
    const one = await cli(['rollout', '--policy', T.policyAll.toUpperCase(), '--tenant', fixture, '--data-dir', data]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`MFA for everyone (${T.policyAll})`);
    expect(one.stdout).toMatch(/READY|WOULD BLOCK|NO EVIDENCE/);
    const enabled = await cli(['rollout', '--policy', T.policyAdmins, '--tenant', fixture, '--data-dir', data]);
    expect(enabled.code).toBe(2);
    expect(enabled.stderr).toContain("'Require MFA for admins' is enabled, not report-only; report-only policies: MFA for everyone");
    const bad = await cli(['rollout', '--policy', 'nope', '--tenant', fixture, '--data-dir', data]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('rollout: --policy: expected a policy id (GUID)');
  });

  it('check --json prints the check contract', async () => {
    const r = await cli(['check', '--json', '--tenant', fixture, '--data-dir', path.join(dir, 'check')]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['generatedAt', 'tenantId', 'dataSources', 'summary', 'admins', 'workloadAdmins', 'findings']) expect(report).toHaveProperty(key);
  });

  it('a malformed fixture is refused with the key, the index and what was expected', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tenantId: 't', users: [{ id: 'a' }, { id: 42 }] }));
    const r = await cli(['check', '--tenant', bad, '--data-dir', path.join(dir, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('users[1].id: expected string, received number');
  });

  it('runs side by side: a serving host, four checks and two history queries at once, each on its own data dir, none fails', async () => {
    // The host keeps running (its own HTTP port, its own embedded storage) while the others start and stop.
    const served = spawn(process.execPath, [CLI, 'run', '--tenant', fixture, '--data-dir', path.join(dir, 'side-host')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let hostOut = '';
    served.stdout.on('data', (c: Buffer) => (hostOut += c.toString()));
    served.stderr.on('data', (c: Buffer) => (hostOut += c.toString()));
    try {
      await expect.poll(() => hostOut, { timeout: 60_000, interval: 200 }).toContain('Press Ctrl+C to stop.');
      const runs = await Promise.all([
        ...[1, 2, 3, 4].map((i) => cli(['check', '--json', '--tenant', fixture, '--data-dir', path.join(dir, `side-check-${i}`)])),
        ...[1, 2].map((i) => cli(['history', 'runs', '--json', '--tenant', fixture, '--data-dir', path.join(dir, `side-history-${i}`)])),
      ]);
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      for (const r of runs.slice(0, 4)) expect((JSON.parse(r.stdout) as { summary: { admins: number } }).summary.admins).toBe(6);
      expect(served.exitCode, hostOut).toBeNull();
    } finally {
      served.kill('SIGINT');
      await new Promise((resolve) => served.once('exit', resolve));
    }
  });

  it('a bad setting is refused with a message naming it', async () => {
    const r = await cli(['check', '--tenant', fixture, '--data-dir', path.join(dir, 'bad-setting')], { SCHEDULE_ROLES: 'every 15 minutes' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SCHEDULE_ROLES: expected an NCRONTAB expression with six fields');
  });
});
